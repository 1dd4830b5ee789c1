package lake

import (
	"fmt"
	"hash/maphash"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/internal/bucket"
	"github.com/evtxscan/evtxscan/parser"
	"github.com/evtxscan/evtxscan/pseudonym"
)

// Micros returns t as Unix microseconds, the unit of every time column,
// or 0 (NULL) when t is the zero Time. The 100 ns digit is dropped (see
// Ticks).
func Micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// filetimeEpoch is 1970-01-01 in FILETIME ticks (100 ns since 1601-01-01).
const filetimeEpoch = 116444736000000000

// Ticks returns t as a Windows FILETIME: 100 ns intervals since
// 1601-01-01 UTC, the exact resolution of an EVTX record's time; or 0
// (NULL) when t is the zero Time or before 1601.
func Ticks(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	v := t.Unix()*10_000_000 + int64(t.Nanosecond()/100) + filetimeEpoch
	if v <= 0 {
		return 0
	}
	return v
}

// FromTicks returns the time of a FILETIME, in UTC.
func FromTicks(ticks int64) time.Time {
	d := ticks - filetimeEpoch
	return time.Unix(d/10_000_000, (d%10_000_000)*100).UTC()
}

// KeywordsHex formats an event's keywords as the 16 hex digits of their
// bit pattern, "0x8000000000000000".
func KeywordsHex(k uint64) string { return fmt.Sprintf("0x%016x", k) }

// RelPath returns the path p of a record or file as it is stored: relative
// to the input argument it was found under, starting with the argument's
// base name, with "/" separators; the "!" that separates archive entries
// and the entry names are kept. So the same zip scanned from
// C:\Users\<analyst>\Downloads\t1.zip or /data/t1.zip gives
// "t1.zip!Application.evtx". roots are the input arguments; a p under none
// of them keeps only its base name.
func RelPath(roots []string, p string) string {
	fsPart, rest := p, ""
	for _, r := range roots {
		if bucket.IsURL(r) {
			// items of a bucket URL are named by the URL without its
			// query, "/" and the key
			arg := r
			r = strings.TrimRight(bucket.Redact(r), "/")
			if p == arg || p == r {
				return path.Base(r)
			}
			if tail, ok := strings.CutPrefix(p, r+"/"); ok {
				return path.Base(r) + "/" + tail
			}
			continue
		}
		r = filepath.Clean(r)
		if !strings.HasPrefix(p, r) {
			continue
		}
		tail := p[len(r):]
		if tail != "" && tail[0] != '!' && !os.IsPathSeparator(tail[0]) {
			continue
		}
		i := strings.IndexByte(tail, '!')
		if i < 0 {
			i = len(tail)
		}
		return rootBase(r) + filepath.ToSlash(tail[:i]) + tail[i:]
	}
	if i := strings.IndexByte(p, '!'); i >= 0 {
		fsPart, rest = p[:i], p[i:]
	}
	if bucket.IsURL(fsPart) {
		return path.Base(strings.TrimRight(bucket.Redact(fsPart), "/")) + rest
	}
	return filepath.Base(fsPart) + rest
}

// rootBase is the base name of an input argument; for "." or "..", of its
// absolute path.
func rootBase(r string) string {
	b := filepath.Base(r)
	if b == "." || b == ".." || b == string(filepath.Separator) {
		if abs, err := filepath.Abs(r); err == nil {
			b = filepath.Base(abs)
		}
	}
	return b
}

// hresult formats a non-zero HRESULT as "0x80230405", and 0 as "".
func hresult(h uint32) string {
	if h == 0 {
		return ""
	}
	return correlate.HResult(h).String()
}

// A Converter makes the rows of one tenant's part from the events and the
// analysis of its logs. With a Pseudonymizer it replaces the personal
// values in every row it makes (see docs/lake.md): UPNs, cloud and source
// anchors, SIDs and computer names in their columns by their tokens, and
// those values, the values of that shape and the DNs in free text (event
// data strings, messages, notes, paths) by their tokens as well.
//
// A Converter is not safe for concurrent use: it reuses a scratch area.
type Converter struct {
	Tenant        string
	PartID        string
	Roots         []string                 // the input arguments: paths are stored relative to them (see RelPath)
	Pseudonymizer *pseudonym.Pseudonymizer // nil keeps the values

	f         correlate.Fields
	known     []pseudonym.Value
	lastPath  string // cache of Path
	lastOut   string
	lastKw    uint64 // cache of keywordsHex
	lastKwHex string
}

