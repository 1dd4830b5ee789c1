// Command evtxscan reads Windows Application event logs of Microsoft Entra
// Connect servers offline and explains why password writeback failed.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// Exit statuses shared by every subcommand.
const (
	exitOK      = 0 // clean input, job done
	exitFatal   = 1 // the job could not be done
	exitUsage   = 2 // bad command line
	exitDamaged = 3 // done, but some input was damaged (and reported)
)

// A command is one subcommand of evtxscan.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"scan", "analyse logs: attempts, service health, root causes", runScan},
		{"dump", "print events as NDJSON, one per line", runDump},
		{"explain", "describe an event id, an HRESULT or a cause id", runExplain},
		{"catalog", "list every known event, HRESULT and cause", runCatalog},
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: evtxscan <command> [flags] [args]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'evtxscan <command> --help' for the flags of a command.\n")
}

// softMemoryLimit is the heap size past which the garbage collector works
// harder (runtime/debug.SetMemoryLimit), unless GOMEMLIMIT says otherwise:
// the analysis of a 1 GB log holds far less than this live, and without a
// limit the heap would grow to twice the live size between collections.
const softMemoryLimit = 128 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(softMemoryLimit)
	}
	// golang-evtx reports decoding failures to the standard logger as well
	// as in the errors it returns; the parser turns those errors into
	// damage reports, so the log lines would only repeat them, unordered.
	// evtxscan itself does not use the standard logger.
	log.SetOutput(io.Discard)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "evtxscan: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

// toolVersion is evtxscan's version: the module version when built by go
// install, else "devel" and the commit when known.
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
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
