package correlate

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/evtxscan/evtxscan/catalog"
)

// Finish joins the ADSync 6329 events to their attempts, closes the
// attempts, works out the service's health, runs the diagnosis and returns
// the Result. Later calls return the same Result; Add and NoteDamage do
// nothing after it.
func (c *Correlator) Finish() *Result {
	if c.result != nil {
		return c.result
	}
	st := c.st
	res := &Result{
		Tenant:       c.cfg.Tenant,
		Server:       c.cfg.Server,
		Unjoined:     []AttemptEvent{},
		Unattributed: []Unattributed{},
	}
	c.from, c.to = c.logSpan()
	c.toRef = newRef(c.to, 0, 0, 0)
	c.groupAttempts()
	// A service event carrying the TrackingId of an attempt is that
	// attempt's result; one whose TrackingId no attempt has is a service
	// event (see the package rules).
	slices.SortStableFunc(c.tidSvc, func(a, b tidEvent) int { return refCmp(a.e.ref, b.e.ref) })
	for _, s := range c.tidSvc {
		if ai, ok := c.lookup(s.tid); ok {
			st.link(&st.atts[ai], st.push(s.e))
			continue
		}
		c.counts.ServiceWithID++
		c.serviceEvent(s.e.ref, s.e.provider.String(), s.text, s.e.hr)
	}
	c.tidSvc, c.tidIdx = nil, nil
	slices.SortStableFunc(c.damage, func(a, b Damage) int {
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		return cmp.Compare(a.Chunk, b.Chunk)
	})
	res.Damage = append([]Damage{}, c.damage...)
	fs := &findingSet{c: c, m: make(map[string]*findingAgg)}

	// Each attempt's chain is its own: the attempts are split over the
	// processors.
	parallel(len(st.atts), func(lo, hi int) {
		var scratch []int32
		for i := lo; i < hi; i++ {
			scratch = c.sortChain(&st.atts[i], scratch)
			c.noteResult(&st.atts[i])
		}
	})
	byStart := func(a, b attempt) int {
		if x := timeCmp(st.ev(a.head).ref, st.ev(b.head).ref); x != 0 {
			return x
		}
		return strings.Compare(st.tid(&a), st.tid(&b))
	}
	if !sortedBy(st.atts, byStart) {
		slices.SortFunc(st.atts, byStart)
	}
	joins := len(c.sets) > 0 // join may change where attempts start
	for _, e := range c.join() {
		c.counts.Unjoined6329++
		pe := st.publicEvent(&e)
		pe.Tenant, pe.Server = c.cfg.Tenant, c.cfg.Server
		res.Unjoined = append(res.Unjoined, pe)
		cause, _, ok := c.diagnoser([]*attEvent{&e})(catalog.ScopeAttempt)
		if !ok {
			cause = c.cause(CauseAttemptUnknown, catalog.ScopeAttempt)
		}
		fs.addEvents(&cause, "", []*attEvent{&e})
	}
	c.sets = nil
	var evs []*attEvent
	for i := range st.atts {
		evs = c.finishAttempt(&st.atts[i], fs, evs[:0])
	}
	if joins && !sortedBy(st.atts, byStart) { // a joined 6329 may start one earlier
		slices.SortStableFunc(st.atts, byStart)
	}
	c.counts.Attempts = len(st.atts)
	if n := len(st.atts); n > 0 {
		res.Attempts = AttemptList{segs: []attemptSeg{{st: st, hi: n}}, n: n}
	}
	for _, u := range c.unkeyed {
		fs.addEvents(&u.cause, "", []*attEvent{{ref: u.ref}})
	}
	res.Unattributed = c.unattributed(fs)
	res.Service = c.service(fs)
	res.Counts = c.counts
	res.Findings = fs.list()
	c.result = res
	// Drop what only Finish needed.
	c.sets, c.errs, c.unattr, c.unkeyed, c.texts, c.matches, c.matchIdx = nil, nil, nil, nil, nil, nil, nil
	return res
}

