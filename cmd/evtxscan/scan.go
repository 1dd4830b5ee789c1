package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/internal/atomicfile"
	"github.com/evtxscan/evtxscan/internal/safeterm"
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
	failOn string
}

func (a *app) scanCmd() *cobra.Command {
	var sf scanFlags
	c := &cobra.Command{
		Use:   "scan [flags] INPUT...",
		Short: "analyse logs: attempts, service health, root causes",
		Long: "Reads the Application logs of an Entra Connect server (.evtx files, folders, " +
			"zips, bucket URLs such as azblob://container/prefix read like folders, or - for " +
			"an .evtx or .zip on standard input) and reports every password " +
			"writeback attempt, the health of the writeback service and the root causes of " +
			"failures, with what to do. Each server (the Computer of its records) is " +
			"analysed on its own; each input argument is a tenant (a case), named after " +
			"it, unless --tenant names one for all. The logs of one server join one " +
			"timeline whatever their order and container; two servers never merge.\n\n" +
			"Examples:\n" +
			"  evtxscan scan bundle.zip\n" +
			"  evtxscan scan --format json --fail-on error Application.evtx\n" +
			"  unzip -p bundle.zip Application.evtx | evtxscan scan -",
		Annotations: map[string]string{"exit": "yes"},
		Args:        needInputs,
		RunE: func(c *cobra.Command, args []string) error {
			if sf.format == "parquet" && hasStdin(args) {
				return &usageError{c, fmt.Errorf("--format parquet reads named inputs only, not - (standard input)")}
			}
			if sf.format == "parquet" && sf.failOn != "none" {
				return &usageError{c, fmt.Errorf("--fail-on works with --format text, json and ndjson; query the lake's findings table instead")}
			}
			a.code = a.scan(c.Context(), &sf, args)
			return nil
		},
	}
	fs := c.Flags()
	sf.register(fs)
	fs.StringVar(&sf.format, "format", "text", "output: "+report.FormatHelp()+", parquet (tables of a data lake in --out DIR; each input is a tenant)")
	sf.batch.register(fs)
	fs.StringVarP(&sf.out, "out", "o", "", "write the output to this file instead of standard output")
	fs.StringVar(&sf.tenant, "tenant", "", "one tenant name for every input (default: each input is a tenant named after its base name without extension)")
	fs.StringVar(&sf.color, "color", "auto", "colour in the text report: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never")
	fs.StringVar(&sf.failOn, "fail-on", "none", "exit with status 4 when a finding has this severity or a higher one: error (critical or error), warning (also warning), none")
	restrictRead(c)
	restrictChoice(c, "format", append(report.FormatNames(), "parquet")...)
	restrictChoice(c, "color", "auto", "always", "never")
	restrictChoice(c, "fail-on", "none", "error", "warning")
	restrictChoice(c, "progress", "auto", "always", "never")
	restrictChoice(c, "partition", "tenant,month", "tenant,date", "tenant", "none")
	restrictRange(c, "jobs", 1, 256)
	c.MarkFlagFilename("out")
	return c
}

