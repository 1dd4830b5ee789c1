package catalog

import (
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
	if len(ev) == 0 {
		return Cause{}, nil, false
	}
	items := make([]item, len(ev))
	for i, e := range ev {
		items[i] = newItem(e)
	}
	for i, k := range c.causes {
		if k.Scope != scope {
			continue
		}
		var idx []int
		for _, s := range c.lowered[i] {
			if m, ok := matchSet(s, items); ok {
				idx = append(idx, m...)
			}
		}
		if idx != nil {
			slices.Sort(idx)
			return cloneCause(k), slices.Compact(idx), true
		}
	}
	return Cause{}, nil, false
}

// item is one Evidence prepared for matching.
type item struct {
	source string // lower case
	id     int
	hrs    []uint32
	text   string // lower case
}

func newItem(e Evidence) item {
	it := item{source: strings.ToLower(e.Source), id: e.EventID, text: strings.ToLower(e.Text)}
	if e.HResult != 0 {
		it.hrs = append(it.hrs, e.HResult)
	}
	it.hrs = append(it.hrs, scanHResults(e.Text)...)
	return it
}

// matchSet reports whether s matches the set and which items it used.
func matchSet(s Signature, items []item) ([]int, bool) {
	var idx []int
	for i, it := range items {
		if matchItem(s, it) {
			idx = append(idx, i)
		}
	}
	if idx == nil {
		return nil, false
	}
	for _, r := range s.Requires {
		m, ok := matchSet(r, items)
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

// matchItem reports whether one item satisfies every field of s (Requires
// aside); s must come from lowerSignatures. A signature without any field
// matches nothing.
func matchItem(s Signature, it item) bool {
	if s.Source == "" && len(s.EventIDs) == 0 && len(s.HResults) == 0 && len(s.Patterns) == 0 {
		return false
	}
	if s.Source != "" && s.Source != it.source {
		return false
	}
	if len(s.EventIDs) > 0 && !slices.Contains(s.EventIDs, it.id) {
		return false
	}
	if len(s.HResults) > 0 && !slices.ContainsFunc(it.hrs, func(h uint32) bool {
		return slices.Contains(s.HResults, h)
	}) {
		return false
	}
	for _, p := range s.Patterns {
		if !strings.Contains(it.text, p) {
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
		case i+3 <= len(text) && strings.EqualFold(text[i:i+3], "hr="):
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
