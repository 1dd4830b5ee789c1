package correlate

import (
	"cmp"
	"hash/maphash"
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
	CauseHeartbeatEnd      = "heartbeat-silent-end"
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
	Tenant       string        // copied into attempts, findings and the service
	Server       string        // the server (Computer) whose records are fed; copied likewise
	JoinWindow   time.Duration // how far an ADSync 6329 may lie from its attempt; 0 means DefaultJoinWindow
	HeartbeatGap time.Duration // longest silence between heartbeats; 0 means DefaultHeartbeatGap
	Catalog      Diagnoser     // nil means catalog.New()
}

// Result is what Finish returns. Every slice is non-nil and every list has
// a fixed order, so the JSON encoding of a Result depends only on the
// events fed.
type Result struct {
	Tenant       string         `json:"tenant"`
	Server       string         `json:"server,omitempty"`
	Attempts     AttemptList    `json:"attempts"`      // by start time, then tracking id
	Unjoined     []AttemptEvent `json:"unjoined_6329"` // ADSync 6329 events no attempt took
	Unattributed []Unattributed `json:"unattributed"`  // known events in no attempt and no service record
	Findings     []Finding      `json:"findings"`      // roots before their consequences; by severity, count (both descending), cause id
	Service      Service        `json:"service"`
	Counts       Counts         `json:"counts"`
	Damage       []Damage       `json:"damage"` // as noted, by path and chunk
}

// Unattributed groups the events the catalog knows that belong to no
// attempt and to no part of the service's record: attempt events without a
// readable TrackingId (Reason "no-tracking-id") and known events that play
// no part in a timeline (Reason "no-part", e.g. ADSync 6306 or Directory
// Synchronization 611). A group is one provider, event id and reason.
// Cause is the cause diagnosed from the group's events ("" when none);
// a failure without TrackingId is also evidence of that cause's finding.
type Unattributed struct {
	Tenant   string        `json:"tenant"`
	Server   string        `json:"server,omitempty"`
	Provider string        `json:"provider"`
	EventID  int           `json:"event_id"`
	Name     string        `json:"name,omitempty"` // the catalog's name of the event
	Reason   string        `json:"reason"`         // no-tracking-id or no-part
	Count    int           `json:"count"`
	First    Time          `json:"first,omitzero"`
	Last     Time          `json:"last,omitzero"`
	Cause    string        `json:"cause,omitempty"`
	Message  string        `json:"message,omitempty"` // one line of the earliest event, when its text was read
	Evidence []EvidenceRef `json:"evidence"`          // the first MaxEvidence by time
}

// Reasons of an Unattributed group.
const (
	ReasonNoTrackingID = "no-tracking-id"
	ReasonNoPart       = "no-part"
)

// An Attempt is one password reset, change or admin reset, keyed by its
// TrackingId.
type Attempt struct {
	Tenant       string         `json:"tenant"`
	Server       string         `json:"server,omitempty"`
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
	// Tenant and Server are set on the unjoined 6329 of a Result (whose
	// events have no attempt to name them), empty inside an attempt.
	Tenant   string  `json:"tenant,omitempty"`
	Server   string  `json:"server,omitempty"`
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
	Server        string        `json:"server,omitempty"`
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
	// Because names the findings of the same window this one is a
	// consequence of (catalog.Cause.Consequences), roots first; Note says
	// so in words ("because of …").
	Because []string `json:"because,omitempty"`
	Note    string   `json:"note,omitempty"`
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
	Tenant         string `json:"tenant"`
	Server         string `json:"server,omitempty"`
	LogFrom        Time   `json:"log_from,omitzero"` // first record of the writeback channel (Application)
	LogTo          Time   `json:"log_to,omitzero"`   // last record of that channel
	Heartbeats     int    `json:"heartbeats"`
	FirstHeartbeat Time   `json:"first_heartbeat,omitzero"`
	LastHeartbeat  Time   `json:"last_heartbeat,omitzero"`
	HeartbeatGaps  []Span `json:"heartbeat_gaps"` // silences between two heartbeats (or from the log's start)
	// EndSilence is the silence from the last heartbeat to the end of the
	// log while the service is expected up, when longer than the gap limit:
	// "no heartbeat in the last N min of the log", not a gap between two
	// heartbeats (the log may simply have been collected then).
	EndSilence *Span    `json:"end_silence,omitempty"`
	Started    []Time   `json:"started"` // 31015
	Stopped    []Time   `json:"stopped"` // 31016
	Up         []Span   `json:"up"`      // expected-up periods (see the package rules)
	Relays     []string `json:"relays"`
	// ConnectorAccounts are the AD DS connector accounts (MSOL_…, with
	// their domain when given) that ADSync 6329 texts name.
	ConnectorAccounts []string `json:"connector_accounts"`
	Endpoints         []string `json:"endpoints"`
	SyncVersions      []string `json:"sync_versions"`
	// SyncVersionSpans tell when each sync-engine version was first and
	// last named, by first time: a version change is where one begins.
	SyncVersionSpans []VersionSpan  `json:"sync_version_spans"`
	Onboarding       []Run          `json:"onboarding"`
	Offboarding      []Run          `json:"offboarding"`
	Errors           []ServiceError `json:"errors"` // by first time, event id, message
}

