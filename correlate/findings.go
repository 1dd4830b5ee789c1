package correlate

import (
	"sort"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
)

// findingSet aggregates causes into findings.
type findingSet struct {
	c *Correlator
	m map[string]*findingAgg
}

type findingAgg struct {
	cause       catalog.Cause
	count       int
	first, last time.Time
	refs        refSet
}

func (fs *findingSet) get(cause catalog.Cause) *findingAgg {
	g := fs.m[cause.ID]
	if g == nil {
		g = &findingAgg{cause: cause}
		fs.m[cause.ID] = g
	}
	return g
}

func (g *findingAgg) seen(from, to time.Time) {
	if g.first.IsZero() || from.Before(g.first) {
		g.first = from
	}
	if to.After(g.last) {
		g.last = to
	}
}

// addEvents counts one attempt (or one unjoined 6329) explained by cause,
// with evs as its evidence, referred to under tid.
func (fs *findingSet) addEvents(cause catalog.Cause, tid string, evs []attEvent) {
	g := fs.get(cause)
	g.count++
	for _, e := range evs {
		g.seen(e.t, e.t)
		g.refs.add(e.ref, tid)
	}
}

// addRefs counts n occurrences seen from first to last with the given
// evidence.
func (fs *findingSet) addRefs(cause catalog.Cause, n int, first, last time.Time, rs *refSet) {
	g := fs.get(cause)
	g.count += n
	g.seen(first, last)
	for i, r := range rs.refs {
		g.refs.add(r, rs.tids[i])
	}
	g.refs.total += rs.total - len(rs.refs)
}

// list returns the findings in their fixed order. A user-side cause keeps
// its severity only when it explains more than half of the failed attempts
// and at least three of them; otherwise it is info.
func (fs *findingSet) list() []Finding {
	failed := fs.c.counts.Failed + fs.c.counts.Unjoined6329
	out := make([]Finding, 0, len(fs.m))
	for _, g := range fs.m {
		sev := g.cause.Severity
		if g.cause.UserSide && !(g.count*2 > failed && g.count >= 3) {
			sev = catalog.SeverityInfo
		}
		f := Finding{
			Tenant:        fs.c.cfg.Tenant,
			Cause:         g.cause.ID,
			Scope:         string(g.cause.Scope),
			Severity:      string(sev),
			Title:         g.cause.Title,
			Count:         g.count,
			FirstSeen:     Time{g.first},
			LastSeen:      Time{g.last},
			Evidence:      make([]EvidenceRef, len(g.refs.refs)),
			EvidenceTotal: g.refs.total,
			Remediation:   append([]string{}, g.cause.Remediation...),
		}
		for i, r := range g.refs.refs {
			f.Evidence[i] = EvidenceRef{
				Path: fs.c.paths[r.path], RecordID: r.rec, Time: Time{r.t},
				EventID: int(r.id), TrackingID: g.refs.tids[i],
			}
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ra, rb := catalog.Severity(a.Severity).Rank(), catalog.Severity(b.Severity).Rank()
		if ra != rb {
			return ra > rb
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Cause < b.Cause
	})
	return out
}
