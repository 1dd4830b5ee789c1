package report

import (
	"encoding/json"
	"io"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/scan"
)

// NDJSON writes one attempt or finding per line, each with a "kind".
func NDJSON(w io.Writer, rep *scan.Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range rep.Attempts {
		if err := enc.Encode(struct {
			Kind string `json:"kind"`
			*correlate.Attempt
		}{"attempt", &rep.Attempts[i]}); err != nil {
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
	return nil
}
