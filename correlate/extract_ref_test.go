package correlate

// This file is a test-only copy of the field extraction as it stood before
// it was rewritten for speed (extract.go at commit 49294ec): the reference
// the differential tests and FuzzExtractMatchesReference compare Extract
// with. Every name carries the prefix ref. Do not change it, except to
// follow a deliberate change of behaviour in extract.go.

import "strings"

// refIsSource is isSource as it stood.
func refIsSource(provider, name string) bool {
	return provider == name || strings.EqualFold(provider, name)
}

// refExtract reads the fields of one event's data strings. It is lenient to the
// variants seen in the field: any spacing around ":" and "=", CRLF or LF line
// ends, redacted values (kept literally), commas inside the reason's message,
// and a message split over several data strings (they are joined with "\n").
// The provider and event id only guide the choice of the ADSync hresult and
// the version string of a 6329 whose last data string is a bare version.
//
// refExtract keeps no state; it allocates only for Text (several data strings)
// and for the Trace, DNs and Anchors slices.
func refExtract(provider string, eventID uint16, data []string) Fields {
	var f Fields
	refExtractInto(&f, provider, eventID, data)
	return f
}

// refExtractInto is Extract writing into f, reusing the backing arrays of
// f.Trace, f.DNs and f.Anchors. f is reset first.
func refExtractInto(f *Fields, provider string, eventID uint16, data []string) {
	*f = Fields{Trace: f.Trace[:0], DNs: f.DNs[:0], Anchors: f.Anchors[:0]}
	switch len(data) {
	case 0:
		return
	case 1:
		f.Text = data[0]
	default:
		f.Text = strings.Join(data, "\n")
	}
	s := f.Text
	head := s[:refHeaderEnd(s)]

	if strings.Contains(head, "TrackingId") || strings.Contains(head, "Context") {
		// A header wrapped across lines (an export that folds long lines)
		// reads as one line.
		refExtractWriteback(f, refUnwrap(head))
	}
	if f.Exception == "" {
		f.Exception = refExceptionType(s)
	}
	if strings.Contains(s, "MMS(") {
		refExtractTrace(f, s)
	}
	if f.HResult == 0 && strings.Contains(s, "0x8") {
		// A code outside a trace line, as in "0x8023061f (The operation …)".
		if hr, text, ok := refBareHResult(s); ok {
			f.HResult, f.HRMessage = hr, text
		}
	}
	if i := strings.Index(s, "AAD anchor"); i >= 0 {
		f.AADAnchor = refAadAnchor(s[i+len("AAD anchor"):])
	}
	if i := strings.Index(s, "Azure AD Sync "); i >= 0 {
		f.SyncVersion = refVersion(s[i+len("Azure AD Sync "):])
	}
	if f.SyncVersion == "" && len(data) > 1 && eventID == 6329 && refIsSource(provider, sourceADSync) {
		if v := strings.TrimSpace(strings.Trim(data[len(data)-1], refQuoteCutset+"\n")); v != "" && refVersion(v) == v {
			f.SyncVersion = v
		}
	}
	if i := strings.Index(s, ".servicebus."); i >= 0 {
		f.Relay = refHostAround(s, i)
	}
	if strings.IndexByte(s, '_') >= 0 {
		f.Endpoint = refGuidPair(s)
	}
	if strings.Contains(s, "Anchor") || strings.Contains(s, "Dn") {
		refExtractDirSync(f, s)
	}
}