// scan runs the scan command once its flags are parsed and valid.
func (a *app) scan(ctx context.Context, sf *scanFlags, inputs []string) int {
	stderr := a.stderr
	if sf.format == "parquet" {
		return runBatch(ctx, sf, inputs, a.stdout, stderr)
	}
	ro := sf.ReadOptions
	ro.Stdin = a.stdin
	rep, err := scan.Analyze(ctx, inputs, scan.Options{
		ReadOptions: ro, Tenant: sf.tenant, Catalog: catalog.New(), Tool: toolVersion(),
	})
	if err != nil && (rep == nil || rep.Interrupted == nil) {
		return analyzeStatus(ctx, stderr, "scan", err)
	}
	// Interrupted (a signal): the report of what was read, marked
	// partial, written as usual; then exitInterrupted.
	partial := rep.Interrupted != nil
	if len(rep.Inputs) == 0 && !partial {
		report.Damage(stderr, rep.Summary())
		return readStatus(stderr, "scan", rep.Summary())
	}

	w := a.stdout
	// --out is written atomically: a temporary file beside it, renamed over
	// it once whole, so that a full disk or a kill leaves the previous
	// report, never a torn one.
	var f *atomicfile.File
	if sf.out != "" {
		if f, err = atomicfile.Create(sf.out, 0o644); err != nil {
			fmt.Fprintf(stderr, "evtxscan scan: cannot create %s: %s\n", safeterm.String(sf.out), pathMessage(err))
			return exitFatal
		}
		w = f
		name := f.Name()
		a.pendingOut.Store(&name) // main removes it if it cannot wait for the commit
		defer a.pendingOut.Store(nil)
	}
	bw := bufio.NewWriter(w)
	err = report.Write(bw, rep, sf.format, report.TextOptions{Color: useColor(sf.color, w, a.getenv), Width: a.textWidth(w)})
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if f != nil {
		if err == nil {
			err = f.Commit()
		}
		f.Close() // removes the temporary file unless committed
	}
	if err != nil {
		fmt.Fprintf(stderr, "evtxscan scan: cannot write the report: %s\n", pathMessage(err))
		return exitFatal
	}
	if sf.format != "text" {
		report.Damage(stderr, rep.Summary())
	}
	if partial || ctx.Err() != nil {
		return interruptedStatus(ctx, stderr, rep, sf.out)
	}
	status := readStatus(stderr, "scan", rep.Summary())
	if status == exitFatal {
		return status
	}
	if n := failOnMatches(sf.failOn, rep); n > 0 {
		fmt.Fprintf(stderr, "evtxscan scan: --fail-on %s: %d finding(s) at or above %s\n", sf.failOn, n, sf.failOn)
		return exitFailOn
	}
	return status
}

// analyzeStatus reports the error that stopped an analysis and returns the
// exit status: interrupted (the context ended: a signal), internal (a panic
// recovered: a bug, reported with the file and offset), else fatal.
func analyzeStatus(ctx context.Context, stderr io.Writer, cmd string, err error) int {
	var ie *scan.InternalError
	switch {
	case errors.As(err, &ie):
		fmt.Fprintf(stderr, "evtxscan %s: %s\nevtxscan %s: this is a bug in evtxscan, not damage to the input; please report it with the lines above\n",
			cmd, userMessage(err), cmd)
		return exitInternal
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "evtxscan %s: interrupted: the inputs were not read to the end, and no partial results could be made\n", cmd)
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "evtxscan %s: %s\n", cmd, userMessage(err))
	return exitFatal
}

// interruptedStatus says on stderr that the run was interrupted and how far
// the report that was written goes, and returns exitInterrupted.
func interruptedStatus(ctx context.Context, stderr io.Writer, rep *scan.Report, out string) int {
	by := "a signal"
	if c := context.Cause(ctx); c != nil {
		by = c.Error()
	}
	where := "on standard output"
	if out != "" {
		where = "in " + safeterm.String(out)
	}
	in := rep.Interrupted
	if in == nil {
		// The signal came after the last record was read: the report is
		// whole.
		fmt.Fprintf(stderr, "evtxscan scan: interrupted by %s after the inputs were read; the report %s is complete\n", by, where)
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "evtxscan scan: interrupted by %s: partial results %s (marked INTERRUPTED): %d of %d inputs read to the end, %d records read\n",
		by, where, len(in.Read), len(in.Read)+len(in.PartlyRead)+len(in.NotRead), in.Records)
	return exitInterrupted
}

// failOnMatches counts the findings at or above the severity level
// ("none": nothing matches).
func failOnMatches(level string, rep *scan.Report) int {
	if level == "" || level == "none" {
		return 0
	}
	min := catalog.Severity(level).Rank()
	n := 0
	for _, f := range rep.Findings {
		if catalog.Severity(f.Severity).Rank() >= min {
			n++
		}
	}
	return n
}

// needInputs is the argument rule of the commands that read logs.
func needInputs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return &usageError{c, fmt.Errorf("no INPUT: name .evtx files, folders or .zip archives, or - for standard input")}
	}
	n := 0
	for _, a := range args {
		if a == "-" {
			n++
		}
	}
	if n > 1 {
		return &usageError{c, fmt.Errorf("- (standard input) may be named once")}
	}
	return nil
}

func hasStdin(inputs []string) bool {
	for _, in := range inputs {
		if in == "-" {
			return true
		}
	}
	return false
}

// textWidth is the width of the text report written to w: the terminal's,
// else $COLUMNS, else 0 (the report's narrowest layout, 80).
func (a *app) textWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil {
			return cols
		}
	}
	n, _ := strconv.Atoi(a.getenv("COLUMNS"))
	return n
}
