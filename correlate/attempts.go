package correlate

import (
	"encoding/json"
	"iter"
	"strings"
	"unsafe"

	"github.com/evtxscan/evtxscan/catalog"
)

// An AttemptList is the list of attempts of a Result (or of several, in a
// scan report), in their order. The attempts a Correlator finishes are
// kept compactly — each event's text only as far as an output names it,
// the tenant, server and input paths once — and At builds an Attempt when
// it is asked for, so a million attempts take a fraction of the memory of
// a million Attempts. The zero value is an empty list; it is not safe to
// change a list while another goroutine reads it.
type AttemptList struct {
	segs []attemptSeg
	n    int
}

// attemptSeg is a run of a list: attempts lo to hi of a store, or of a
// plain list.
type attemptSeg struct {
	st     *attemptStore
	plain  []Attempt
	lo, hi int
}

// AttemptsOf returns the list of the given attempts (which it keeps).
func AttemptsOf(as ...Attempt) AttemptList {
	if len(as) == 0 {
		return AttemptList{}
	}
	return AttemptList{segs: []attemptSeg{{plain: as, hi: len(as)}}, n: len(as)}
}

// Len returns the number of attempts.
func (l AttemptList) Len() int { return l.n }

// seg returns the run of attempt i and i's index in it.
func (l AttemptList) seg(i int) (*attemptSeg, int) {
	if i < 0 || i >= l.n {
		panic("correlate: attempt index out of range")
	}
	for k := range l.segs {
		s := &l.segs[k]
		if n := s.hi - s.lo; i < n {
			return s, s.lo + i
		}
		i -= s.hi - s.lo
	}
	panic("correlate: attempt list inconsistent")
}

// At returns attempt i, with its events, event ids and notes.
func (l AttemptList) At(i int) Attempt {
	s, j := l.seg(i)
	if s.st == nil {
		return s.plain[j]
	}
	return s.st.attempt(j, true)
}

// Summary returns attempt i without its lists (Events, EventIDs and Notes
// nil): what a table of attempts shows, built without allocating.
func (l AttemptList) Summary(i int) Attempt {
	s, j := l.seg(i)
	if s.st == nil {
		a := s.plain[j]
		a.Events, a.EventIDs, a.Notes = nil, nil, nil
		return a
	}
	return s.st.attempt(j, false)
}

// Outcome returns the Outcome of attempt i, as At(i).Outcome without
// building the attempt.
func (l AttemptList) Outcome(i int) string {
	s, j := l.seg(i)
	if s.st == nil {
		return s.plain[j].Outcome
	}
	return outcomeName(s.st.atts[j].outcome)
}

// Cause returns the Cause of attempt i, as At(i).Cause without building
// the attempt.
func (l AttemptList) Cause(i int) string {
	s, j := l.seg(i)
	if s.st == nil {
		return s.plain[j].Cause
	}
	return s.st.causes[s.st.atts[j].cause]
}

// Span returns the Start and End of attempt i, as At(i) has them, without
// building the attempt.
func (l AttemptList) Span(i int) (start, end Time) {
	s, j := l.seg(i)
	if s.st == nil {
		return s.plain[j].Start, s.plain[j].End
	}
	a := &s.st.atts[j]
	return Time{s.st.ev(a.head).time()}, Time{s.st.ev(a.tail).time()}
}

// Owner returns the tenant and server of attempt i.
func (l AttemptList) Owner(i int) (tenant, server string) {
	s, j := l.seg(i)
	if s.st == nil {
		return s.plain[j].Tenant, s.plain[j].Server
	}
	return s.st.tenant, s.st.server
}

// All yields every attempt (as At) with its index.
func (l AttemptList) All() iter.Seq2[int, Attempt] {
	return func(yield func(int, Attempt) bool) {
		for i := 0; i < l.n; i++ {
			if !yield(i, l.At(i)) {
				return
			}
		}
	}
}