// refExtractWriteback reads the PasswordResetService header line(s):
//
//	TrackingId: <id>, <Token>, Details: <upn or Context…>
//	TrackingId: <id>, Reason: <text>, Context: cloudAnchor: …, Details: <exception…>
func refExtractWriteback(f *Fields, head string) {
	if v := refKeyValueLoose(head, "TrackingId"); v >= 0 {
		f.TrackingID = refToken(head[v:])
		rest := head[v+len(f.TrackingID):]
		rest = strings.TrimLeft(rest, " \t")
		if strings.HasPrefix(rest, ",") {
			rest = strings.TrimLeft(rest[1:], " \t")
			if r := refKeyValue(rest, "Reason", ':'); r >= 0 && strings.TrimSpace(rest[:refKeyStart(rest, r)]) == "" {
				reason := rest[r:]
				if c := refContextSplit(reason); c >= 0 {
					reason = reason[:c]
				} else {
					reason = reason[:refLineEnd(reason)]
				}
				f.Reason = strings.TrimSpace(reason)
			} else {
				tok := rest[:refLineEnd(rest)]
				if c := strings.IndexByte(tok, ','); c >= 0 {
					tok = tok[:c]
				}
				tok = strings.TrimSpace(tok)
				if tok != "" && !strings.ContainsAny(tok, ": \t") {
					f.Status = tok
				}
			}
		}
	}
	f.CloudAnchor = refFieldValue(head, "cloudAnchor")
	f.SourceAnchor = refFieldValue(head, "SourceAnchorValue")
	f.UPN = refFieldValue(head, "UserPrincipalName")
	f.AdminUPN = refFieldValue(head, "AdminUpn")
	f.UnblockUser = refFlagValue(refFieldValue(head, "unblockUser"))
	f.ForcePasswordChange = refFlagValue(refFieldValue(head, "ForcePasswordChange"))
	if f.UPN == "" && f.Status != "" {
		// A start event: "Details: <upn>".
		if d := refFieldValue(head, "Details"); d != "" && !strings.ContainsAny(d, " \t:") {
			f.UPN = d
		}
	}
	if h := refKeyValue(head, "hr", '='); h >= 0 {
		if hr, ok := refParseHex32(head[h:]); ok {
			f.HResult = hr
			after := head[h:]
			if m := refKeyValue(after, "message", '='); m >= 0 {
				msg := after[m:]
				if c := refContextSplit(msg); c >= 0 {
					msg = msg[:c]
				} else {
					msg = msg[:refLineEnd(msg)]
				}
				f.HRMessage = strings.TrimSpace(msg)
			}
		}
	}
}

// refExtractTrace reads the ERR_/BAIL lines of s and picks the hresult of the
// last line that carries a failure code. It is lenient to exports that put
// several trace lines on one line (the text of a 6329 flattened into one
// string): a line is split before each "ERR_:" or "BAIL:" that follows a
// blank or a quote.
func refExtractTrace(f *Fields, s string) {
	for len(s) > 0 {
		n := strings.IndexByte(s, '\n')
		line := s
		if n >= 0 {
			line, s = s[:n], s[n+1:]
		} else {
			s = ""
		}
		for line != "" {
			part := line
			if k := refNextTraceStart(line); k > 0 {
				part, line = line[:k], line[k:]
			} else {
				line = ""
			}
			if tl, ok := refParseTraceLine(part); ok {
				f.Trace = append(f.Trace, tl)
			}
		}
	}
	if f.HResult != 0 {
		return
	}
	for i := len(f.Trace) - 1; i >= 0; i-- {
		if t := f.Trace[i]; t.HResult&0x80000000 != 0 {
			f.HResult, f.HRMessage = t.HResult, t.HRText
			return
		}
	}
}

// refNextTraceStart returns the index of the second trace line start in
// line ("ERR_:" or "BAIL:" followed by "MMS(", after a blank or a quote),
// or -1 when line holds at most one.
func refNextTraceStart(line string) int {
	for i := 1; i+5 <= len(line); i++ {
		if line[i] != 'E' && line[i] != 'B' {
			continue
		}
		w := line[i:]
		if !strings.HasPrefix(w, "ERR_") && !strings.HasPrefix(w, "BAIL") {
			continue
		}
		if c := line[i-1]; c != ' ' && c != '\t' && c != '"' && !(c >= 0x80) {
			continue
		}
		rest := strings.TrimLeft(w[4:], " \t")
		if !strings.HasPrefix(rest, ":") || !strings.HasPrefix(strings.TrimLeft(rest[1:], " \t"), "MMS(") {
			continue
		}
		return i
	}
	return -1
}

