package correlate

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
)

// service works out the service's health and feeds the findings.
func (c *Correlator) service(fs *findingSet) Service {
	sv := Service{
		Tenant:            c.cfg.Tenant,
		Server:            c.cfg.Server,
		LogFrom:           Time{c.from},
		LogTo:             Time{c.to},
		Heartbeats:        c.nbeats,
		HeartbeatGaps:     []Span{},
		Started:           []Time{},
		Stopped:           []Time{},
		Up:                []Span{},
		Relays:            sortedKeys(c.relays),
		ConnectorAccounts: sortedKeys(c.accounts),
		Endpoints:         sortedKeys(c.endpoints),
		SyncVersions:      sortedKeys(c.versions),
		SyncVersionSpans:  c.versionSpans(),
		Onboarding:        []Run{},
		Offboarding:       []Run{},
		Errors:            []ServiceError{},
	}
	sortRefs(c.lifecycle)
	runs := c.beatRuns()
	if len(runs) > 0 {
		sv.FirstHeartbeat = Time{runs[0].first.time()}
		sv.LastHeartbeat = Time{runs[len(runs)-1].last.time()}
	}
	c.sweep(&sv, fs, runs)
	c.runs(&sv, fs)
	c.serviceErrors(&sv, fs)
	return sv
}

// sweep walks the lifecycle events and heartbeats in time order, building
// the expected-up periods and the heartbeat gaps inside them.
func (c *Correlator) sweep(sv *Service, fs *findingSet, runs []beatRun) {
	type item struct {
		ref
		beat   bool
		inside bool // the end of a run of heartbeats: no gap before it
	}
	items := make([]item, 0, 2*len(runs)+len(c.lifecycle))
	for _, r := range runs {
		items = append(items, item{ref: r.first, beat: true})
		if r.last != r.first {
			items = append(items, item{ref: r.last, beat: true, inside: true})
		}
	}
	for _, r := range c.lifecycle {
		items = append(items, item{ref: r})
	}
	sort.SliceStable(items, func(i, j int) bool { return refLess(items[i].ref, items[j].ref) })
	hasBeats := len(runs) > 0

	up := false
	if len(c.lifecycle) > 0 {
		up = c.lifecycle[0].id == 31016
	} else {
		up = hasBeats || c.counts.Attempts > 0 // set by Finish before
	}
	if c.from.IsZero() {
		up = false
	}
	var (
		cur      Span
		last     time.Time
		lastRef  ref
		lastEdge bool // last is the log's start
		haveLast bool
		gapRefs  refSet
		limit    = c.cfg.HeartbeatGap
	)
	if up {
		cur = Span{From: Time{c.from}, FromLogStart: true}
		last, lastEdge, haveLast = c.from, true, true
	}
	// A gap runs from one heartbeat to the next (or from the log's start,
	// or to its end, while the service is expected up); a stop and start of
	// the service inside it are named in its note, not taken as its ends.
	gap := func(to time.Time, toRef *ref) {
		if !haveLast || to.Sub(last) <= limit {
			return
		}
		g := Span{From: Time{last}, To: Time{to}, FromLogStart: lastEdge, ToLogEnd: toRef == nil}
		var notes []string
		for _, l := range c.lifecycle {
			if l.time().After(last) && l.time().Before(to) {
				what := "started (31015)"
				if l.id == 31016 {
					what = "stopped (31016)"
				}
				notes = append(notes, "service "+what+" at "+FormatTime(l.time()))
			}
		}
		if dn := c.damageNote(last, to, func(Damage) bool { return true }, "heartbeats of this gap"); dn != "" {
			notes = append(notes, dn)
		}
		if toRef == nil {
			// A silence at the very end of the log: it may have been
			// collected during an outage, or just after heartbeats stopped.
			what := fmt.Sprintf("no heartbeat in the last %s of the log", minutes(to.Sub(last)))
			if lastEdge {
				what = fmt.Sprintf("no heartbeat in the whole log (%s)", minutes(to.Sub(last)))
			}
			notes = append([]string{what}, notes...)
			g.Note = strings.Join(notes, "; ")
			sv.EndSilence = &g
			var rs refSet
			if !lastEdge {
				rs.add(lastRef, "")
			}
			k := c.cause(CauseHeartbeatEnd, catalog.ScopeService)
			k.Title = what
			fs.addRefs(&k, 1, last, to, &rs)
			return
		}
		g.Note = strings.Join(notes, "; ")
		sv.HeartbeatGaps = append(sv.HeartbeatGaps, g)
		if !lastEdge {
			gapRefs.add(lastRef, "")
		}
		gapRefs.add(*toRef, "")
	}
	for _, it := range items {
		r := it.ref
		switch {
		case it.beat:
			if !up {
				up = true
				cur = Span{From: Time{r.time()}, Note: "heartbeats without a preceding 31015"}
			}
			if !it.inside {
				gap(r.time(), &r)
			}
			last, lastRef, lastEdge, haveLast = r.time(), r, false, true
		case r.id == 31015:
			sv.Started = append(sv.Started, Time{r.time()})
			if !up {
				up = true
				cur = Span{From: Time{r.time()}}
			}
		default: // 31016
			sv.Stopped = append(sv.Stopped, Time{r.time()})
			if up {
				cur.To = Time{r.time()}
				sv.Up = append(sv.Up, cur)
				up = false
			}
		}
	}
	if up {
		gap(c.to, nil)
		cur.To, cur.ToLogEnd = Time{c.to}, true
		sv.Up = append(sv.Up, cur)
	}

	if n := len(sv.HeartbeatGaps); n > 0 {
		fs.addRefs(new(c.cause(CauseHeartbeatGap, catalog.ScopeService)), n, sv.HeartbeatGaps[0].From.Time, sv.HeartbeatGaps[n-1].To.Time, &gapRefs)
	}
	// A stop with no later start and no heartbeat after it.
	if n := len(c.lifecycle); n > 0 && c.lifecycle[n-1].id == 31016 {
		stop := c.lifecycle[n-1]
		if !hasBeats || !runs[len(runs)-1].last.time().After(stop.time()) {
			var rs refSet
			rs.add(stop, "")
			fs.addRefs(new(c.cause(CauseServiceStopped, catalog.ScopeService)), 1, stop.time(), stop.time(), &rs)
		}
	}
}

