package report

import (
	"fmt"
	"io"

	"github.com/evtxscan/evtxscan/internal/safeterm"
	"github.com/evtxscan/evtxscan/scan"
)

// Damage writes what was damaged, skipped or unreadable in a read of the
// inputs to w (standard error, say), one line each. Paths, entry names and
// messages are made safe for a terminal (internal/safeterm).
func Damage(w io.Writer, res *scan.ReadSummary) {
	if res == nil {
		return
	}
	for _, f := range res.Files {
		for _, d := range f.Damage {
			fmt.Fprintf(w, "evtxscan: damage: %s\n", safeterm.String(d))
		}
		if f.Error != "" {
			fmt.Fprintf(w, "evtxscan: error: %s\n", safeterm.String(f.Error))
		}
		if f.Skipped > 0 {
			fmt.Fprintf(w, "evtxscan: %s: %d records or areas could not be read\n", safeterm.String(f.Path), f.Skipped)
		}
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "evtxscan: skipped %s: %s\n", safeterm.String(s.Path), safeterm.String(s.Reason))
	}
	for _, e := range res.Errors {
		fmt.Fprintf(w, "evtxscan: error: %s\n", safeterm.String(e.Error()))
	}
}
