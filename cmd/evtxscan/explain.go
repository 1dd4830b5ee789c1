package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/report"
)

func (a *app) explainCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:                   "explain [--format text|json] WHAT...",
		DisableFlagsInUseLine: true,
		Short:                 "describe an event id, an HRESULT or a cause id",
		Long: "WHAT is an event id (33002; for 6329 every variant is shown), an HRESULT " +
			"(0x80230405, 80230405, hr=80230405), a cause id (sync-rule-password-sync-missing) " +
			"or an event name (ADUserNotFoundError). Unknown codes exit with status 1, " +
			"malformed ones with status 2.",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &usageError{c, errors.New("nothing to explain: name an event id, an HRESULT, a cause id or an event name")}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			a.code = runExplain(c.Context(), format, args, a.stdout, a.stderr)
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "text", "output format: text or json")
	restrictChoice(c, "format", "text", "json")
	return c
}

// runExplain describes event ids, HRESULTs and cause ids.
func runExplain(ctx context.Context, format string, queries []string, stdout, stderr io.Writer) int {
	c := catalog.New()
	status := exitOK
	var results []catalog.Explanation
	for _, q := range queries {
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

	if format == "json" {
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

func (a *app) catalogCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:                   "catalog [--format text|json]",
		DisableFlagsInUseLine: true,
		Short:                 "list every known event, HRESULT and cause",
		Args:                  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			a.code = runCatalog(format, a.stdout, a.stderr)
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "text", "output format: text or json (schema in docs/catalog.md)")
	restrictChoice(c, "format", "text", "json")
	return c
}

// runCatalog lists the whole catalog.
func runCatalog(format string, stdout, stderr io.Writer) int {
	c := catalog.New()
	switch format {
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
		fmt.Fprintf(stderr, "evtxscan catalog: unknown format %q (want text or json)\n", format)
		return exitUsage
	}
	return exitOK
}