// A VersionSpan is the first and last time a sync-engine version is named.
type VersionSpan struct {
	Version string `json:"version"`
	First   Time   `json:"first,omitzero"`
	Last    Time   `json:"last,omitzero"`
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
	Events        int `json:"events"`                   // every event fed
	Unrelated     int `json:"unrelated"`                // other providers
	Attempts      int `json:"attempts"`                 // distinct TrackingIds
	Succeeded     int `json:"succeeded"`                // attempts
	Failed        int `json:"failed"`                   // attempts
	Incomplete    int `json:"incomplete"`               // attempts
	Joined6329    int `json:"joined_6329"`              // ADSync 6329 joined to an attempt
	Unjoined6329  int `json:"unjoined_6329"`            // ADSync 6329 joined to none
	Unkeyed       int `json:"unkeyed"`                  // attempt events without a readable TrackingId
	Unattributed  int `json:"unattributed"`             // events in Result.Unattributed (the unkeyed included)
	ServiceWithID int `json:"service_with_tracking_id"` // service events carrying a TrackingId no attempt has
	Heartbeats    int `json:"heartbeats"`               // 31019
	ServiceErrors int `json:"service_errors"`           // events in Service.Errors
	HashSync      int `json:"hash_sync"`                // Directory Synchronization 656/657
	Noise         int `json:"noise"`                    // ADSync 403/405
	Other         int `json:"other"`                    // other events of the three sources
	DamagedChunks int `json:"damaged_chunks"`
}

