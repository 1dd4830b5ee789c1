package parser

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Nothing reaches golang-evtx unchecked.
//
// golang-evtx parses BinXML by recursion: a template instance inside a
// template definition makes it parse the definition the instance points at,
// wherever that is in the chunk, and a definition that points at itself (or
// two that point at each other) sends it into unbounded recursion, a stack
// overflow that recover cannot catch. So before a definition or an element
// tree is handed to it, walkBinXML reads its tokens here, with the grammar
// golang-evtx applies, and refuses what could make it recurse or read
// without end: unknown tokens, names or values outside the chunk, nesting
// deeper than maxWalkDepth, a template instance whose definition is the one
// being read (or one of those around it), and a definition that does not lie
// before the instance that refers to it (Windows writes a definition with
// the first record that uses it: in place, right after the instance, or in
// an earlier record). golang-evtx then reads through a budgetReader, which
// stops any parse that reads or seeks more than a definition could need:
// should the walk here and golang-evtx's parse ever disagree, the parse ends
// with an error, not a crash.

// ErrBudget is the cause of a record refused because decoding it would take
// more than any real record needs: BinXML nested or self-referencing past
// the limits, or values that expand to more strings or bytes than the
// record budget allows.
var ErrBudget = errors.New("over the decoding budget")

// Limits of the walk.
const (
	maxWalkDepth  = 8       // template instances and fragments nested in one definition
	maxWalkTokens = 1 << 16 // tokens read in one walk, nested ones included
)

// BinXML tokens (the 0x40 bit marks "more data follows" on some of them).
const (
	tokEOF          = 0x00
	tokOpenStart    = 0x01
	tokCloseStart   = 0x02
	tokCloseEmpty   = 0x03
	tokEndElement   = 0x04
	tokValue        = 0x05
	tokAttribute    = 0x06
	tokCharRef      = 0x08
	tokEntityRef    = 0x09
	tokNormalSubst  = 0x0d
	tokOptionalSubs = 0x0e
	tokMore         = 0x40
)

// A walker reads the BinXML tokens of one chunk as golang-evtx will.
type walker struct {
	c      []byte
	tokens int   // tokens left in the budget
	defs   []int // definitions being walked, outermost first
	jumped bool  // a template instance refers to a definition elsewhere
	open   bool  // the bytes may end at a token boundary without an end token
	refs   []int // when not nil, where each name reference read is (see keyer)
}

func newWalker(c []byte) *walker { return &walker{c: c, tokens: maxWalkTokens} }

func (w *walker) errf(p int, format string, args ...any) error {
	return fmt.Errorf("BinXML at chunk offset %#x: %w: %s", p, ErrBudget, fmt.Sprintf(format, args...))
}

func (w *walker) u16(p int) int { return int(binary.LittleEndian.Uint16(w.c[p:])) }
func (w *walker) u32(p int) int { return int(binary.LittleEndian.Uint32(w.c[p:])) }

// need reports an error when n bytes at p are not inside the chunk.
func (w *walker) need(p, n int) error {
	if p < 0 || n < 0 || p > len(w.c)-n {
		return fmt.Errorf("BinXML at chunk offset %#x: %w: %d bytes past the chunk", p, ErrTruncated, n)
	}
	return nil
}

// name checks a name reference read at p (a chunk offset) and returns the
// position after it: past the name when it is stored in place.
func (w *walker) name(p int) (int, error) {
	if err := w.need(p, 4); err != nil {
		return 0, err
	}
	off := w.u32(p)
	if w.refs != nil {
		w.refs = append(w.refs, p)
	}
	p += 4
	if off < 0 || off > len(w.c)-8 {
		return 0, w.errf(p-4, "name offset %#x outside the chunk", off)
	}
	n := w.u16(off + 6)
	if _, end := nameSpan(off, n); end > len(w.c) {
		return 0, w.errf(p-4, "name at %#x runs past the chunk", off)
	}
	if off == p {
		_, p = nameSpan(off, n)
	}
	return p, nil
}

// definition walks the template definition at chunk offset def (its
// 24-byte header: next offset, GUID, data size) and returns the position
// after its end-of-fragment token. depth counts what it is nested in.
func (w *walker) definition(def, depth int) (int, error) {
	if depth > maxWalkDepth {
		return 0, w.errf(def, "template definitions nested deeper than %d", maxWalkDepth)
	}
	for _, d := range w.defs {
		if d == def {
			return 0, w.errf(def, "template definition refers to itself")
		}
	}
	if def < chunkHeaderSize {
		return 0, w.errf(def, "template definition inside the chunk header")
	}
	if err := w.need(def, 28); err != nil {
		return 0, err
	}
	w.defs = append(w.defs, def)
	defer func() { w.defs = w.defs[:len(w.defs)-1] }()
	p := def + 24
	if w.c[p] != tokFragmentHeader {
		return 0, w.errf(p, "template definition without a fragment header")
	}
	return w.tokens1(p+4, depth, true, true)
}

