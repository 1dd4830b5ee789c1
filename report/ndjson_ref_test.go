package report

import (
	"encoding/json"
	"io"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/scan"
)

// referenceNDJSON is the NDJSON writer as it was before the single-pass
// one (NDJSON), with encoding/json: the reference of the tests.
func referenceNDJSON(w io.Writer, rep *scan.Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if rep.Interrupted != nil {
		if err := enc.Encode(struct {
			Kind string `json:"kind"`
			*scan.Interruption
		}{"interrupted", rep.Interrupted}); err != nil {
			return err
		}
	}
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
