// Package catalog describes the Windows events, HRESULTs and root causes of
// Microsoft Entra Connect password writeback.
//
// The catalog is plain typed data built by New: every event code that
// Microsoft documents for the PasswordResetService and ADSync sources, the
// Directory Synchronization and ADSync events seen around a writeback, the
// HRESULTs the synchronization engine reports, and a list of causes, each
// with the signatures that identify it in a set of events and the steps an
// administrator follows to remove it. Diagnose picks the most specific cause
// whose signature matches the evidence of one attempt or of the service.
//
// Nothing is read from disk or the network. A Catalog is immutable and safe
// for concurrent use; every slice it returns is a fresh copy.
package catalog

import (
	"encoding/json"
	"sort"
	"strings"
)

// Role says what part an event plays in a writeback timeline.
type Role string

// Roles of events.
const (
	RoleAttemptStart     Role = "attempt-start"     // first event of a reset, change or admin reset
	RoleAttemptSuccess   Role = "attempt-success"   // the password was written to AD
	RoleAttemptFailure   Role = "attempt-failure"   // the attempt failed; the text says why
	RoleServiceLifecycle Role = "service-lifecycle" // the writeback service started or stopped
	RoleHeartbeat        Role = "heartbeat"         // the 5-minute Service Bus heartbeat
	RoleOnboarding       Role = "onboarding"        // enabling writeback (and its errors)
	RoleOffboarding      Role = "offboarding"       // disabling writeback (and its errors)
	RoleError            Role = "error"             // a service-level error or a sync-engine error
	RoleInfo             Role = "info"              // context only
)

// Severity grades an event or a cause.
type Severity string