// instance walks a template instance at p and returns the position after
// its values.
func (w *walker) instance(p, depth int) (int, error) {
	if err := w.need(p, 10); err != nil {
		return 0, err
	}
	def := w.u32(p + 6)
	q := p + 10
	if def == q {
		end, err := w.definition(def, depth+1)
		if err != nil {
			return 0, err
		}
		q = end
	} else {
		// A definition elsewhere must lie wholly before the instance.
		if def < chunkHeaderSize || def > p-28 {
			return 0, w.errf(p, "template definition offset %#x is not before its instance", def)
		}
		if size := w.u32(def + 20); size > p-def-24 {
			return 0, w.errf(p, "template definition at %#x overlaps its instance", def)
		}
		w.jumped = true
		if _, err := w.definition(def, depth+1); err != nil {
			return 0, err
		}
	}
	if err := w.need(q, 4); err != nil {
		return 0, err
	}
	n := w.u32(q)
	q += 4
	if n > (len(w.c)-q)/4 {
		return 0, w.errf(q-4, "%d substitution values", n)
	}
	vp := q + 4*n
	for i := 0; i < n; i++ {
		size, typ := w.u16(q+4*i), w.c[q+4*i+2]
		if err := w.need(vp, size); err != nil {
			return 0, err
		}
		if typ == typeBinXML && size > 0 {
			// golang-evtx parses one element of a BinXML value.
			if _, err := w.element(vp, depth+1); err != nil {
				return 0, err
			}
		}
		vp += size
	}
	return vp, nil
}

// element walks one element as golang-evtx's Parse reads it, for a value
// of type BinXML: a fragment header and what follows it, or one token.
func (w *walker) element(p, depth int) (int, error) {
	if depth > maxWalkDepth {
		return 0, w.errf(p, "BinXML nested deeper than %d", maxWalkDepth)
	}
	if err := w.need(p, 1); err != nil {
		return 0, err
	}
	switch w.c[p] {
	case tokFragmentHeader:
		if err := w.need(p, 5); err != nil {
			return 0, err
		}
		switch w.c[p+4] {
		case tokTemplateInstance:
			return w.instance(p+4, depth)
		case tokOpenStart, tokOpenStart | tokMore:
			return w.tokens1(p+4, depth, true, true)
		}
		return w.tokens1(p+4, depth, true, false)
	case tokTemplateInstance:
		return w.instance(p, depth)
	}
	return w.tokens1(p, depth, true, false)
}

// tokens1 walks tokens from p: up to the end-of-fragment token when all is
// set, else one token. dep tells whether element starts carry a
// dependency id (they do in template definitions).
func (w *walker) tokens1(p, depth int, dep, all bool) (int, error) {
	for {
		w.tokens--
		if w.tokens < 0 {
			return 0, w.errf(p, "more than %d tokens", maxWalkTokens)
		}
		if w.open && p == len(w.c) {
			return p, nil
		}
		if err := w.need(p, 1); err != nil {
			return 0, err
		}
		t := w.c[p]
		var err error
		switch t {
		case tokEOF:
			return p + 1, nil
		case tokOpenStart, tokOpenStart | tokMore:
			p, err = w.openStart(p, dep)
		case tokCloseStart, tokCloseEmpty, tokEndElement:
			p++
		case tokValue, tokValue | tokMore:
			p, err = w.valueText(p)
		case tokCharRef:
			err = w.need(p, 3)
			p += 3
		case tokEntityRef, tokEntityRef | tokMore:
			p, err = w.name(p + 1)
		case tokNormalSubst, tokOptionalSubs:
			err = w.need(p, 4)
			p += 4
		case tokTemplateInstance:
			p, err = w.instance(p, depth+1)
		case tokFragmentHeader:
			if depth+1 > maxWalkDepth {
				return 0, w.errf(p, "BinXML nested deeper than %d", maxWalkDepth)
			}
			p, err = w.element(p, depth+1)
		default:
			return 0, fmt.Errorf("BinXML at chunk offset %#x: unknown token %#02x", p, t)
		}
		if err != nil {
			return 0, err
		}
		if !all {
			return p, nil
		}
	}
}

