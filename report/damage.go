package report

import (
	"fmt"
	"io"

	"github.com/evtxscan/evtxscan/scan"
)

// Damage writes what was damaged, skipped or unreadable in a read of the
// inputs to w (standard error, say), one line each.
func Damage(w io.Writer, res *scan.ReadSummary) {
	if res == nil {
		return
	}
	for _, f := range res.Files {
		for _, d := range f.Damage {
			fmt.Fprintf(w, "evtxscan: damage: %s\n", d)
		}
		if f.Error != "" {
			fmt.Fprintf(w, "evtxscan: error: %s\n", f.Error)
		}
		if f.Skipped > 0 {
			fmt.Fprintf(w, "evtxscan: %s: %d records or areas could not be read\n", f.Path, f.Skipped)
		}
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "evtxscan: skipped %s: %s\n", s.Path, s.Reason)
	}
	for _, e := range res.Errors {
		fmt.Fprintf(w, "evtxscan: error: %v\n", e)
	}
}