// sortedBy is slices.IsSortedFunc(atts, cmp), its parts checked at once
// (parallel), each with the first attempt of the next.
func sortedBy(atts []attempt, cmp func(a, b attempt) int) bool {
	var unsorted atomic.Bool
	parallel(len(atts), func(lo, hi int) {
		if !slices.IsSortedFunc(atts[lo:min(hi+1, len(atts))], cmp) {
			unsorted.Store(true)
		}
	})
	return !unsorted.Load()
}

// timeCmp orders records by time alone.
func timeCmp(a, b ref) int {
	if a.sec != b.sec {
		return cmp.Compare(a.sec, b.sec)
	}
	return cmp.Compare(a.nsec, b.nsec)
}

// sortChain puts the events of a in time order (refCmp; stable); scratch
// is reused.
func (c *Correlator) sortChain(a *attempt, scratch []int32) []int32 {
	st := c.st
	sorted := true
	for i := a.head; i >= 0; {
		e := st.ev(i)
		if e.next >= 0 && refCmp(e.ref, st.ev(e.next).ref) > 0 {
			sorted = false
			break
		}
		i = e.next
	}
	if sorted {
		return scratch
	}
	scratch = scratch[:0]
	for i := a.head; i >= 0; i = st.ev(i).next {
		scratch = append(scratch, i)
	}
	slices.SortStableFunc(scratch, func(x, y int32) int { return refCmp(st.ev(x).ref, st.ev(y).ref) })
	a.head, a.tail = -1, -1
	for _, i := range scratch {
		st.ev(i).next = -1
		st.link(a, i)
	}
	return scratch
}

// noteResult sets what the join needs of a's own events: its last
// result and the hresult of its last failure.
func (c *Correlator) noteResult(a *attempt) {
	for i := a.head; i >= 0; {
		e := c.st.ev(i)
		switch e.kind {
		case kindSuccess:
			a.success = true
		case kindFailure:
			a.success = false
			if e.hr != 0 {
				a.hr = e.hr
			}
		}
		i = e.next
	}
}

// diagnoser returns the diagnosis of the evidence of evs, by scope.
func (c *Correlator) diagnoser(evs []*attEvent) func(catalog.Scope) (catalog.Cause, []int, bool) {
	if c.match != nil {
		ms := make([]catalog.Matches, len(evs))
		for i, e := range evs {
			if e.match != noMatch {
				ms[i] = c.matches[e.match]
			} else {
				ms[i] = c.match.Match(c.evidence(e))
			}
		}
		return func(scope catalog.Scope) (catalog.Cause, []int, bool) {
			id, m, ok := c.match.DiagnoseMatches(scope, ms)
			if !ok {
				return catalog.Cause{}, nil, false
			}
			return c.causeOf(id), m, true
		}
	}
	ev := make([]catalog.Evidence, len(evs))
	for i, e := range evs {
		ev[i] = c.evidence(e)
	}
	return func(scope catalog.Scope) (catalog.Cause, []int, bool) { return c.diag.Diagnose(scope, ev) }
}

// evidenceDiagnoser is diagnoser for one event's evidence.
func (c *Correlator) evidenceDiagnoser(ev catalog.Evidence) func(catalog.Scope) (catalog.Cause, []int, bool) {
	if c.match != nil {
		ms := []catalog.Matches{c.match.Match(ev)}
		return func(scope catalog.Scope) (catalog.Cause, []int, bool) {
			id, m, ok := c.match.DiagnoseMatches(scope, ms)
			if !ok {
				return catalog.Cause{}, nil, false
			}
			return c.causeOf(id), m, true
		}
	}
	return func(scope catalog.Scope) (catalog.Cause, []int, bool) {
		return c.diag.Diagnose(scope, []catalog.Evidence{ev})
	}
}

// causeOf is the Cause of id, looked up once.
func (c *Correlator) causeOf(id string) catalog.Cause {
	if k, ok := c.causeCache[id]; ok {
		return k
	}
	k := c.cause(id, catalog.ScopeAttempt)
	if c.causeCache == nil {
		c.causeCache = make(map[string]catalog.Cause)
	}
	c.causeCache[id] = k
	return k
}

