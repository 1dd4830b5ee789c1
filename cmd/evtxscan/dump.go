package main

import (
	"bufio"
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/evtxscan/evtxscan/parser"
	"github.com/evtxscan/evtxscan/report"
	"github.com/evtxscan/evtxscan/scan"
)

func (a *app) dumpCmd() *cobra.Command {
	var rf readFlags
	c := &cobra.Command{
		Use:   "dump [flags] INPUT...",
		Short: "print events as NDJSON, one per line",
		Long: "Prints the events of .evtx files, folders and zips (- for standard input) as " +
			"NDJSON, one event per line, in file order: the writeback sources only, or " +
			"every event with --all. Damage goes to standard error.",
		Annotations: map[string]string{"exit": "yes"},
		Args:        needInputs,
		RunE: func(c *cobra.Command, args []string) error {
			a.code = a.dump(c.Context(), rf, args)
			return nil
		},
	}
	rf.register(c.Flags())
	restrictRead(c)
	return c
}

// dump prints the events of the inputs as NDJSON, one event per line.
func (a *app) dump(ctx context.Context, rf readFlags, inputs []string) int {
	// The lines are encoded by the goroutines that decode
	// (parser.Reader.NDJSON); they are written here in file order.
	bw := bufio.NewWriterSize(a.stdout, 1<<16)
	ro := rf.ReadOptions
	ro.Stdin = a.stdin
	ro.NDJSON = true
	res, err := scan.Read(ctx, inputs, ro, func(ev *parser.Event) error {
		_, err := bw.Write(ev.JSON)
		return err
	})
	if ferr := bw.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	report.Damage(a.stderr, res)
	if err != nil && ctx.Err() != nil {
		// A signal: the events read up to it were written (README: 130
		// for every command).
		fmt.Fprintf(a.stderr, "evtxscan dump: interrupted by %s: the events read up to then were written, the inputs were not read to the end\n", context.Cause(ctx))
		return exitInterrupted
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "evtxscan dump: %s\n", userMessage(err))
		return exitFatal
	}
	return readStatus(a.stderr, "dump", res)
}
