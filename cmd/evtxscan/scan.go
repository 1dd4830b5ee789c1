package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/report"
	"github.com/evtxscan/evtxscan/scan"
)

type scanFlags struct {
	readFlags
	batch  batchFlags
	format string
	out    string
	tenant string
	color  string
}

// runScan analyses the inputs: attempts, service health, root causes.
func runScan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("scan", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: evtxscan scan [flags] INPUT...\n\n"+
			"Reads the Application logs of an Entra Connect server (.evtx files, folders,\n"+
			"zips) and reports every password writeback attempt, the health of the\n"+
			"writeback service and the root causes of failures, with what to do.\n"+
			"All inputs of one run are one tenant. Exit status: 0 clean input,\n"+
			"3 damaged input (read as far as possible), 2 usage, 1 fatal.\n\nflags:\n")
		fs.PrintDefaults()
	}
	var sf scanFlags
	sf.register(fs)
	fs.StringVar(&sf.format, "format", "text", "output: text (a report for a person), json (one document), ndjson (one attempt or finding per line), parquet (tables of a data lake in --out DIR; each input is a tenant)")
	sf.batch.register(fs)
	fs.StringVarP(&sf.out, "out", "o", "", "write the output to this file instead of standard output")
	fs.StringVar(&sf.tenant, "tenant", "", "tenant name (default: the first input's base name without extension)")
	fs.StringVar(&sf.color, "color", "auto", "colour in the text report: auto (on a terminal), always, never")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	switch sf.format {
	case "text", "json", "ndjson", "parquet":
	default:
		fmt.Fprintf(stderr, "evtxscan scan: unknown --format %q (text, json, ndjson, parquet)\n", sf.format)
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	if sf.format == "parquet" {
		return runBatch(ctx, &sf, fs.Args(), stdout, stderr)
	}
	rep, err := scan.Analyze(ctx, fs.Args(), scan.Options{
		ReadOptions: sf.ReadOptions, Tenant: sf.tenant, Catalog: catalog.New(), Tool: toolVersion(),
	})
	if err != nil {
		fmt.Fprintf(stderr, "evtxscan scan: %v\n", err)
		return exitFatal
	}
	if len(rep.Inputs) == 0 {
		report.Damage(stderr, rep.Summary())
		return readStatus(stderr, "scan", rep.Summary())
	}

	w := stdout
	var f *os.File
	if sf.out != "" {
		if f, err = os.Create(sf.out); err != nil {
			fmt.Fprintf(stderr, "evtxscan scan: %v\n", err)
			return exitFatal
		}
		w = f
	}
	bw := bufio.NewWriter(w)
	switch sf.format {
	case "json":
		err = report.JSON(bw, rep)
	case "ndjson":
		err = report.NDJSON(bw, rep)
	default:
		err = report.Text(bw, rep, report.TextOptions{Color: useColor(sf.color, w)})
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "evtxscan scan: %v\n", err)
		return exitFatal
	}
	if sf.format != "text" {
		report.Damage(stderr, rep.Summary())
	}
	return readStatus(stderr, "scan", rep.Summary())
}

// useColor decides whether the text report is coloured.
func useColor(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	return isTerminal(w)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