// Range yields attempts lo to hi (excluded) with their indexes, as At
// builds them, into one Attempt reused from one to the next, its Events
// and EventIDs arrays included: a yielded attempt is valid until the next
// is yielded (copy what must outlive it), and must not be changed. It
// allocates nothing once the arrays have grown to the longest attempt.
func (l AttemptList) Range(lo, hi int) iter.Seq2[int, *Attempt] {
	if lo < 0 || hi > l.n || lo > hi {
		panic("correlate: attempt range out of range")
	}
	return func(yield func(int, *Attempt) bool) {
		var a Attempt
		var ids []int
		var evs []AttemptEvent
		for i := lo; i < hi; i++ {
			s, j := l.seg(i)
			if s.st == nil {
				a = s.plain[j]
			} else {
				s.st.fill(j, true, &a, ids, evs)
				ids, evs = a.EventIDs, a.Events
			}
			if !yield(i, &a) {
				return
			}
		}
	}
}

// List returns every attempt in a new slice.
func (l AttemptList) List() []Attempt {
	out := make([]Attempt, 0, l.n)
	for _, a := range l.All() {
		out = append(out, a)
	}
	return out
}

// Slice returns attempts lo to hi (excluded), sharing their storage.
func (l AttemptList) Slice(lo, hi int) AttemptList {
	if lo < 0 || hi > l.n || lo > hi {
		panic("correlate: attempt slice out of range")
	}
	var out AttemptList
	skip := lo
	for _, s := range l.segs {
		n := s.hi - s.lo
		if skip >= n {
			skip -= n
			continue
		}
		s.lo += skip
		skip = 0
		if take := hi - lo - out.n; s.hi-s.lo > take {
			s.hi = s.lo + take
		}
		out.segs = append(out.segs, s)
		out.n += s.hi - s.lo
		if out.n == hi-lo {
			break
		}
	}
	return out
}

// Append returns the attempts of l followed by those of m.
func (l AttemptList) Append(m AttemptList) AttemptList {
	if m.n == 0 {
		return l
	}
	out := AttemptList{segs: make([]attemptSeg, 0, len(l.segs)+len(m.segs)), n: l.n + m.n}
	out.segs = append(out.segs, l.segs...)
	for _, s := range m.segs {
		// A run that goes on where the last ends joins it.
		if k := len(out.segs) - 1; k >= 0 && out.segs[k].st == s.st && out.segs[k].hi == s.lo &&
			(s.st != nil || (len(s.plain) > 0 && len(out.segs[k].plain) > 0 && &out.segs[k].plain[0] == &s.plain[0])) {
			out.segs[k].hi = s.hi
			continue
		}
		out.segs = append(out.segs, s)
	}
	return out
}

// SetServer names server in every attempt of l (and of the lists that
// share their storage).
func (l AttemptList) SetServer(server string) {
	for _, s := range l.segs {
		if s.st != nil {
			s.st.server = server
			continue
		}
		for i := s.lo; i < s.hi; i++ {
			s.plain[i].Server = server
		}
	}
}

// MarshalJSON writes the list as encoding/json writes a []Attempt.
func (l AttemptList) MarshalJSON() ([]byte, error) {
	return json.Marshal(l.List())
}

// UnmarshalJSON reads a list written by MarshalJSON.
func (l *AttemptList) UnmarshalJSON(b []byte) error {
	var as []Attempt
	if err := json.Unmarshal(b, &as); err != nil {
		return err
	}
	*l = AttemptsOf(as...)
	return nil
}

// attemptStore holds the attempts of one Correlator and their events.
type attemptStore struct {
	tenant, server string
	paths          *[]string // the Correlator's inputs
	atts           []attempt
	evs            chunkList[attEvent]
	notes          [][]string
	causes         []string // ids, by attempt.cause
	causeIdx       map[string]uint16
	lastCause      uint16                       // the index cause returned last
	big            map[textKey]*[nPieces]string // pieces of events with flagBig
	// arena holds the kept texts and pieces, written once, in chunks of
	// at most arenaChunk bytes: events and attempts point into it by
	// offset, so that they hold no pointer and cost the collector nothing.
	arena   [][]byte
	bigTIDs []string // see keepTID
}

const (
	arenaChunk  = 1 << 20
	arenaChunks = 1 << 12 // a loc holds the chunk in its top 12 bits
	noLoc       = ^uint32(0)
)

// keep copies s (at most 0xFFFF bytes) into the arena and returns where
// it lies, noLoc when the arena is full.
func (st *attemptStore) keep(s string) uint32 {
	loc, b := st.reserve(len(s))
	copy(b, s)
	return loc
}