// refQuoteCutset holds the blanks and the quotes (straight and typographic)
// trimmed around a trace line.
const refQuoteCutset = " \t\r\"\u201c\u201d\u201e\u00ab\u00bb"

// refParseTraceLine parses one trace line; ok is false when line is not one.
func refParseTraceLine(line string) (TraceLine, bool) {
	line = strings.Trim(line, refQuoteCutset)
	var t TraceLine
	switch {
	case strings.HasPrefix(line, "ERR_"):
		t.Kind = "ERR_"
	case strings.HasPrefix(line, "BAIL"):
		t.Kind = "BAIL"
	default:
		return t, false
	}
	rest := strings.TrimLeft(line[4:], " \t")
	if !strings.HasPrefix(rest, ":") {
		return t, false
	}
	rest = strings.TrimLeft(rest[1:], " \t")
	if !strings.HasPrefix(rest, "MMS(") {
		return t, false
	}
	t.Raw = line
	rest = rest[len("MMS("):]
	n, used := refAtoi(rest)
	if used == 0 || used >= len(rest) || rest[used] != ')' {
		return t, false
	}
	t.Thread = n
	rest = refSkipColon(rest[used+1:])
	// <file>(<line>): — the first whitespace-delimited word.
	word := rest
	if sp := strings.IndexAny(word, " \t"); sp >= 0 {
		word = word[:sp]
	}
	if p := strings.LastIndexByte(word, '('); p > 0 && !strings.HasPrefix(word, "0x") {
		if ln, used := refAtoi(word[p+1:]); used > 0 && p+1+used < len(word) && word[p+1+used] == ')' {
			t.File, t.Line = word[:p], ln
			rest = refSkipColon(rest[p+2+used:])
		}
	}
	if strings.HasPrefix(rest, "0x") || strings.HasPrefix(rest, "0X") {
		if hr, ok := refParseHex32(rest); ok && refHexLen(rest[2:]) == 8 {
			t.HResult = hr
			rest = strings.TrimLeft(rest[10:], " \t")
			if strings.HasPrefix(rest, "(") {
				if e := strings.IndexByte(rest, ')'); e > 0 {
					t.HRText = rest[1:e]
					rest = rest[e+1:]
				}
			}
			rest = refSkipColon(rest)
		}
	}
	t.Rest = strings.TrimSpace(rest)
	return t, true
}

// refExtractDirSync reads the Anchor, Dn and Result values of Directory
// Synchronization 656/657 (one user per line, up to 50 lines).
func refExtractDirSync(f *Fields, s string) {
	for i := 0; i < len(s); {
		v := refKeyValue(s[i:], "Anchor", ':')
		if v < 0 {
			break
		}
		v += i
		a := refToken(s[v:])
		if a != "" {
			f.Anchors = append(f.Anchors, a)
		}
		i = v + len(a)
	}
	for i := 0; i < len(s); {
		v := refKeyValue(s[i:], "Dn", ':')
		if v < 0 {
			break
		}
		v += i
		dn := s[v : v+refDnEnd(s[v:])]
		if dn = strings.TrimSpace(dn); dn != "" {
			f.DNs = append(f.DNs, dn)
		}
		i = v + len(dn)
		if len(dn) == 0 {
			i++
		}
	}
	if f.Status == "" && f.TrackingID == "" && len(f.Anchors) > 0 {
		if r := refFieldValue(s, "Result"); r != "" {
			f.Status = strings.TrimRight(r, ". ")
		}
	}
}

// refDnEnd returns the length of the DN at the start of s: it ends at a line end
// or at ", " followed by a key that is not an RDN attribute type (those are
// short upper-case words followed by "=", as in ",OU=" or ", DC=").
func refDnEnd(s string) int {
	end := refLineEnd(s)
	for i := 0; i < end; i++ {
		if s[i] != ',' || (i > 0 && s[i-1] == '\\') {
			continue
		}
		j := i + 1
		if j >= end || (s[j] != ' ' && s[j] != '\t') {
			continue // ",OU=…": inside the DN
		}
		for j < end && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		w := j
		for w < end && refIsLetter(s[w]) {
			w++
		}
		if w > j && w < end && s[w] == '=' && w-j <= 6 && refIsUpperWord(s[j:w]) {
			continue // ", OU=…": inside the DN
		}
		return i
	}
	return end
}

