package correlate

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
)

// findingSet aggregates causes into findings.
type findingSet struct {
	c    *Correlator
	m    map[string]*findingAgg
	last *findingAgg // the last got: most attempts in a row share a cause
}

type findingAgg struct {
	cause       catalog.Cause
	count       int
	first, last time.Time
	// firstR and lastR hold the times of first and last once first is
	// set (haveR), to compare an event's time cheaply (seenRef).
	firstR, lastR ref
	haveR         bool
	refs          refSet
}

// get returns the finding of cause (which it copies when it makes one).
func (fs *findingSet) get(cause *catalog.Cause) *findingAgg {
	if g := fs.last; g != nil && g.cause.ID == cause.ID {
		return g
	}
	g := fs.m[cause.ID]
	if g == nil {
		g = &findingAgg{cause: *cause}
		fs.m[cause.ID] = g
	}
	fs.last = g
	return g
}

// cached is c.cause(id, scope) without a new lookup once the finding of
// id exists (the catalog clones a Cause on every lookup), and without a
// copy: the Cause must not be changed.
func (fs *findingSet) cached(id string, scope catalog.Scope) *catalog.Cause {
	if g := fs.last; g != nil && g.cause.ID == id {
		return &g.cause
	}
	if g := fs.m[id]; g != nil {
		return &g.cause
	}
	k := fs.c.cause(id, scope)
	return &k
}

func (g *findingAgg) seen(from, to time.Time) {
	if g.first.IsZero() || from.Before(g.first) {
		g.first = from
	}
	if to.After(g.last) {
		g.last = to
	}
	if !g.first.IsZero() {
		g.firstR, g.lastR, g.haveR = newRef(g.first, 0, 0, 0), newRef(g.last, 0, 0, 0), true
	}
}

// seenRef is seen(t, t) for the time t of r.
func (g *findingAgg) seenRef(r ref) {
	if !g.haveR {
		t := r.time()
		g.seen(t, t)
		return
	}
	if timeCmp(r, g.firstR) < 0 {
		g.first, g.firstR = r.time(), r
	}
	if timeCmp(r, g.lastR) > 0 {
		g.last, g.lastR = r.time(), r
	}
}

// addEvents counts one attempt (or one unjoined 6329) explained by cause,
// with evs as its evidence, referred to under tid.
func (fs *findingSet) addEvents(cause *catalog.Cause, tid string, evs []*attEvent) {
	g := fs.get(cause)
	g.count++
	for _, e := range evs {
		g.seenRef(e.ref)
		g.refs.add(e.ref, tid)
	}
}

// addRefs counts n occurrences seen from first to last with the given
// evidence.
func (fs *findingSet) addRefs(cause *catalog.Cause, n int, first, last time.Time, rs *refSet) {
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
	failed := fs.c.counts.Failed + fs.c.counts.Unjoined6329 + len(fs.c.unkeyed)
	out := make([]Finding, 0, len(fs.m))
	for _, g := range fs.m {
		sev := g.cause.Severity
		if g.cause.UserSide && !(g.count*2 > failed && g.count >= 3) {
			sev = catalog.SeverityInfo
		}
		f := Finding{
			Tenant:        fs.c.cfg.Tenant,
			Server:        fs.c.cfg.Server,
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
				Path: fs.c.paths[r.path], RecordID: r.rec, Time: Time{r.time()},
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
	return fs.chain(out)
}

// chain names, for each finding, the findings of the same window it is a
// consequence of (catalog.Cause.Consequences, followed transitively), and
// orders the list so that a root comes before its consequences, keeping
// the order of severity and count otherwise. Two findings share a window
// when their times lie within Config.HeartbeatGap of each other.
func (fs *findingSet) chain(out []Finding) []Finding {
	win := fs.c.cfg.HeartbeatGap
	cons := make(map[string][]string) // cause id → its consequences
	for _, g := range fs.m {
		cons[g.cause.ID] = g.cause.Consequences
	}
	var leads func(from, to string, depth int) bool
	leads = func(from, to string, depth int) bool {
		next, ok := cons[from]
		if !ok {
			if k, found := fs.c.diag.Cause(from); found {
				next = k.Consequences
			}
			cons[from] = next
		}
		for _, n := range next {
			if n == to || (depth < 8 && leads(n, to, depth+1)) {
				return true
			}
		}
		return false
	}
	near := func(a, b Finding) bool {
		return !a.FirstSeen.Add(-win).After(b.LastSeen.Time) && !b.FirstSeen.After(a.LastSeen.Add(win))
	}
	roots := make([][]int, len(out))
	for i := range out {
		for j := range out {
			if i != j && leads(out[j].Cause, out[i].Cause, 0) && !leads(out[i].Cause, out[j].Cause, 0) && near(out[j], out[i]) {
				roots[i] = append(roots[i], j)
			}
		}
	}
	// Emit in the sorted order, each finding once all its roots are out.
	done := make([]bool, len(out))
	res := make([]Finding, 0, len(out))
	for len(res) < len(out) {
		progress := false
		for i := range out {
			if done[i] {
				continue
			}
			ready := true
			for _, j := range roots[i] {
				ready = ready && done[j]
			}
			if !ready {
				continue
			}
			f := out[i]
			// Name the nearest roots: not one that is a root of another root.
			var near []int
			for _, j := range roots[i] {
				indirect := false
				for _, k := range roots[i] {
					indirect = indirect || (k != j && slices.Contains(roots[k], j))
				}
				if !indirect {
					near = append(near, j)
				}
			}
			if len(near) > 0 {
				var titles []string
				for _, j := range near {
					f.Because = append(f.Because, out[j].Cause)
					titles = append(titles, out[j].Title+" ("+out[j].Cause+")")
				}
				f.Note = "because of " + strings.Join(titles, " and ")
			}
			res = append(res, f)
			done[i] = true
			progress = true
			break // restart from the top: a root just out may free an earlier finding
		}
		if !progress { // cannot happen with an acyclic catalog; keep every finding
			for i := range out {
				if !done[i] {
					res = append(res, out[i])
					done[i] = true
				}
			}
		}
	}
	return res
}
