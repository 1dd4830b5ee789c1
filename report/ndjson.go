package report

import (
	"io"

	"github.com/evtxscan/evtxscan/scan"
)

// NDJSON writes one attempt, finding or unattributed group per line, each
// with a "kind": every attempt, then every finding, then every group. Each
// line is what encoding/json writes for the object (compact, no HTML
// escaping) with "kind" as its first member, written as JSON writes. A
// report of an interrupted analysis starts with a line of kind
// "interrupted" (scan.Interruption: how far the inputs were read).
func NDJSON(w io.Writer, rep *scan.Report) error {
	e := newJSONWriter(w, true)
	if rep.Interrupted != nil {
		ndjsonLine(e, "interrupted", rep.Interrupted, writeInterruptionFields)
	}
	for i := 0; i < rep.Attempts.Len() && e.err == nil; i++ {
		a := rep.Attempts.At(i)
		ndjsonLine(e, "attempt", &a, writeAttemptFields)
	}
	for i := 0; i < len(rep.Findings) && e.err == nil; i++ {
		ndjsonLine(e, "finding", &rep.Findings[i], writeFindingFields)
	}
	for i := 0; i < len(rep.Unattributed) && e.err == nil; i++ {
		ndjsonLine(e, "unattributed", &rep.Unattributed[i], writeUnattributedFields)
	}
	return e.flush()
}

// ndjsonLine writes one line: {"kind":kind, then the members of v}.
func ndjsonLine[T any](e *jsonWriter, kind string, v *T, fields func(*jsonWriter, *T)) {
	e.open('{')
	e.stringField("kind", kind)
	fields(e, v)
	e.close('}')
	e.buf = append(e.buf, '\n')
	e.flushIfFull()
}