// refHeaderEnd returns the index of the first stack frame line ("   at …") of
// s, or len(s).
func refHeaderEnd(s string) int {
	for i := 0; i < len(s); {
		n := strings.IndexByte(s[i:], '\n')
		if n < 0 {
			break
		}
		i += n
		j := i + 1
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if strings.HasPrefix(s[j:], "at ") {
			return i
		}
		i = j
	}
	return len(s)
}

// refKeyValue finds key in s as a whole word (not preceded by a letter or
// digit), followed by optional blanks and sep, and returns the index of the
// value after sep and its blanks, or -1. Keys compare without ASCII case.
func refKeyValue(s, key string, sep byte) int {
	return refFindKey(s, key, func(j int) int {
		j = refSkipBlanks(s, j)
		if j >= len(s) || s[j] != sep {
			return -1
		}
		return refSkipBlanks(s, j+1)
	})
}

// refKeyValueLoose is keyValue with ':' as separator, or else with blanks
// alone ("UserPrincipalName user@x"): the key must then be followed by at
// least one blank and a value that does not begin with ':' or '='.
func refKeyValueLoose(s, key string) int {
	if v := refKeyValue(s, key, ':'); v >= 0 {
		return v
	}
	return refFindKey(s, key, func(b int) int {
		j := refSkipBlanks(s, b)
		if j == b || j >= len(s) || s[j] == ':' || s[j] == '=' || s[j] == ',' || s[j] == '\r' || s[j] == '\n' {
			return -1
		}
		return j
	})
}

// refFindKey calls value with the index just past each whole-word occurrence
// of key in s (not preceded by a letter or digit; ASCII case ignored), in
// order, and returns the first index value returns that is not -1, or -1.
func refFindKey(s, key string, value func(end int) int) int {
	for i := 0; i+len(key) <= len(s); {
		k := refIndexFold(s[i:], key)
		if k < 0 {
			return -1
		}
		k += i
		i = k + 1
		if k > 0 && refIsWordByte(s[k-1]) {
			continue
		}
		if v := value(k + len(key)); v >= 0 {
			return v
		}
	}
	return -1
}

// refSkipBlanks returns the index of the first byte at or after j in s that is
// not a space or a tab.
func refSkipBlanks(s string, j int) int {
	for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
		j++
	}
	return j
}

// refUnwrap joins the lines of a header into one: each line break, with the
// blanks around it, becomes one space. It returns s itself when s has none.
func refUnwrap(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(strings.TrimRight(s[:i], " \t"))
		s = strings.TrimLeft(s[i:], "\r\n \t")
		if len(s) > 0 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// refKeyStart returns the index where the key whose value starts at v begins:
// it walks back over blanks, the separator and the key's letters.
func refKeyStart(s string, v int) int {
	i := v
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t' || s[i-1] == ':' || s[i-1] == '=') {
		i--
	}
	for i > 0 && refIsWordByte(s[i-1]) {
		i--
	}
	return i
}

// refFieldValue returns the value of "key: value" (or "key value", as some
// exports print it), ending at a comma or line end, trimmed; "" when absent.
func refFieldValue(s, key string) string {
	v := refKeyValueLoose(s, key)
	if v < 0 {
		return ""
	}
	val := s[v:]
	end := refLineEnd(val)
	if c := strings.IndexByte(val[:end], ','); c >= 0 {
		end = c
	}
	return strings.TrimSpace(val[:end])
}