// Severities, from the most to the least serious.
const (
	SeverityCritical Severity = "critical"
	SeverityError    Severity = "error"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Rank orders severities: critical 4, error 3, warning 2, info 1, anything
// else 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 4
	case SeverityError:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// Scope says whether a cause explains one attempt or the whole service.
type Scope string

// Scopes of causes.
const (
	ScopeAttempt Scope = "attempt"
	ScopeService Scope = "service"
)

// Event sources, spelled as in the Provider Name of the log.
const (
	SourcePasswordReset = "PasswordResetService"
	SourceADSync        = "ADSync"
	SourceDirSync       = "Directory Synchronization"
)

// WritebackSources are the event sources password writeback logs to: the
// events scan reads (the parser's filter, parser.Providers) unless --all.
func WritebackSources() []string {
	return []string{SourcePasswordReset, SourceADSync, SourceDirSync}
}

// Operations of attempt events. No document gives an unlock its own
// events: an unlock is logged as a reset whose text says "unblockUser: True".
const (
	OperationReset      = "reset"       // self-service password reset
	OperationChange     = "change"      // user changes a known password
	OperationAdminReset = "admin_reset" // administrator resets a user's password
)

// An Event describes one event code of one source. A code whose message
// differs in documented, meaningful ways (ADSync 6329) has one Event per
// variant; the general variant has an empty Variant.
type Event struct {
	Source      string   `json:"source"`
	ID          int      `json:"id"`
	Variant     string   `json:"variant,omitempty"`
	Name        string   `json:"name"`
	Token       string   `json:"token,omitempty"`     // literal status token where it differs from Name
	Role        Role     `json:"role"`                // part played in a timeline
	Operation   string   `json:"operation,omitempty"` // reset, change or admin_reset for attempt events
	Severity    Severity `json:"severity"`
	Description string   `json:"description"`
	Remediation []string `json:"remediation"`
	Section     string   `json:"section"`          // where the documents describe it
	Causes      []string `json:"causes,omitempty"` // ids of the causes it can indicate
}

// An HResult describes an error code of the synchronization engine.
type HResult struct {
	Code    uint32   `json:"code"`
	Symbol  string   `json:"symbol,omitempty"` // Win32 or HRESULT name, e.g. ERROR_ACCESS_DENIED
	Text    string   `json:"text"`             // the engine's message; "" when none is logged
	Meaning string   `json:"meaning"`
	Causes  []string `json:"causes"`
	Source  string   `json:"source"` // public source of the facts, by title
}

// A Signature identifies a cause in a set of evidence. One evidence item
// must satisfy every non-empty field at once: its source (compared without
// case) equals Source, its event id is one of EventIDs, one of its HRESULTs
// is one of HResults, and its text contains every pattern of Patterns as a
// substring, without regard to case. Every signature of Requires must in
// addition match some item of the same set (possibly the same item).
type Signature struct {
	Source   string      `json:"source,omitempty"`
	EventIDs []int       `json:"event_ids,omitempty"`
	HResults []uint32    `json:"hresults,omitempty"`
	Patterns []string    `json:"patterns,omitempty"`
	Requires []Signature `json:"requires,omitempty"`
}

// A Cause is a root cause of writeback failures with the steps that remove it.
type Cause struct {
	ID          string      `json:"id"`
	Scope       Scope       `json:"scope"`
	Title       string      `json:"title"`
	Explanation string      `json:"explanation"`
	Remediation []string    `json:"remediation"` // ordered steps
	Severity    Severity    `json:"severity"`
	UserSide    bool        `json:"user_side"`   // the user, not the configuration, must act
	Specificity int         `json:"specificity"` // higher wins in Diagnose
	Signatures  []Signature `json:"signatures"`  // any one matching selects the cause
	// Consequences are the causes this one brings about (no auth token →
	// onboarding failed): a finding of one of them in the same window is
	// reported as a consequence of this one and ranked below it.
	Consequences []string `json:"consequences,omitempty"`
}

// Evidence is what is known of one event of an attempt (or of the service).
type Evidence struct {
	Source  string
	EventID int
	HResult uint32 // 0 when none
	Text    string // the event's data strings joined with "\n"
}

// A Catalog holds the tables. Its zero value is empty; use New.
type Catalog struct {
	events   []Event   // by source, id, variant
	hresults []HResult // by code
	causes   []Cause   // by descending specificity, then id

	// compiled holds the signatures of causes[i], numbered; sigs holds
	// each by its number, with Source and Patterns in lower case (Match).
	compiled [][]sigNode
	sigs     []Signature
	sigPats  [][]int    // per signature, its patterns' indexes in pats (-1: not there)
	pats     patternSet // the patterns of sigs, found in one pass

	eventIndex map[eventKey][]int // positions in events
	hrIndex    map[uint32]int
	causeIndex map[string]int
}

type eventKey struct {
	source string
	id     int
}

// New builds the catalog. It does no I/O.
func New() *Catalog {
	c := &Catalog{
		events:     eventTable(),
		hresults:   hresultTable(),
		causes:     causeTable(),
		eventIndex: make(map[eventKey][]int),
		hrIndex:    make(map[uint32]int),
		causeIndex: make(map[string]int),
	}
	sort.SliceStable(c.events, func(i, j int) bool {
		a, b := c.events[i], c.events[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Variant < b.Variant
	})
	sort.SliceStable(c.hresults, func(i, j int) bool { return c.hresults[i].Code < c.hresults[j].Code })
	sort.SliceStable(c.causes, func(i, j int) bool {
		a, b := c.causes[i], c.causes[j]
		if a.Specificity != b.Specificity {
			return a.Specificity > b.Specificity
		}
		return a.ID < b.ID
	})
	for i, e := range c.events {
		k := eventKey{strings.ToLower(e.Source), e.ID}
		c.eventIndex[k] = append(c.eventIndex[k], i)
	}
	for i, h := range c.hresults {
		c.hrIndex[h.Code] = i
	}
	for i, k := range c.causes {
		c.causeIndex[k.ID] = i
		c.compiled = append(c.compiled, c.compile(lowerSignatures(k.Signatures)))
	}
	return c
}

// Event returns the general variant of the event id of source (the one
// with an empty Variant, or else the first). The source is compared
// without regard to case.
func (c *Catalog) Event(source string, id int) (Event, bool) {
	idx := c.eventIndex[eventKey{strings.ToLower(source), id}]
	if len(idx) == 0 {
		return Event{}, false
	}
	return cloneEvent(c.events[idx[0]]), true
}

// EventVariants returns every variant of the event id of source, the
// general one first, or nil if the code is unknown.
func (c *Catalog) EventVariants(source string, id int) []Event {
	idx := c.eventIndex[eventKey{strings.ToLower(source), id}]
	if len(idx) == 0 {
		return nil
	}
	out := make([]Event, len(idx))
	for i, j := range idx {
		out[i] = cloneEvent(c.events[j])
	}
	return out
}

// Events returns every event, sorted by source, id and variant.
func (c *Catalog) Events() []Event {
	out := make([]Event, len(c.events))
	for i, e := range c.events {
		out[i] = cloneEvent(e)
	}
	return out
}

// HResult returns the description of code. A Win32 error code (at most
// 0xFFFF, as in the trace line "0x6ba") is also looked up in its
// HRESULT_FROM_WIN32 form (0x800706BA); the result then carries that form.
func (c *Catalog) HResult(code uint32) (HResult, bool) {
	i, ok := c.hrIndex[code]
	if !ok && code != 0 && code <= 0xFFFF {
		i, ok = c.hrIndex[win32HResult(code)]
	}
	if !ok {
		return HResult{}, false
	}
	return cloneHResult(c.hresults[i]), true
}

// HResultBySymbol returns the HRESULT whose Symbol is name (ignoring
// case), e.g. ERROR_ACCESS_DENIED.
func (c *Catalog) HResultBySymbol(name string) (HResult, bool) {
	for _, h := range c.hresults {
		if h.Symbol != "" && strings.EqualFold(h.Symbol, strings.TrimSpace(name)) {
			return cloneHResult(h), true
		}
	}
	return HResult{}, false
}

// HResults returns every HRESULT, sorted by code.
func (c *Catalog) HResults() []HResult {
	out := make([]HResult, len(c.hresults))
	for i, h := range c.hresults {
		out[i] = cloneHResult(h)
	}
	return out
}

// Cause returns the cause with the given id.
func (c *Catalog) Cause(id string) (Cause, bool) {
	i, ok := c.causeIndex[id]
	if !ok {
		return Cause{}, false
	}
	return cloneCause(c.causes[i]), true
}

// Causes returns every cause by descending specificity, then id.
func (c *Catalog) Causes() []Cause {
	out := make([]Cause, len(c.causes))
	for i, k := range c.causes {
		out[i] = cloneCause(k)
	}
	return out
}

// Schema names the layout of the JSON document written by MarshalJSON.
const Schema = "evtxscan-catalog/1"

// hresultDoc is an HResult as written in the JSON document: the code also
// in its usual hexadecimal spelling.
type hresultDoc struct {
	Code    uint32   `json:"code"`
	Hex     string   `json:"hex"`
	Symbol  string   `json:"symbol,omitempty"`
	Text    string   `json:"text"`
	Meaning string   `json:"meaning"`
	Causes  []string `json:"causes"`
	Source  string   `json:"source"`
}

// MarshalJSON writes the whole catalog as one JSON object with the members
// schema, events, hresults and causes, in the orders of Events, HResults
// and Causes. docs/catalog.md documents the layout.
func (c *Catalog) MarshalJSON() ([]byte, error) {
	doc := struct {
		Schema   string       `json:"schema"`
		Events   []Event      `json:"events"`
		HResults []hresultDoc `json:"hresults"`
		Causes   []Cause      `json:"causes"`
	}{Schema: Schema, Events: c.Events(), Causes: c.Causes()}
	doc.HResults = make([]hresultDoc, 0, len(c.hresults))
	for _, h := range c.hresults {
		doc.HResults = append(doc.HResults, hresultDoc{
			Code: h.Code, Hex: FormatHResult(h.Code), Symbol: h.Symbol, Text: h.Text,
			Meaning: h.Meaning, Causes: append([]string{}, h.Causes...), Source: h.Source,
		})
	}
	return json.Marshal(doc)
}

// FormatHResult spells code as the engine does in its messages: "0x" and
// eight upper-case hexadecimal digits.
func FormatHResult(code uint32) string {
	const digits = "0123456789ABCDEF"
	b := []byte("0x00000000")
	for i := 9; i >= 2; i-- {
		b[i] = digits[code&0xF]
		code >>= 4
	}
	return string(b)
}

// ParseHResult reads an HRESULT as written in events and by people:
// "0x80230405", "80230405", "hr=80230405", "hr=0x80230405", "0X8023062C",
// "8023062c". Without a prefix exactly eight hexadecimal digits are
// required; after "0x" or "hr=" one to eight are accepted ("0x6ba").
func ParseHResult(s string) (uint32, bool) {
	s = strings.TrimSpace(s)
	prefixed := false
	if len(s) >= 3 && strings.EqualFold(s[:3], "hr=") {
		s, prefixed = s[3:], true
	}
	if len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s, prefixed = s[2:], true
	}
	if len(s) == 0 || len(s) > 8 || (!prefixed && len(s) != 8) {
		return 0, false
	}
	var v uint32
	for i := 0; i < len(s); i++ {
		d, ok := hexDigit(s[i])
		if !ok {
			return 0, false
		}
		v = v<<4 | uint32(d)
	}
	return v, true
}

func hexDigit(b byte) (byte, bool) {
	switch {
	case '0' <= b && b <= '9':
		return b - '0', true
	case 'a' <= b && b <= 'f':
		return b - 'a' + 10, true
	case 'A' <= b && b <= 'F':
		return b - 'A' + 10, true
	}
	return 0, false
}

// win32HResult is HRESULT_FROM_WIN32.
func win32HResult(code uint32) uint32 { return 0x80070000 | code&0xFFFF }

func cloneEvent(e Event) Event {
	e.Remediation = cloneStrings(e.Remediation)
	e.Causes = cloneStrings(e.Causes)
	return e
}

func cloneHResult(h HResult) HResult {
	h.Causes = cloneStrings(h.Causes)
	return h
}

func cloneCause(k Cause) Cause {
	k.Remediation = cloneStrings(k.Remediation)
	k.Signatures = cloneSignatures(k.Signatures)
	k.Consequences = cloneStrings(k.Consequences)
	return k
}

func cloneSignatures(s []Signature) []Signature {
	if s == nil {
		return nil
	}
	out := make([]Signature, len(s))
	for i, g := range s {
		out[i] = Signature{
			Source:   g.Source,
			EventIDs: append([]int(nil), g.EventIDs...),
			HResults: append([]uint32(nil), g.HResults...),
			Patterns: cloneStrings(g.Patterns),
			Requires: cloneSignatures(g.Requires),
		}
	}
	return out
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}