// reserve returns n bytes of the arena to write once, and where they lie
// (noLoc and nil when the arena is full).
func (st *attemptStore) reserve(n int) (uint32, []byte) {
	k := len(st.arena)
	if k == 0 || len(st.arena[k-1])+n > cap(st.arena[k-1]) {
		if k == arenaChunks {
			return noLoc, nil
		}
		size := arenaChunk
		if k < 6 {
			size = 1 << 14 << k // small logs stay small
		}
		st.arena = append(st.arena, make([]byte, 0, max(size, n)))
		k++
	}
	c := &st.arena[k-1]
	off := len(*c)
	*c = (*c)[:off+n]
	return uint32(k-1)<<20 | uint32(off), (*c)[off:]
}

// at returns the n bytes at loc in the arena, as a string that shares
// their memory (never written again).
func (st *attemptStore) at(loc uint32, n uint16) string {
	if n == 0 {
		return ""
	}
	c := st.arena[loc>>20]
	return unsafe.String(&c[loc&(arenaChunk-1)], int(n))
}

const evChunk = 4096

// A chunkList holds values in the order pushed, in chunks of evChunk that
// are never copied as the list grows (a million open attempts would copy
// their events some twenty times), and gives each an int32 index.
type chunkList[T any] struct {
	chunks [][]T
	n      int
}

// push appends v and returns its index.
func (l *chunkList[T]) push(v T) int32 {
	n := len(l.chunks)
	if n == 0 || len(l.chunks[n-1]) == evChunk {
		size := evChunk
		if n == 0 {
			size = 16 // the first grows as it fills: small logs stay small
		}
		l.chunks = append(l.chunks, make([]T, 0, size))
		n++
	}
	l.chunks[n-1] = append(l.chunks[n-1], v)
	l.n++
	return int32(l.n - 1)
}

// at returns value i.
func (l *chunkList[T]) at(i int32) *T { return &l.chunks[i/evChunk][i%evChunk] }

// len returns the number of values.
func (l *chunkList[T]) len() int { return l.n }

// ev returns event i.
func (st *attemptStore) ev(i int32) *attEvent { return st.evs.at(i) }

// push stores e and returns its index.
func (st *attemptStore) push(e attEvent) int32 {
	e.next = -1
	return st.evs.push(e)
}

// link appends event i to attempt a.
func (st *attemptStore) link(a *attempt, i int32) {
	if a.head < 0 {
		a.head = i
	} else {
		st.ev(a.tail).next = i
	}
	a.tail = i
}

// cause returns the index of cause id.
func (st *attemptStore) cause(id string) uint16 {
	if k := st.lastCause; int(k) < len(st.causes) && st.causes[k] == id {
		return k // most attempts in a row share a cause
	}
	k, ok := st.causeIdx[id]
	if !ok {
		k = uint16(len(st.causes))
		st.causes = append(st.causes, id)
		st.causeIdx[id] = k
	}
	st.lastCause = k
	return k
}

// attempt is one attempt: its TrackingId and its chain of events (in time
// order after Finish), and what Finish found.
type attempt struct {
	tidLoc     uint32 // the TrackingId in the arena (tidLen bytes)
	head, tail int32  // first and last event in the store
	notes      int32  // index in notes, -1 for none
	hr         uint32
	tidLen     uint16 // after the 4-byte fields: 28 bytes in all
	cause      uint16
	outcome    uint8 // outcome…
	op         word
	success    bool // its last result is a success (the join's view)
	has6329    bool // a 6329 joined it
}

// tid returns a's TrackingId.
func (st *attemptStore) tid(a *attempt) string {
	if a.tidLen == 0 {
		return st.bigTIDs[a.tidLoc]
	}
	return st.at(a.tidLoc, a.tidLen)
}

// keepTID keeps a TrackingId: in the arena, or when it is too long or the
// arena full, in bigTIDs (tidLen 0: an id is never empty).
func (st *attemptStore) keepTID(tid string) (loc uint32, n uint16) {
	if len(tid) <= 0xFFFF {
		if loc := st.keep(tid); loc != noLoc {
			return loc, uint16(len(tid))
		}
	}
	st.bigTIDs = append(st.bigTIDs, strings.Clone(tid))
	return uint32(len(st.bigTIDs) - 1), 0
}

// Outcomes as attempt.outcome.
const (
	outcomeIncomplete uint8 = iota
	outcomeSuccess
	outcomeFailure
)

