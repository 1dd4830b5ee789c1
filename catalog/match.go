package catalog

import (
	"math/bits"
	"slices"
	"strings"
)

// Diagnose returns the most specific cause of the given scope whose
// signature matches the evidence set, and the indices of the evidence that
// matched. ok is false when none does.
//
// Causes are tried by descending specificity, then id; the first with a
// matching signature wins. matched lists, in ascending order, every item
// that satisfies some signature of that cause, including the items that
// satisfy its Requires.
//
// An item's HRESULTs are its HResult field and those written in its text as
// "hr=" or "0x" followed by eight hexadecimal digits; "0x" followed by one
// to four digits (a Win32 code such as 0x6ba) counts in its
// HRESULT_FROM_WIN32 form (0x800706BA).
//
// Diagnose does not decide whether an attempt failed: the fallback
// attempt-incomplete matches any start event, so call it for attempts that
// did not succeed.
func (c *Catalog) Diagnose(scope Scope, ev []Evidence) (cause Cause, matched []int, ok bool) {
	ms := make([]Matches, len(ev))
	for i, e := range ev {
		ms[i] = c.Match(e)
	}
	i, matched, ok := c.diagnose(scope, ms)
	if !ok {
		return Cause{}, nil, false
	}
	return cloneCause(c.causes[i]), matched, true
}

// MaxSignatures is how many signatures (those of Requires included) a
// Catalog may hold: the bits of a Matches. New panics beyond it.
const MaxSignatures = 128

// Matches is what Diagnose looks at in one Evidence: which of the
// catalog's signatures (Requires aside) its source, id, HRESULTs and text
// satisfy, one bit each. It is small and holds no pointer, so a caller can
// keep it instead of the text of every event it may diagnose later.
type Matches struct{ bits [MaxSignatures / 64]uint64 }

func (m *Matches) set(i int)     { m.bits[i/64] |= 1 << (i % 64) }
func (m Matches) has(i int) bool { return m.bits[i/64]&(1<<(i%64)) != 0 }

// Match returns the signatures e satisfies, for DiagnoseMatches. It may
// be called from several goroutines at once.
func (c *Catalog) Match(e Evidence) Matches {
	var m Matches
	it := item{source: e.Source, id: e.EventID, raw: e.Text, hr: e.HResult}
	for i := range c.sigs {
		if c.matchItem(i, &it) {
			m.set(i)
		}
	}
	return m
}

// patternSet finds in one pass which of a few lower-case ASCII patterns
// (at least two bytes each) an ASCII text contains, ignoring case: what
// strings.Contains(strings.ToLower(text), p) says of each, without the
// copy and a pass per pattern.
type patternSet struct {
	pats                 []string
	first, second, third [256]uint64 // the patterns by their first three bytes (third: any byte for two-byte ones)
}

// add returns the index of p in the set, -1 when it cannot hold it.
func (ps *patternSet) add(p string) int {
	if i := slices.Index(ps.pats, p); i >= 0 {
		return i
	}
	if len(p) < 2 || len(ps.pats) == 64 {
		return -1
	}
	for i := 0; i < len(p); i++ {
		if p[i] >= 0x80 || ('A' <= p[i] && p[i] <= 'Z') {
			return -1
		}
	}
	i := len(ps.pats)
	ps.pats = append(ps.pats, p)
	ps.first[p[0]] |= 1 << i
	ps.second[p[1]] |= 1 << i
	if 'a' <= p[0] && p[0] <= 'z' {
		ps.first[p[0]-'a'+'A'] |= 1 << i
	}
	if 'a' <= p[1] && p[1] <= 'z' {
		ps.second[p[1]-'a'+'A'] |= 1 << i
	}
	for b := range 256 {
		if len(p) == 2 || byte(b) == p[2] || ('a' <= p[2] && p[2] <= 'z' && byte(b) == p[2]-'a'+'A') {
			ps.third[b] |= 1 << i
		}
	}
	return i
}