// Prepare extracts the fields of every event that has data strings, for
// parser.Reader.Prepare (scan.ReadOptions.Prepare) in a batch: the
// extraction runs once, on the decoding goroutines, and both the
// Correlator and Converter.Event take the fields from ev.Prepared. It is
// correlate.Prepare widened to the events the correlator only counts,
// whose columns the events table still fills. It keeps no state and may
// be called from several goroutines at once. A batch uses a Preparer,
// which gives the same fields with less work.
func Prepare(ev *parser.Event) any {
	if len(ev.Data) == 0 {
		return nil
	}
	f := new(correlate.Fields)
	correlate.ExtractInto(f, ev.Provider, ev.EventID, ev.Data)
	return f
}

// A Preparer is Prepare that remembers the fields of the short texts it
// extracted last: a log repeats most of its texts word for word (a
// heartbeat names one of a few endpoints, ADSync's scheduler logs the same
// lines every cycle), and the fields of an event depend on nothing but
// its source, id and data strings (correlate.ExtractInto), so an event
// whose three equal those of one met before gets that event's fields
// without another extraction. The cache is bounded (preparerSlots texts
// of at most preparerMaxText bytes each, one per slot, the last one met
// winning). The Fields it returns are shared between events: read them,
// never change them (the Correlator and Converter.Event copy or only read
// them). A Preparer may be used from several goroutines at once; the zero
// value is not ready: use NewPreparer.
type Preparer struct {
	seed  maphash.Seed
	slots [preparerSlots]atomic.Pointer[prepared]
}

const (
	preparerSlots   = 1024
	preparerMaxText = 1024
)

// prepared is one text a Preparer extracted, and its fields.
type prepared struct {
	provider string
	id       uint16
	data     []string
	f        *correlate.Fields
}

// NewPreparer returns a Preparer with an empty cache.
func NewPreparer() *Preparer { return &Preparer{seed: maphash.MakeSeed()} }

// Prepare is the Prepare function (parser.Reader.Prepare) of p.
func (p *Preparer) Prepare(ev *parser.Event) any {
	if len(ev.Data) == 0 {
		return nil
	}
	n := 0
	for _, d := range ev.Data {
		n += len(d)
	}
	if n > preparerMaxText {
		return Prepare(ev) // long texts (traces, exceptions) are rarely repeated
	}
	h := uint64(ev.EventID)
	for _, d := range ev.Data {
		h = (h ^ maphash.String(p.seed, d)) * 0x9e3779b97f4a7c15
	}
	slot := &p.slots[h%preparerSlots]
	if e := slot.Load(); e != nil && e.id == ev.EventID && e.provider == ev.Provider && slices.Equal(e.data, ev.Data) {
		return e.f
	}
	f := new(correlate.Fields)
	correlate.ExtractInto(f, ev.Provider, ev.EventID, ev.Data)
	slot.Store(&prepared{provider: ev.Provider, id: ev.EventID, data: ev.Data, f: f})
	return f
}

