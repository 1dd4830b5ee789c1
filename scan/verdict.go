package scan

import (
	"fmt"
	"slices"
	"strings"

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
	case c.Attempts == 0 && c.Heartbeats == 0 && c.Events-c.Unrelated == 0:
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

// tenantVerdict is the verdict of a tenant of several servers: the worst
// server's, prefixed with how many servers there are.
func tenantVerdict(c correlate.Counts, findings []correlate.Finding, servers int) string {
	worst := slices.Clone(findings)
	slices.SortStableFunc(worst, func(a, b correlate.Finding) int {
		return catalog.Severity(b.Severity).Rank() - catalog.Severity(a.Severity).Rank()
	})
	return fmt.Sprintf("%d servers. %s", servers, Verdict(c, worst))
}

// state classes a server as its Verdict does: failing, in trouble (a
// critical or error finding without failed attempts), not seen (no
// writeback event), working with a warning, idle (no attempt and no error),
// or healthy; rank orders them, the worst highest.
func state(c correlate.Counts, findings []correlate.Finding) (rank int, label string) {
	top := false
	for _, f := range findings {
		if f.Severity == string(catalog.SeverityCritical) || f.Severity == string(catalog.SeverityError) {
			top = true
			break
		}
	}
	switch {
	case top && c.Failed > 0:
		return 5, "failing"
	case top:
		return 4, "in trouble"
	case c.Attempts == 0 && c.Heartbeats == 0 && c.Events-c.Unrelated == 0:
		return 3, "not seen (no writeback event)"
	case len(findings) > 0 && findings[0].Severity == string(catalog.SeverityWarning):
		return 2, "working with a warning"
	case c.Attempts == 0:
		return 1, "idle (no attempt, no error)"
	}
	return 0, "healthy"
}

// tenantState is the worst state of a tenant's servers.
type tenantState struct {
	name  string
	rank  int
	label string
}

// overallVerdict is the verdict over every tenant: the tenant's own when
// there is one, else one sentence naming the tenants by state, the worst
// first.
func overallVerdict(ts []Tenant, states []tenantState) string {
	switch len(ts) {
	case 0:
		return Verdict(correlate.Counts{}, nil)
	case 1:
		return ts[0].Verdict
	}
	servers := 0
	for _, t := range ts {
		servers += len(t.Servers)
	}
	byRank := slices.Clone(states)
	slices.SortStableFunc(byRank, func(a, b tenantState) int { return b.rank - a.rank })
	var parts []string
	for i := 0; i < len(byRank); {
		j := i
		var names []string
		for j < len(byRank) && byRank[j].rank == byRank[i].rank {
			names = append(names, byRank[j].name)
			j++
		}
		parts = append(parts, byRank[i].label+" for "+strings.Join(names, ", "))
		i = j
	}
	return fmt.Sprintf("%d tenants, %d servers: password writeback is %s.", len(ts), servers, strings.Join(parts, "; "))
}