// Add adds the counts of o to c (the totals of several servers).
func (c *Counts) Add(o Counts) {
	c.Events += o.Events
	c.Unrelated += o.Unrelated
	c.Attempts += o.Attempts
	c.Succeeded += o.Succeeded
	c.Failed += o.Failed
	c.Incomplete += o.Incomplete
	c.Joined6329 += o.Joined6329
	c.Unjoined6329 += o.Unjoined6329
	c.Unkeyed += o.Unkeyed
	c.Unattributed += o.Unattributed
	c.ServiceWithID += o.ServiceWithID
	c.Heartbeats += o.Heartbeats
	c.ServiceErrors += o.ServiceErrors
	c.HashSync += o.HashSync
	c.Noise += o.Noise
	c.Other += o.Other
	c.DamagedChunks += o.DamagedChunks
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
// Memory holds the attempts and their events compactly (see AttemptList:
// about 80 bytes an event and 28 an attempt, without pointers, and of each
// text only the pieces an output names — the whole text when it is short
// — in one byte arena; the evidence of a long text reduced to its
// catalog.Matches; until Finish, 12 bytes more an event for where its
// TrackingId lies, as Finish groups the events into attempts and Add keeps
// no map of the ids), the ADSync 6329 events awaiting their join,
// heartbeat and lifecycle times, onboarding events, and service errors
// grouped by message with at most MaxEvidence references each; other
// events are only counted. The Result's attempts share that storage.
type Correlator struct {
	cfg  Config
	diag Diagnoser

	paths    []string
	pathIdx  map[string]int32
	lastPath int32

	st *attemptStore
	// The events of attempts and where their TrackingIds lie, in the
	// order fed, until Finish groups them into attempts by the maphash
	// of the id (groupAttempts); then tidIdx finds an attempt by id.
	keys   tidKeys
	tidIdx []tidAtt
	seed   maphash.Seed
	// hashTID, when set, hashes TrackingIds in place of maphash (for
	// tests: collisions).
	hashTID   func(string) uint64
	sets      []attEvent // ADSync 6329
	beats     []beatRun  // 31019, as runs without a gap
	nbeats    int
	lifecycle []ref // 31015, 31016
	boarding  []boardEvent
	errs      map[errKey]*errGroup
	errKinds  map[errKind]int // buckets per source and id
	relays    map[string]struct{}
	accounts  map[string]struct{} // AD connector accounts named by 6329 texts
	endpoints map[string]struct{}
	versions  map[string]struct{}
	verSeen   map[string][2]time.Time // first and last time of each version
	damage    []Damage
	counts    Counts
	from, to  time.Time // span of the writeback channel, set by Finish
	toRef     ref       // the time of to

	// Spans of the records fed, by channel, and the channels that carry the
	// writeback sources (see the package rules on the log's span).
	spans    map[string]*chanSpan
	lastSpan *chanSpan
	wbChans  map[string]string // the channel → itself, cloned
	// lastWbChan is the channel of the last writeback event (its entry in
	// wbChans exists), to skip the map on a run of one channel.
	lastWbChan string
	haveWbChan bool

	tidSvc   []tidEvent              // service events with a TrackingId, decided in Finish
	unattr   map[uint32]*unattrGroup // see Unattributed; by smallKey
	unkeyed  []unkeyedFailure        // failures without TrackingId, diagnosed
	known    map[uint32]knownEvent   // catalog lookups of events with no part; by smallKey
	catalogE interface {             // the Diagnoser's event table, when it has one
		Event(source string, id int) (catalog.Event, bool)
	}

	f      Fields // scratch
	fDirty bool   // f is not the zero Fields
	result *Result
	// The unattributed group and known event of the last kindOther
	// event, by smallKey.
	lastUnattr    *unattrGroup
	lastUnattrKey uint32

	// With a matcher, each attempt event keeps its catalog.Matches (one
	// of the few distinct values in matches) instead of its text; texts
	// holds the text of the events diagnosed without (no matcher, or too
	// many distinct Matches).
	match    matcher
	matches  []catalog.Matches
	matchIdx map[catalog.Matches]uint16
	texts    map[textKey]string
	// causeCache holds the causes DiagnoseMatches named.
	causeCache map[string]catalog.Cause
}

// eventPieces returns the pieces of an event of kind k an output names,
// and whether its message lies in its text (summaryPiece).
func eventPieces(f *Fields, k kind) (pieces [nPieces]string, msgInText bool) {
	anchor := f.CloudAnchor
	if k == kindPasswordSet {
		anchor = f.AADAnchor
	}
	msg, inText := summaryPiece(f)
	return [nPieces]string{pStatus: f.Status, pUPN: f.UPN, pAdmin: f.AdminUPN, pAnchor: anchor, pSource: f.SourceAnchor, pMessage: msg}, inText
}

// tidEvent is a service event with a TrackingId, kept with its text until
// Finish decides whether it is an attempt's result.
type tidEvent struct {
	e    attEvent
	tid  string
	text string
}

// chanSpan is the time span of the records of one channel.
type chanSpan struct {
	ch       string
	from, to time.Time
	// fromR and toR hold the times of from and to, when set (have), to
	// compare a record's time cheaply.
	fromR, toR ref
	have       bool
}

// noteRef is note(t, t) for a record at t (not zero) whose ref is r.
func (s *chanSpan) noteRef(t time.Time, r ref) {
	if !s.have {
		s.note(t, t)
		return
	}
	if timeCmp(r, s.fromR) < 0 {
		s.from, s.fromR = t.UTC(), r
	}
	if timeCmp(r, s.toR) > 0 {
		s.to, s.toR = t.UTC(), r
	}
}

func (s *chanSpan) note(from, to time.Time) {
	if !from.IsZero() && (s.from.IsZero() || from.Before(s.from)) {
		s.from = from.UTC()
	}
	if to.After(s.to) {
		s.to = to.UTC()
	}
	if !s.from.IsZero() && !s.to.IsZero() {
		s.fromR, s.toR, s.have = newRef(s.from, 0, 0, 0), newRef(s.to, 0, 0, 0), true
	}
}

type unattrKey struct {
	errKind
	reason string
}

type unattrGroup struct {
	key    unattrKey
	name   string
	count  int
	first  ref
	last   ref
	sample string // text of the earliest event read, "" when none
	hr     uint32
	refs   refSet
}

// unkeyedFailure is a failure event without TrackingId and its cause.
type unkeyedFailure struct {
	ref
	cause catalog.Cause
}

// knownEvent is what the catalog says of an event with no part.
type knownEvent struct {
	known bool
	name  string
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
		if r.path == cur.last.path && timeCmp(r, cur.first) >= 0 && subAtMost(cur.last, r, c.cfg.HeartbeatGap) {
			if timeCmp(r, cur.last) > 0 {
				cur.last = r
			}
			return
		}
	}
	c.beats = append(c.beats, beatRun{r, r})
}

