package report

import (
	"fmt"
	"strings"

	"github.com/evtxscan/evtxscan/scan"
)

// InterruptedHeading starts the text and HTML reports of an analysis that
// was stopped before the inputs were read to the end.
const InterruptedHeading = "INTERRUPTED — partial results:"

// interruptedText says how far the inputs were read: "read: a.evtx; read
// in part: b.zip (stopped in b.zip!Application.evtx); not read: c.evtx;
// 1204 records read, 310 events kept. ...". It is "" for a whole read. The
// paths are as given; the callers make them safe for their output.
func interruptedText(in *scan.Interruption) string {
	if in == nil {
		return ""
	}
	var parts []string
	list := func(label string, paths []string) {
		if len(paths) > 0 {
			parts = append(parts, label+": "+strings.Join(paths, ", "))
		}
	}
	list("read", in.Read)
	if len(in.PartlyRead) > 0 {
		s := "read in part: " + strings.Join(in.PartlyRead, ", ")
		if in.StoppedIn != "" && !(len(in.PartlyRead) == 1 && in.PartlyRead[0] == in.StoppedIn) {
			s += " (stopped in " + in.StoppedIn + ")"
		}
		parts = append(parts, s)
	}
	list("not read", in.NotRead)
	parts = append(parts, fmt.Sprintf("%s read, %s kept", plural(in.Records, "record"), plural(in.Events, "event")))
	s := strings.Join(parts, "; ") + ". "
	if in.StoppedBy != "" {
		s = "stopped by " + in.StoppedBy + "; " + s
	}
	return s + "Everything below covers those records only: attempts may lack their result, and nothing after the stop is known."
}

// writeInterruption writes in as encoding/json writes a scan.Interruption.
func writeInterruption(e *jsonWriter, in *scan.Interruption) {
	e.open('{')
	writeInterruptionFields(e, in)
	e.close('}')
}

func writeInterruptionFields(e *jsonWriter, in *scan.Interruption) {
	e.stringField("stopped_by", in.StoppedBy)
	e.stringsField("read", in.Read)
	e.stringsField("partly_read", in.PartlyRead)
	e.stringsField("not_read", in.NotRead)
	e.stringOmit("stopped_in", in.StoppedIn)
	e.intField("records", in.Records)
	e.intField("events", in.Events)
}