// find returns the patterns text contains; ok is false when text is not
// ASCII (its lower case may differ in more than ASCII letters).
func (ps *patternSet) find(text string) (found uint64, ok bool) {
	if len(text) > 0 && text[len(text)-1] >= 0x80 {
		return 0, false
	}
	for i := 0; i+1 < len(text); i++ {
		if text[i] >= 0x80 {
			return 0, false
		}
		cand := ps.first[text[i]] & ps.second[text[i+1]] &^ found
		if cand == 0 {
			continue
		}
		if i+2 < len(text) {
			cand &= ps.third[text[i+2]]
		}
		for cand != 0 {
			k := bits.TrailingZeros64(cand)
			cand &= cand - 1
			if p := ps.pats[k]; len(text)-i >= len(p) && hasPrefixFold(text[i:], p) {
				found |= 1 << k
			}
		}
	}
	return found, true
}

// hasPrefixFold reports whether ASCII s begins with p, a lower-case ASCII
// string, ignoring case.
func hasPrefixFold(s, p string) bool {
	for j := 0; j < len(p); j++ {
		b := s[j]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if b != p[j] {
			return false
		}
	}
	return true
}

// DiagnoseMatches is Diagnose for evidence reduced by Match: the same
// cause and matched items for the same evidence. It returns the cause's
// id, which Cause looks up.
func (c *Catalog) DiagnoseMatches(scope Scope, ms []Matches) (id string, matched []int, ok bool) {
	i, matched, ok := c.diagnose(scope, ms)
	if !ok {
		return "", nil, false
	}
	return c.causes[i].ID, matched, true
}

// diagnose returns the index in c.causes of the first cause of scope that
// a signature of which matches the set (see Diagnose), and the items used.
func (c *Catalog) diagnose(scope Scope, ms []Matches) (int, []int, bool) {
	if len(ms) == 0 {
		return 0, nil, false
	}
	for i, k := range c.causes {
		if k.Scope != scope {
			continue
		}
		var idx []int
		for _, s := range c.compiled[i] {
			if m, ok := matchSet(s, ms); ok {
				idx = append(idx, m...)
			}
		}
		if idx != nil {
			slices.Sort(idx)
			return i, slices.Compact(idx), true
		}
	}
	return 0, nil, false
}

// A sigNode is one signature of a cause: its bit in Matches and the
// signatures it requires.
type sigNode struct {
	bit      int
	requires []sigNode
}

// compile numbers the signatures s (Source and Patterns lowered) and their
// Requires depth first, appending them to c.sigs.
func (c *Catalog) compile(s []Signature) []sigNode {
	out := make([]sigNode, len(s))
	for i, g := range s {
		if len(c.sigs) == MaxSignatures {
			panic("catalog: more than MaxSignatures signatures; make Matches larger")
		}
		out[i].bit = len(c.sigs)
		c.sigs = append(c.sigs, g)
		pats := make([]int, len(g.Patterns))
		for j, p := range g.Patterns {
			pats[j] = c.pats.add(p)
		}
		c.sigPats = append(c.sigPats, pats)
		out[i].requires = c.compile(g.Requires)
	}
	return out
}

// item is one Evidence being matched; its lower-case text and HRESULTs
// are worked out when a signature first needs them.
type item struct {
	source string
	id     int
	raw    string // the text as given
	hr     uint32

	lowSource string // lower case, once lowDone
	lowDone   bool
	text      string // lower case, once textDone
	textDone  bool
	hrs       []uint32 // hr and those of the text, once hrsDone
	hrsDone   bool
	found     uint64 // the patterns of Catalog.pats in the text, once foundDone
	foundOK   bool   // found is valid: the text is ASCII
	foundDone bool
}

func (it *item) lowerSource() string {
	if !it.lowDone {
		it.lowSource, it.lowDone = strings.ToLower(it.source), true
	}
	return it.lowSource
}