// Event returns the row of one event. The strings it holds are copied from
// ev or made anew, so the row outlives ev. The fields read from the text
// are those of ev.Prepared when the decoders extracted them (Prepare,
// correlate.Prepare), else extracted here.
func (c *Converter) Event(ev *parser.Event) EventRow {
	f, ok := correlate.PreparedFields(ev)
	if !ok {
		correlate.ExtractInto(&c.f, ev.Provider, ev.EventID, ev.Data)
		f = &c.f
	}
	anchor := f.CloudAnchor
	if anchor == "" {
		anchor = f.AADAnchor
	}
	r := EventRow{
		SchemaVersion: SchemaVersion,
		Tenant:        c.Tenant,
		PartID:        c.PartID,
		Path:          c.Path(ev.Path),
		Chunk:         int32(ev.Chunk),
		Offset:        ev.Offset,
		RecordID:      int64(ev.RecordID),
		Time:          Micros(ev.Time),
		TimeTicks:     Ticks(ev.Time),
		Provider:      ev.Provider,
		EventID:       int32(ev.EventID),
		Qualifiers:    int32(ev.Qualifiers),
		Level:         int32(ev.Level),
		Task:          int32(ev.Task),
		Keywords:      int64(ev.Keywords),
		KeywordsHex:   c.keywordsHex(ev.Keywords),
		Channel:       ev.Channel,
		Computer:      ev.Computer,
		UserSID:       ev.UserSID,
		TrackingID:    strings.Clone(f.TrackingID),
		Status:        strings.Clone(f.Status),
		UPN:           strings.Clone(f.UPN),
		CloudAnchor:   strings.Clone(anchor),
		HResult:       hresult(f.HResult),
		Data:          make([]string, len(ev.Data)),
	}
	p := c.Pseudonymizer
	if p == nil {
		copy(r.Data, ev.Data)
		return r
	}
	known := c.known[:0]
	add := func(kind, v string) {
		if v != "" {
			known = append(known, pseudonym.Value{Kind: kind, Text: v})
		}
	}
	add(pseudonym.KindUPN, f.UPN)
	add(pseudonym.KindUPN, f.AdminUPN)
	add(pseudonym.KindCloudAnchor, f.CloudAnchor)
	add(pseudonym.KindCloudAnchor, f.AADAnchor)
	add(pseudonym.KindSourceAnchor, f.SourceAnchor)
	for _, a := range f.Anchors {
		add(pseudonym.KindSourceAnchor, a)
	}
	for _, dn := range f.DNs {
		add(pseudonym.KindDN, dn)
	}
	add(pseudonym.KindComputer, ev.Computer)
	if i := strings.IndexByte(ev.Computer, '.'); i > 0 {
		add(pseudonym.KindComputer, ev.Computer[:i])
	}
	add(pseudonym.KindSID, ev.UserSID)
	for i, s := range ev.Data {
		r.Data[i] = p.Replace(s, known...)
	}
	c.known = known[:0]
	r.Computer = p.Token(pseudonym.KindComputer, ev.Computer)
	r.UserSID = p.Token(pseudonym.KindSID, ev.UserSID)
	r.UPN = p.Token(pseudonym.KindUPN, f.UPN)
	r.CloudAnchor = p.Token(pseudonym.KindCloudAnchor, anchor)
	return r
}

// Path returns a path as it is stored: relative to its input argument
// (see RelPath) and, with a Pseudonymizer, the values of a known shape in
// it (see pseudonym.Pseudonymizer.Replace) replaced.
func (c *Converter) Path(s string) string {
	if s == "" {
		return ""
	}
	if s != c.lastPath || c.lastOut == "" {
		out := RelPath(c.Roots, s)
		if c.Pseudonymizer != nil {
			out = c.Pseudonymizer.Replace(out)
		}
		c.lastPath, c.lastOut = s, out
	}
	return c.lastOut
}

// keywordsHex caches the hex form of the last keywords seen: a log has
// few distinct values.
func (c *Converter) keywordsHex(k uint64) string {
	if k != c.lastKw || c.lastKwHex == "" {
		c.lastKw, c.lastKwHex = k, KeywordsHex(k)
	}
	return c.lastKwHex
}

// Text returns a free text as it is stored: with a Pseudonymizer, the
// values of a known shape and the known values replaced.
func (c *Converter) Text(s string, known ...pseudonym.Value) string {
	if c.Pseudonymizer == nil {
		return s
	}
	return c.Pseudonymizer.Replace(s, known...)
}

func (c *Converter) token(kind, v string) string {
	if c.Pseudonymizer == nil {
		return v
	}
	return c.Pseudonymizer.Token(kind, v)
}

