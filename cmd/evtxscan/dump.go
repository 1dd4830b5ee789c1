package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/evtxscan/evtxscan/parser"
	"github.com/evtxscan/evtxscan/report"
	"github.com/evtxscan/evtxscan/scan"
)

// runDump prints the events of the inputs as NDJSON, one event per line.
func runDump(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("dump", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: evtxscan dump [flags] INPUT...\n\n"+
			"Prints the events of .evtx files, directories and zips as NDJSON, one event\n"+
			"per line, in file order. Damage goes to stderr. Exit status: 0 clean,\n"+
			"3 damaged but read, 2 usage, 1 fatal.\n\nflags:\n")
		fs.PrintDefaults()
	}
	var rf readFlags
	rf.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	// The lines are encoded by the goroutines that decode
	// (parser.Reader.NDJSON); they are written here in file order.
	bw := bufio.NewWriterSize(stdout, 1<<16)
	rf.NDJSON = true
	res, err := scan.Read(ctx, fs.Args(), rf.ReadOptions, func(ev *parser.Event) error {
		_, err := bw.Write(ev.JSON)
		return err
	})
	if ferr := bw.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	report.Damage(stderr, res)
	if err != nil {
		fmt.Fprintf(stderr, "evtxscan dump: %v\n", err)
		return exitFatal
	}
	return readStatus(stderr, "dump", res)
}