// runs builds the onboarding and offboarding runs. A run opens at its start
// event (31004, 31012) and closes at its success (31005, 31013), its failure
// (31014) or an error that belongs to it; an error the documents tie to one
// kind of run alone (32007, 32009, 32011; 32013) is a failed run of its own
// when none is open. A run still open at the next start or at the log's end
// is incomplete. The latest onboarding not followed by a successful one is
// the onboarding-failed finding (offboarding likewise).
func (c *Correlator) runs(sv *Service, fs *findingSet) {
	sort.SliceStable(c.boarding, func(i, j int) bool { return refLess(c.boarding[i].ref, c.boarding[j].ref) })
	type open struct {
		run  *Run
		refs refSet
	}
	var on, off *open
	var onRefs, offRefs []refSet
	closeRun := func(o **open, outcome string, onboard bool) {
		if *o == nil {
			return
		}
		r := (*o).run
		r.Outcome = outcome
		r.Evidence = c.refList(&(*o).refs)
		if onboard {
			sv.Onboarding = append(sv.Onboarding, *r)
			onRefs = append(onRefs, (*o).refs)
		} else {
			sv.Offboarding = append(sv.Offboarding, *r)
			offRefs = append(offRefs, (*o).refs)
		}
		*o = nil
	}
	openRun := func(o **open, r ref) {
		*o = &open{run: &Run{Start: Time{r.time()}, EventIDs: []int{}}}
	}
	addTo := func(o *open, r ref) {
		o.run.End = Time{r.time()}
		o.run.EventIDs = append(o.run.EventIDs, int(r.id))
		o.refs.add(r, "")
	}
	for _, b := range c.boarding {
		r := b.ref
		switch b.kind {
		case kindOnboardStart:
			closeRun(&on, OutcomeIncomplete, true)
			openRun(&on, r)
			addTo(on, r)
		case kindOnboardSuccess:
			if on == nil {
				openRun(&on, r)
			}
			addTo(on, r)
			closeRun(&on, OutcomeSuccess, true)
		case kindOffboardStart:
			closeRun(&off, OutcomeIncomplete, false)
			openRun(&off, r)
			addTo(off, r)
		case kindOffboardSuccess, kindOffboardFail:
			if off == nil {
				openRun(&off, r)
			}
			addTo(off, r)
			out := OutcomeSuccess
			if b.kind == kindOffboardFail {
				out = OutcomeFailure
			}
			closeRun(&off, out, false)
		case kindOnboardStep: // 31017, 31018 belong to whichever run is open
			switch {
			case off != nil:
				addTo(off, r)
			case on != nil:
				addTo(on, r)
			}
		case kindServiceError:
			onAlone, onIn := onboardingError(int(r.id))
			offAlone, offIn := offboardingError(int(r.id))
			switch {
			case off != nil && offIn:
				addTo(off, r)
				closeRun(&off, OutcomeFailure, false)
			case on != nil && onIn:
				addTo(on, r)
				closeRun(&on, OutcomeFailure, true)
			case onAlone:
				openRun(&on, r)
				addTo(on, r)
				closeRun(&on, OutcomeFailure, true)
			case offAlone:
				openRun(&off, r)
				addTo(off, r)
				closeRun(&off, OutcomeFailure, false)
			}
		}
	}
	closeRun(&on, OutcomeIncomplete, true)
	closeRun(&off, OutcomeIncomplete, false)
	sortRuns(sv.Onboarding, onRefs)
	sortRuns(sv.Offboarding, offRefs)
	c.failedRuns(fs, sv.Onboarding, onRefs, CauseOnboardingFailed)
	c.failedRuns(fs, sv.Offboarding, offRefs, CauseOffboardingFailed)
}