// Attempt returns the row of one attempt.
func (c *Converter) Attempt(a *correlate.Attempt) AttemptRow {
	known := []pseudonym.Value{
		{Kind: pseudonym.KindUPN, Text: a.UPN},
		{Kind: pseudonym.KindUPN, Text: a.AdminUPN},
		{Kind: pseudonym.KindCloudAnchor, Text: a.CloudAnchor},
		{Kind: pseudonym.KindSourceAnchor, Text: a.SourceAnchor},
	}
	r := AttemptRow{
		SchemaVersion: SchemaVersion,
		Tenant:        c.Tenant,
		Server:        c.token(pseudonym.KindComputer, a.Server),
		PartID:        c.PartID,
		TrackingID:    a.TrackingID,
		Operation:     a.Operation,
		Outcome:       a.Outcome,
		UPN:           c.token(pseudonym.KindUPN, a.UPN),
		AdminUPN:      c.token(pseudonym.KindUPN, a.AdminUPN),
		CloudAnchor:   c.token(pseudonym.KindCloudAnchor, a.CloudAnchor),
		SourceAnchor:  c.token(pseudonym.KindSourceAnchor, a.SourceAnchor),
		Start:         Micros(a.Start.Time),
		StartTicks:    Ticks(a.Start.Time),
		End:           Micros(a.End.Time),
		EndTicks:      Ticks(a.End.Time),
		EventIDs:      make([]int32, len(a.EventIDs)),
		HResult:       hresult(uint32(a.HResult)),
		Cause:         a.Cause,
		Notes:         make([]string, len(a.Notes)),
		Events:        make([]AttemptEvent, len(a.Events)),
	}
	for i, id := range a.EventIDs {
		r.EventIDs[i] = int32(id)
	}
	for i, n := range a.Notes {
		r.Notes[i] = c.Text(n, known...)
	}
	for i := range a.Events {
		e := &a.Events[i]
		r.Events[i] = AttemptEvent{
			Path:      c.Path(e.Path),
			RecordID:  int64(e.RecordID),
			Time:      Micros(e.Time.Time),
			TimeTicks: Ticks(e.Time.Time),
			Provider:  e.Provider,
			EventID:   int32(e.EventID),
			Status:    e.Status,
			HResult:   hresult(uint32(e.HResult)),
			Join:      e.Join,
			Message:   c.Text(e.Message, known...),
		}
	}
	return r
}

// Finding returns the row of one finding. Its title and remediation come
// from the catalog and are kept as they are.
func (c *Converter) Finding(f *correlate.Finding) FindingRow {
	r := FindingRow{
		SchemaVersion: SchemaVersion,
		Tenant:        c.Tenant,
		Server:        c.token(pseudonym.KindComputer, f.Server),
		PartID:        c.PartID,
		Cause:         f.Cause,
		Scope:         f.Scope,
		Severity:      f.Severity,
		Title:         f.Title,
		Count:         int64(f.Count),
		FirstSeen:     Micros(f.FirstSeen.Time),
		LastSeen:      Micros(f.LastSeen.Time),
		Evidence:      make([]EvidenceRef, len(f.Evidence)),
		EvidenceTotal: int64(f.EvidenceTotal),
		Remediation:   append([]string{}, f.Remediation...),
	}
	for i, e := range f.Evidence {
		r.Evidence[i] = EvidenceRef{
			Path:       c.Path(e.Path),
			RecordID:   int64(e.RecordID),
			Time:       Micros(e.Time.Time),
			TimeTicks:  Ticks(e.Time.Time),
			EventID:    int32(e.EventID),
			TrackingID: e.TrackingID,
		}
	}
	return r
}

// spanRow converts a span of the service.
func spanRow(s correlate.Span) Span {
	return Span{
		From: Micros(s.From.Time), To: Micros(s.To.Time), Seconds: seconds(s.From.Time, s.To.Time),
		FromLogStart: s.FromLogStart, ToLogEnd: s.ToLogEnd, Note: s.Note,
	}
}

func seconds(from, to time.Time) int64 {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0
	}
	return int64(to.Sub(from) / time.Second)
}

