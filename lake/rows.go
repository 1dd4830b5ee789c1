package lake

import (
	"strings"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/parser"
	"github.com/evtxscan/evtxscan/pseudonym"
)

// Nanos returns t as Unix nanoseconds, the unit of every time column, or 0
// (NULL) when t is the zero Time or outside the years 1678–2261 that an
// int64 of nanoseconds can hold.
func Nanos(t time.Time) int64 {
	if t.IsZero() || t.Year() < 1678 || t.Year() > 2261 {
		return 0
	}
	return t.UnixNano()
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
	Pseudonymizer *pseudonym.Pseudonymizer // nil keeps the values

	f        correlate.Fields
	known    []pseudonym.Value
	lastPath string // cache of Path
	lastOut  string
}

// Event returns the row of one event. The strings it holds are copied from
// ev or made anew, so the row outlives ev.
func (c *Converter) Event(ev *parser.Event) EventRow {
	correlate.ExtractInto(&c.f, ev.Provider, ev.EventID, ev.Data)
	f := &c.f
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
		Time:          Nanos(ev.Time),
		Provider:      ev.Provider,
		EventID:       int32(ev.EventID),
		Qualifiers:    int32(ev.Qualifiers),
		Level:         int32(ev.Level),
		Task:          int32(ev.Task),
		Keywords:      ev.Keywords,
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

// Path returns a path as it is stored: with a Pseudonymizer, the values of
// a known shape in it (see pseudonym.Pseudonymizer.Replace) replaced.
func (c *Converter) Path(s string) string {
	if c.Pseudonymizer == nil {
		return s
	}
	if s != c.lastPath || c.lastOut == "" {
		c.lastPath, c.lastOut = s, c.Pseudonymizer.Replace(s)
	}
	return c.lastOut
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
		PartID:        c.PartID,
		TrackingID:    a.TrackingID,
		Operation:     a.Operation,
		Outcome:       a.Outcome,
		UPN:           c.token(pseudonym.KindUPN, a.UPN),
		AdminUPN:      c.token(pseudonym.KindUPN, a.AdminUPN),
		CloudAnchor:   c.token(pseudonym.KindCloudAnchor, a.CloudAnchor),
		SourceAnchor:  c.token(pseudonym.KindSourceAnchor, a.SourceAnchor),
		Start:         Nanos(a.Start.Time),
		End:           Nanos(a.End.Time),
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
			Path:     c.Path(e.Path),
			RecordID: int64(e.RecordID),
			Time:     Nanos(e.Time.Time),
			Provider: e.Provider,
			EventID:  int32(e.EventID),
			Status:   e.Status,
			HResult:  hresult(uint32(e.HResult)),
			Join:     e.Join,
			Message:  c.Text(e.Message, known...),
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
		PartID:        c.PartID,
		Cause:         f.Cause,
		Scope:         f.Scope,
		Severity:      f.Severity,
		Title:         f.Title,
		Count:         int64(f.Count),
		FirstSeen:     Nanos(f.FirstSeen.Time),
		LastSeen:      Nanos(f.LastSeen.Time),
		Evidence:      make([]EvidenceRef, len(f.Evidence)),
		EvidenceTotal: int64(f.EvidenceTotal),
		Remediation:   append([]string{}, f.Remediation...),
	}
	for i, e := range f.Evidence {
		r.Evidence[i] = EvidenceRef{
			Path:       c.Path(e.Path),
			RecordID:   int64(e.RecordID),
			Time:       Nanos(e.Time.Time),
			EventID:    int32(e.EventID),
			TrackingID: e.TrackingID,
		}
	}
	return r
}