// refContextSplit returns the index of ", Context:" (any blanks) in s before the
// end of its line, or -1.
func refContextSplit(s string) int {
	end := refLineEnd(s)
	for i := 0; i < end; {
		c := strings.IndexByte(s[i:end], ',')
		if c < 0 {
			return -1
		}
		c += i
		j := c + 1
		for j < end && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if v := refKeyValue(s[j:end], "Context", ':'); v >= 0 && refKeyStart(s[j:end], v) == 0 {
			return c
		}
		i = c + 1
	}
	return -1
}

// refExceptionType returns the first identifier ending in "Exception" that is
// followed by ":" or a line end, e.g.
// Microsoft.CredentialManagement.OnPremisesPasswordReset.Shared.PasswordResetException.
func refExceptionType(s string) string {
	const word = "Exception"
	for i := 0; i < len(s); {
		k := strings.Index(s[i:], word)
		if k < 0 {
			return ""
		}
		k += i
		e := k + len(word)
		i = e
		if e < len(s) && s[e] != ':' && s[e] != '\r' && s[e] != '\n' {
			continue
		}
		b := k
		for b > 0 && (refIsWordByte(s[b-1]) || s[b-1] == '.' || s[b-1] == '_') {
			b--
		}
		if b < k {
			return strings.TrimLeft(s[b:e], ".")
		}
	}
	return ""
}

// refBareHResult finds the first "0x8XXXXXXX" code in s that is not part of a
// longer hex run and returns it with the text in parentheses after it.
func refBareHResult(s string) (uint32, string, bool) {
	for i := 0; i < len(s); {
		k := strings.Index(s[i:], "0x8")
		if k < 0 {
			return 0, "", false
		}
		k += i
		i = k + 1
		if k > 0 && refIsWordByte(s[k-1]) {
			continue
		}
		if refHexLen(s[k+2:]) != 8 {
			continue
		}
		hr, _ := refParseHex32(s[k:])
		rest := strings.TrimLeft(s[k+10:], " \t")
		text := ""
		if strings.HasPrefix(rest, "(") {
			if e := strings.IndexByte(rest, ')'); e > 0 {
				text = rest[1:e]
			}
		}
		return hr, text, true
	}
	return 0, "", false
}

// refAadAnchor reads the value after "AAD anchor": "= User_<guid>". A GUID
// anchor is cut at its 36th character, since the version string follows it
// with no separator ("User_…575fAzure AD Sync 2.5.79.0").
func refAadAnchor(s string) string {
	s = strings.TrimLeft(s, " \t")
	if s == "" || (s[0] != '=' && s[0] != ':') {
		return ""
	}
	s = strings.TrimLeft(s[1:], " \t\r\n")
	const prefix = "User_"
	if strings.HasPrefix(s, prefix) && len(s) >= len(prefix)+36 && refIsGUID(s[len(prefix):len(prefix)+36]) {
		return s[:len(prefix)+36]
	}
	v := refToken(s)
	if a := strings.Index(v, "Azure"); a > 0 {
		v = v[:a]
	}
	return strings.TrimRight(v, "\".,\u201c\u201d")
}

// refVersion returns the leading dotted number of s ("2.5.79.0").
func refVersion(s string) string {
	i := 0
	for i < len(s) && (refIsDigit(s[i]) || (s[i] == '.' && i > 0)) {
		i++
	}
	v := strings.TrimRight(s[:i], ".")
	if !strings.Contains(v, ".") {
		return ""
	}
	return v
}

// refHostAround expands s[i] outward over host-name characters.
func refHostAround(s string, i int) string {
	b, e := i, i
	for b > 0 && refIsHostByte(s[b-1]) {
		b--
	}
	for e < len(s) && refIsHostByte(s[e]) {
		e++
	}
	return strings.TrimRight(s[b:e], ".-")
}

// refGuidPair finds the first "<guid>_<guid>" in s.
func refGuidPair(s string) string {
	for i := 0; i < len(s); {
		k := strings.IndexByte(s[i:], '_')
		if k < 0 {
			return ""
		}
		k += i
		i = k + 1
		if k >= 36 && k+37 <= len(s) && refIsGUID(s[k-36:k]) && refIsGUID(s[k+1:k+37]) {
			if k > 36 && refIsHexByte(s[k-37]) {
				continue
			}
			if k+37 < len(s) && refIsHexByte(s[k+37]) {
				continue
			}
			return s[k-36 : k+37]
		}
	}
	return ""
}