func (it *item) lowerText() string {
	if !it.textDone {
		it.text, it.textDone = strings.ToLower(it.raw), true
	}
	return it.text
}

func (it *item) hresults() []uint32 {
	if !it.hrsDone {
		if it.hr != 0 {
			it.hrs = append(it.hrs, it.hr)
		}
		it.hrs, it.hrsDone = append(it.hrs, scanHResults(it.raw)...), true
	}
	return it.hrs
}

// matchSet reports whether s matches the set and which items it used.
func matchSet(s sigNode, ms []Matches) ([]int, bool) {
	var idx []int
	for i, m := range ms {
		if m.has(s.bit) {
			idx = append(idx, i)
		}
	}
	if idx == nil {
		return nil, false
	}
	for _, r := range s.requires {
		m, ok := matchSet(r, ms)
		if !ok {
			return nil, false
		}
		idx = append(idx, m...)
	}
	return idx, true
}

// lowerSignatures returns a copy of s with Source and Patterns in lower
// case.
func lowerSignatures(s []Signature) []Signature {
	out := cloneSignatures(s)
	for i := range out {
		out[i].Source = strings.ToLower(out[i].Source)
		for j, p := range out[i].Patterns {
			out[i].Patterns[j] = strings.ToLower(p)
		}
		out[i].Requires = lowerSignatures(out[i].Requires)
	}
	return out
}

// matchItem reports whether one item satisfies every field of signature
// i (Requires aside). A signature without any field
// matches nothing.
func (c *Catalog) matchItem(i int, it *item) bool {
	s := &c.sigs[i]
	if s.Source == "" && len(s.EventIDs) == 0 && len(s.HResults) == 0 && len(s.Patterns) == 0 {
		return false
	}
	if len(s.EventIDs) > 0 && !slices.Contains(s.EventIDs, it.id) {
		return false
	}
	if s.Source != "" && s.Source != it.source && s.Source != it.lowerSource() {
		return false
	}
	if len(s.HResults) > 0 && !slices.ContainsFunc(it.hresults(), func(h uint32) bool {
		return slices.Contains(s.HResults, h)
	}) {
		return false
	}
	for j, p := range s.Patterns {
		if k := c.sigPats[i][j]; k >= 0 {
			if !it.foundDone {
				it.found, it.foundOK = c.pats.find(it.raw)
				it.foundDone = true
			}
			if it.foundOK {
				if it.found&(1<<k) == 0 {
					return false
				}
				continue
			}
		}
		if !strings.Contains(it.lowerText(), p) {
			return false
		}
	}
	return true
}

// scanHResults returns the HRESULTs written in text: "hr=" or "0x" (any
// case) followed by exactly eight hexadecimal digits, and "0x" followed by
// one to four digits, taken as a Win32 code. Digits must not be followed
// by another letter or digit.
func scanHResults(text string) []uint32 {
	var out []uint32
	for i := 0; i+2 < len(text); i++ {
		var start int
		switch {
		case text[i] == '0' && (text[i+1] == 'x' || text[i+1] == 'X'):
			start = i + 2
		case i+3 <= len(text) && text[i]|0x20 == 'h' && text[i+1]|0x20 == 'r' && text[i+2] == '=':
			// (strings.EqualFold(text[i:i+3], "hr="): no other rune folds
			// to these letters)
			start = i + 3
		default:
			continue
		}
		if i > 0 && isWordByte(text[i-1]) {
			continue // inside a longer token
		}
		end := start
		for end < len(text) && end-start <= 8 {
			if _, ok := hexDigit(text[end]); !ok {
				break
			}
			end++
		}
		n := end - start
		if n == 0 || n > 8 || (end < len(text) && isWordByte(text[end])) {
			continue
		}
		v, _ := ParseHResult("0x" + text[start:end])
		switch {
		case n == 8:
			out = append(out, v)
		case n <= 4 && text[i] == '0' && v != 0:
			out = append(out, win32HResult(v))
		}
		i = end - 1
	}
	return out
}

func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}
