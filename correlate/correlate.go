package correlate

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/parser"
)

// Defaults of Config.
const (
	DefaultJoinWindow   = 2 * time.Minute
	DefaultHeartbeatGap = 15 * time.Minute
)

// MaxEvidence caps the evidence list of a finding, of a service error and of
// a run; the full number is kept in their counts.
const MaxEvidence = 20

// Cause ids the correlator assigns from state rather than from evidence
// (they are looked up in the Diagnoser for title, severity and remediation).
const (
	CauseAttemptIncomplete = "attempt-incomplete"
	CauseHeartbeatGap      = "heartbeat-gap"
	CauseServiceStopped    = "writeback-service-stopped"
	CauseOnboardingFailed  = "onboarding-failed"
	CauseOffboardingFailed = "offboarding-failed"
	// Fallbacks when Diagnose matches nothing.
	CauseAttemptUnknown = "ad-unknown"
	CauseServiceUnknown = "service-unknown"
)

// A Diagnoser names the cause of a set of evidence. *catalog.Catalog is
// the Diagnoser of the tool; tests may use another.
type Diagnoser interface {
	Diagnose(scope catalog.Scope, ev []catalog.Evidence) (cause catalog.Cause, matched []int, ok bool)
	Cause(id string) (catalog.Cause, bool)
}

// Config configures a Correlator.
type Config struct {
	Tenant       string        // copied into attempts and findings
	JoinWindow   time.Duration // how far an ADSync 6329 may lie from its attempt; 0 means DefaultJoinWindow
	HeartbeatGap time.Duration // longest silence between heartbeats; 0 means DefaultHeartbeatGap
	Catalog      Diagnoser     // nil means catalog.New()
}

// Result is what Finish returns. Every slice is non-nil and every list has
// a fixed order, so the JSON encoding of a Result depends only on the
// events fed.
type Result struct {
	Tenant   string         `json:"tenant"`
	Attempts []Attempt      `json:"attempts"`      // by start time, then tracking id
	Unjoined []AttemptEvent `json:"unjoined_6329"` // ADSync 6329 events no attempt took
	Findings []Finding      `json:"findings"`      // by severity, count (both descending), cause id
	Service  Service        `json:"service"`
	Counts   Counts         `json:"counts"`
	Damage   []Damage       `json:"damage"` // as noted, by path and chunk
}

// An Attempt is one password reset, change or admin reset, keyed by its
// TrackingId.
type Attempt struct {
	Tenant       string         `json:"tenant"`
	TrackingID   string         `json:"tracking_id"`
	Operation    string         `json:"operation"` // reset, change, admin_reset, unlock or unknown
	Outcome      string         `json:"outcome"`   // success, failure or incomplete
	UPN          string         `json:"upn,omitempty"`
	AdminUPN     string         `json:"admin_upn,omitempty"`
	CloudAnchor  string         `json:"cloud_anchor,omitempty"`
	SourceAnchor string         `json:"source_anchor,omitempty"`
	Start        Time           `json:"start,omitzero"`
	End          Time           `json:"end,omitzero"`
	EventIDs     []int          `json:"event_ids"` // in time order, joined ADSync events included
	HResult      HResult        `json:"hresult,omitempty"`
	Cause        string         `json:"cause,omitempty"` // "" for a success
	Events       []AttemptEvent `json:"events"`
	Notes        []string       `json:"notes"` // never nil after Finish
}

// An AttemptEvent is one event of an attempt, kept compactly.
type AttemptEvent struct {
	Path     string  `json:"path"`
	RecordID uint64  `json:"record_id"`
	Time     Time    `json:"time,omitzero"`
	Provider string  `json:"provider"`
	EventID  int     `json:"event_id"`
	Status   string  `json:"status,omitempty"`
	HResult  HResult `json:"hresult,omitempty"`
	Join     string  `json:"join,omitempty"`    // for ADSync 6329: anchor or hr-nearest
	Message  string  `json:"message,omitempty"` // a one-line summary
}