func outcomeName(o uint8) string {
	switch o {
	case outcomeSuccess:
		return OutcomeSuccess
	case outcomeFailure:
		return OutcomeFailure
	}
	return OutcomeIncomplete
}

// attempt builds the public Attempt j; full adds its lists.
func (st *attemptStore) attempt(j int, full bool) Attempt {
	var at Attempt
	st.fill(j, full, &at, nil, nil)
	return at
}

// fill writes the public Attempt j into at; full adds its lists, appended
// to ids[:0] and evs[:0] (new arrays when nil).
func (st *attemptStore) fill(j int, full bool, at *Attempt, ids []int, evs []AttemptEvent) {
	a := &st.atts[j]
	*at = Attempt{
		Tenant: st.tenant, Server: st.server, TrackingID: st.tid(a),
		Operation: a.op.String(), Outcome: outcomeName(a.outcome),
		HResult: HResult(a.hr), Cause: st.causes[a.cause],
		Start: Time{st.ev(a.head).time()}, End: Time{st.ev(a.tail).time()},
	}
	n := 0
	for i := a.head; i >= 0; {
		e := st.ev(i)
		n++
		if at.UPN == "" {
			at.UPN = st.piece(e, pUPN)
		}
		if at.AdminUPN == "" {
			at.AdminUPN = st.piece(e, pAdmin)
		}
		if at.SourceAnchor == "" {
			at.SourceAnchor = st.piece(e, pSource)
		}
		if anchor := st.piece(e, pAnchor); e.kind != kindPasswordSet && anchor != "" &&
			(at.CloudAnchor == "" || (!validAnchor(at.CloudAnchor) && validAnchor(anchor))) {
			at.CloudAnchor = anchor
		}
		i = e.next
	}
	if !full {
		return
	}
	if ids == nil {
		ids = make([]int, 0, n)
	}
	if evs == nil {
		evs = make([]AttemptEvent, 0, n)
	}
	at.EventIDs, at.Events = ids[:0], evs[:0]
	for i := a.head; i >= 0; i = st.ev(i).next {
		e := st.ev(i)
		at.EventIDs = append(at.EventIDs, int(e.id))
		at.Events = append(at.Events, st.publicEvent(e))
	}
	at.Notes = []string{} // lists are always written
	if a.notes >= 0 {
		at.Notes = st.notes[a.notes]
	}
}

func (st *attemptStore) publicEvent(e *attEvent) AttemptEvent {
	return AttemptEvent{
		Path:     (*st.paths)[e.path],
		RecordID: e.rec,
		Time:     Time{e.time()},
		Provider: e.provider.String(),
		EventID:  int(e.id),
		Status:   st.piece(e, pStatus),
		HResult:  HResult(e.hr),
		Join:     e.join.String(),
		Message:  st.piece(e, pMessage),
	}
}

// Pieces of an event's text that an output names.
const (
	pStatus  = iota
	pUPN     // UserPrincipalName
	pAdmin   // the admin's UPN
	pAnchor  // cloudAnchor, or the AAD anchor of a 6329
	pSource  // SourceAnchorValue
	pMessage // the one-line summary
	nPieces
)

// span is a piece of an attEvent's string.
type span struct{ off, n uint16 }

// attEvent is an attempt's event (or a 6329, or a service event with a
// TrackingId) with what Finish and the outputs need. Its text is kept only
// as far as the pieces need it: its string (slen bytes at loc in the
// arena) is the text itself when the pieces lie in it and it is not much
// longer than they are (flagText), else the pieces alone, one after the
// other. It holds no pointer.
type attEvent struct {
	ref
	loc   uint32
	slen  uint16
	hr    uint32
	next  int32  // next event of its attempt, -1 for none
	match uint16 // index of its catalog.Matches in Correlator.matches, noMatch when none
	kind  kind
	op    word // an Op… constant
	// provider is a source, spelled canonically; join is JoinAnchor,
	// JoinHRNearest or "".
	provider, join word
	flags          uint8
	sp             [nPieces]span
}

// Flags of an attEvent.
const (
	flagText   = 1 << iota // str is the whole text
	flagTrunc              // the message is truncate(piece, maxMessage)
	flagBig                // the pieces are in attemptStore.big (too long for a span)
	flagChange             // the text names CredentialManager.ChangePassword(
	flagReset              // the text names CredentialManager.ResetUserPassword(
	flagUnlock             // the status names "unlock" (any case)
)

