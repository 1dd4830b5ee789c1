// Command evtxscan reads Windows Application event logs of Microsoft Entra
// Connect servers offline and explains why password writeback failed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// Exit statuses shared by every subcommand; exitTable documents them (in
// --help and README.md).
const (
	exitOK       = 0 // clean input, job done
	exitFatal    = 1 // the job could not be done (nothing could be read, output failed)
	exitUsage    = 2 // bad command line
	exitDamaged  = 3 // done, but some input was damaged or not read (and reported)
	exitFailOn   = 4 // --fail-on: a finding at or above that severity
	exitInternal = 5 // an internal error (a bug): reported, not a crash
	// exitInterrupted: SIGINT or SIGTERM stopped the run (128 + SIGINT's
	// number, as shells report it); the process ends within a second,
	// scan with the report of what it read, marked partial.
	exitInterrupted = 130
)

const exitTable = `Exit status:
  0  clean input, the job is done
  1  fatal: nothing could be read, or the output could not be written
  2  usage: a bad command line (the message says what to change)
  3  damaged input: read as far as possible, the damage is reported; also an archive that was not read (7z, rar, tar, gzip)
  4  --fail-on matched: a finding at or above that severity (wins over 3)
  5  internal error: a bug in evtxscan, reported instead of a crash
130  interrupted (SIGINT, SIGTERM): stopped within a second; scan reports what it read, marked partial (a second signal: at once, without it)
`

func main() {
	// No soft memory limit of its own: the attempts are kept compactly
	// (correlate.AttemptList), so the collector's default pacing holds a
	// scan's memory small; GOMEMLIMIT and GOGC apply as set.
	// golang-evtx reports decoding failures to the standard logger as well
	// as in the errors it returns; the parser turns those errors into
	// damage reports, so the log lines would only repeat them, unordered.
	// evtxscan itself does not use the standard logger.
	log.SetOutput(io.Discard)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancelCause(context.Background())
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	done := make(chan int, 1)
	grace := stopGrace
	if d, err := time.ParseDuration(os.Getenv(stopGraceEnv)); err == nil && d > 0 {
		grace = d
	}
	go func() {
		code := waitOrStop(done, sigs, cancel, a, grace)
		cancel(nil)
		os.Exit(code)
	}()
	// The command runs on the main goroutine, whose stack the package
	// initialisation has grown already: on a goroutine of its own, the
	// stack grew again, six copies in a dump of a small file.
	done <- a.run(ctx, os.Args[1:])
	select {} // the goroutine above exits
}

// stopGrace is how long main waits, after a signal, for the command to stop
// and write what it has (scan: the partial report).
const stopGrace = time.Second

// stopGraceEnv, a Go duration, replaces stopGrace: for the tests only, so
// that a loaded machine does not decide whether a partial report is
// finished in time. Not documented for users.
const stopGraceEnv = "EVTXSCAN_TEST_STOP_GRACE"

// waitOrStop returns the exit status of the command running in a (done
// gets it). On the first signal it cancels the command's context, with the
// signal as the cause (the readers stop within a record; scan reports what
// was read, marked partial), and waits at most grace for it; a second
// signal, or the grace running out, ends the wait at once with
// exitInterrupted, saying so (a report being written to --out is
// abandoned: the previous file stays).
func waitOrStop(done <-chan int, sigs <-chan os.Signal, cancel context.CancelCauseFunc, a *app, grace time.Duration) int {
	select {
	case code := <-done:
		return code
	case sig := <-sigs:
		cancel(signalError{sig})
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case code := <-done:
		return code
	case sig := <-sigs:
		a.abandonOut()
		fmt.Fprintf(a.stderr, "evtxscan: %s again: exiting at once, without the partial results\n", signalName(sig))
	case <-timer.C:
		a.abandonOut()
		fmt.Fprintf(a.stderr, "evtxscan: interrupted: the partial results could not be finished within %v; exiting without them\n", grace)
	}
	return exitInterrupted
}

