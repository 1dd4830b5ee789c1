package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/evtxscan/evtxscan/internal/testenv"
	"github.com/evtxscan/evtxscan/scan"
)

// fixture is the path of a file of testdata/evtx.
func fixture(name string) string { return filepath.Join("..", "..", "testdata", "evtx", name) }

// cli runs evtxscan in process with stdin and the environment env (nothing
// else of the process environment is seen).
func cli(t *testing.T, stdin io.Reader, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errb bytes.Buffer
	a := &app{stdin: stdin, stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] }}
	code = a.run(context.Background(), args)
	return code, out.String(), errb.String()
}

// Every bad command line says what is wrong and where to look, on stderr,
// and exits 2.
func TestBadCommandLine(t *testing.T) {
	in := fixture("healthy-day.evtx")
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"scan", "--bogus", in}, "unknown flag: --bogus"},
		{[]string{"scan", "-x", in}, "unknown shorthand flag: 'x' in -x"},
		{[]string{"scan", "--jobs", "abc", in}, `invalid argument "abc" for "--jobs" flag: want a whole number from 1 to 256`},
		{[]string{"scan", "--jobs", "0", in}, "want a whole number from 1 to 256"},
		{[]string{"scan", "--workers", "-1", in}, `"--workers" flag: want a whole number from 1 to 256`},
		{[]string{"scan", "--workers", "257", in}, "want a whole number from 1 to 256"},
		{[]string{"scan", "--color", "bogus", in}, `"--color" flag: want auto, always or never`},
		{[]string{"scan", "--format", "xml", in}, "want text, json, ndjson, html or parquet"},
		{[]string{"scan", "--fail-on", "fatal", in}, "want none, error or warning"},
		{[]string{"scan", "--progress", "sometimes", in}, "want auto, always or never"},
		{[]string{"scan", "--max-ratio", "abc", in}, `"--max-ratio" flag: not a number`},
		{[]string{"scan"}, "no INPUT"},
		{[]string{"scan", "-", "-"}, "may be named once"},
		{[]string{"scan", "--format", "parquet", "--out", "lake", "-"}, "not - (standard input)"},
		{[]string{"scan", "--format", "parquet", "--out", "lake", "--fail-on", "error", in}, "--fail-on works with --format text, json and ndjson"},
		{[]string{"dump", "--bogus", in}, "unknown flag: --bogus"},
		{[]string{"dump"}, "no INPUT"},
		{[]string{"explain", "--format", "xml", "33002"}, "want text or json"},
		{[]string{"catalog", "extra"}, `unknown command "extra"`},
		{[]string{"frobnicate"}, `unknown command "frobnicate" for "evtxscan"`},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"help", "bogus"}, `no command "bogus"`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := cli(t, nil, nil, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr, tt.msg) {
				t.Errorf("stderr lacks %q:\n%s", tt.msg, stderr)
			}
			if !strings.Contains(stderr, "--help' for usage.") {
				t.Errorf("stderr gives no hint:\n%s", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout: %q", stdout)
			}
			for _, goism := range []string{"strconv.", "stat:", "ParseInt"} {
				if strings.Contains(stderr, goism) {
					t.Errorf("stderr speaks Go (%q):\n%s", goism, stderr)
				}
			}
		})
	}
}

// No command at all: the usage on stderr, status 2.
func TestNoCommand(t *testing.T) {
	code, stdout, stderr := cli(t, nil, nil)
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "usage: evtxscan COMMAND") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, stdout, stderr := cli(t, nil, nil, args...)
		if code != exitOK || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
		// Under go test the module version is "devel" and the commit unknown.
		if !strings.HasPrefix(stdout, "evtxscan ") || !strings.Contains(stdout, "(commit ") || !strings.HasSuffix(stdout, " go1."+strings.TrimPrefix(strings.SplitN(stdout, " go1.", 2)[1], "")) {
			t.Errorf("%v: %q", args, stdout)
		}
		if !strings.Contains(stdout, " go1.") || strings.Count(stdout, "\n") != 1 {
			t.Errorf("%v: want one line naming the Go version: %q", args, stdout)
		}
	}
}

