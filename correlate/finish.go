package correlate

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

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
	res := &Result{
		Tenant:       c.cfg.Tenant,
		Server:       c.cfg.Server,
		Attempts:     []Attempt{},
		Unjoined:     []AttemptEvent{},
		Unattributed: []Unattributed{},
	}
	c.from, c.to = c.logSpan()
	// A service event carrying the TrackingId of an attempt is that
	// attempt's result; one whose TrackingId no attempt has is a service
	// event (see the package rules).
	slices.SortStableFunc(c.tidSvc, func(a, b attEvent) int { return refCmp(a.ref, b.ref) })
	for _, e := range c.tidSvc {
		if a := c.attempts[e.tid]; a != nil {
			a.evs = append(a.evs, e)
			continue
		}
		c.counts.ServiceWithID++
		c.serviceEvent(e.ref, e.provider.String(), e.text, e.hr)
	}
	c.tidSvc = nil
	slices.SortStableFunc(c.damage, func(a, b Damage) int {
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		return cmp.Compare(a.Chunk, b.Chunk)
	})
	res.Damage = append([]Damage{}, c.damage...)
	fs := &findingSet{c: c, m: make(map[string]*findingAgg)}

	atts := make([]*attemptState, 0, len(c.order))
	for i, a := range c.order {
		atts = append(atts, newAttemptState(a))
		c.order[i] = nil
	}
	c.order, c.attempts = nil, nil // atts holds them; each is dropped once finished
	sort.Slice(atts, func(i, j int) bool {
		if !atts[i].from.Equal(atts[j].from) {
			return atts[i].from.Before(atts[j].from)
		}
		return atts[i].a.tid < atts[j].a.tid
	})
	for _, e := range c.join(atts) {
		c.counts.Unjoined6329++
		pe := c.publicEvent(e)
		pe.Tenant, pe.Server = c.cfg.Tenant, c.cfg.Server
		res.Unjoined = append(res.Unjoined, pe)
		cause, _, ok := c.diag.Diagnose(catalog.ScopeAttempt, []catalog.Evidence{evidence(e)})
		if !ok {
			cause = c.cause(CauseAttemptUnknown, catalog.ScopeAttempt)
		}
		fs.addEvents(cause, "", []attEvent{e})
	}
	res.Attempts = slices.Grow(res.Attempts, len(atts))
	for i, s := range atts {
		res.Attempts = append(res.Attempts, c.finishAttempt(s, fs))
		s.a.evs, atts[i] = nil, nil // its events live on in res.Attempts[i] only
	}
	byStart := func(a, b Attempt) int {
		if c := a.Start.Compare(b.Start.Time); c != 0 {
			return c
		}
		return strings.Compare(a.TrackingID, b.TrackingID)
	}
	if !slices.IsSortedFunc(res.Attempts, byStart) { // a joined 6329 may start one earlier
		slices.SortStableFunc(res.Attempts, byStart)
	}
	c.counts.Attempts = len(res.Attempts)
	for _, u := range c.unkeyed {
		fs.addEvents(u.cause, "", []attEvent{{ref: u.ref}})
	}
	res.Unattributed = c.unattributed(fs)
	res.Service = c.service(fs)
	res.Counts = c.counts
	res.Findings = fs.list()
	c.result = res
	// Drop what only Finish needed.
	c.attempts, c.sets, c.errs, c.unattr, c.unkeyed = nil, nil, nil, nil, nil
	c.evSlab, c.idSlab = nil, nil
	return res
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
					fs.addRefs(k, g.count, g.first.time(), g.last.time(), &g.refs)
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

// failureCause names the cause of a failed attempt's evidence: the most
// specific attempt-level cause; else, when only the fallbacks match (the
// start event matches attempt-incomplete), a service-level cause such as
// key-mismatch for a 32004; else ad-unknown. matched indexes the evidence
// that selected it (nil: all of it).
func (c *Correlator) failureCause(ev []catalog.Evidence) (catalog.Cause, []int) {
	cause, matched, ok := c.diag.Diagnose(catalog.ScopeAttempt, ev)
	if ok && !fallbackCause(cause.ID) {
		return cause, matched
	}
	if k, m, sok := c.diag.Diagnose(catalog.ScopeService, ev); sok && (k.ID != CauseServiceUnknown || !ok || cause.ID == CauseAttemptIncomplete) {
		return k, m
	}
	if ok && cause.ID == CauseAttemptUnknown {
		return cause, matched
	}
	return c.cause(CauseAttemptUnknown, catalog.ScopeAttempt), nil
}

// attemptState is an attempt with what the join needs.
type attemptState struct {
	a        *attempt
	from, to time.Time // span of its own events
	anchor   string    // first valid cloudAnchor
	hr       uint32    // hresult of its last failure event
	success  bool      // its last result is a success
	n6329    int       // joined so far
	notes    []string
}