// A signalError is the cause of the context's end when a signal stopped the
// run: its text ("SIGTERM") is what a partial report says it was stopped
// by.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return signalName(e.sig) }

// signalName is "SIGINT" or "SIGTERM" (the name a person types with kill).
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// run runs evtxscan with args as its command line, an empty standard input
// and the process environment (the tests' entry point).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: os.Getenv}
	return a.run(ctx, args)
}

// An app is one run of evtxscan: its standard streams and environment, and
// the exit status the command chose.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	code           int
	// pendingOut is the temporary file of the --out being written, for
	// main to remove when it exits without waiting (abandonOut).
	pendingOut atomic.Pointer[string]
}

// abandonOut removes the temporary file of an --out still being written,
// so that exiting without waiting for it leaves the previous file and
// nothing else. (Should the rename win the race, the new file is whole.)
func (a *app) abandonOut() {
	if p := a.pendingOut.Load(); p != nil {
		os.Remove(*p)
	}
}

// usageError is a bad command line: the message, and the command whose
// --help tells more.
type usageError struct {
	cmd *cobra.Command
	err error
}

func (e *usageError) Error() string { return e.err.Error() }

func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCmd()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return a.code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		cmd = ue.cmd
	}
	// Anything cobra itself refuses (an unknown command, a missing or
	// extra argument, a bad flag) is a usage error.
	fmt.Fprintf(a.stderr, "%s: %s\n", cmd.CommandPath(), userMessage(err))
	fmt.Fprintf(a.stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	return exitUsage
}

// rootCmd builds the command tree for one run; nothing is shared between
// runs.
func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "evtxscan",
		Short: "explain password writeback failures from Entra Connect event logs",
		Long: "evtxscan reads the Application event logs of Microsoft Entra Connect servers " +
			"(.evtx files, folders, zips; - for standard input), offline, and explains why " +
			"self-service password reset could not write passwords back to Active Directory.",
		Version:       versionLine(),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			// No command: the usage on standard error, and a usage status.
			c.SetOut(a.stderr)
			a.code = exitUsage
			return c.Help()
		},
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{c, err} })
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { writeHelp(c.OutOrStdout(), c, a.helpWidth()) })
	root.SetUsageFunc(func(c *cobra.Command) error { writeHelp(c.OutOrStderr(), c, a.helpWidth()); return nil })
	root.AddCommand(a.scanCmd(), a.dumpCmd(), a.explainCmd(), a.catalogCmd(), a.versionCmd())
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [COMMAND]",
		Short: "print the help of evtxscan or of a command",
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				return &usageError{c, fmt.Errorf("no command %q", strings.Join(args, " "))}
			}
			writeHelp(a.stdout, target, a.helpWidth())
			return nil
		},
	})
	return root
}

// versionCmd prints what --version prints, and the module versions with -v.
func (a *app) versionCmd() *cobra.Command {
	var verbose bool
	c := &cobra.Command{
		Use:   "version",
		Short: "print the version of evtxscan, its commit and the Go version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintln(a.stdout, versionLine())
			if bi, ok := debug.ReadBuildInfo(); ok && verbose {
				for _, d := range bi.Deps {
					fmt.Fprintf(a.stdout, "  %s %s\n", d.Path, d.Version)
				}
			}
			return nil
		},
	}
	c.Flags().BoolVarP(&verbose, "verbose", "v", false, "also list the modules built in")
	return c
}

// versionLine is "evtxscan VERSION (commit COMMIT[, modified], BUILT) GO".
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "evtxscan devel (no build information)"
	}
	v := toolVersionOf(bi)
	var commit, when, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = ", modified"
			}
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	s := fmt.Sprintf("evtxscan %s (commit %s%s", v, commit, dirty)
	if when != "" {
		s += ", " + when
	}
	return s + ") " + bi.GoVersion
}

// toolVersion is evtxscan's version: the module version when built by go
// install, else "devel" and the commit when known.
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return toolVersionOf(bi)
}

func toolVersionOf(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += "+" + s.Value[:12]
			}
		}
	}
	return v
}
