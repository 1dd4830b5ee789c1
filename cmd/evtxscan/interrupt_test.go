package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// signalChild starts evtxscan with args, feeding its standard input with
// a log: the header of healthy-day.evtx, then its chunks over and over
// (endless), or only once and then nothing while the pipe stays open
// (stalled). main waits grace after the first signal (stopGraceEnv: long
// enough for the partial report however loaded the machine, except where
// the test is of the grace). It sends sigs once the scan has read for a
// while, 100 ms apart, and returns the exit status, standard output and
// standard error; the time from the signal to the exit is logged, not
// asserted; a child still running 5 s after the grace fails the test (a
// hang).
func signalChild(t *testing.T, bin string, grace time.Duration, stalled bool, sigs []os.Signal, args ...string) (int, string, string) {
	t.Helper()
	log, err := os.ReadFile(filepath.Join("..", "..", "testdata", "evtx", "healthy-day.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	header, chunks := log[:4096], log[4096:]
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), stopGraceEnv+"="+grace.String())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	fed := make(chan struct{})
	go func() {
		stdin.Write(header)
		stdin.Write(chunks)
		close(fed)
		for !stalled {
			if _, err := stdin.Write(chunks); err != nil {
				return
			}
		}
	}()
	<-fed
	time.Sleep(300 * time.Millisecond)
	waited := make(chan error, 1)
	var took time.Duration
	start := time.Now()
	go func() {
		err := cmd.Wait()
		took = time.Since(start)
		waited <- err
	}()
	for _, sig := range sigs {
		cmd.Process.Signal(sig)
		time.Sleep(100 * time.Millisecond)
	}
	select {
	case <-waited:
	case <-time.After(grace + 5*time.Second):
		cmd.Process.Kill()
		<-waited
		t.Fatalf("%v: still running %v after the signal\n%s", sigs, grace+5*time.Second, errb.String())
	}
	t.Logf("%v: exit %d %v after the first signal", sigs, cmd.ProcessState.ExitCode(), took.Round(time.Millisecond))
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// reportGrace is the grace the tests give main for a partial report: what
// the tests check is the report, not how fast a loaded machine makes it
// (the measured stop is logged).
const reportGrace = 20 * time.Second

// SIGINT and SIGTERM stop a scan while its input is still coming: it
// reports what it read, marked partial, in every format (to --out
// atomically as usual), and exits 130.
func signalPartialReport(t *testing.T, bin string) {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		name := signalName(sig)
		for _, tc := range []struct {
			format string
			marker string // what the report starts with
		}{
			{"text", "INTERRUPTED — partial results:\nstopped by " + name + "; read in part: -;"},
			{"json", "{\n  \"schema\": \"evtxscan-scan/2\",\n  \"tool\": "},
			{"ndjson", `{"kind":"interrupted","stopped_by":"` + name + `","read":[],"partly_read":["-"],"not_read":[],"stopped_in":"-","records":`},
			{"html", "<!DOCTYPE html>"},
		} {
			t.Run(name+"/"+tc.format, func(t *testing.T) {
				dir := t.TempDir()
				out := filepath.Join(dir, "report."+tc.format)
				os.WriteFile(out, []byte("previous report"), 0o644)
				code, stdout, stderr := signalChild(t, bin, reportGrace, false, []os.Signal{sig}, "scan", "--format", tc.format, "--out", out, "-")
				if code != exitInterrupted {
					t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, stderr)
				}
				if want := "evtxscan scan: interrupted by " + name + ": partial results in " + out + " (marked INTERRUPTED): 0 of 1 inputs read to the end, "; !strings.Contains(stderr, want) {
					t.Errorf("standard error %q does not say %q", stderr, want)
				}
				if stdout != "" {
					t.Errorf("standard output %q, want nothing (the report goes to --out)", stdout)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				rep := string(b)
				if !strings.HasPrefix(rep, tc.marker) {
					t.Errorf("report starts %.300q, want %q", rep, tc.marker)
				}
				switch tc.format {
				case "json":
					if !strings.Contains(rep, "\n  \"interrupted\": {\n    \"stopped_by\": \""+name+"\",\n    \"read\": [],\n    \"partly_read\": [\n      \"-\"\n    ],") {
						t.Errorf("the JSON document has no interrupted object after tool:\n%.600s", rep)
					}
				case "html":
					if !strings.Contains(rep, "<title>INTERRUPTED: evtxscan report") || !strings.Contains(rep, `role="alert">INTERRUPTED — partial results: stopped by `+name) {
						t.Errorf("the page does not say INTERRUPTED in its title and first:\n%.1500s", rep)
					}
				}
				if ents, _ := os.ReadDir(dir); len(ents) != 1 {
					t.Errorf("%d files in the --out directory, want the report alone", len(ents))
				}
			})
		}
	}
}

