package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/pflag"
	"golang.org/x/term"

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
	fs.StringVar(&sf.format, "format", "text", "output: "+report.FormatHelp()+", parquet (tables of a data lake in --out DIR; each input is a tenant)")
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
	if !report.IsFormat(sf.format) && sf.format != "parquet" {
		fmt.Fprintf(stderr, "evtxscan scan: unknown --format %q: %s, parquet\n", sf.format, report.FormatHelp())
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
	err = report.Write(bw, rep, sf.format, report.TextOptions{Color: useColor(sf.color, w), Width: textWidth(w)})
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

// textWidth is the width of the text report: the terminal's, else
// $COLUMNS, else 0 (the report's narrowest layout).
func textWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil {
			return cols
		}
	}
	n, _ := strconv.Atoi(os.Getenv("COLUMNS"))
	return n
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