// noMatch marks an event without Matches: it is diagnosed from its text
// (Correlator.texts).
const noMatch = 0xFFFF

// textKey names one record of one input.
type textKey struct {
	path int32
	rec  uint64
}

func (e *attEvent) key() textKey { return textKey{e.path, e.rec} }

// piece returns piece p of e.
func (st *attemptStore) piece(e *attEvent, p int) string {
	if e.flags&flagBig != 0 {
		return st.big[e.key()][p]
	}
	sp := e.sp[p]
	s := st.at(e.loc+uint32(sp.off), sp.n)
	if p == pMessage && e.flags&flagTrunc != 0 {
		s = truncate(s, maxMessage)
	}
	return s
}

// spansIn returns where the pieces lie in text, when they all do (the
// message only when msgInText) within reach of a span.
func spansIn(text string, pieces *[nPieces]string, msgInText bool) (sp [nPieces]span, ok bool) {
	for p, s := range pieces {
		if s == "" {
			continue
		}
		off, in := offsetIn(text, s)
		if !in || off+len(s) > 0xFFFF || (p == pMessage && !msgInText) {
			return sp, false
		}
		sp[p] = span{uint16(off), uint16(len(s))}
	}
	return sp, true
}

// shortText reports whether text is not much longer than the pieces an
// output names of it, so that keeping it costs little.
func shortText(text string, pieces *[nPieces]string) bool {
	total := 0
	for _, s := range pieces {
		total += min(len(s), maxMessage+len("…"))
	}
	return len(text) <= 2*total+64
}

// setPieces keeps the pieces of the text of an event with fields f in e
// (ap.pieces, found in the text at ap.sp when ap.spansOK; f is nil only
// when ap.spansOK): as spans of the
// text itself when they lie in it and keepText asks for it (the event is
// diagnosed from its text later) or it is short; else as a string of their
// own. The message is then cut to maxMessage bytes.
func (st *attemptStore) setPieces(e *attEvent, f *Fields, ap *attPrep, keepText bool) {
	text := ap.text
	if ap.spansOK && len(text) <= 0xFFFF && (keepText || ap.short) {
		if loc := st.keep(text); loc != noLoc {
			e.sp, e.loc, e.slen = ap.sp, loc, uint16(len(text))
			e.flags |= flagText
			if len(ap.msg) > maxMessage {
				e.flags |= flagTrunc
			}
			return
		}
	}
	var pieces [nPieces]string
	if f != nil {
		pieces = ap.pieces(f, e.kind)
	} else {
		pieces = ap.spanPieces() // the same strings (prepHeader)
	}
	pieces[pMessage] = truncate(pieces[pMessage], maxMessage)
	total := 0
	for _, s := range pieces {
		total += len(s)
	}
	e.sp = [nPieces]span{}
	if total <= 0xFFFF {
		if loc, b := st.reserve(total); loc != noLoc {
			off := 0
			for p, s := range pieces {
				e.sp[p] = span{uint16(off), uint16(len(s))}
				off += copy(b[off:], s)
			}
			e.loc, e.slen = loc, uint16(total)
			return
		}
	}
	if st.big == nil {
		st.big = make(map[textKey]*[nPieces]string)
	}
	cp := new([nPieces]string)
	for p, s := range pieces {
		cp[p] = strings.Clone(s)
	}
	st.big[e.key()] = cp
	e.flags |= flagBig
}

// str returns e's string: its text, with flagText.
func (st *attemptStore) str(e *attEvent) string { return st.at(e.loc, e.slen) }

// offsetIn returns where sub lies in s, when it is a substring of s's
// memory (as the Fields of an extraction are of its Text).
func offsetIn(s, sub string) (int, bool) {
	if len(sub) == 0 || len(s) == 0 {
		return 0, false
	}
	d := uintptr(unsafe.Pointer(unsafe.StringData(sub))) - uintptr(unsafe.Pointer(unsafe.StringData(s)))
	if d > uintptr(len(s)-len(sub)) {
		return 0, false
	}
	return int(d), true
}

// matcher is a Diagnoser that diagnoses from catalog.Matches
// (*catalog.Catalog): the correlator then keeps no event's whole text.
type matcher interface {
	Match(e catalog.Evidence) catalog.Matches
	DiagnoseMatches(scope catalog.Scope, ms []catalog.Matches) (id string, matched []int, ok bool)
}