func runRows(runs []correlate.Run) []RunRow {
	out := make([]RunRow, len(runs))
	for i, r := range runs {
		ids := make([]int32, len(r.EventIDs))
		for j, id := range r.EventIDs {
			ids[j] = int32(id)
		}
		out[i] = RunRow{Start: Micros(r.Start.Time), End: Micros(r.End.Time), Outcome: r.Outcome, EventIDs: ids}
	}
	return out
}

func timeList(ts []correlate.Time) []Instant {
	out := make([]Instant, 0, len(ts))
	for _, t := range ts {
		if us := Micros(t.Time); us != 0 {
			out = append(out, Instant{us})
		}
	}
	return out
}

// Service returns the row of the service health of the server named
// server. Heartbeat
// runs are the stretches between the first and the last heartbeat that no
// heartbeat gap interrupts; sync_version is the last version seen.
func (c *Converter) Service(server string, s *correlate.Service) ServiceRow {
	r := ServiceRow{
		SchemaVersion:  SchemaVersion,
		Tenant:         c.Tenant,
		Server:         c.token(pseudonym.KindComputer, server),
		PartID:         c.PartID,
		LogFrom:        Micros(s.LogFrom.Time),
		LogTo:          Micros(s.LogTo.Time),
		Heartbeats:     int64(s.Heartbeats),
		FirstHeartbeat: Micros(s.FirstHeartbeat.Time),
		LastHeartbeat:  Micros(s.LastHeartbeat.Time),
		HeartbeatRuns:  []Span{},
		HeartbeatGaps:  make([]Span, len(s.HeartbeatGaps)),
		Started:        timeList(s.Started),
		Stopped:        timeList(s.Stopped),
		Up:             make([]Span, len(s.Up)),
		Relays:         make([]string, len(s.Relays)),
		Endpoints:      append([]string{}, s.Endpoints...),
		SyncVersions:   append([]string{}, s.SyncVersions...),
		Onboarding:     runRows(s.Onboarding),
		Offboarding:    runRows(s.Offboarding),
		Errors:         make([]ServiceErrorRow, len(s.Errors)),
	}
	for i, g := range s.HeartbeatGaps {
		r.HeartbeatGaps[i] = spanRow(g)
		r.LongestGapSeconds = max(r.LongestGapSeconds, r.HeartbeatGaps[i].Seconds)
	}
	for i, u := range s.Up {
		r.Up[i] = spanRow(u)
	}
	for i, relay := range s.Relays {
		r.Relays[i] = c.Text(relay)
	}
	if n := len(s.SyncVersions); n > 0 {
		r.SyncVersion = s.SyncVersions[n-1]
	}
	r.SyncVersionSpans = make([]VersionSpan, len(s.SyncVersionSpans))
	for i, v := range s.SyncVersionSpans {
		r.SyncVersionSpans[i] = VersionSpan{Version: v.Version, First: Micros(v.First.Time), Last: Micros(v.Last.Time)}
	}
	if !s.FirstHeartbeat.IsZero() {
		from := s.FirstHeartbeat.Time
		for _, g := range s.HeartbeatGaps {
			if g.FromLogStart || g.ToLogEnd || g.From.Before(from) || g.From.After(s.LastHeartbeat.Time) {
				continue
			}
			r.HeartbeatRuns = append(r.HeartbeatRuns, spanRow(correlate.Span{From: correlate.Time{Time: from}, To: g.From}))
			from = g.To.Time
		}
		r.HeartbeatRuns = append(r.HeartbeatRuns, spanRow(correlate.Span{From: correlate.Time{Time: from}, To: s.LastHeartbeat}))
	}
	for i, e := range s.Errors {
		r.Errors[i] = ServiceErrorRow{
			Provider: e.Provider, EventID: int32(e.EventID), Count: int64(e.Count),
			First: Micros(e.First.Time), Last: Micros(e.Last.Time), HResult: hresult(uint32(e.HResult)),
			Message: c.Text(e.Message), Cause: e.Cause,
		}
	}
	return r
}

// Computer returns a server's computer name as it is stored: with a
// Pseudonymizer, its token.
func (c *Converter) Computer(name string) string { return c.token(pseudonym.KindComputer, name) }
