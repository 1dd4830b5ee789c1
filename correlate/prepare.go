package correlate

import (
	"strings"
	"sync"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/parser"
)

// Prepare extracts the fields of an event the Correlator reads them from,
// for parser.Reader.Prepare: the extraction then runs on the decoding
// goroutines, and Add takes the fields from ev.Prepared. It returns nil
// (nothing to extract: Add does it, cheaply, or has no need) for the
// events Add counts only and for events without data strings. It keeps no
// state and may be called from several goroutines at once.
func Prepare(ev *parser.Event) any {
	if len(ev.Data) == 0 {
		return nil
	}
	switch k, _ := classify(ev.Provider, ev.EventID); k {
	case kindUnrelated, kindOther, kindNoise, kindHashSync:
		return nil
	}
	f := new(Fields) // zero: extract needs no reset
	extract(f, ev.Provider, ev.EventID, ev.Data)
	return f
}

// PreparedFields returns the fields Prepare (or PrepareFor) extracted for
// ev, when it did.
func PreparedFields(ev *parser.Event) (*Fields, bool) {
	switch p := ev.Prepared.(type) {
	case *Fields:
		return p, true
	case *prepared:
		return &p.Fields, true
	case *prepHeader:
		return p.fields(ev)
	}
	return nil, false
}

// PrepareFor is Prepare for Correlators whose Diagnoser is d: when d
// diagnoses from catalog.Matches (*catalog.Catalog), the decoders also
// classify every event, and work out for each event the correlator keeps
// in an attempt's timeline what Add would otherwise do on its one
// goroutine: the pieces of its text an output names and where they lie,
// its flags, and for those whose text the
// correlator cuts to its pieces (the long failures and ADSync 6329s) the
// Matches of their evidence. The function keeps no state but a pool of the
// memory it hands out (see slab) and may be called from several
// goroutines at once.
func PrepareFor(d Diagnoser) func(ev *parser.Event) any {
	m, ok := d.(matcher)
	if !ok {
		return Prepare
	}
	// The prepared objects are cut from slabs, one slab per P at a time
	// (a sync.Pool of them), rather than allocated one by one.
	slabs := &sync.Pool{New: func() any { return new(slab[prepared]) }}
	headers := &sync.Pool{New: func() any { return new(slab[prepHeader]) }}
	return func(ev *parser.Event) any {
		src := sourceIndex(ev.Provider)
		k, ops := classifyIn(src, ev.EventID)
		op := wordOf(ops)
		extra := src
		if k == kindStart || k == kindSuccess || k == kindFailure {
			extra = uint8(op) // at most 3
		}
		switch k {
		case kindUnrelated, kindOther, kindNoise, kindHashSync:
			return newPrepClass(k, extra)
		}
		if len(ev.Data) == 0 {
			return newPrepClass(k, extra)
		}
		var f Fields // zero: extract needs no reset
		extract(&f, ev.Provider, ev.EventID, ev.Data)
		var a attPrep
		hasAtt := false
		switch {
		case (k == kindStart || k == kindSuccess || k == kindFailure) && f.TrackingID != "",
			k == kindPasswordSet,
			k == kindServiceError && f.TrackingID != "" && src == 0:
			ak := k
			if k == kindServiceError {
				ak = kindFailure // kept as the failure of an attempt (see Add)
			}
			a.prepare(&f, ak, ev.Provider, ev.EventID, m)
			hasAtt = true
			if k != kindServiceError && k != kindPasswordSet && len(ev.Data) == 1 && headerOnly(&f) {
				// The common start event: what Add keeps of it comes back
				// from its one data string and h (see prepHeader).
				var h prepHeader
				if h.set(k, op, &a) {
					sl := headers.Get().(*slab[prepHeader])
					p := sl.take(prepHeaderSlabLen)
					headers.Put(sl)
					*p = h
					return p
				}
			}
		}
		sl := slabs.Get().(*slab[prepared])
		p := sl.take(prepSlabLen)
		slabs.Put(sl)
		p.k, p.op = k, op
		p.Fields = f
		p.misc = f.Relay != "" || f.SyncVersion != ""
		p.att, p.hasAtt = a, hasAtt
		return p
	}
}

// prepSlabLen is how many prepared objects a slab holds: 32 of about 450
// bytes, 14 KiB, which stay in memory until the last is dropped.
const prepSlabLen = 32

// prepHeaderSlabLen is how many prepHeader objects a slab holds: 128 of
// 44 bytes, 5.5 KiB.
const prepHeaderSlabLen = 128