// A Finding is one cause found in the tenant's log, with its evidence.
type Finding struct {
	Tenant        string        `json:"tenant"`
	Cause         string        `json:"cause"`
	Scope         string        `json:"scope"`    // attempt or service
	Severity      string        `json:"severity"` // critical, error, warning or info
	Title         string        `json:"title"`
	Count         int           `json:"count"` // attempts, events, gaps or runs
	FirstSeen     Time          `json:"first_seen,omitzero"`
	LastSeen      Time          `json:"last_seen,omitzero"`
	Evidence      []EvidenceRef `json:"evidence"` // the first MaxEvidence by time
	EvidenceTotal int           `json:"evidence_total"`
	Remediation   []string      `json:"remediation"`
}

// An EvidenceRef points at one record.
type EvidenceRef struct {
	Path       string `json:"path"`
	RecordID   uint64 `json:"record_id"`
	Time       Time   `json:"time,omitzero"`
	EventID    int    `json:"event_id"`
	TrackingID string `json:"tracking_id,omitempty"`
}

// Service describes the writeback service over the span of the log.
type Service struct {
	LogFrom        Time           `json:"log_from,omitzero"` // first event fed, any provider
	LogTo          Time           `json:"log_to,omitzero"`   // last event fed
	Heartbeats     int            `json:"heartbeats"`
	FirstHeartbeat Time           `json:"first_heartbeat,omitzero"`
	LastHeartbeat  Time           `json:"last_heartbeat,omitzero"`
	HeartbeatGaps  []Span         `json:"heartbeat_gaps"`
	Started        []Time         `json:"started"` // 31015
	Stopped        []Time         `json:"stopped"` // 31016
	Up             []Span         `json:"up"`      // expected-up periods (see the package rules)
	Relays         []string       `json:"relays"`
	Endpoints      []string       `json:"endpoints"`
	SyncVersions   []string       `json:"sync_versions"`
	Onboarding     []Run          `json:"onboarding"`
	Offboarding    []Run          `json:"offboarding"`
	Errors         []ServiceError `json:"errors"` // by first time, event id, message
}

// A Span is a time interval: a heartbeat gap or an up period.
type Span struct {
	From         Time   `json:"from,omitzero"`
	To           Time   `json:"to,omitzero"`
	FromLogStart bool   `json:"from_log_start"` // From is the log's first event
	ToLogEnd     bool   `json:"to_log_end"`     // To is the log's last event
	Note         string `json:"note,omitempty"`
}

// A Run is one onboarding (enabling writeback) or offboarding.
type Run struct {
	Start    Time          `json:"start,omitzero"`
	End      Time          `json:"end,omitzero"`
	Outcome  string        `json:"outcome"` // success, failure or incomplete
	EventIDs []int         `json:"event_ids"`
	Evidence []EvidenceRef `json:"evidence"`
}

// A ServiceError groups the service-level errors (31034, 31044, 6800 and
// 32xxx without a TrackingId) of one source, id and first message line.
type ServiceError struct {
	Provider string        `json:"provider"`
	EventID  int           `json:"event_id"`
	Count    int           `json:"count"`
	First    Time          `json:"first,omitzero"`
	Last     Time          `json:"last,omitzero"`
	HResult  HResult       `json:"hresult,omitempty"`
	Message  string        `json:"message"`
	Cause    string        `json:"cause"`
	Evidence []EvidenceRef `json:"evidence"`
}

// Counts counts the events fed, by the part they play.
type Counts struct {
	Events        int `json:"events"`         // every event fed
	Unrelated     int `json:"unrelated"`      // other providers
	Attempts      int `json:"attempts"`       // distinct TrackingIds
	Succeeded     int `json:"succeeded"`      // attempts
	Failed        int `json:"failed"`         // attempts
	Incomplete    int `json:"incomplete"`     // attempts
	Joined6329    int `json:"joined_6329"`    // ADSync 6329 joined to an attempt
	Unjoined6329  int `json:"unjoined_6329"`  // ADSync 6329 joined to none
	Unkeyed       int `json:"unkeyed"`        // attempt events without a readable TrackingId
	Heartbeats    int `json:"heartbeats"`     // 31019
	ServiceErrors int `json:"service_errors"` // events in Service.Errors
	HashSync      int `json:"hash_sync"`      // Directory Synchronization 656/657
	Noise         int `json:"noise"`          // ADSync 403/405
	Other         int `json:"other"`          // other events of the three sources
	DamagedChunks int `json:"damaged_chunks"`
}

