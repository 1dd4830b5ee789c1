package report

import (
	"encoding/json"
	"io"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/scan"
)

// NDJSON writes one attempt, finding or unattributed group per line, each
// with a "kind": every attempt, then every finding, then every group.
func NDJSON(w io.Writer, rep *scan.Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, a := range rep.Attempts.All() {
		if err := enc.Encode(struct {
			Kind string `json:"kind"`
			*correlate.Attempt
		}{"attempt", &a}); err != nil {
			return err
		}
	}
	for i := range rep.Findings {
		if err := enc.Encode(struct {
			Kind string `json:"kind"`
			*correlate.Finding
		}{"finding", &rep.Findings[i]}); err != nil {
			return err
		}
	}
	for i := range rep.Unattributed {
		if err := enc.Encode(struct {
			Kind string `json:"kind"`
			*correlate.Unattributed
		}{"unattributed", &rep.Unattributed[i]}); err != nil {
			return err
		}
	}
	return nil
}