// evidence returns what the Diagnoser is told of e: its text, when kept.
func (c *Correlator) evidence(e *attEvent) catalog.Evidence {
	text := c.texts[e.key()]
	if e.flags&flagText != 0 {
		text = c.st.str(e)
	}
	return catalog.Evidence{Source: e.provider.String(), EventID: int(e.id), HResult: e.hr, Text: text}
}

// unattributed lists the Unattributed groups by first time, source and
// id. A group of engine errors beside writeback (6306, 611 …) whose text
// the catalog explains with a specific cause is also that cause's finding.
func (c *Correlator) unattributed(fs *findingSet) []Unattributed {
	groups := make([]*unattrGroup, 0, len(c.unattr))
	for _, g := range c.unattr {
		groups = append(groups, g)
	}
	slices.SortFunc(groups, func(a, b *unattrGroup) int {
		if x := refCmp(a.first, b.first); x != 0 {
			return x
		}
		if a.key.provider != b.key.provider {
			return strings.Compare(a.key.provider, b.key.provider)
		}
		if a.key.id != b.key.id {
			return cmp.Compare(a.key.id, b.key.id)
		}
		return strings.Compare(a.key.reason, b.key.reason)
	})
	out := make([]Unattributed, 0, len(groups))
	for _, g := range groups {
		u := Unattributed{
			Tenant: c.cfg.Tenant, Server: c.cfg.Server,
			Provider: g.key.provider, EventID: int(g.key.id), Name: g.name,
			Reason: g.key.reason, Count: g.count,
			First: Time{g.first.time()}, Last: Time{g.last.time()},
			Evidence: c.refList(&g.refs),
		}
		if g.sample != "" {
			u.Message = truncate(strings.TrimSpace(g.sample[:lineEnd(g.sample)]), maxMessage)
		}
		switch {
		case g.key.reason == ReasonNoTrackingID:
			u.Cause = c.unkeyedCause(g)
		case g.sample != "":
			ev := []catalog.Evidence{{Source: g.key.provider, EventID: int(g.key.id), HResult: g.hr, Text: g.sample}}
			for _, scope := range []catalog.Scope{catalog.ScopeService, catalog.ScopeAttempt} {
				k, _, ok := c.diag.Diagnose(scope, ev)
				if ok && !fallbackCause(k.ID) {
					u.Cause = k.ID
					fs.addRefs(&k, g.count, g.first.time(), g.last.time(), &g.refs)
					break
				}
			}
		}
		out = append(out, u)
	}
	return out
}

// unkeyedCause returns the cause of the earliest failure of an unkeyed
// group ("" for starts and successes): the failures were diagnosed one by
// one as they came, and each is evidence of its cause's finding.
func (c *Correlator) unkeyedCause(g *unattrGroup) string {
	var best *unkeyedFailure
	for i := range c.unkeyed {
		u := &c.unkeyed[i]
		if u.id == g.key.id && g.key.provider == sourcePasswordReset && (best == nil || refLess(u.ref, best.ref)) {
			best = u
		}
	}
	if best == nil {
		return ""
	}
	return best.cause.ID
}

// fallbackCause reports whether id is a cause the correlator names when
// nothing more specific matches.
func fallbackCause(id string) bool {
	switch id {
	case CauseAttemptUnknown, CauseServiceUnknown, CauseAttemptIncomplete:
		return true
	}
	return false
}

// failureCause names the cause of a failed attempt's evidence (diagnosed
// by d): the most specific attempt-level cause; else, when only the
// fallbacks match (the start event matches attempt-incomplete), a
// service-level cause such as key-mismatch for a 32004; else ad-unknown.
// matched indexes the evidence that selected it (nil: all of it).
func (c *Correlator) failureCause(d func(catalog.Scope) (catalog.Cause, []int, bool)) (catalog.Cause, []int) {
	cause, matched, ok := d(catalog.ScopeAttempt)
	if ok && !fallbackCause(cause.ID) {
		return cause, matched
	}
	if k, m, sok := d(catalog.ScopeService); sok && (k.ID != CauseServiceUnknown || !ok || cause.ID == CauseAttemptIncomplete) {
		return k, m
	}
	if ok && cause.ID == CauseAttemptUnknown {
		return cause, matched
	}
	return c.cause(CauseAttemptUnknown, catalog.ScopeAttempt), nil
}