// refIsGUID reports whether s is 8-4-4-4-12 hex digits.
func refIsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !refIsHexByte(s[i]) {
				return false
			}
		}
	}
	return true
}

// refToken returns the leading run of s up to a blank, comma, quote
// (straight or typographic) or line end.
func refToken(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n', ',', '"':
			return s[:i]
		case 0xE2: // U+201C, U+201D
			if strings.HasPrefix(s[i:], "\u201c") || strings.HasPrefix(s[i:], "\u201d") {
				return s[:i]
			}
		}
	}
	return s
}

// refLineEnd returns the index of the first CR or LF of s, or len(s).
func refLineEnd(s string) int {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return i
	}
	return len(s)
}

func refSkipColon(s string) string {
	s = strings.TrimLeft(s, " \t")
	if strings.HasPrefix(s, ":") {
		s = strings.TrimLeft(s[1:], " \t")
	}
	return s
}

func refFlagValue(s string) Flag {
	switch {
	case strings.EqualFold(s, "true"):
		return FlagTrue
	case strings.EqualFold(s, "false"):
		return FlagFalse
	}
	return FlagUnset
}

// refParseHex32 parses up to 8 hex digits after an optional 0x.
func refParseHex32(s string) (uint32, bool) {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	n := refHexLen(s)
	if n == 0 || n > 8 {
		return 0, false
	}
	var v uint32
	for i := 0; i < n; i++ {
		v = v<<4 | uint32(refHexVal(s[i]))
	}
	return v, true
}

func refHexLen(s string) int {
	i := 0
	for i < len(s) && refIsHexByte(s[i]) {
		i++
	}
	return i
}

func refHexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// refAtoi parses leading decimal digits; used is 0 when there are none.
func refAtoi(s string) (n, used int) {
	for used < len(s) && refIsDigit(s[used]) && used < 9 {
		n = n*10 + int(s[used]-'0')
		used++
	}
	return n, used
}

// refIndexFold is strings.Index ignoring ASCII case; key must be ASCII. It
// jumps between occurrences of the key's first byte in either case.
func refIndexFold(s, key string) int {
	if len(key) == 0 {
		return 0
	}
	c0, c1 := refLower(key[0]), refUpper(key[0])
	n0, n1 := -2, -2 // next occurrence of c0, c1 at or after i; -2 unknown, -1 none
	for i := 0; i+len(key) <= len(s); {
		if n0 == -2 || (n0 >= 0 && n0 < i) {
			n0 = refNextByte(s, i, c0)
		}
		if c1 == c0 {
			n1 = n0
		} else if n1 == -2 || (n1 >= 0 && n1 < i) {
			n1 = refNextByte(s, i, c1)
		}
		p := n0
		if p < 0 || (n1 >= 0 && n1 < p) {
			p = n1
		}
		if p < 0 || p+len(key) > len(s) {
			return -1
		}
		j := 1
		for j < len(key) && refLower(s[p+j]) == refLower(key[j]) {
			j++
		}
		if j == len(key) {
			return p
		}
		i = p + 1
	}
	return -1
}

// refNextByte returns the index of the first c in s at or after i, or -1.
func refNextByte(s string, i int, c byte) int {
	if k := strings.IndexByte(s[i:], c); k >= 0 {
		return i + k
	}
	return -1
}

func refLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func refUpper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func refIsDigit(c byte) bool    { return c >= '0' && c <= '9' }
func refIsLetter(c byte) bool   { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func refIsWordByte(c byte) bool { return refIsLetter(c) || refIsDigit(c) }
func refIsHexByte(c byte) bool  { return refIsDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func refIsHostByte(c byte) bool { return refIsWordByte(c) || c == '.' || c == '-' }

func refIsUpperWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
