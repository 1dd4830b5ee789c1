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
		e.startLine("interrupted")
		writeInterruptionFields(e, rep.Interrupted)
		e.endLine()
	}
	for _, a := range rep.Attempts.Range(0, rep.Attempts.Len()) {
		if e.err != nil {
			break
		}
		e.startLine("attempt")
		writeAttemptFields(e, a)
		e.endLine()
	}
	for i := 0; i < len(rep.Findings) && e.err == nil; i++ {
		e.startLine("finding")
		writeFindingFields(e, &rep.Findings[i])
		e.endLine()
	}
	for i := 0; i < len(rep.Unattributed) && e.err == nil; i++ {
		e.startLine("unattributed")
		writeUnattributedFields(e, &rep.Unattributed[i])
		e.endLine()
	}
	return e.flush()
}

// startLine opens the object of one line, {"kind":kind; endLine closes it.
func (e *jsonWriter) startLine(kind string) {
	e.open('{')
	e.stringField("kind", kind)
}

func (e *jsonWriter) endLine() {
	e.close('}')
	e.buf = append(e.buf, '\n')
	e.flushIfFull()
}
