package pseudonym

import (
	"sort"
	"strings"
)

// A Value is a value of a known kind that Replace must find in a text.
type Value struct {
	Kind string // KindUPN, KindComputer, …
	Text string
}

// span is a part of a text to replace.
type span struct {
	start, end int
	kind       string
}

// Replace returns s with every personal value in it replaced by its token.
// It finds by their shape:
//
//   - UPNs and other e-mail-like names: local@domain.tld (KindUPN);
//   - cloud anchors: User_ followed by a GUID (KindCloudAnchor);
//   - SIDs: S-1- followed by at least two numbers separated by "-" (KindSID);
//   - DNs: from a CN=, OU= or DC= that starts a word, the components of
//     RDN attribute types (CN, OU, DC, O, L, ST, C, STREET, UID) separated
//     by ",", at least two of them (KindDN). A component's value may hold
//     white space unless it is the last; the last ends at white space.
//
// and, anywhere in s, each value of known (ignoring case, except for source
// anchors and kinds this package does not know), when it is not part of a
// longer word: a known value is replaced only where the letters or digits
// around it do not continue it. Values that overlap are replaced once: the
// one that starts first, or the longer when two start at the same byte.
// The token of a value found is Token(kind, the text found), so it equals
// the token of the same value held in a column.
func (p *Pseudonymizer) Replace(s string, known ...Value) string {
	spans := findSpans(s, known)
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16*len(spans))
	at := 0
	for _, sp := range spans {
		b.WriteString(s[at:sp.start])
		b.WriteString(p.Token(sp.kind, s[sp.start:sp.end]))
		at = sp.end
	}
	b.WriteString(s[at:])
	return b.String()
}

// findSpans returns the spans to replace in s, in order, not overlapping.
func findSpans(s string, known []Value) []span {
	var spans []span
	hasKnown := false
	for _, v := range known {
		if strings.TrimSpace(v.Text) != "" {
			hasKnown = true
			break
		}
	}
	if !hasKnown && !mayHoldShapes(s) {
		return nil
	}
	lower := asciiLower(s)
	spans = appendUPNs(spans, s)
	spans = appendAnchors(spans, lower)
	spans = appendSIDs(spans, lower)
	spans = appendDNs(spans, s, lower)
	for _, v := range known {
		spans = appendKnown(spans, s, lower, v)
	}
	if len(spans) == 0 {
		return nil
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].start != spans[j].start {
			return spans[i].start < spans[j].start
		}
		return spans[i].end > spans[j].end
	})
	out := spans[:0]
	end := 0
	for _, sp := range spans {
		if sp.start < end {
			continue
		}
		out = append(out, sp)
		end = sp.end
	}
	return out
}

// mayHoldShapes is a quick test: s has a byte every shape needs.
func mayHoldShapes(s string) bool {
	return strings.IndexByte(s, '@') >= 0 || strings.IndexByte(s, '=') >= 0 ||
		strings.IndexByte(s, '_') >= 0 || strings.Contains(s, "-1-")
}

// asciiLower lowers ASCII letters only, so byte offsets are kept.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// wordStart reports whether a word may start at s[i]: it is the first byte
// or follows a byte that is not a letter or digit.
func wordStart(s string, i int) bool { return i == 0 || !isAlnum(s[i-1]) }

// wordEnd reports whether a word may end before s[i].
func wordEnd(s string, i int) bool { return i >= len(s) || !isAlnum(s[i]) }

func isLocalByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\''
}