// attSpan is the time span of an attempt's own events.
type attSpan struct{ from, to time.Time }

// distance is how far t lies outside the span (0 inside).
func (s attSpan) distance(t time.Time) time.Duration {
	switch {
	case t.Before(s.from):
		return s.from.Sub(t)
	case t.After(s.to):
		return t.Sub(s.to)
	}
	return 0
}

// anchorOf returns the first valid cloudAnchor of a's events.
func (c *Correlator) anchorOf(a *attempt) string {
	for i := a.head; i >= 0; {
		e := c.st.ev(i)
		if s := c.st.piece(e, pAnchor); validAnchor(s) {
			return s
		}
		i = e.next
	}
	return ""
}

// addNote appends a note to a.
func (c *Correlator) addNote(a *attempt, note string) {
	if a.notes < 0 {
		a.notes = int32(len(c.st.notes))
		c.st.notes = append(c.st.notes, nil)
	}
	c.st.notes[a.notes] = append(c.st.notes[a.notes], note)
}

// join attaches the ADSync 6329 events to the attempts, sorted by start
// (see the package rules), and returns those that joined none, in time
// order.
func (c *Correlator) join() []attEvent {
	if len(c.sets) == 0 {
		return nil
	}
	st := c.st
	atts := st.atts
	slices.SortStableFunc(c.sets, func(a, b attEvent) int { return refCmp(a.ref, b.ref) })
	win := c.cfg.JoinWindow
	anchors := make([]string, len(atts))
	spans := make([]attSpan, len(atts)) // before any join
	byAnchor := make(map[string][]int)
	for i := range atts {
		spans[i] = attSpan{st.ev(atts[i].head).time(), st.ev(atts[i].tail).time()}
		if anchors[i] = c.anchorOf(&atts[i]); anchors[i] != "" {
			byAnchor[anchors[i]] = append(byAnchor[anchors[i]], i)
		}
	}
	take := func(i int, e *attEvent, how string) {
		e.join = wordOf(how)
		st.link(&atts[i], st.push(*e))
		atts[i].has6329 = true
	}
	// atts is sorted by start; no candidate starts before t-win-maxSpan.
	var maxSpan time.Duration
	for _, s := range spans {
		maxSpan = max(maxSpan, s.to.Sub(s.from))
	}
	joined := make([]bool, len(c.sets))
	for i := range c.sets {
		e := &c.sets[i]
		anchor := st.piece(e, pAnchor)
		if !validAnchor(anchor) {
			continue
		}
		best := -1
		var bestD time.Duration
		t := e.time()
		list := byAnchor[anchor] // in start order
		lo := sort.Search(len(list), func(k int) bool { return !spans[list[k]].from.Before(t.Add(-win - maxSpan)) })
		for _, j := range list[lo:] {
			if spans[j].from.After(t.Add(win)) {
				break
			}
			if d := spans[j].distance(t); d <= win && (best < 0 || d < bestD) {
				best, bestD = j, d
			}
		}
		if best >= 0 {
			take(best, e, JoinAnchor)
			joined[i] = true
		}
	}
	var left []attEvent
	for i := range c.sets {
		if joined[i] {
			continue
		}
		e := &c.sets[i]
		t := e.time()
		anchor := st.piece(e, pAnchor)
		anchored := validAnchor(anchor)
		best := -1
		var bestKey [3]int64
		lo := sort.Search(len(atts), func(j int) bool { return !spans[j].from.Before(t.Add(-win - maxSpan)) })
		for j := lo; j < len(atts); j++ {
			s := &atts[j]
			if spans[j].from.After(t.Add(win)) {
				break
			}
			if s.success || (anchored && anchors[j] != "") {
				continue
			}
			d := spans[j].distance(t)
			if d > win {
				continue
			}
			key := [3]int64{1, 0, int64(d)}
			switch {
			case e.hr != 0 && e.hr == s.hr:
				key[0] = 0
			case e.hr != 0 && s.hr != 0:
				// ADSync may report the underlying error (0x80070005,
				// ERROR_ACCESS_DENIED) where PasswordResetService reports
				// the engine's (0x80230626): a different hr joins only an
				// attempt it lies next to.
				if d > mismatchWindow {
					continue
				}
				key[0] = 2
			}
			if s.has6329 {
				key[1] = 1
			}
			if best < 0 || keyLess(key, bestKey) {
				best, bestKey = j, key
			}
		}
		if best < 0 {
			left = append(left, *e)
			continue
		}
		take(best, e, JoinHRNearest)
		if anchored {
			c.addNote(&atts[best], fmt.Sprintf(
				"ADSync 6329 at %s names AAD anchor %s, which no event of this attempt carries; joined by hresult and time",
				FormatTime(t), anchor))
		}
	}
	c.counts.Joined6329 = len(c.sets) - len(left)
	return left
}