// slab hands out zero objects of type T from one allocation of n at a
// time.
type slab[T any] struct{ free []T }

// take returns a zero object of the slab, refilled with n when empty.
func (s *slab[T]) take(n int) *T {
	if len(s.free) == 0 {
		s.free = make([]T, n)
	}
	p := &s.free[0]
	s.free = s.free[1:]
	return p
}

// prepClass is what PrepareFor gives for an event whose data Add does
// not read (or that has none): its kind in the low 5 bits, and in the
// high 3 the word of its operation (attempt events) or its source index
// (the others). A byte boxed in an interface takes no allocation.
type prepClass uint8

func newPrepClass(k kind, extra uint8) prepClass { return prepClass(uint8(k) | extra<<5) }

func (p prepClass) kind() kind { return kind(p & 31) }

// op returns the word of the operation of an attempt event.
func (p prepClass) op() word { return word(p >> 5) }

// src returns the source index (see sourceIndex) of another event.
func (p prepClass) src() uint8 { return uint8(p >> 5) }

// prepared is what PrepareFor gives for an event with data strings: its
// kind and fields, and for the events kept in a timeline (hasAtt) what Add
// keeps of them. What Add reads of every event comes first, in about one
// cache line: the object was written on another core.
type prepared struct {
	k      kind
	op     word
	hasAtt bool
	misc   bool // Relay or SyncVersion is set
	att    attPrep
	Fields
}

// prepHeader is what PrepareFor gives for an attempt event (a start, most
// often) of one data string whose fields are its TrackingId, status and
// user alone (headerOnly), kept whole for its pieces (attPrep.keepsText),
// its TrackingId in it: its attPrep without the strings, which att
// rebuilds from the data string. It holds no pointer, so that the
// decoders write it without the collector's write barriers, in 48 bytes
// rather than a prepared's 432. Add reads it as a prepared without misc.
type prepHeader struct {
	k       kind
	op      word
	src     word
	flags   uint8
	msgIn   bool   // attPrep.msgInText
	tidLen  uint16 // the TrackingId, at tidOff in the text
	tidOff  int32
	hr      uint32
	textLen uint32 // of the data string, to check that it is the one prepared
	sp      [nPieces]span
}

// set makes h the prepHeader of an event of kind k and operation op with
// attPrep a, and reports whether the event has one (as said of
// prepHeader; its text the event's one data string).
func (h *prepHeader) set(k kind, op word, a *attPrep) bool {
	if !a.keepsText() || a.by != nil || a.tidOff < 0 || len(a.tid) > 0xFFFF || int64(len(a.text)) > 0xFFFFFFFF {
		return false
	}
	*h = prepHeader{k: k, op: op, src: a.src, flags: a.flags, msgIn: a.msgInText,
		tidLen: uint16(len(a.tid)), tidOff: a.tidOff, hr: a.hr, textLen: uint32(len(a.text)), sp: a.sp}
	return true
}

// attOf returns the attPrep h was made of (set) for ev, the event it was
// made for; false when ev does not have the one data string of that
// length.
func (h *prepHeader) attOf(ev *parser.Event) (attPrep, bool) {
	if len(ev.Data) != 1 {
		return attPrep{}, false
	}
	text := ev.Data[0]
	if uint32(len(text)) != h.textLen || uint64(h.tidOff)+uint64(h.tidLen) > uint64(len(text)) {
		return attPrep{}, false
	}
	a := attPrep{flags: h.flags, src: h.src, spansOK: true, short: true, msgInText: h.msgIn,
		tidOff: h.tidOff, hr: h.hr, sp: h.sp, text: text, tid: text[h.tidOff : h.tidOff+int32(h.tidLen)]}
	sp := h.sp[pMessage]
	a.msg = text[sp.off : int(sp.off)+int(sp.n)] // spanPieces()[pMessage]
	return a, true
}

// fields returns the Fields extract gave for ev (see attOf).
func (h *prepHeader) fields(ev *parser.Event) (*Fields, bool) {
	a, ok := h.attOf(ev)
	if !ok {
		return nil, false
	}
	p := a.spanPieces()
	return &Fields{TrackingID: a.tid, Status: p[pStatus], UPN: p[pUPN], Text: a.text}, true
}