func newAttemptState(a *attempt) *attemptState {
	sortEvents(a.evs)
	s := &attemptState{a: a, from: a.evs[0].time(), to: a.evs[len(a.evs)-1].time()}
	for _, e := range a.evs {
		if s.anchor == "" && validAnchor(e.anchor) {
			s.anchor = e.anchor
		}
		switch e.kind {
		case kindSuccess:
			s.success = true
		case kindFailure:
			s.success = false
			if e.hr != 0 {
				s.hr = e.hr
			}
		}
	}
	return s
}

func sortEvents(evs []attEvent) {
	slices.SortStableFunc(evs, func(a, b attEvent) int { return refCmp(a.ref, b.ref) })
}

// distance is how far t lies outside the attempt's span (0 inside).
func (s *attemptState) distance(t time.Time) time.Duration {
	switch {
	case t.Before(s.from):
		return s.from.Sub(t)
	case t.After(s.to):
		return t.Sub(s.to)
	}
	return 0
}

// join attaches the ADSync 6329 events to attempts (see the package rules)
// and returns those that joined none, in time order.
func (c *Correlator) join(atts []*attemptState) []attEvent {
	sortEvents(c.sets)
	win := c.cfg.JoinWindow
	byAnchor := make(map[string][]*attemptState)
	for _, s := range atts {
		if s.anchor != "" {
			byAnchor[s.anchor] = append(byAnchor[s.anchor], s)
		}
	}
	joined := make([]bool, len(c.sets))
	for i := range c.sets {
		e := &c.sets[i]
		if !validAnchor(e.anchor) {
			continue
		}
		var best *attemptState
		var bestD time.Duration
		for _, s := range byAnchor[e.anchor] { // in start order
			if d := s.distance(e.time()); d <= win && (best == nil || d < bestD) {
				best, bestD = s, d
			}
		}
		if best != nil {
			e.join = wordOf(JoinAnchor)
			best.a.evs = append(best.a.evs, *e)
			best.n6329++
			joined[i] = true
		}
	}
	// atts is sorted by start; no candidate starts before t-win-maxSpan.
	var maxSpan time.Duration
	for _, s := range atts {
		maxSpan = max(maxSpan, s.to.Sub(s.from))
	}
	var left []attEvent
	for i := range c.sets {
		if joined[i] {
			continue
		}
		e := &c.sets[i]
		anchored := validAnchor(e.anchor)
		var best *attemptState
		var bestKey [3]int64
		lo := sort.Search(len(atts), func(j int) bool { return !atts[j].from.Before(e.time().Add(-win - maxSpan)) })
		for _, s := range atts[lo:] {
			if s.from.After(e.time().Add(win)) {
				break
			}
			if s.success || (anchored && s.anchor != "") {
				continue
			}
			d := s.distance(e.time())
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
			if s.n6329 > 0 {
				key[1] = 1
			}
			if best == nil || keyLess(key, bestKey) {
				best, bestKey = s, key
			}
		}
		if best == nil {
			left = append(left, *e)
			continue
		}
		e.join = wordOf(JoinHRNearest)
		best.a.evs = append(best.a.evs, *e)
		best.n6329++
		if anchored {
			best.notes = append(best.notes, fmt.Sprintf(
				"ADSync 6329 at %s names AAD anchor %s, which no event of this attempt carries; joined by hresult and time",
				FormatTime(e.time()), e.anchor))
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

// finishAttempt builds the public Attempt and feeds the findings.
func (c *Correlator) finishAttempt(s *attemptState, fs *findingSet) Attempt {
	evs := s.a.evs
	sortEvents(evs)
	at := Attempt{
		Tenant:     c.cfg.Tenant,
		Server:     c.cfg.Server,
		TrackingID: s.a.tid,
		Start:      Time{evs[0].time()},
		End:        Time{evs[len(evs)-1].time()},
		EventIDs:   take(&c.idSlab, len(evs)),
		Events:     take(&c.evSlab, len(evs)),
		Notes:      s.notes,
	}
	if at.Notes == nil {
		at.Notes = []string{} // lists are always written
	}
	var (
		startOp, resultOp string
		hasStart          bool
		outcome           = OutcomeIncomplete
		failHR, setHR     uint32
		unlock            bool
	)
	for _, e := range evs {
		at.EventIDs = append(at.EventIDs, int(e.id))
		at.Events = append(at.Events, c.publicEvent(e))
		if at.UPN == "" {
			at.UPN = e.upn
		}
		if at.AdminUPN == "" {
			at.AdminUPN = e.admin
		}
		if at.SourceAnchor == "" {
			at.SourceAnchor = e.source
		}
		if e.kind != kindPasswordSet && e.anchor != "" {
			switch {
			case at.CloudAnchor == "" || (!validAnchor(at.CloudAnchor) && validAnchor(e.anchor)):
				at.CloudAnchor = e.anchor
			case validAnchor(e.anchor) && e.anchor != at.CloudAnchor:
				at.Notes = append(at.Notes, fmt.Sprintf("event %d at %s carries cloudAnchor %s, not %s",
					e.id, FormatTime(e.time()), e.anchor, at.CloudAnchor))
			}
		}
		if strings.Contains(strings.ToLower(e.status), "unlock") {
			unlock = true
		}
		switch e.kind {
		case kindStart:
			if !hasStart {
				startOp = e.op.String()
			}
			hasStart = true
		case kindSuccess:
			outcome = OutcomeSuccess
			if resultOp == "" {
				resultOp = e.op.String()
			}
		case kindFailure:
			outcome = OutcomeFailure
			if resultOp == "" {
				resultOp = e.op.String()
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
	at.Outcome = outcome
	switch {
	case unlock:
		at.Operation = OpUnlock
	case startOp != "":
		at.Operation = startOp
	case resultOp != "":
		at.Operation = resultOp
	default:
		at.Operation = operationFromFrames(evs)
	}
	at.HResult = HResult(failHR)
	if failHR == 0 {
		at.HResult = HResult(setHR)
	}
	if !hasStart {
		at.Notes = append(at.Notes, "no start event (31001, 31006 or 31009) in the log")
	}

	var ev []catalog.Evidence
	if outcome == OutcomeFailure || (outcome == OutcomeIncomplete && setHR != 0) {
		ev = make([]catalog.Evidence, len(evs))
		for i, e := range evs {
			ev[i] = evidence(e)
		}
	}
	switch outcome {
	case OutcomeSuccess:
		c.counts.Succeeded++
	case OutcomeIncomplete:
		c.counts.Incomplete++
		at.Notes = append(at.Notes, c.incompleteNotes(evs)...)
		cause := fs.cached(CauseAttemptIncomplete, catalog.ScopeAttempt)
		at.Cause = cause.ID
		if setHR != 0 {
			if k, _, ok := c.diag.Diagnose(catalog.ScopeAttempt, ev); ok && k.ID != cause.ID {
				at.Notes = append(at.Notes, "the joined ADSync events point to cause "+k.ID)
			}
		}
		fs.addEvents(cause, at.TrackingID, evs)
	case OutcomeFailure:
		c.counts.Failed++
		cause, matched := c.failureCause(ev)
		at.Cause = cause.ID
		used := evs
		if len(matched) > 0 {
			used = make([]attEvent, 0, len(matched))
			for _, i := range matched {
				if i >= 0 && i < len(evs) {
					used = append(used, evs[i])
				}
			}
		}
		fs.addEvents(cause, at.TrackingID, used)
	}
	return at
}

// take returns an empty slice with room for n, cut from *slab (refilled
// when short); appending past n copies.
func take[T any](slab *[]T, n int) []T {
	const more = 4096
	if cap(*slab)-len(*slab) < n {
		*slab = make([]T, 0, max(n, more))
	}
	l := len(*slab)
	*slab = (*slab)[:l+n]
	return (*slab)[l : l : l+n]
}

// operationFromFrames names the operation of an attempt without start or
// result id from the credential manager's frame in a failure's stack trace.
func operationFromFrames(evs []attEvent) string {
	for _, e := range evs {
		switch {
		case strings.Contains(e.text, "CredentialManager.ChangePassword("):
			return OpChange
		case strings.Contains(e.text, "CredentialManager.ResetUserPassword("):
			return OpReset
		}
	}
	return OpUnknown
}

// incompleteNotes says why an attempt may lack its result: a damaged chunk
// that could hold it, or the log ending right after it.
func (c *Correlator) incompleteNotes(evs []attEvent) []string {
	var notes []string
	from, to := evs[0].time(), evs[len(evs)-1].time().Add(c.cfg.JoinWindow)
	inInput := func(d Damage) bool {
		return slices.ContainsFunc(evs, func(e attEvent) bool { return c.paths[e.path] == d.Path })
	}
	if n := c.damageNote(from, to, inInput, "its result"); n != "" {
		notes = append(notes, n)
	}
	if !c.to.IsZero() && c.to.Sub(evs[len(evs)-1].time()) <= c.cfg.JoinWindow {
		notes = append(notes, fmt.Sprintf("the log ends %s after the attempt's last event", c.to.Sub(evs[len(evs)-1].time())))
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

func (c *Correlator) publicEvent(e attEvent) AttemptEvent {
	return AttemptEvent{
		Path:     c.paths[e.path],
		RecordID: e.rec,
		Time:     Time{e.time()},
		Provider: e.provider.String(),
		EventID:  int(e.id),
		Status:   e.status,
		HResult:  HResult(e.hr),
		Join:     e.join.String(),
		Message:  e.message,
	}
}

func evidence(e attEvent) catalog.Evidence {
	return catalog.Evidence{Source: e.provider.String(), EventID: int(e.id), HResult: e.hr, Text: e.text}
}

// cause looks id up, or describes it minimally (severity warning, no
// remediation) when the Diagnoser lacks it.
func (c *Correlator) cause(id string, scope catalog.Scope) catalog.Cause {
	if k, ok := c.diag.Cause(id); ok {
		return k
	}
	return catalog.Cause{ID: id, Scope: scope, Title: id, Severity: catalog.SeverityWarning}
}