// Damage is a chunk the caller could not read (see NoteDamage).
type Damage struct {
	Path  string `json:"path"`
	Chunk int    `json:"chunk"`
	From  Time   `json:"from,omitzero"`
	To    Time   `json:"to,omitzero"`
}

// A Correlator joins the events of one tenant. Feed it with Add, tell it of
// unreadable chunks with NoteDamage, and call Finish once. It is not safe
// for concurrent use.
//
// Memory holds the attempts (each with only its own events and their
// texts, until Finish), the ADSync 6329 events awaiting their join,
// heartbeat and lifecycle times, onboarding events, and service errors
// grouped by message with at most MaxEvidence references each; other events
// are only counted.
type Correlator struct {
	cfg  Config
	diag Diagnoser

	paths    []string
	pathIdx  map[string]int32
	lastPath int32

	attempts  map[string]*attempt
	sets      []attEvent // ADSync 6329
	beats     []beatRun  // 31019, as runs without a gap
	nbeats    int
	lifecycle []ref // 31015, 31016
	boarding  []boardEvent
	errs      map[errKey]*errGroup
	errKinds  map[errKind]int // buckets per source and id
	relays    map[string]struct{}
	endpoints map[string]struct{}
	versions  map[string]struct{}
	damage    []Damage
	counts    Counts
	from, to  time.Time

	f      Fields // scratch
	result *Result
}

// A beatRun is a run of heartbeats of one input no two consecutive of which
// lie more than the gap limit apart: only its ends matter for gaps, so a
// log's heartbeats take a few runs of memory, not one entry each.
type beatRun struct{ first, last ref }

// addBeat adds a heartbeat to the runs.
func (c *Correlator) addBeat(r ref) {
	c.nbeats++
	if n := len(c.beats); n > 0 {
		cur := &c.beats[n-1]
		if r.path == cur.last.path && !r.t.Before(cur.first.t) && r.t.Sub(cur.last.t) <= c.cfg.HeartbeatGap {
			if r.t.After(cur.last.t) {
				cur.last = r
			}
			return
		}
	}
	c.beats = append(c.beats, beatRun{r, r})
}