// sortRuns orders runs (and their evidence sets alike) by start time.
func sortRuns(runs []Run, refs []refSet) {
	idx := make([]int, len(runs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return runs[idx[a]].Start.Before(runs[idx[b]].Start.Time) })
	rs, ss := make([]Run, len(runs)), make([]refSet, len(runs))
	for i, j := range idx {
		rs[i], ss[i] = runs[j], refs[j]
	}
	copy(runs, rs)
	copy(refs, ss)
}

// failedRuns reports the runs after the last successful one, when the last
// run did not succeed.
func (c *Correlator) failedRuns(fs *findingSet, runs []Run, refs []refSet, causeID string) {
	n := len(runs)
	if n == 0 || runs[n-1].Outcome == OutcomeSuccess {
		return
	}
	i := n - 1
	for i > 0 && runs[i-1].Outcome != OutcomeSuccess {
		i--
	}
	cause := c.cause(causeID, catalog.ScopeService)
	var all refSet
	for j := i; j < n; j++ {
		for k, r := range refs[j].refs {
			all.add(r, refs[j].tids[k])
		}
		all.total += refs[j].total - len(refs[j].refs)
	}
	first, last := runs[i].Start.Time, runs[n-1].End.Time
	if last.IsZero() {
		last = runs[n-1].Start.Time
	}
	fs.addRefs(&cause, n-i, first, last, &all)
}

// serviceErrors lists the service error groups and diagnoses each by its
// earliest message.
func (c *Correlator) serviceErrors(sv *Service, fs *findingSet) {
	groups := make([]*errGroup, 0, len(c.errs))
	for _, g := range c.errs {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if !a.first.time().Equal(b.first.time()) {
			return a.first.time().Before(b.first.time())
		}
		if a.key.id != b.key.id {
			return a.key.id < b.key.id
		}
		if a.key.provider != b.key.provider {
			return a.key.provider < b.key.provider
		}
		return a.key.line < b.key.line
	})
	for _, g := range groups {
		ev := []catalog.Evidence{{Source: g.key.provider, EventID: int(g.key.id), HResult: g.hr, Text: g.sample}}
		cause, _, ok := c.diag.Diagnose(catalog.ScopeService, ev)
		if !ok {
			cause = c.cause(CauseServiceUnknown, catalog.ScopeService)
		}
		msg := g.key.line
		if g.overflow {
			msg = "(various messages) " + truncate(strings.TrimSpace(g.sample[:lineEnd(g.sample)]), 200)
		}
		sv.Errors = append(sv.Errors, ServiceError{
			Provider: g.key.provider,
			EventID:  int(g.key.id),
			Count:    g.count,
			First:    Time{g.first.time()},
			Last:     Time{g.last.time()},
			HResult:  HResult(g.hr),
			Message:  msg,
			Cause:    cause.ID,
			Evidence: c.refList(&g.refs),
		})
		fs.addRefs(&cause, g.count, g.first.time(), g.last.time(), &g.refs)
	}
}

// minutes spells d in whole minutes ("47 min"), or hours and minutes from
// two hours on ("3 h 05 min").
func minutes(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	if m >= 120 {
		return fmt.Sprintf("%d h %02d min", m/60, m%60)
	}
	return fmt.Sprintf("%d min", m)
}

func (c *Correlator) refList(rs *refSet) []EvidenceRef {
	out := make([]EvidenceRef, len(rs.refs))
	for i, r := range rs.refs {
		out[i] = EvidenceRef{Path: c.paths[r.path], RecordID: r.rec, Time: Time{r.time()}, EventID: int(r.id), TrackingID: rs.tids[i]}
	}
	return out
}

func sortRefs(rs []ref) {
	slices.SortStableFunc(rs, refCmp)
}

func sortedKeys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// seeVersion notes that the sync-engine version v is named at t.
func (c *Correlator) seeVersion(v string, t time.Time) {
	sp, ok := c.verSeen[v]
	if !ok {
		c.verSeen[strings.Clone(v)] = [2]time.Time{t, t}
		return
	}
	if t.Before(sp[0]) {
		sp[0] = t
	}
	if t.After(sp[1]) {
		sp[1] = t
	}
	c.verSeen[v] = sp
}

// versionSpans lists the versions seen by first time, then version.
func (c *Correlator) versionSpans() []VersionSpan {
	out := make([]VersionSpan, 0, len(c.verSeen))
	for v, sp := range c.verSeen {
		out = append(out, VersionSpan{Version: v, First: Time{sp[0]}, Last: Time{sp[1]}})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].First.Equal(out[j].First.Time) {
			return out[i].First.Before(out[j].First.Time)
		}
		return out[i].Version < out[j].Version
	})
	return out
}
