package scan

import (
	"fmt"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/correlate"
)

// Verdict is the first line of a report: what is wrong, in one sentence,
// from the counts and the findings (in their order) of a server or a tenant.
func Verdict(c correlate.Counts, findings []correlate.Finding) string {
	var top *correlate.Finding
	for i := range findings {
		f := &findings[i]
		if f.Severity == string(catalog.SeverityCritical) || f.Severity == string(catalog.SeverityError) {
			top = f
			break
		}
	}
	switch {
	case top != nil && c.Failed > 0:
		return fmt.Sprintf("Password writeback is failing: %d of %d attempts failed. Main cause: %s (%s).",
			c.Failed, c.Attempts, top.Title, top.Cause)
	case top != nil:
		return fmt.Sprintf("Password writeback has a problem: %s (%s).", top.Title, top.Cause)
	case c.Attempts == 0 && c.Heartbeats == 0 && c.Events == 0:
		return "No password writeback event was found: is this the Application log of the Entra Connect server?"
	case len(findings) > 0 && findings[0].Severity == string(catalog.SeverityWarning):
		return fmt.Sprintf("Password writeback works, with a warning: %s (%s). %d of %d attempts succeeded.",
			findings[0].Title, findings[0].Cause, c.Succeeded, c.Attempts)
	case c.Attempts == 0:
		return "No password writeback attempt in the log; the writeback service itself shows no error."
	default:
		return fmt.Sprintf("Password writeback is healthy: %d of %d attempts succeeded.", c.Succeeded, c.Attempts)
	}
}