// Help goes to stdout, exits 0, and is wrapped to the width given.
func TestHelp(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"usage: evtxscan COMMAND", "scan ", "completion ", "Exit status:", "4  --fail-on matched"}},
		{[]string{"help", "scan"}, []string{"usage: evtxscan scan [flags] INPUT...", "--fail-on", "Exit status:"}},
		{[]string{"scan", "--help"}, []string{"usage: evtxscan scan [flags] INPUT...", "--workers", "unzip -p bundle.zip"}},
		{[]string{"dump", "-h"}, []string{"usage: evtxscan dump [flags] INPUT...", "--all"}},
		{[]string{"explain", "--help"}, []string{"usage: evtxscan explain [--format text|json] WHAT..."}},
		{[]string{"catalog", "--help"}, []string{"usage: evtxscan catalog"}},
	} {
		for _, cols := range []int{50, 80, 120} {
			t.Run(strings.Join(tt.args, " ")+"/"+itoa(cols), func(t *testing.T) {
				code, stdout, stderr := cli(t, nil, map[string]string{"COLUMNS": itoa(cols)}, tt.args...)
				if code != exitOK || stderr != "" {
					t.Fatalf("exit %d, stderr %q", code, stderr)
				}
				flat := strings.Join(strings.Fields(stdout), " ") // undo the wrapping
				for _, w := range tt.want {
					if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
						t.Errorf("help lacks %q:\n%s", w, stdout)
					}
				}
				for i, l := range strings.Split(stdout, "\n") {
					if n := utf8.RuneCountInString(l); n > cols {
						t.Errorf("line %d has %d columns (> %d): %q", i+1, n, cols, l)
					}
				}
			})
		}
	}
}

func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		code, stdout, stderr := cli(t, nil, nil, "completion", sh)
		if code != exitOK || stderr != "" || !strings.Contains(stdout, "evtxscan") || len(stdout) < 500 {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", sh, code, len(stdout), stderr)
		}
	}
	// Flag values complete from their fixed set.
	code, stdout, _ := cli(t, nil, nil, "__complete", "scan", "--fail-on", "")
	if code != exitOK || !strings.Contains(stdout, "error\n") || !strings.Contains(stdout, "warning\n") {
		t.Errorf("completing --fail-on: exit %d\n%s", code, stdout)
	}
}

// decodeReport decodes the JSON report of a scan.
func decodeReport(t *testing.T, stdout string) scan.Report {
	t.Helper()
	var rep scan.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("not a JSON report: %v\n%.300s", err, stdout)
	}
	return rep
}

// "-" reads an .evtx or a .zip from standard input, with the same result as
// the file named.
func TestStdin(t *testing.T) {
	for _, tt := range []struct {
		name string
		code int
	}{
		{"servicebus-outage.evtx", exitOK},
		{"customer-bundle.zip", exitDamaged}, // damaged on purpose
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := os.ReadFile(fixture(tt.name))
			if err != nil {
				t.Fatal(err)
			}
			wantCode, wantOut, _ := cli(t, nil, nil, "scan", "--format", "json", "--tenant", "t", fixture(tt.name))
			code, stdout, stderr := cli(t, bytes.NewReader(b), nil, "scan", "--format", "json", "--tenant", "t", "-")
			if code != tt.code || wantCode != tt.code {
				t.Errorf("exit %d from stdin, %d from the file, want %d; stderr:\n%s", code, wantCode, tt.code, stderr)
			}
			got, want := decodeReport(t, stdout), decodeReport(t, wantOut)
			if len(got.Inputs) != len(want.Inputs) || len(got.Inputs) == 0 || !strings.HasPrefix(got.Inputs[0].Path, "-") {
				t.Fatalf("inputs from stdin: %+v", got.Inputs)
			}
			if got.Attempts.Len() != want.Attempts.Len() || len(got.Findings) != len(want.Findings) || got.Counts != want.Counts {
				t.Errorf("stdin: %d attempts, %d findings, counts %+v; file: %d, %d, %+v",
					got.Attempts.Len(), len(got.Findings), got.Counts, want.Attempts.Len(), len(want.Findings), want.Counts)
			}
			// dump reads it too.
			code, stdout, _ = cli(t, bytes.NewReader(b), nil, "dump", "-")
			if code != tt.code || strings.Count(stdout, "\n") == 0 {
				t.Errorf("dump -: exit %d, %d lines", code, strings.Count(stdout, "\n"))
			}
		})
	}
	t.Run("text on stdin", func(t *testing.T) {
		code, _, stderr := cli(t, strings.NewReader("hello\n"), nil, "scan", "-")
		if code != exitFatal || !strings.Contains(stderr, "skipped -: not EVTX (text)") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
	})
	t.Run("zip over the limit", func(t *testing.T) {
		b, _ := os.ReadFile(fixture("customer-bundle.zip"))
		code, _, stderr := cli(t, bytes.NewReader(b), nil, "scan", "--max-nested-bytes", "1000", "-")
		if code == exitOK || !strings.Contains(stderr, "at most 1000 bytes") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
	})
}