// When the partial report cannot be made within the second (here: the
// read is blocked on a standard input that stalls), the process says so
// and exits 130 without it, leaving the previous --out; a second signal
// does not wait for the second.
func signalCannotFinish(t *testing.T, bin string) {
	for _, tc := range []struct {
		name  string
		grace time.Duration
		sigs  []os.Signal
		want  string
	}{
		{"grace", stopGrace, []os.Signal{syscall.SIGTERM}, "evtxscan: interrupted: the partial results could not be finished within 1s; exiting without them\n"},
		// Two signals pending at once are delivered in the kernel's order
		// (SIGINT first): the message names the one that came second.
		{"second signal", reportGrace, []os.Signal{syscall.SIGTERM, os.Interrupt}, "again: exiting at once, without the partial results\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "report.json")
			os.WriteFile(out, []byte("previous report"), 0o644)
			code, _, stderr := signalChild(t, bin, tc.grace, true, tc.sigs, "scan", "--format", "json", "--out", out, "-")
			if code != exitInterrupted {
				t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, stderr)
			}
			if !strings.HasSuffix(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("standard error %q, want one line ending %q", stderr, tc.want)
			}
			if b, _ := os.ReadFile(out); string(b) != "previous report" {
				t.Errorf("--out holds %.100q, want the previous report", b)
			}
		})
	}
}

// dump stops within the second on SIGINT and SIGTERM too, on an endless
// standard input: the events read were written, it says it was
// interrupted, and exits 130 (it used to exit 1 saying "context
// canceled").
func signalStopsDump(t *testing.T, bin string) {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(signalName(sig), func(t *testing.T) {
			code, stdout, stderr := signalChild(t, bin, reportGrace, false, []os.Signal{sig}, "dump", "-")
			if code != exitInterrupted {
				t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, stderr)
			}
			if want := "evtxscan dump: interrupted by " + signalName(sig) + ": the events read up to then were written"; !strings.Contains(stderr, want) {
				t.Errorf("standard error %q does not say %q", stderr, want)
			}
			if !strings.HasPrefix(stdout, `{"`) {
				t.Errorf("standard output starts %.100q, want the events read as NDJSON", stdout)
			}
		})
	}
}

// The signal tests share one build of the command.
func TestSignal(t *testing.T) {
	bin := buildEvtxscan(t)
	t.Run("partial report", func(t *testing.T) { signalPartialReport(t, bin) })
	t.Run("cannot finish", func(t *testing.T) { signalCannotFinish(t, bin) })
	t.Run("dump", func(t *testing.T) { signalStopsDump(t, bin) })
}

// A scan whose context has ended before it began (a signal at once) still
// writes its report, in every format: marked partial, every input not
// read, no record read; and exits 130.
func TestScanInterruptedBeforeReading(t *testing.T) {
	in := filepath.Join("..", "..", "testdata", "evtx", "healthy-day.evtx")
	for _, tc := range []struct {
		format string
		want   string
	}{
		{"text", "INTERRUPTED — partial results:\nstopped by SIGTERM; not read: " + in + "; 0 records read, 0 events kept."},
		{"json", "  \"interrupted\": {\n    \"stopped_by\": \"SIGTERM\",\n    \"read\": [],\n    \"partly_read\": [],\n    \"not_read\": [\n      \"" + in + "\"\n    ],\n    \"records\": 0,\n    \"events\": 0\n  },\n  \"verdict\": "},
		{"ndjson", `{"kind":"interrupted","stopped_by":"SIGTERM","read":[],"partly_read":[],"not_read":["` + in + `"],"records":0,"events":0}` + "\n"},
		{"html", `role="alert">INTERRUPTED — partial results: stopped by SIGTERM; not read: ` + in + `; 0 records read`},
	} {
		t.Run(tc.format, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(signalError{syscall.SIGTERM})
			var out, errb bytes.Buffer
			code := run(ctx, []string{"scan", "--format", tc.format, in}, &out, &errb)
			if code != exitInterrupted {
				t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, errb.String())
			}
			got := out.String()
			if tc.format == "text" { // wrapped to the width: compare the words
				got, tc.want = strings.Join(strings.Fields(got), " "), strings.Join(strings.Fields(tc.want), " ")
				if !strings.Contains(got, "INPUT 0 files read without damage up to the stop (INTERRUPTED, see the top)") {
					t.Errorf("the INPUT line does not say the read was interrupted:\n%s", out.String())
				}
				if !strings.HasPrefix(got, "INTERRUPTED") {
					t.Errorf("the text report does not start with INTERRUPTED: %.100q", got)
				}
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("output does not hold %q:\n%.1200s", tc.want, out.String())
			}
			if want := "evtxscan scan: interrupted by SIGTERM: partial results on standard output (marked INTERRUPTED): 0 of 1 inputs read to the end, 0 records read\n"; errb.String() != want {
				t.Errorf("standard error %q, want %q", errb.String(), want)
			}
		})
	}
}

// A lake batch stopped by a signal exits 130 too, naming the signal and
// how to finish; the run wrote no tenant (the signal came first), and
// the lake holds no temporary file.
func TestBatchInterrupted(t *testing.T) {
	dir := t.TempDir()
	in := writeTenantZip(t, dir, "contoso", 64<<10, 7, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC))
	out := t.TempDir()
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(signalError{syscall.SIGTERM})
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"scan", "--format", "parquet", "--progress", "never", "--out", out, in}, &stdout, &stderr)
	if code != exitInterrupted {
		t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, stderr.String())
	}
	if want := "evtxscan scan: interrupted by SIGTERM: the tenants written before it are in the lake; run again with --resume to finish\n"; !strings.HasSuffix(stderr.String(), want) {
		t.Errorf("standard error %q does not end %q", stderr.String(), want)
	}
	if tmp := tempFiles(t, out); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}