// subAtMost reports whether b.time().Sub(a.time()) <= d, for d >= 0,
// without making the times.
func subAtMost(a, b ref, d time.Duration) bool {
	ds := b.sec - a.sec
	switch {
	case ds < 0:
		return true // b is before a
	case ds > int64(d/time.Second)+1:
		return false // more than d apart, whatever the nanoseconds
	}
	return ds*int64(time.Second)+int64(b.nsec-a.nsec) <= int64(d)
}

// beatRuns merges the runs of every input into runs in time order.
func (c *Correlator) beatRuns() []beatRun {
	runs := slices.Clone(c.beats)
	slices.SortStableFunc(runs, func(a, b beatRun) int { return refCmp(a.first, b.first) })
	var out []beatRun
	for _, r := range runs {
		if n := len(out); n > 0 && r.first.time().Sub(out[n-1].last.time()) <= c.cfg.HeartbeatGap {
			if r.last.time().After(out[n-1].last.time()) {
				out[n-1].last = r.last
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// ref locates one record compactly: its time as seconds and nanoseconds
// since 1970 (no pointer, so that lists of refs cost the collector
// nothing), its input, event id and record id.
type ref struct {
	sec  int64
	rec  uint64
	nsec int32
	path int32
	id   uint16
}

// newRef returns the ref of a record at t.
func newRef(t time.Time, path int32, id uint16, rec uint64) ref {
	return ref{sec: t.Unix(), nsec: int32(t.Nanosecond()), path: path, id: id, rec: rec}
}

// time returns the time of the record, in UTC (the zero Time for a record
// without one).
func (r ref) time() time.Time { return time.Unix(r.sec, int64(r.nsec)).UTC() }

// refCmp orders records by time, then input (in the order first fed),
// then record id.
func refCmp(a, b ref) int {
	if a.sec != b.sec {
		return cmp.Compare(a.sec, b.sec)
	}
	if a.nsec != b.nsec {
		return cmp.Compare(a.nsec, b.nsec)
	}
	if a.path != b.path {
		return cmp.Compare(a.path, b.path)
	}
	return cmp.Compare(a.rec, b.rec)
}

func refLess(a, b ref) bool { return refCmp(a, b) < 0 }

// A word is one of the few constant strings of an attEvent in a byte, to
// keep the events of a million open attempts small.
type word uint8

// wordOf returns the word of s, one of the constants String spells.
func wordOf(s string) word {
	for w := word(0); w < nWords; w++ {
		if w.String() == s {
			return w
		}
	}
	panic("correlate: no word for " + s) // a constant missing from String
}

const nWords = 11

// The words of the three sources, in the order of sourceIndex.
const (
	wordPasswordReset word = 8 + iota
	wordADSync
	wordDirSync
)

// sourceWord is wordOf(canonicalSource(provider)) without the search of
// either: the word of a writeback source (it panics for another provider,
// as wordOf does).
func sourceWord(provider string) word {
	if i := sourceIndex(provider); i < 3 {
		return wordPasswordReset + word(i)
	}
	return wordOf(provider)
}

func (w word) String() string {
	switch w {
	case 1:
		return OpReset
	case 2:
		return OpChange
	case 3:
		return OpAdminReset
	case 4:
		return OpUnlock
	case 5:
		return OpUnknown
	case 6:
		return JoinAnchor
	case 7:
		return JoinHRNearest
	case wordPasswordReset:
		return sourcePasswordReset
	case wordADSync:
		return sourceADSync
	case wordDirSync:
		return sourceDirSync
	}
	return ""
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
	c := &Correlator{
		cfg:       cfg,
		diag:      d,
		pathIdx:   make(map[string]int32),
		seed:      maphash.MakeSeed(),
		lastPath:  -1,
		errs:      make(map[errKey]*errGroup),
		errKinds:  make(map[errKind]int),
		relays:    make(map[string]struct{}),
		accounts:  make(map[string]struct{}),
		endpoints: make(map[string]struct{}),
		versions:  make(map[string]struct{}),
		verSeen:   make(map[string][2]time.Time),
		spans:     make(map[string]*chanSpan),
		wbChans:   make(map[string]string),
		unattr:    make(map[uint32]*unattrGroup),
		known:     make(map[uint32]knownEvent),
	}
	c.st = &attemptStore{tenant: cfg.Tenant, server: cfg.Server, paths: &c.paths, causeIdx: map[string]uint16{}}
	if m, ok := d.(matcher); ok {
		c.match, c.matchIdx = m, make(map[catalog.Matches]uint16)
	}
	if ec, ok := d.(interface {
		Event(source string, id int) (catalog.Event, bool)
	}); ok {
		c.catalogE = ec
	}
	return c
}

// span returns the span record of channel ch.
func (c *Correlator) span(ch string) *chanSpan {
	if c.lastSpan != nil && c.lastSpan.ch == ch {
		return c.lastSpan
	}
	s := c.spans[ch]
	if s == nil {
		s = &chanSpan{ch: strings.Clone(ch)}
		c.spans[s.ch] = s
	}
	c.lastSpan = s
	return s
}

// logSpan returns the span of the writeback channel: the union of the
// spans of the channels that carry a writeback source, of "Application"
// and of records whose channel is unknown ("", and NoteSpan).
func (c *Correlator) logSpan() (from, to time.Time) {
	for ch, s := range c.spans {
		if _, wb := c.wbChans[ch]; !wb && ch != "" && !strings.EqualFold(ch, "Application") {
			continue
		}
		if !s.from.IsZero() && (from.IsZero() || s.from.Before(from)) {
			from = s.from
		}
		if s.to.After(to) {
			to = s.to
		}
	}
	return from, to
}

// Add feeds one event. Feed the events of one input in file order and the
// inputs one after another; feed every record (other providers only extend
// the log's span and are counted). Add after Finish is ignored.
//
// Add runs on one goroutine for every event of a server, so it does only
// the ordered work: what can be worked out from an event alone (its kind,
// fields, the pieces of its text and their flags, its Matches)
// comes from ev.Prepared when the decoders did it (PrepareFor), and the
// events of attempts are grouped by TrackingId in Finish.
func (c *Correlator) Add(ev *parser.Event) {
	if ev == nil || c.result != nil {
		return
	}
	c.counts.Events++
	var (
		k   kind
		op  word
		src uint8 = 4 // unknown
		p   *prepared
		// hAtt is what a prepHeader holds, when hOK.
		hAtt attPrep
		hOK  bool
	)
	switch x := ev.Prepared.(type) {
	case prepClass:
		k = x.kind()
		if k == kindStart || k == kindSuccess || k == kindFailure {
			op = x.op()
		} else {
			src = x.src()
		}
	case *prepared:
		p, k, op = x, x.k, x.op
	case *prepHeader:
		if hAtt, hOK = x.attOf(ev); hOK {
			k, op = x.k, x.op
			break
		}
		// Not the event prepared: read anew.
		var ops string
		k, ops = classify(ev.Provider, ev.EventID)
		op = wordOf(ops)
	default:
		var ops string
		k, ops = classify(ev.Provider, ev.EventID)
		op = wordOf(ops)
	}
	r := newRef(ev.Time, 0, ev.EventID, ev.RecordID)
	if !ev.Time.IsZero() {
		c.span(ev.Channel).noteRef(ev.Time, r)
	}
	if k != kindUnrelated && (!c.haveWbChan || ev.Channel != c.lastWbChan) {
		key, ok := c.wbChans[ev.Channel]
		if !ok {
			key = strings.Clone(ev.Channel)
			c.wbChans[key] = key
		}
		c.lastWbChan, c.haveWbChan = key, true
	}
	switch k {
	case kindUnrelated:
		c.counts.Unrelated++
		return
	case kindOther:
		c.counts.Other++
		if src > 3 {
			src = sourceIndex(ev.Provider)
		}
		sk := uint32(ev.EventID) | uint32(src)<<16
		if g := c.lastUnattr; g != nil && c.lastUnattrKey == sk {
			// The group of the last such event (a run of one id).
			r.path = c.pathOf(ev.Path)
			c.addToUnattributed(g, r, "", 0)
			return
		}
		if kn := c.knownEvent(ev.Provider, ev.EventID); kn.known {
			r.path = c.pathOf(ev.Path)
			c.lastUnattr, c.lastUnattrKey = c.addUnattributed(r, ev.Provider, ReasonNoPart, kn.name, "", 0), sk
		}
		return
	case kindNoise:
		c.counts.Noise++
		return
	case kindHashSync:
		c.counts.HashSync++
		return
	}
	r.path = c.pathOf(ev.Path)
	if hOK {
		// An attempt event with a TrackingId whose other fields are
		// its status and user (PrepareFor): no field of it but those
		// of its attPrep is read.
		c.addAttemptEvent(r, k, op, ev.Provider, nil, &hAtt)
		return
	}
	var f *Fields
	switch pf, ok := ev.Prepared.(*Fields); {
	case p != nil:
		f = &p.Fields // extracted by the decoder (PrepareFor)
	case ok:
		f = pf // extracted by the decoder (Prepare)
	case len(ev.Data) == 0:
		if c.fDirty {
			c.f = Fields{Trace: c.f.Trace[:0], DNs: c.f.DNs[:0], Anchors: c.f.Anchors[:0]}
			c.fDirty = false
		}
		f = &c.f // what ExtractInto gives for no data
	default:
		ExtractInto(&c.f, ev.Provider, ev.EventID, ev.Data)
		c.fDirty = true
		f = &c.f
	}
	if p == nil || p.misc {
		if f.Relay != "" {
			addSet(c.relays, f.Relay)
		}
		if f.SyncVersion != "" {
			addSet(c.versions, f.SyncVersion)
			c.seeVersion(f.SyncVersion, ev.Time)
		}
	}
	var ap *attPrep
	if p != nil && p.hasAtt {
		ap = &p.att
	}
	if k == kindServiceError && f.TrackingID != "" && isSource(ev.Provider, sourcePasswordReset) {
		// The result of an attempt when one carries its TrackingId, else a
		// service event: decided in Finish, when every attempt is known.
		e := c.newAttEvent(r, kindFailure, 0, ev.Provider, f, ap)
		c.tidSvc = append(c.tidSvc, tidEvent{e, strings.Clone(f.TrackingID), f.Text})
		return
	}
	switch k {
	case kindNeighbour:
		kn := c.knownEvent(ev.Provider, ev.EventID)
		c.addUnattributed(r, ev.Provider, ReasonNoPart, kn.name, f.Text, f.HResult)
	case kindStart, kindSuccess, kindFailure:
		c.addAttemptEvent(r, k, op, ev.Provider, f, ap)
	case kindPasswordSet:
		if a := connectorAccount(f.Text); a != "" {
			addSet(c.accounts, a)
		}
		c.sets = append(c.sets, c.newAttEvent(r, k, 0, ev.Provider, f, ap))
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
		c.serviceEvent(r, ev.Provider, f.Text, f.HResult)
	}
}

// serviceEvent records a service-level event: its error group and, for
// the errors of onboarding or offboarding, its run.
func (c *Correlator) serviceEvent(r ref, provider, text string, hr uint32) {
	c.counts.ServiceErrors++
	c.addServiceError(r, provider, text, hr)
	if _, in := onboardingError(int(r.id)); in {
		c.boarding = append(c.boarding, boardEvent{r, kindServiceError})
	} else if _, in := offboardingError(int(r.id)); in {
		c.boarding = append(c.boarding, boardEvent{r, kindServiceError})
	}
}

// knownEvent asks the catalog (once per source and id) whether it knows an
// event that plays no part in a timeline.
func (c *Correlator) knownEvent(provider string, id uint16) knownEvent {
	if c.catalogE == nil {
		return knownEvent{}
	}
	k := smallKey(provider, id, 0)
	kn, ok := c.known[k]
	if !ok {
		if e, found := c.catalogE.Event(canonicalSource(provider), int(id)); found {
			kn = knownEvent{known: true, name: e.Name}
		}
		c.known[k] = kn // at most 3 sources × 65536 ids
	}
	return kn
}

// smallKey packs a writeback source, an event id and a reason (0 or 1)
// into a map key that hashes cheaply; another source shares the key of
// PasswordResetService's index 3.
func smallKey(provider string, id uint16, reason uint32) uint32 {
	return uint32(id) | uint32(sourceIndex(provider))<<16 | reason<<18
}

// addUnattributed adds one event to its Unattributed group, and returns
// the group. text and hr are those of the event when its data were read.
func (c *Correlator) addUnattributed(r ref, provider, reason, name, text string, hr uint32) *unattrGroup {
	var rb uint32
	if reason == ReasonNoTrackingID {
		rb = 1
	}
	sk := smallKey(provider, r.id, rb)
	g := c.unattr[sk]
	if g == nil {
		key := unattrKey{errKind{strings.Clone(canonicalSource(provider)), r.id}, reason}
		g = &unattrGroup{key: key, name: name, first: r, last: r, sample: text, hr: hr}
		c.unattr[sk] = g
	}
	c.addToUnattributed(g, r, text, hr)
	return g
}

// addToUnattributed adds one event to group g.
func (c *Correlator) addToUnattributed(g *unattrGroup, r ref, text string, hr uint32) {
	g.count++
	c.counts.Unattributed++
	if refLess(r, g.first) || (g.sample == "" && text != "") {
		if refLess(r, g.first) {
			g.first = r
		}
		if text != "" {
			g.sample, g.hr = text, hr
		}
	}
	if refLess(g.last, r) {
		g.last = r
	}
	g.refs.add(r, "")
}

// NoteSpan widens the span the log covers to include from–to: the times of
// records of the writeback channel (Application) that were read but not
// fed (another provider's, filtered out before they were decoded).
// Heartbeat gaps are looked for inside the span. For the records of another
// log (System, Security …) use NoteChannelSpan: they never widen it.
func (c *Correlator) NoteSpan(from, to time.Time) {
	c.NoteChannelSpan("", from, to)
}

// NoteChannelSpan is NoteSpan for records of the named channel: it widens
// the log's span only when the channel is "" (unknown), Application, or a
// channel that carries the writeback sources.
func (c *Correlator) NoteChannelSpan(channel string, from, to time.Time) {
	if c.result != nil {
		return
	}
	c.span(channel).note(from, to)
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

// newAttEvent makes the attEvent of an event of kind k whose fields are
// f. ap is what the decoders worked out of it (PrepareFor), nil when they
// did not. The text is cut to the pieces an output names when a matcher
// diagnoses the event from its Matches; else it is kept (in the arena, or
// in c.texts).
func (c *Correlator) newAttEvent(r ref, k kind, op word, provider string, f *Fields, ap *attPrep) attEvent {
	if ap == nil {
		a := prepareAtt(f, k, provider, r.id, nil)
		ap = &a
	}
	e := attEvent{
		ref: r, kind: k, op: op, provider: ap.src,
		hr: ap.hr, match: noMatch, next: -1, flags: ap.flags,
	}
	if c.match != nil && !ap.keepsText() {
		// The text is cut to its pieces: keep what the diagnosis needs of
		// it (worked out by the decoders when they could, see PrepareFor).
		m := ap.m
		if ap.by != c.match {
			m = c.match.Match(catalog.Evidence{Source: e.provider.String(), EventID: int(e.id), HResult: e.hr, Text: ap.text})
		}
		i, ok := c.matchIdx[m]
		if !ok && len(c.matches) < noMatch {
			i, ok = uint16(len(c.matches)), true
			c.matches = append(c.matches, m)
			c.matchIdx[m] = i
		}
		if ok {
			e.match = i
		}
	}
	keepText := e.match == noMatch
	c.st.setPieces(&e, f, ap, keepText)
	if keepText && e.flags&flagText == 0 {
		if c.texts == nil {
			c.texts = make(map[textKey]string)
		}
		c.texts[e.key()] = ap.text
	}
	return e
}

// addAttemptEvent adds an event of an attempt whose fields are f (nil
// when ap holds every field read, see prepHeader).
func (c *Correlator) addAttemptEvent(r ref, k kind, op word, provider string, f *Fields, ap *attPrep) {
	var tid string
	if ap != nil {
		tid = ap.tid
	} else {
		tid = f.TrackingID
	}
	if tid == "" {
		// Accounted for, and a failure is still diagnosed (the catalog
		// knows its cause from its id and text).
		c.counts.Unkeyed++
		kn := c.knownEvent(provider, r.id)
		c.addUnattributed(r, provider, ReasonNoTrackingID, kn.name, f.Text, f.HResult)
		if k == kindFailure {
			ev := catalog.Evidence{Source: canonicalSource(provider), EventID: int(r.id), HResult: f.HResult, Text: f.Text}
			cause, _ := c.failureCause(c.evidenceDiagnoser(ev))
			c.unkeyed = append(c.unkeyed, unkeyedFailure{r, cause})
		}
		return
	}
	if ap == nil {
		a := prepareAtt(f, k, provider, r.id, nil)
		ap = &a
	}
	e := c.newAttEvent(r, k, op, provider, f, ap)
	var key tidKey
	if off := int(ap.tidOff); off >= 0 && e.flags&flagText != 0 && off+len(tid) <= 0xFFFF {
		key.loc, key.n = e.loc+uint32(off), uint16(len(tid)) // in the kept text
	} else {
		key.loc, key.n = c.st.keepTID(tid)
	}
	key.ev = c.st.push(e)
	c.keys.push(key)
}

func (c *Correlator) addServiceError(r ref, provider, text string, hr uint32) {
	kk := errKind{canonicalSource(provider), r.id}
	line := strings.TrimSpace(text[:lineEnd(text)])
	line = truncate(stripTrackingID(line), 200)
	key := errKey{kk, line}
	g := c.errs[key]
	if g == nil {
		overflow := c.errKinds[kk] >= maxErrBuckets-1
		if overflow {
			key.line = "\x00" // sorts first, never a real line
			g = c.errs[key]
		}
		if g == nil {
			g = &errGroup{key: key, overflow: overflow, first: r, last: r, sample: text, hr: hr}
			c.errs[key] = g
			c.errKinds[kk]++
		}
	}
	g.count++
	if refLess(r, g.first) {
		g.first, g.sample, g.hr = r, text, hr
	}
	if refLess(g.last, r) {
		g.last = r
	}
	g.refs.add(r, "")
}

// stripTrackingID drops a leading "TrackingId: <id>," from a message line,
// so that service events of one kind group together whatever their ids.
func stripTrackingID(line string) string {
	v := keyValue(line, "TrackingId", ':')
	if v < 0 || strings.TrimSpace(line[:keyStart(line, v)]) != "" {
		return line
	}
	rest := strings.TrimLeft(line[v+len(token(line[v:])):], " \t")
	rest = strings.TrimPrefix(rest, ",")
	return strings.TrimSpace(rest)
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

// summary returns a one-line description of an event (at most
// maxMessage bytes, see summaryPiece).
func summary(f *Fields) string {
	s, _ := summaryPiece(f)
	return truncate(s, maxMessage)
}

// summaryPiece returns the one-line description of an event before it is
// truncated (inText: a substring of f.Text, else made of two): the reason of a
// failure; for a 6329 the first trace line that names the failure (the
// engine's benign lines skipped) and, when another, the line that carries
// its hresult, joined by " | "; else the first line.
func summaryPiece(f *Fields) (msg string, inText bool) {
	if f.Reason != "" {
		return f.Reason, true
	}
	first := -1
	for i, t := range f.Trace {
		if !benignTrace(t) {
			first = i
			break
		}
	}
	for i := len(f.Trace) - 1; i >= 0; i-- {
		if f.Trace[i].HResult != 0 && f.Trace[i].HResult == f.HResult {
			if first >= 0 && first < i {
				return f.Trace[first].Raw + " | " + f.Trace[i].Raw, false
			}
			return f.Trace[i].Raw, true
		}
	}
	if first >= 0 {
		return f.Trace[first].Raw, true
	}
	s := f.Text
	for {
		end := lineEnd(s)
		line := strings.TrimSpace(s[:end])
		if line != "" || end == len(s) {
			return line, true
		}
		s = strings.TrimLeft(s[end:], "\r\n")
	}
}

const maxMessage = 300

// benignTrace reports whether a trace line is one the engine logs in many
// 6329s whatever failed (a file that already exists in dnutils.cpp, a
// registry value it does without).
func benignTrace(t TraceLine) bool {
	return t.HResult == 0x800700B7 || strings.HasPrefix(t.Rest, "Failed getting registry value")
}

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