// --fail-on makes a finding at or above the level exit 4, and nothing else.
func TestFailOn(t *testing.T) {
	for _, tt := range []struct {
		input, level string
		code         int
	}{
		{"password-policy.evtx", "none", exitOK}, // one warning
		{"password-policy.evtx", "error", exitOK},
		{"password-policy.evtx", "warning", exitFailOn},
		{"ad-permissions.evtx", "error", exitFailOn},
		{"onboarding-failed.evtx", "error", exitFailOn}, // critical counts
		{"healthy-day.evtx", "warning", exitOK},
		{"customer-bundle.zip", "error", exitFailOn}, // damaged too: 4 wins
		{"customer-bundle.zip", "none", exitDamaged},
	} {
		t.Run(tt.input+"/"+tt.level, func(t *testing.T) {
			for _, format := range []string{"text", "json", "ndjson"} {
				code, stdout, stderr := cli(t, nil, nil, "scan", "--format", format, "--fail-on", tt.level, fixture(tt.input))
				if code != tt.code {
					t.Errorf("%s: exit %d, want %d; stderr:\n%s", format, code, tt.code, stderr)
				}
				if stdout == "" {
					t.Errorf("%s: no report", format)
				}
				if (code == exitFailOn) != strings.Contains(stderr, "--fail-on "+tt.level+":") {
					t.Errorf("%s: stderr:\n%s", format, stderr)
				}
			}
		})
	}
}