// beatRuns merges the runs of every input into runs in time order.
func (c *Correlator) beatRuns() []beatRun {
	runs := slices.Clone(c.beats)
	slices.SortStableFunc(runs, func(a, b beatRun) int { return refCmp(a.first, b.first) })
	var out []beatRun
	for _, r := range runs {
		if n := len(out); n > 0 && r.first.t.Sub(out[n-1].last.t) <= c.cfg.HeartbeatGap {
			if r.last.t.After(out[n-1].last.t) {
				out[n-1].last = r.last
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// ref locates one record compactly.
type ref struct {
	t    time.Time
	path int32
	id   uint16
	rec  uint64
}

// refCmp orders records by time, then input (in the order first fed),
// then record id.
func refCmp(a, b ref) int {
	if c := a.t.Compare(b.t); c != 0 {
		return c
	}
	if a.path != b.path {
		return cmp.Compare(a.path, b.path)
	}
	return cmp.Compare(a.rec, b.rec)
}

func refLess(a, b ref) bool { return refCmp(a, b) < 0 }

// attEvent is an attempt's event (or a 6329) with what Finish needs.
type attEvent struct {
	ref
	kind     kind
	op       string
	provider string
	status   string
	hr       uint32
	tid      string
	upn      string
	admin    string
	anchor   string // cloudAnchor, or the AAD anchor of a 6329
	source   string
	join     string
	text     string // data joined with "\n": the evidence text
	message  string
}

type attempt struct {
	tid string
	evs []attEvent
}

type boardEvent struct {
	ref
	kind kind
}

type errKind struct {
	provider string
	id       uint16
}

type errKey struct {
	errKind
	line string
}

type errGroup struct {
	key      errKey
	overflow bool // holds the messages beyond maxErrBuckets
	count    int
	first    ref
	last     ref
	sample   string // text of the earliest event
	hr       uint32
	refs     refSet
}

// maxErrBuckets caps the message buckets of one source and id; further
// messages share one bucket.
const maxErrBuckets = 16

// New returns a Correlator for cfg.
func New(cfg Config) *Correlator {
	if cfg.JoinWindow <= 0 {
		cfg.JoinWindow = DefaultJoinWindow
	}
	if cfg.HeartbeatGap <= 0 {
		cfg.HeartbeatGap = DefaultHeartbeatGap
	}
	d := cfg.Catalog
	if d == nil {
		d = catalog.New()
	}
	return &Correlator{
		cfg:       cfg,
		diag:      d,
		pathIdx:   make(map[string]int32),
		lastPath:  -1,
		attempts:  make(map[string]*attempt),
		errs:      make(map[errKey]*errGroup),
		errKinds:  make(map[errKind]int),
		relays:    make(map[string]struct{}),
		endpoints: make(map[string]struct{}),
		versions:  make(map[string]struct{}),
	}
}

// Add feeds one event. Feed the events of one input in file order and the
// inputs one after another; feed every record (other providers only extend
// the log's span and are counted). Add after Finish is ignored.
func (c *Correlator) Add(ev *parser.Event) {
	if ev == nil || c.result != nil {
		return
	}
	c.counts.Events++
	if !ev.Time.IsZero() {
		if c.from.IsZero() || ev.Time.Before(c.from) {
			c.from = ev.Time
		}
		if ev.Time.After(c.to) {
			c.to = ev.Time
		}
	}
	k, op := classify(ev.Provider, ev.EventID)
	switch k {
	case kindUnrelated:
		c.counts.Unrelated++
		return
	case kindOther:
		c.counts.Other++
		return
	case kindNoise:
		c.counts.Noise++
		return
	case kindHashSync:
		c.counts.HashSync++
		return
	}
	r := ref{t: ev.Time, path: c.pathOf(ev.Path), id: ev.EventID, rec: ev.RecordID}
	f := &c.f
	ExtractInto(f, ev.Provider, ev.EventID, ev.Data)
	if f.Relay != "" {
		addSet(c.relays, f.Relay)
	}
	if f.SyncVersion != "" {
		addSet(c.versions, f.SyncVersion)
	}
	if k == kindServiceError && f.TrackingID != "" && isSource(ev.Provider, sourcePasswordReset) && ev.EventID >= 32000 {
		k = kindFailure // a 32xxx of one attempt
	}
	switch k {
	case kindStart, kindSuccess, kindFailure:
		c.addAttemptEvent(r, k, op, ev.Provider)
	case kindPasswordSet:
		e := c.newAttEvent(r, k, "", ev.Provider)
		e.anchor = f.AADAnchor
		c.sets = append(c.sets, e)
	case kindHeartbeat:
		c.counts.Heartbeats++
		c.addBeat(r)
		if f.Endpoint != "" {
			addSet(c.endpoints, f.Endpoint)
		}
	case kindStarted, kindStopped:
		c.lifecycle = append(c.lifecycle, r)
	case kindOnboardStart, kindOnboardSuccess, kindOnboardStep,
		kindOffboardStart, kindOffboardSuccess, kindOffboardFail:
		c.boarding = append(c.boarding, boardEvent{r, k})
	case kindServiceError:
		c.counts.ServiceErrors++
		c.addServiceError(r, ev.Provider)
		if _, in := onboardingError(int(ev.EventID)); in {
			c.boarding = append(c.boarding, boardEvent{r, k})
		} else if _, in := offboardingError(int(ev.EventID)); in {
			c.boarding = append(c.boarding, boardEvent{r, k})
		}
	}
}

// NoteSpan widens the span the log covers to include from–to: the times of
// records that were read but not fed (another provider's, filtered out
// before they were decoded). Heartbeat gaps are looked for inside the span.
func (c *Correlator) NoteSpan(from, to time.Time) {
	if c.result != nil {
		return
	}
	if !from.IsZero() && (c.from.IsZero() || from.Before(c.from)) {
		c.from = from.UTC()
	}
	if to.After(c.to) {
		c.to = to.UTC()
	}
}

// NoteDamage tells the correlator that chunk of the input path could not be
// read. from and to are the times of the last readable record before the
// chunk and of the first after it, zero when unknown. Incomplete attempts
// and heartbeat gaps whose time range meets the chunk's say so.
func (c *Correlator) NoteDamage(path string, chunk int, from, to time.Time) {
	if c.result != nil {
		return
	}
	c.counts.DamagedChunks++
	c.damage = append(c.damage, Damage{Path: path, Chunk: chunk, From: Time{from.UTC()}, To: Time{to.UTC()}})
}

func (c *Correlator) pathOf(p string) int32 {
	if c.lastPath >= 0 && c.paths[c.lastPath] == p {
		return c.lastPath
	}
	i, ok := c.pathIdx[p]
	if !ok {
		i = int32(len(c.paths))
		c.paths = append(c.paths, p)
		c.pathIdx[p] = i
	}
	c.lastPath = i
	return i
}

func (c *Correlator) newAttEvent(r ref, k kind, op, provider string) attEvent {
	f := &c.f
	return attEvent{
		ref: r, kind: k, op: op, provider: provider,
		status: f.Status, hr: f.HResult, tid: f.TrackingID,
		upn: f.UPN, admin: f.AdminUPN, anchor: f.CloudAnchor, source: f.SourceAnchor,
		text: f.Text, message: summary(f),
	}
}

func (c *Correlator) addAttemptEvent(r ref, k kind, op, provider string) {
	tid := c.f.TrackingID
	if tid == "" {
		c.counts.Unkeyed++
		return
	}
	a := c.attempts[tid]
	if a == nil {
		a = &attempt{tid: tid}
		c.attempts[tid] = a
	}
	a.evs = append(a.evs, c.newAttEvent(r, k, op, provider))
}

func (c *Correlator) addServiceError(r ref, provider string) {
	f := &c.f
	kk := errKind{canonicalSource(provider), r.id}
	line := strings.TrimSpace(f.Text[:lineEnd(f.Text)])
	line = truncate(line, 200)
	key := errKey{kk, line}
	g := c.errs[key]
	if g == nil {
		overflow := c.errKinds[kk] >= maxErrBuckets-1
		if overflow {
			key.line = "\x00" // sorts first, never a real line
			g = c.errs[key]
		}
		if g == nil {
			g = &errGroup{key: key, overflow: overflow, first: r, last: r, sample: f.Text, hr: f.HResult}
			c.errs[key] = g
			c.errKinds[kk]++
		}
	}
	g.count++
	if refLess(r, g.first) {
		g.first, g.sample, g.hr = r, f.Text, f.HResult
	}
	if refLess(g.last, r) {
		g.last = r
	}
	g.refs.add(r, "")
}

// canonicalSource spells the three sources as the documents do.
func canonicalSource(p string) string {
	for _, s := range [...]string{sourcePasswordReset, sourceADSync, sourceDirSync} {
		if isSource(p, s) {
			return s
		}
	}
	return p
}

func addSet(m map[string]struct{}, s string) {
	if _, ok := m[s]; !ok {
		m[strings.Clone(s)] = struct{}{}
	}
}

// summary returns a one-line description of an event: the reason of a
// failure, the trace line that carries the hresult of a 6329, else the
// first line.
func summary(f *Fields) string {
	if f.Reason != "" {
		return truncate(f.Reason, maxMessage)
	}
	for i := len(f.Trace) - 1; i >= 0; i-- {
		if f.Trace[i].HResult != 0 && f.Trace[i].HResult == f.HResult {
			return truncate(f.Trace[i].Raw, maxMessage)
		}
	}
	s := f.Text
	for {
		line := strings.TrimSpace(s[:lineEnd(s)])
		if line != "" || lineEnd(s) == len(s) {
			return truncate(line, maxMessage)
		}
		s = strings.TrimLeft(s[lineEnd(s):], "\r\n")
	}
}

const maxMessage = 300

// truncate cuts s to at most n bytes at a rune boundary, marking the cut
// with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// refSet keeps the earliest MaxEvidence references of a set, and a total.
type refSet struct {
	refs  []ref
	tids  []string
	total int
}

func (s *refSet) add(r ref, tid string) {
	s.total++
	if len(s.refs) == MaxEvidence && !refLess(r, s.refs[len(s.refs)-1]) {
		return
	}
	i := len(s.refs)
	for i > 0 && refLess(r, s.refs[i-1]) {
		i--
	}
	if len(s.refs) < MaxEvidence {
		s.refs = append(s.refs, ref{})
		s.tids = append(s.tids, "")
	}
	copy(s.refs[i+1:], s.refs[i:len(s.refs)-1])
	copy(s.tids[i+1:], s.tids[i:len(s.tids)-1])
	s.refs[i], s.tids[i] = r, tid
}