// openStart walks an element start and its attributes, up to (not
// including) the token that closes the start tag.
func (w *walker) openStart(p int, dep bool) (int, error) {
	t := w.c[p]
	p++
	if dep {
		p += 2
	}
	if err := w.need(p, 8); err != nil {
		return 0, err
	}
	p, err := w.name(p + 4)
	if err != nil {
		return 0, err
	}
	if t&tokMore != 0 {
		if err := w.need(p, 4); err != nil {
			return 0, err
		}
		p += 4
		for {
			w.tokens--
			if w.tokens < 0 {
				return 0, w.errf(p, "more than %d tokens", maxWalkTokens)
			}
			if err := w.need(p, 1); err != nil {
				return 0, err
			}
			a := w.c[p]
			if a != tokAttribute && a != tokAttribute|tokMore {
				return 0, fmt.Errorf("BinXML at chunk offset %#x: bad attribute token %#02x", p, a)
			}
			if p, err = w.name(p + 1); err != nil {
				return 0, err
			}
			if err := w.need(p, 1); err != nil {
				return 0, err
			}
			switch w.c[p] {
			case tokValue, tokValue | tokMore:
				p, err = w.valueText(p)
			case tokNormalSubst, tokOptionalSubs:
				err = w.need(p, 4)
				p += 4
			case tokCharRef:
				err = w.need(p, 3)
				p += 3
			case tokEntityRef, tokEntityRef | tokMore:
				p, err = w.name(p + 1)
			default:
				return 0, fmt.Errorf("BinXML at chunk offset %#x: bad attribute value token %#02x", p, w.c[p])
			}
			if err != nil {
				return 0, err
			}
			if a == tokAttribute {
				break
			}
		}
	}
	if err := w.need(p, 1); err != nil {
		return 0, err
	}
	if c := w.c[p]; c != tokCloseStart && c != tokCloseEmpty {
		return 0, fmt.Errorf("BinXML at chunk offset %#x: bad close element token %#02x", p, c)
	}
	return p, nil
}

// valueText walks a text value: token, type (a string), length, UTF-16.
func (w *walker) valueText(p int) (int, error) {
	if err := w.need(p, 4); err != nil {
		return 0, err
	}
	if w.c[p+1] != typeString {
		return 0, fmt.Errorf("BinXML at chunk offset %#x: text value of type %#02x", p, w.c[p+1])
	}
	n := 2 * w.u16(p+2)
	if err := w.need(p+4, n); err != nil {
		return 0, err
	}
	return p + 4 + n, nil
}

// maxParseRead bounds what golang-evtx may read for one definition or
// element tree, and maxParseSeeks how often it may seek: a definition is
// at most a chunk, read about twice over (a token is peeked, then read),
// plus the names it refers to.
const (
	maxParseRead  = 4 * ChunkSize
	maxParseSeeks = 1 << 16
	maxParseBack  = 512 // seeks backwards: to names and definitions written before
)

// A budgetReader is the chunk as golang-evtx reads it: a bytes.Reader that
// fails every read and seek once its budget is spent.
type budgetReader struct {
	b     []byte
	pos   int64
	read  int
	seeks int
	back  int
}

var errParseBudget = fmt.Errorf("golang-evtx parse: %w", ErrBudget)

func (r *budgetReader) Read(p []byte) (int, error) {
	if r.read > maxParseRead || r.back > maxParseBack {
		return 0, errParseBudget
	}
	if r.pos >= int64(len(r.b)) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.pos:])
	r.pos += int64(n)
	r.read += n
	return n, nil
}

func (r *budgetReader) Seek(off int64, whence int) (int64, error) {
	r.seeks++
	if r.seeks > maxParseSeeks || r.read > maxParseRead {
		return 0, errParseBudget
	}
	switch whence {
	case io.SeekCurrent:
		off += r.pos
	case io.SeekEnd:
		off += int64(len(r.b))
	}
	if off < 0 {
		return 0, errors.New("budgetReader: negative position")
	}
	if off < r.pos-1 {
		r.back++
		if r.back > maxParseBack {
			return 0, errParseBudget
		}
	}
	r.pos = off
	return off, nil
}

// Size and Len are as bytes.Reader's.
func (r *budgetReader) Size() int64 { return int64(len(r.b)) }
func (r *budgetReader) Len() int {
	if r.pos >= int64(len(r.b)) {
		return 0
	}
	return int(int64(len(r.b)) - r.pos)
}