// mismatchWindow is how close a 6329 whose hresult differs from the
// attempt's must lie to it to join it.
const mismatchWindow = 10 * time.Second

func keyLess(a, b [3]int64) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// validAnchor reports whether an anchor can join events: present and not
// redacted ("xxx", "User_xxxx", "***").
func validAnchor(s string) bool {
	s = strings.TrimPrefix(s, "User_")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'x', 'X', '*', '#', '.', '?':
		default:
			return true
		}
	}
	return false
}

// finishAttempt closes attempt a: its outcome, operation, hresult, cause
// and notes, and its part of the findings. evs is scratch, returned.
func (c *Correlator) finishAttempt(a *attempt, fs *findingSet, evs []*attEvent) []*attEvent {
	st := c.st
	c.sortChain(a, nil)
	for i := a.head; i >= 0; i = st.ev(i).next {
		evs = append(evs, st.ev(i))
	}
	var (
		startOp, resultOp word
		hasStart          bool
		outcome           = outcomeIncomplete
		failHR, setHR     uint32
		unlock            bool
		cloud             string
	)
	for _, e := range evs {
		if anchor := st.piece(e, pAnchor); e.kind != kindPasswordSet && anchor != "" {
			switch {
			case cloud == "" || (!validAnchor(cloud) && validAnchor(anchor)):
				cloud = anchor
			case validAnchor(anchor) && anchor != cloud:
				c.addNote(a, fmt.Sprintf("event %d at %s carries cloudAnchor %s, not %s",
					e.id, FormatTime(e.time()), anchor, cloud))
			}
		}
		if e.flags&flagUnlock != 0 { // its status names "unlock"
			unlock = true
		}
		switch e.kind {
		case kindStart:
			if !hasStart {
				startOp = e.op
			}
			hasStart = true
		case kindSuccess:
			outcome = outcomeSuccess
			if resultOp == 0 {
				resultOp = e.op
			}
		case kindFailure:
			outcome = outcomeFailure
			if resultOp == 0 {
				resultOp = e.op
			}
			if e.hr != 0 {
				failHR = e.hr
			}
		case kindPasswordSet:
			if setHR == 0 {
				setHR = e.hr
			}
		}
	}
	a.outcome = outcome
	switch {
	case unlock:
		a.op = wordOf(OpUnlock)
	case startOp != 0:
		a.op = startOp
	case resultOp != 0:
		a.op = resultOp
	default:
		a.op = wordOf(operationFromFrames(evs))
	}
	a.hr = failHR
	if failHR == 0 {
		a.hr = setHR
	}
	if !hasStart {
		c.addNote(a, "no start event (31001, 31006 or 31009) in the log")
	}
	switch outcome {
	case outcomeSuccess:
		c.counts.Succeeded++
		a.cause = st.cause("")
	case outcomeIncomplete:
		c.counts.Incomplete++
		for _, n := range c.incompleteNotes(evs) {
			c.addNote(a, n)
		}
		cause := fs.cached(CauseAttemptIncomplete, catalog.ScopeAttempt)
		a.cause = st.cause(cause.ID)
		if setHR != 0 {
			if k, _, ok := c.diagnoser(evs)(catalog.ScopeAttempt); ok && k.ID != cause.ID {
				c.addNote(a, "the joined ADSync events point to cause "+k.ID)
			}
		}
		fs.addEvents(cause, st.tid(a), evs)
	case outcomeFailure:
		c.counts.Failed++
		cause, matched := c.failureCause(c.diagnoser(evs))
		a.cause = st.cause(cause.ID)
		used := evs
		if len(matched) > 0 {
			used = make([]*attEvent, 0, len(matched))
			for _, i := range matched {
				if i >= 0 && i < len(evs) {
					used = append(used, evs[i])
				}
			}
		}
		fs.addEvents(&cause, st.tid(a), used)
	}
	return evs
}

