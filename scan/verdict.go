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

// tenantVerdict is the verdict of a tenant of several servers: the worst
// server's, prefixed with how many servers there are.
func tenantVerdict(c correlate.Counts, findings []correlate.Finding, servers int) string {
	worst := slices.Clone(findings)
	slices.SortStableFunc(worst, func(a, b correlate.Finding) int {
		return catalog.Severity(b.Severity).Rank() - catalog.Severity(a.Severity).Rank()
	})
	return fmt.Sprintf("%d servers. %s", servers, Verdict(c, worst))
}

// overallVerdict is the verdict over every tenant: the tenant's own when
// there is one, else one sentence naming the tenants by state.
func overallVerdict(ts []Tenant) string {
	switch len(ts) {
	case 0:
		return Verdict(correlate.Counts{}, nil)
	case 1:
		return ts[0].Verdict
	}
	groups := map[string][]string{}
	var order []string
	servers := 0
	for _, t := range ts {
		servers += len(t.Servers)
		st := "healthy"
		for _, s := range t.Servers {
			if k := verdictState(s.Verdict); stateRank(k) > stateRank(st) {
				st = k
			}
		}
		if _, ok := groups[st]; !ok {
			order = append(order, st)
		}
		groups[st] = append(groups[st], t.Name)
	}
	slices.SortFunc(order, func(a, b string) int { return stateRank(b) - stateRank(a) })
	var parts []string
	for _, st := range order {
		parts = append(parts, st+" for "+strings.Join(groups[st], ", "))
	}
	return fmt.Sprintf("%d tenants, %d servers: password writeback is %s.", len(ts), servers, strings.Join(parts, "; "))
}

// verdictState reads the state a Verdict sentence states.
func verdictState(v string) string {
	switch {
	case strings.Contains(v, "is failing"):
		return "failing"
	case strings.Contains(v, "has a problem"):
		return "in trouble"
	case strings.Contains(v, "with a warning"):
		return "working with a warning"
	case strings.Contains(v, "No password writeback event"):
		return "not seen"
	}
	return "healthy"
}

func stateRank(s string) int {
	switch s {
	case "failing":
		return 4
	case "in trouble":
		return 3
	case "working with a warning":
		return 2
	case "not seen":
		return 1
	}
	return 0
}