// An archive that is not read is named on stderr and the run exits 3.
func TestUnsupportedArchive(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sz := write("logs.7z", append([]byte("7z\xbc\xaf\x27\x1c\x00\x04"), make([]byte, 64)...))
	rar := write("logs.rar", append([]byte("Rar!\x1a\x07\x01\x00"), make([]byte, 64)...))
	tgz := write("logs.tar.gz", append([]byte("\x1f\x8b\x08\x00"), make([]byte, 64)...))
	good := fixture("healthy-day.evtx")
	for _, tt := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"7z beside a log", []string{"scan", good, sz}, exitDamaged, []string{"evtxscan scan: not read: " + sz + " (7z: unsupported archive"}},
		{"rar and tar.gz alone", []string{"scan", rar, tgz}, exitDamaged, []string{"not read: " + rar + " (rar: unsupported archive", "not read: " + tgz + " (gzip: unsupported archive"}},
		{"dump", []string{"dump", good, sz}, exitDamaged, []string{"evtxscan dump: not read: " + sz}},
		{"json", []string{"scan", "--format", "json", good, sz}, exitDamaged, []string{"not read: " + sz}},
		{"folder", []string{"scan", dir}, exitDamaged, []string{"not read: " + sz, "not read: " + rar}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, nil, nil, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if tt.name == "7z beside a log" && (!strings.Contains(stdout, "1 archive NOT READ") || strings.Contains(stdout, "read cleanly")) {
				t.Errorf("the text report does not say the archive was not read:\n%s", stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// --color auto colours a terminal unless NO_COLOR is set or TERM is dumb.
func TestColorAuto(t *testing.T) {
	for _, tt := range []struct {
		tty  bool
		env  map[string]string
		want bool
	}{
		{true, nil, true},
		{true, map[string]string{"TERM": "xterm-256color"}, true},
		{true, map[string]string{"NO_COLOR": "1"}, false},
		{true, map[string]string{"NO_COLOR": ""}, true}, // set but empty: ignored (no-color.org)
		{true, map[string]string{"TERM": "dumb"}, false},
		{false, nil, false},
	} {
		if got := colorAuto(tt.tty, func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("tty %v, env %v: colour %v, want %v", tt.tty, tt.env, got, tt.want)
		}
	}
	// --color always and never decide whatever the environment says.
	in := fixture("servicebus-outage.evtx")
	for _, tt := range []struct {
		color string
		env   map[string]string
		want  bool
	}{
		{"always", map[string]string{"NO_COLOR": "1", "TERM": "dumb"}, true},
		{"never", nil, false},
		{"auto", nil, false}, // not a terminal
	} {
		_, stdout, _ := cli(t, nil, tt.env, "scan", "--color", tt.color, in)
		if got := strings.Contains(stdout, "\x1b["); got != tt.want {
			t.Errorf("--color %s, env %v: escape sequences %v, want %v", tt.color, tt.env, got, tt.want)
		}
	}
}

// On a real terminal (script(1) gives the command one), the report is
// coloured, but not with NO_COLOR or TERM=dumb.
func TestColorTerminal(t *testing.T) {
	script := testenv.Need(t, "script", "script(1)", "bsdutils")
	bin := buildEvtxscan(t)
	in, err := filepath.Abs(fixture("servicebus-outage.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		env  []string
		want bool
	}{
		{[]string{"TERM=xterm"}, true},
		{[]string{"TERM=xterm", "NO_COLOR=1"}, false},
		{[]string{"TERM=dumb"}, false},
	} {
		cmd := exec.Command(script, "-qec", bin+" scan "+in, "/dev/null")
		cmd.Env = append(os.Environ(), tt.env...)
		cmd.Env = append(cmd.Env, "COLUMNS=100")
		if v := os.Getenv("NO_COLOR"); v != "" && !strings.Contains(strings.Join(tt.env, " "), "NO_COLOR") {
			cmd.Env = append(cmd.Env, "NO_COLOR=")
		}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v: %v\n%s", tt.env, err, out)
		}
		if got := bytes.Contains(out, []byte("\x1b[")); got != tt.want {
			t.Errorf("%v: escape sequences %v, want %v:\n%.400q", tt.env, got, tt.want, out)
		}
	}
}

// The built command exits with the documented statuses.
func TestExitStatuses(t *testing.T) {
	bin := buildEvtxscan(t)
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"scan", fixture("healthy-day.evtx")}, exitOK},
		{[]string{"scan", filepath.Join(t.TempDir(), "missing.evtx")}, exitFatal},
		{[]string{"scan", "--bogus", fixture("healthy-day.evtx")}, exitUsage},
		{[]string{"scan", fixture("customer-bundle.zip")}, exitDamaged},
		{[]string{"scan", "--fail-on", "error", fixture("ad-permissions.evtx")}, exitFailOn},
		{[]string{"--version"}, exitOK},
	} {
		cmd := exec.Command(bin, tt.args...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d\n%.500s", tt.args, code, tt.code, out)
		}
	}
	// Standard input of the real process.
	cmd := exec.Command(bin, "scan", "-")
	f, err := os.Open(fixture("customer-bundle.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stdin = f
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitDamaged {
		t.Errorf("scan - < customer-bundle.zip: %v\n%.500s", err, out)
	}
}