func isDomainByte(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

// appendUPNs finds local@domain.tld: a local part of letters, digits and
// ._%+-' and a domain of at least two labels whose last has two letters
// or more.
func appendUPNs(spans []span, s string) []span {
	for i := 0; i < len(s); i++ {
		at := strings.IndexByte(s[i:], '@')
		if at < 0 {
			break
		}
		at += i
		i = at
		l := at
		for l > 0 && isLocalByte(s[l-1]) {
			l--
		}
		for l < at && (s[l] == '.' || s[l] == '\'') {
			l++
		}
		r := at + 1
		for r < len(s) && isDomainByte(s[r]) {
			r++
		}
		for r > at+1 && (s[r-1] == '.' || s[r-1] == '-') {
			r--
		}
		if l == at || r == at+1 {
			continue
		}
		dom := s[at+1 : r]
		dot := strings.LastIndexByte(dom, '.')
		if dot <= 0 || len(dom)-dot-1 < 2 {
			continue
		}
		tld := dom[dot+1:]
		ok := true
		for j := 0; j < len(tld); j++ {
			if isDigit(tld[j]) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		spans = append(spans, span{l, r, KindUPN})
		i = r - 1
	}
	return spans
}

// appendAnchors finds User_<GUID> in the lower-cased text.
func appendAnchors(spans []span, lower string) []span {
	const prefix = "user_"
	for i := 0; ; {
		j := strings.Index(lower[i:], prefix)
		if j < 0 {
			return spans
		}
		j += i
		g := j + len(prefix)
		// A GUID has a fixed length: what follows it does not matter
		// (logs run "User_<guid>Azure AD Sync" together).
		if wordStartAnchor(lower, j) && isGUIDAt(lower, g) {
			spans = append(spans, span{j, g + 36, KindCloudAnchor})
			i = g + 36
			continue
		}
		i = j + len(prefix)
	}
}

// wordStartAnchor is wordStart where "_" also continues a word.
func wordStartAnchor(s string, i int) bool {
	return i == 0 || (!isAlnum(s[i-1]) && s[i-1] != '_')
}

// isGUIDAt reports whether s[i:] starts with xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
func isGUIDAt(s string, i int) bool {
	if len(s)-i < 36 {
		return false
	}
	for k := 0; k < 36; k++ {
		c := s[i+k]
		switch k {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

// appendSIDs finds S-1-<n>-<n>[-<n>…] in the lower-cased text.
func appendSIDs(spans []span, lower string) []span {
	for i := 0; ; {
		j := strings.Index(lower[i:], "s-1-")
		if j < 0 {
			return spans
		}
		j += i
		k := j + 4
		groups := 0
		for {
			d := k
			for d < len(lower) && isDigit(lower[d]) {
				d++
			}
			if d == k {
				break
			}
			groups++
			k = d
			if k+1 < len(lower) && lower[k] == '-' && isDigit(lower[k+1]) {
				k++
				continue
			}
			break
		}
		if wordStart(lower, j) && groups >= 2 && wordEnd(lower, k) {
			spans = append(spans, span{j, k, KindSID})
			i = k
			continue
		}
		i = j + 4
	}
}

// rdnTypes are the attribute types accepted in a DN found by its shape.
var rdnTypes = [...]string{"cn", "ou", "dc", "o", "l", "st", "c", "street", "uid"}

// rdnTypeAt returns the end of an RDN attribute type and its "=" at
// lower[i:] (white space allowed before "="), or -1.
func rdnTypeAt(lower string, i int) int {
	j := i
	for j < len(lower) && 'a' <= lower[j] && lower[j] <= 'z' {
		j++
	}
	if j == i {
		return -1
	}
	name := lower[i:j]
	known := false
	for _, t := range rdnTypes {
		if name == t {
			known = true
			break
		}
	}
	if !known {
		return -1
	}
	for j < len(lower) && lower[j] == ' ' {
		j++
	}
	if j >= len(lower) || lower[j] != '=' {
		return -1
	}
	return j + 1
}

// appendDNs finds distinguished names by their shape.
func appendDNs(spans []span, s, lower string) []span {
	for i := 0; i < len(lower); {
		j := strings.IndexByte(lower[i:], '=')
		if j < 0 {
			break
		}
		j += i
		// The type before "=": cn, ou or dc starting a word.
		a := j
		for a > 0 && lower[a-1] == ' ' {
			a--
		}
		t := a
		for t > 0 && 'a' <= lower[t-1] && lower[t-1] <= 'z' {
			t--
		}
		name := lower[t:a]
		if (name == "cn" || name == "ou" || name == "dc") && wordStartAnchor(lower, t) {
			if end := dnEnd(s, lower, t); end > 0 {
				spans = append(spans, span{t, end, KindDN})
				i = end
				continue
			}
		}
		i = j + 1
	}
	return spans
}

// dnEnd returns the end of the DN starting at s[i], or -1 when fewer than
// two components are found there.
func dnEnd(s, lower string, i int) int {
	n, end := 0, -1
	j := i
	for {
		v := rdnTypeAt(lower, j)
		if v < 0 {
			break
		}
		for v < len(s) && s[v] == ' ' {
			v++
		}
		k := v
		for k < len(s) {
			c := s[k]
			if c == '\\' && k+1 < len(s) {
				k += 2
				continue
			}
			if c == ',' || c == '\r' || c == '\n' || c == '"' || c == '<' || c == '>' || c == ';' || c == '\t' {
				break
			}
			k++
		}
		if k < len(s) && s[k] == ',' {
			next := k + 1
			for next < len(s) && s[next] == ' ' {
				next++
			}
			if k > v && rdnTypeAt(lower, next) > 0 {
				n++
				end = k
				j = next
				continue
			}
		}
		// The last component: its value ends at white space.
		if w := strings.IndexAny(s[v:k], " \t"); w >= 0 {
			k = v + w
		}
		for k > v && (s[k-1] == '.' || s[k-1] == ')' || s[k-1] == '\'') {
			k--
		}
		if k > v {
			n++
			end = k
		}
		break
	}
	if n < 2 {
		return -1
	}
	return end
}

// caseSensitive reports whether values of kind are compared with their case.
func caseSensitive(kind string) bool {
	switch kind {
	case KindUPN, KindCloudAnchor, KindComputer, KindDN, KindSID:
		return false
	}
	return true
}

// appendKnown finds every occurrence of v.Text in s that is not part of a
// longer word.
func appendKnown(spans []span, s, lower string, v Value) []span {
	val := strings.TrimSpace(v.Text)
	if val == "" {
		return spans
	}
	hay := s
	if !caseSensitive(v.Kind) {
		hay, val = lower, asciiLower(val)
	}
	for i := 0; ; {
		j := strings.Index(hay[i:], val)
		if j < 0 {
			return spans
		}
		j += i
		e := j + len(val)
		startOK := !isAlnum(val[0]) || wordStart(hay, j)
		endOK := !isAlnum(val[len(val)-1]) || wordEnd(hay, e)
		if startOK && endOK {
			spans = append(spans, span{j, e, v.Kind})
			i = e
			continue
		}
		i = j + 1
	}
}
