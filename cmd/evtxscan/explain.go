package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/report"
	"github.com/spf13/pflag"
)

// runExplain describes event ids, HRESULTs and cause ids.
func runExplain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("explain", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: evtxscan explain [--format text|json] <what>...

<what> is an event id (33002; for 6329 every variant is shown), an HRESULT
(0x80230405, 80230405, hr=80230405), a cause id
(sync-rule-password-sync-missing) or an event name (ADUserNotFoundError).
Unknown codes exit with status 1, malformed ones with status 2.

flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "evtxscan explain: %v\n", err)
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "evtxscan explain: unknown format %q (want text or json)\n", *format)
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}

	c := catalog.New()
	status := exitOK
	var results []catalog.Explanation
	for _, q := range fs.Args() {
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(stderr, "evtxscan explain: %v\n", err)
			return exitFatal
		}
		r, err := c.Lookup(q)
		if err != nil {
			fmt.Fprintf(stderr, "evtxscan explain: %v\n", err)
			var qe *catalog.QueryError
			if errors.As(err, &qe) && qe.Syntax {
				status = exitUsage
			} else if status == exitOK {
				status = exitFatal
			}
			continue
		}
		results = append(results, r)
	}

	if *format == "json" {
		if len(results) == 0 {
			return status
		}
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "evtxscan explain: %v\n", err)
			return exitFatal
		}
		if _, err := stdout.Write(append(b, '\n')); err != nil {
			fmt.Fprintf(stderr, "evtxscan explain: %v\n", err)
			return exitFatal
		}
		return status
	}
	if err := report.Explanations(stdout, c, results); err != nil {
		fmt.Fprintf(stderr, "evtxscan explain: %v\n", err)
		return exitFatal
	}
	return status
}

// runCatalog lists the whole catalog.
func runCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("catalog", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json (schema in docs/catalog.md)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: evtxscan catalog [--format text|json]\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "evtxscan catalog: %v\n", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "evtxscan catalog: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	c := catalog.New()
	switch *format {
	case "json":
		b, err := json.MarshalIndent(c, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "evtxscan catalog: %v\n", err)
			return exitFatal
		}
		if _, err := stdout.Write(append(b, '\n')); err != nil {
			fmt.Fprintf(stderr, "evtxscan catalog: %v\n", err)
			return exitFatal
		}
	case "text":
		if err := report.Catalog(stdout, c); err != nil {
			fmt.Fprintf(stderr, "evtxscan catalog: %v\n", err)
			return exitFatal
		}
	default:
		fmt.Fprintf(stderr, "evtxscan catalog: unknown format %q (want text or json)\n", *format)
		return exitUsage
	}
	return exitOK
}