// containsFold reports whether strings.ToLower(s) contains sub, a word of
// lower-case ASCII letters, without the copy when s is ASCII.
func containsFold(s, sub string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), sub)
		}
	}
	if sub == "" {
		return true
	}
	// ASCII: a byte equals a lower-case letter without case exactly when
	// it does with bit 5 set (equalFoldLower); sub is letters.
	first := sub[0]
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == first && equalFoldLower(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// operationFromFrames names the operation of an attempt without start or
// result id from the credential manager's frame in a failure's stack trace.
func operationFromFrames(evs []*attEvent) string {
	for _, e := range evs {
		switch {
		case e.flags&flagChange != 0:
			return OpChange
		case e.flags&flagReset != 0:
			return OpReset
		}
	}
	return OpUnknown
}

// incompleteNotes says why an attempt may lack its result: a damaged chunk
// that could hold it, or the log ending right after it.
func (c *Correlator) incompleteNotes(evs []*attEvent) []string {
	var notes []string
	if len(c.damage) > 0 {
		last := evs[len(evs)-1].time()
		from, to := evs[0].time(), last.Add(c.cfg.JoinWindow)
		inInput := func(d Damage) bool {
			return slices.ContainsFunc(evs, func(e *attEvent) bool { return c.paths[e.path] == d.Path })
		}
		if n := c.damageNote(from, to, inInput, "its result"); n != "" {
			notes = append(notes, n)
		}
	}
	if last := evs[len(evs)-1].ref; !c.to.IsZero() && subAtMost(last, c.toRef, c.cfg.JoinWindow) {
		notes = append(notes, fmt.Sprintf("the log ends %s after the attempt's last event", c.to.Sub(last.time())))
	}
	return notes
}

// maxDamageNotes caps the damaged chunks one note names.
const maxDamageNotes = 3

// damageNote names the damaged chunks (sorted by Finish) whose time range
// meets [from, to], and those whose range is unknown and for which unknown
// reports true.
func (c *Correlator) damageNote(from, to time.Time, unknown func(Damage) bool, what string) string {
	var parts []string
	n := 0
	for _, d := range c.damage {
		df, dt := d.From.Time, d.To.Time
		var p string
		switch {
		case df.IsZero() && dt.IsZero():
			if !unknown(d) {
				continue
			}
			p = fmt.Sprintf("damaged chunk %d of %s (time range unknown) could hold %s", d.Chunk, d.Path, what)
		case (df.IsZero() || !df.After(to)) && (dt.IsZero() || !dt.Before(from)):
			p = fmt.Sprintf("damaged chunk %d of %s (%s) could hold %s", d.Chunk, d.Path, rangeText(df, dt), what)
		default:
			continue
		}
		if n++; n <= maxDamageNotes {
			parts = append(parts, p)
		}
	}
	if n > maxDamageNotes {
		parts = append(parts, fmt.Sprintf("and %d more damaged chunks", n-maxDamageNotes))
	}
	return strings.Join(parts, "; ")
}

func rangeText(from, to time.Time) string {
	f, t := "?", "?"
	if !from.IsZero() {
		f = FormatTime(from)
	}
	if !to.IsZero() {
		t = FormatTime(to)
	}
	return "records " + f + " to " + t
}

// cause looks id up, or describes it minimally (severity warning, no
// remediation) when the Diagnoser lacks it.
func (c *Correlator) cause(id string, scope catalog.Scope) catalog.Cause {
	if k, ok := c.diag.Cause(id); ok {
		return k
	}
	return catalog.Cause{ID: id, Scope: scope, Title: id, Severity: catalog.SeverityWarning}
}
