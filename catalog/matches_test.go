package catalog

import (
	"slices"
	"strings"
	"testing"
)

// diagnoseRef is Diagnose as it was before Matches: every signature
// matched against every item's text at each call. It is the reference of
// TestDiagnoseMatches.
func diagnoseRef(c *Catalog, scope Scope, ev []Evidence) (string, []int, bool) {
	type refItem struct {
		source string
		id     int
		hrs    []uint32
		text   string
	}
	items := make([]refItem, len(ev))
	for i, e := range ev {
		items[i] = refItem{source: strings.ToLower(e.Source), id: e.EventID, text: strings.ToLower(e.Text)}
		if e.HResult != 0 {
			items[i].hrs = append(items[i].hrs, e.HResult)
		}
		items[i].hrs = append(items[i].hrs, scanHResults(e.Text)...)
	}
	one := func(s Signature, it refItem) bool {
		if s.Source == "" && len(s.EventIDs) == 0 && len(s.HResults) == 0 && len(s.Patterns) == 0 {
			return false
		}
		if (s.Source != "" && s.Source != it.source) || (len(s.EventIDs) > 0 && !slices.Contains(s.EventIDs, it.id)) {
			return false
		}
		if len(s.HResults) > 0 && !slices.ContainsFunc(it.hrs, func(h uint32) bool { return slices.Contains(s.HResults, h) }) {
			return false
		}
		for _, p := range s.Patterns {
			if !strings.Contains(it.text, p) {
				return false
			}
		}
		return true
	}
	var set func(s Signature) ([]int, bool)
	set = func(s Signature) ([]int, bool) {
		var idx []int
		for i, it := range items {
			if one(s, it) {
				idx = append(idx, i)
			}
		}
		if idx == nil {
			return nil, false
		}
		for _, r := range s.Requires {
			m, ok := set(r)
			if !ok {
				return nil, false
			}
			idx = append(idx, m...)
		}
		return idx, true
	}
	if len(ev) == 0 {
		return "", nil, false
	}
	for _, k := range c.causes {
		if k.Scope != scope {
			continue
		}
		var idx []int
		for _, s := range lowerSignatures(k.Signatures) {
			if m, ok := set(s); ok {
				idx = append(idx, m...)
			}
		}
		if idx != nil {
			slices.Sort(idx)
			return k.ID, slices.Compact(idx), true
		}
	}
	return "", nil, false
}

// TestDiagnoseMatches checks that Diagnose, and DiagnoseMatches on the
// evidence reduced by Match, name the cause and the items diagnoseRef
// names, for every case of TestDiagnose in both scopes, the least evidence
// of every signature, and pairs of them.
func TestDiagnoseMatches(t *testing.T) {
	c := New()
	sets := [][]Evidence{nil}
	for _, tc := range diagnoseCases {
		sets = append(sets, tc.ev)
	}
	for _, k := range c.Causes() {
		for _, s := range k.Signatures {
			sets = append(sets, synthesize(s))
		}
	}
	for i := 1; i+1 < len(diagnoseCases); i += 3 {
		sets = append(sets, append(slices.Clone(sets[i]), sets[len(sets)-i]...))
	}
	for i, ev := range sets {
		ms := make([]Matches, len(ev))
		for j, e := range ev {
			ms[j] = c.Match(e)
		}
		for _, scope := range []Scope{ScopeAttempt, ScopeService} {
			want, wm, wok := diagnoseRef(c, scope, ev)
			k, m, ok := c.Diagnose(scope, ev)
			id, m2, ok2 := c.DiagnoseMatches(scope, ms)
			if ok != wok || k.ID != want || !slices.Equal(m, wm) || ok2 != wok || id != want || !slices.Equal(m2, wm) {
				t.Errorf("set %d, %s: want %q %v %v; Diagnose %q %v %v; DiagnoseMatches %q %v %v", i, scope, want, wm, wok, k.ID, m, ok, id, m2, ok2)
			}
		}
	}
}

// TestMatchesRoom checks that the catalog's signatures fit in Matches.
func TestMatchesRoom(t *testing.T) {
	if n := len(New().sigs); n == 0 || n > MaxSignatures {
		t.Errorf("%d signatures, room for %d", n, MaxSignatures)
	}
}

// TestPatternSet checks find against strings.Contains of the lower-case
// text, pattern by pattern.
func TestPatternSet(t *testing.T) {
	var ps patternSet
	pats := []string{"clock skew", "ad object is not present", "0x6ba", "aa", "aab", "ÿx", "x"}
	idx := make([]int, len(pats))
	for i, p := range pats {
		idx[i] = ps.add(p)
	}
	if idx[5] != -1 || idx[6] != -1 || ps.add("clock skew") != idx[0] {
		t.Fatalf("indexes %v", idx)
	}
	for _, text := range []string{
		"", "a", "CLOCK SKEW", "the Clock Skew is too great", "AD Object Is Not Present.", "clock ske", "Failed: 0x6BA",
		"aaab", "xaab", "aAB", "Ωclock skew", "clock skewclock skew",
	} {
		found, ok := ps.find(text)
		if !ok {
			if isASCII(text) {
				t.Errorf("%q: not ASCII?", text)
			}
			continue
		}
		for i, p := range pats {
			if idx[i] < 0 {
				continue
			}
			if got, want := found&(1<<idx[i]) != 0, strings.Contains(strings.ToLower(text), p); got != want {
				t.Errorf("%q contains %q: %v, want %v", text, p, got, want)
			}
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// FuzzPatternSet checks find against strings.Contains of the lower-case
// text for the catalog's patterns.
func FuzzPatternSet(f *testing.F) {
	f.Add("An unexpected error: Clock Skew; AD object is NOT present; 0x6Ba")
	c := New()
	f.Fuzz(func(t *testing.T, text string) {
		found, ok := c.pats.find(text)
		if !ok {
			if isASCII(text) {
				t.Fatalf("%q: ASCII, but not ok", text)
			}
			return
		}
		for k, p := range c.pats.pats {
			if got, want := found&(1<<k) != 0, strings.Contains(strings.ToLower(text), p); got != want {
				t.Fatalf("%q contains %q: %v, want %v", text, p, got, want)
			}
		}
	})
}
