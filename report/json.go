package report

import (
	"io"

	"github.com/evtxscan/evtxscan/scan"
)

// JSON writes the report as one indented JSON document: the bytes
// encoding/json's Encoder writes for the Report with SetIndent("", "  ")
// and SetEscapeHTML(false), in one pass and without reflection (jsontypes.go
// holds one small function per type), through a buffer of 64 KiB that is
// handed to w as it fills, so memory never holds the whole document.
func JSON(w io.Writer, rep *scan.Report) error {
	e := newJSONWriter(w, false)
	writeReport(e, rep)
	e.buf = append(e.buf, '\n')
	return e.flush()
}