// headerOnly reports whether f holds no field but TrackingID, Status, UPN
// and Text (TestHeaderOnly checks that it names every other field).
func headerOnly(f *Fields) bool {
	return f.Reason == "" && f.CloudAnchor == "" && f.SourceAnchor == "" && f.AdminUPN == "" &&
		f.UnblockUser == FlagUnset && f.ForcePasswordChange == FlagUnset &&
		f.HResult == 0 && f.HRMessage == "" && f.Exception == "" && f.Trace == nil &&
		f.AADAnchor == "" && f.SyncVersion == "" && f.Relay == "" && f.Endpoint == "" &&
		f.DNs == nil && f.Anchors == nil
}

// attPrep is what newAttEvent needs of an event besides its ref, worked
// out from its fields alone (for the message, the pieces are the fields:
// see pieces).
type attPrep struct {
	flags     uint8
	src       word
	spansOK   bool // sp holds where the pieces lie in the text
	short     bool // shortText: the text is not much longer than its pieces
	msgInText bool
	tidOff    int32 // offset of the TrackingId in the text, -1 when not in it
	hr        uint32
	sp        [nPieces]span
	text, tid string // Fields.Text and TrackingID
	msg       string // the message piece (summaryPiece)
	by        matcher
	m         catalog.Matches // of the evidence, when by is set
}

// keepsText reports whether the text is kept whole for its pieces.
func (a *attPrep) keepsText() bool { return a.spansOK && a.short }

// spanPieces returns the pieces of the event from its text, when spansOK:
// what pieces returns.
func (a *attPrep) spanPieces() [nPieces]string {
	var out [nPieces]string
	for p, sp := range a.sp {
		out[p] = a.text[sp.off : int(sp.off)+int(sp.n)]
	}
	return out
}

// pieces returns the pieces of an event of kind k with fields f.
func (a *attPrep) pieces(f *Fields, k kind) [nPieces]string {
	anchor := f.CloudAnchor
	if k == kindPasswordSet {
		anchor = f.AADAnchor
	}
	return [nPieces]string{pStatus: f.Status, pUPN: f.UPN, pAdmin: f.AdminUPN, pAnchor: anchor, pSource: f.SourceAnchor, pMessage: a.msg}
}

// prepareAtt works out the attPrep of an event of kind k. With a matcher
// m, the evidence of an event whose text is cut to its pieces is matched.
func prepareAtt(f *Fields, k kind, provider string, id uint16, m matcher) attPrep {
	var a attPrep
	a.prepare(f, k, provider, id, m)
	return a
}

// prepare is prepareAtt written into a, which must be zero (PrepareFor's
// prepared objects are written in place, not copied).
func (a *attPrep) prepare(f *Fields, k kind, provider string, id uint16, m matcher) {
	a.src, a.tidOff, a.hr, a.text, a.tid = sourceWord(provider), -1, f.HResult, f.Text, f.TrackingID
	pieces, inText := eventPieces(f, k)
	a.msg, a.msgInText = pieces[pMessage], inText
	a.sp, a.spansOK = spansIn(f.Text, &pieces, inText)
	a.short = shortText(f.Text, &pieces)
	a.flags = textFlags(f)
	if f.TrackingID != "" {
		if off, in := offsetIn(f.Text, f.TrackingID); in && off <= 0x7FFFFFFF {
			a.tidOff = int32(off)
		}
	}
	if m != nil && !a.keepsText() {
		a.by = m
		a.m = m.Match(catalog.Evidence{Source: a.src.String(), EventID: int(id), HResult: f.HResult, Text: f.Text})
	}
}

// textFlags returns the flags an attEvent takes from its text and status.
func textFlags(f *Fields) uint8 {
	var fl uint8
	// Both patterns begin with "CredentialManager.": they lie at or after
	// its first occurrence, and most texts have none.
	if i := strings.Index(f.Text, "CredentialManager."); i >= 0 {
		switch t := f.Text[i:]; {
		case strings.Contains(t, "CredentialManager.ChangePassword("):
			fl |= flagChange
		case strings.Contains(t, "CredentialManager.ResetUserPassword("):
			fl |= flagReset
		}
	}
	if f.Status != "" && hasUnlock(f.Status) {
		fl |= flagUnlock
	}
	return fl
}

// hasUnlock is containsFold(s, "unlock"), with the common case, an ASCII s
// without a "k" in either case, decided 8 bytes at a time.
func hasUnlock(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := load8(s, i)
		v := (x | swarCase) ^ ('k' * swarOnes) // a zero byte for each k or K
		if x&swarHighs != 0 || (v-swarOnes)&^v&swarHighs != 0 {
			return containsFold(s, "unlock")
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c|0x20 == 'k' || c >= 0x80 {
			return containsFold(s, "unlock")
		}
	}
	return false
}
