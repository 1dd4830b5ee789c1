package correlate

import "strings"

// Flag is a boolean read from a message that may not carry it.
// Its zero value, FlagUnset, means the key was absent.
type Flag uint8

// Values of a Flag.
const (
	FlagUnset Flag = iota
	FlagFalse
	FlagTrue
)

// Value reports the flag's value and whether the message carried it.
func (f Flag) Value() (v, ok bool) { return f == FlagTrue, f != FlagUnset }

// String returns "", "False" or "True".
func (f Flag) String() string {
	switch f {
	case FlagTrue:
		return "True"
	case FlagFalse:
		return "False"
	}
	return ""
}

// A TraceLine is one line of the synchronization engine's trace that ADSync
// 6329 carries:
//
//	(ERR_|BAIL): MMS(<n>): <file>(<line>): [0x<8 hex> (<text>)][: ]<rest>
//
// Parts the line lacks are left zero.
type TraceLine struct {
	Kind    string // "ERR_" or "BAIL"
	Thread  int    // the number in MMS(n)
	File    string // source file as logged, e.g. ..\ObjectSearcher.cpp
	Line    int    // source line
	HResult uint32 // the bracketed 0x… code, 0 when none
	HRText  string // the text in parentheses after the code
	Rest    string // what follows, without a closing quote
	Raw     string // the whole line, trimmed
}

// Fields holds what Extract reads from the data strings of one event.
// Strings are substrings of the input (or of Text); nothing is copied,
// except that the fields of a PasswordResetService header wrapped across
// lines are read from a copy with its line breaks folded into spaces.
// Absent parts are left zero.
type Fields struct {
	// PasswordResetService.
	TrackingID   string // the TrackingId (the Entra audit log's CorrelationId)
	Status       string // literal token after the TrackingId (PasswordResetRequestStart, …); for Directory Synchronization 657 the first "Result:" value
	Reason       string // failure reason, up to ", Context:" (it may hold commas)
	CloudAnchor  string // cloudAnchor: User_<object id>
	SourceAnchor string // SourceAnchorValue: base64 ImmutableId
	UPN          string // UserPrincipalName, or the Details of a start event
	AdminUPN     string // AdminUpn of an admin reset
	// UnblockUser of a reset; ForcePasswordChange of an admin reset.
	UnblockUser, ForcePasswordChange Flag
	HResult                          uint32 // hr=… of the reason; for ADSync the last bracketed code of the trace
	HRMessage                        string // message=… of the reason; for ADSync the code's text
	Exception                        string // type name of the first exception, e.g. …PasswordResetException

	// ADSync.
	Trace       []TraceLine // ERR_/BAIL lines in order
	AADAnchor   string      // "AAD anchor = User_<guid>" of 6329
	SyncVersion string      // "Azure AD Sync <version>"

	// Heartbeats and Service Bus events.
	Relay    string // <namespace>.servicebus.<cloud domain>
	Endpoint string // <guid>_<guid>

	// Directory Synchronization 656/657 (one entry per user line).
	DNs     []string
	Anchors []string

	// Text is the data strings joined with "\n" (the only string Extract
	// may allocate; a single data string is used as is).
	Text string
}

// Extract reads the fields of one event's data strings. It is lenient to the
// variants seen in the field: any spacing around ":" and "=", CRLF or LF line
// ends, redacted values (kept literally), commas inside the reason's message,
// and a message split over several data strings (they are joined with "\n").
// The provider and event id only guide the choice of the ADSync hresult and
// the version string of a 6329 whose last data string is a bare version.
//
// Extract keeps no state; it allocates only for Text (several data strings)
// and for the Trace, DNs and Anchors slices.
func Extract(provider string, eventID uint16, data []string) Fields {
	var f Fields
	ExtractInto(&f, provider, eventID, data)
	return f
}

// ExtractInto is Extract writing into f, reusing the backing arrays of
// f.Trace, f.DNs and f.Anchors. f is reset first.
func ExtractInto(f *Fields, provider string, eventID uint16, data []string) {
	*f = Fields{Trace: f.Trace[:0], DNs: f.DNs[:0], Anchors: f.Anchors[:0]}
	extract(f, provider, eventID, data)
}

// extract is ExtractInto on a reset f. It runs on the decoding goroutines
// for every event the correlator reads (Prepare), so it avoids whole-text
// scans per field: the header's keys come from one pass over the header
// (headKeys), the 656/657 keys from the colons (sepKey), and each pattern
// searched in the whole text is found from its rarest byte, or skipped
// when a byte it needs is absent. The Fields are those of the simpler
// implementation it replaced, kept in extract_ref_test.go, which the
// differential tests and FuzzExtractMatchesReference compare it with.
func extract(f *Fields, provider string, eventID uint16, data []string) {
	switch len(data) {
	case 0:
		return
	case 1:
		f.Text = data[0]
	default:
		f.Text = strings.Join(data, "\n")
	}
	s := f.Text
	if len(data) == 1 && startHeader(f, s) {
		// The whole text is the header of a start event: what the rest
		// reads of it comes from the parts alone.
		extractStartRest(f, s)
		return
	}
	head := s[:headerEnd(s)]

	if strings.Contains(head, "TrackingId") || strings.Contains(head, "Context") {
		// A header wrapped across lines (an export that folds long lines)
		// reads as one line.
		extractWriteback(f, unwrap(head))
	}
	// "Exception" and "0x8" both hold an "x", which most texts lack.
	x := strings.IndexByte(s, 'x')
	if f.Exception == "" && x >= 0 {
		f.Exception = exceptionType(s)
	}
	if strings.Contains(s, "MMS(") {
		extractTrace(f, s)
	}
	if f.HResult == 0 && x >= 0 && index0x8(s[max(x-1, 0):]) >= 0 {
		// A code outside a trace line, as in "0x8023061f (The operation …)".
		if hr, text, ok := bareHResult(s); ok {
			f.HResult, f.HRMessage = hr, text
		}
	}
	// "AAD anchor", "Azure AD Sync " and the "Anchor" of a 656/657 all
	// begin at or after the first "A".
	a := strings.IndexByte(s, 'A')
	if a >= 0 {
		if i := strings.Index(s[a:], "AAD anchor"); i >= 0 {
			f.AADAnchor = aadAnchor(s[a+i+len("AAD anchor"):])
		}
		if i := strings.Index(s[a:], "Azure AD Sync "); i >= 0 {
			f.SyncVersion = version(s[a+i+len("Azure AD Sync "):])
		}
	}
	if f.SyncVersion == "" && len(data) > 1 && eventID == 6329 && isSource(provider, sourceADSync) {
		if v := strings.TrimSpace(strings.Trim(data[len(data)-1], quoteCutset+"\n")); v != "" && version(v) == v {
			f.SyncVersion = v
		}
	}
	if i := strings.Index(s, ".servicebus."); i >= 0 {
		f.Relay = hostAround(s, i)
	}
	f.Endpoint = guidPair(s)
	if (a >= 0 && strings.Contains(s[a:], "Anchor")) || strings.Contains(s, "Dn") {
		extractDirSync(f, s)
	}
}

// extractStartRest is what extract reads, besides the header, from a
// text s that is all one start header (startHeader): of the searches
// after extractWriteback only those whose pattern the shape's parts may
// hold. The others find nothing in it: "MMS(" needs a "(", "AAD anchor"
// and "Azure AD Sync " a blank after a letter, and a 656/657 key a colon
// after "Anchor" or "Dn", none of which the shape has; and with one data
// string there is no bare version. A relay host and a GUID pair can only
// lie in the <upn> (f.UPN, at the end of s): the other parts hold no "."
// or "_", and the byte before the <upn> is a blank, which ends a host name
// and is no hex digit.
func extractStartRest(f *Fields, s string) {
	if x := strings.IndexByte(s, 'x'); x >= 0 {
		f.Exception = exceptionType(s)
		// f.HResult is 0: the header of this shape has no hr=.
		if index0x8(s[max(x-1, 0):]) >= 0 {
			if hr, text, ok := bareHResult(s); ok {
				f.HResult, f.HRMessage = hr, text
			}
		}
	}
	u := f.UPN
	if len(u) >= len(".servicebus.") {
		if i := strings.Index(u, ".servicebus."); i >= 0 {
			f.Relay = hostAround(u, i)
		}
	}
	if len(u) >= 73 {
		f.Endpoint = guidPair(u)
	}
}

// index0x8 is strings.Index(s, "0x8"), found from the "x", which is much
// rarer than the "0" in texts full of GUIDs.
func index0x8(s string) int {
	for i := 1; i+1 < len(s); {
		k := strings.IndexByte(s[i:len(s)-1], 'x')
		if k < 0 {
			return -1
		}
		k += i
		if s[k-1] == '0' && s[k+1] == '8' {
			return k - 1
		}
		i = k + 1
	}
	return -1
}

// extractWriteback reads the PasswordResetService header line(s):
//
//	TrackingId: <id>, <Token>, Details: <upn or Context…>
//	TrackingId: <id>, Reason: <text>, Context: cloudAnchor: …, Details: <exception…>
func extractWriteback(f *Fields, head string) {
	// head has no line breaks (see unwrap): every value ends at the end of
	// head at the latest. Each key is looked up among the positions one
	// pass over head found for it.
	var x headKeys
	x.scan(head)
	if v := x.loose(hkTrackingID); v >= 0 {
		f.TrackingID = token(head[v:])
		p := skipBlanks(head, v+len(f.TrackingID))
		if p < len(head) && head[p] == ',' {
			p = skipBlanks(head, p+1)
			rest := head[p:]
			if r := x.value(hkReason, p, ':'); r >= 0 && strings.TrimSpace(rest[:keyStart(rest, r-p)]) == "" {
				reason := head[r:]
				if c := x.contextSplit(r); c >= 0 {
					reason = head[r:c]
				}
				f.Reason = strings.TrimSpace(reason)
			} else {
				tok := rest
				if c := strings.IndexByte(tok, ','); c >= 0 {
					tok = tok[:c]
				}
				tok = strings.TrimSpace(tok)
				if tok != "" && !hasBlankOrColon(tok) {
					f.Status = tok
				}
			}
		}
	}
	f.CloudAnchor = x.field(hkCloudAnchor)
	f.SourceAnchor = x.field(hkSourceAnchor)
	f.UPN = x.field(hkUPN)
	f.AdminUPN = x.field(hkAdminUPN)
	f.UnblockUser = flagValue(x.field(hkUnblockUser))
	f.ForcePasswordChange = flagValue(x.field(hkForcePasswordChange))
	if f.UPN == "" && f.Status != "" {
		// A start event: "Details: <upn>".
		if d := x.field(hkDetails); d != "" && !hasBlankOrColon(d) {
			f.UPN = d
		}
	}
	if h := x.value(hkHR, 0, '='); h >= 0 {
		if hr, ok := parseHex32(head[h:]); ok {
			f.HResult = hr
			if m := x.value(hkMessage, h, '='); m >= 0 {
				msg := head[m:]
				if c := x.contextSplit(m); c >= 0 {
					msg = head[m:c]
				}
				f.HRMessage = strings.TrimSpace(msg)
			}
		}
	}
}

// startHeader reads a header of the one shape a start event (31001 and
// the like) writes,
//
//	TrackingId: <id>, <Token>, Details: <upn>
//
// with <id> of ASCII letters, digits and "-", <Token> of ASCII letters
// (not a key of headKeyName) and <upn> of ASCII letters, digits and
// ".@_-+", all three non-empty, and every separator exactly as shown. It
// reports false, setting nothing, for any other header. On this shape the
// general reading of extractWriteback gives exactly these three fields and
// leaves the others zero: no key can take a value from the three parts,
// since a value needs a blank, ":" or "=" after its key and none of them
// holds one, and the header holds no other key.
func startHeader(f *Fields, head string) bool {
	const (
		keyTID     = "TrackingId: "
		keyDetails = ", Details: "
	)
	if len(head) < len(keyTID) || head[:len(keyTID)] != keyTID {
		return false
	}
	i := len(keyTID)
	t := i
	for i < len(head) && (isWordByte(head[i]) || head[i] == '-') {
		i++
	}
	if i == t || i+2 > len(head) || head[i] != ',' || head[i+1] != ' ' {
		return false
	}
	tid := head[t:i]
	i += 2
	st := i
	for i < len(head) && isLetter(head[i]) {
		i++
	}
	if i == st || !strings.HasPrefix(head[i:], keyDetails) {
		return false
	}
	status := head[st:i]
	if headKeyOf(status) >= 0 {
		return false
	}
	i += len(keyDetails)
	u := i
	for ; i < len(head); i++ {
		if c := head[i]; !isWordByte(c) && c != '.' && c != '@' && c != '_' && c != '-' && c != '+' {
			return false
		}
	}
	if i == u {
		return false
	}
	f.TrackingID, f.Status, f.UPN = tid, status, head[u:]
	return true
}

// extractTrace reads the ERR_/BAIL lines of s and picks the hresult of the
// last line that carries a failure code. It is lenient to exports that put
// several trace lines on one line (the text of a 6329 flattened into one
// string): a line is split before each "ERR_:" or "BAIL:" that follows a
// blank or a quote.
func extractTrace(f *Fields, s string) {
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
			if k := nextTraceStart(line); k > 0 {
				part, line = line[:k], line[k:]
			} else {
				line = ""
			}
			if tl, ok := parseTraceLine(part); ok {
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

// nextTraceStart returns the index of the second trace line start in
// line ("ERR_:" or "BAIL:" followed by "MMS(", after a blank or a quote),
// or -1 when line holds at most one.
func nextTraceStart(line string) int {
	// The first start after an "E" and the first after a "B": the
	// earlier of the two.
	e, b := traceStartAt(line, 'E'), traceStartAt(line, 'B')
	if e < 0 || (b >= 0 && b < e) {
		return b
	}
	return e
}

// traceStartAt returns the first index i > 0 of line where a trace line
// starting with c ('E' for ERR_, 'B' for BAIL) begins, as nextTraceStart
// counts them, or -1.
func traceStartAt(line string, c byte) int {
	word := "ERR_"
	if c == 'B' {
		word = "BAIL"
	}
	for i := 1; i+5 <= len(line); {
		k := strings.IndexByte(line[i:len(line)-4], c)
		if k < 0 {
			return -1
		}
		i += k
		w := line[i:]
		if strings.HasPrefix(w, word) {
			if p := line[i-1]; p == ' ' || p == '\t' || p == '"' || p >= 0x80 {
				if rest := trimBlanks(w[4:]); strings.HasPrefix(rest, ":") && strings.HasPrefix(trimBlanks(rest[1:]), "MMS(") {
					return i
				}
			}
		}
		i++
	}
	return -1
}

// trimBreaks is strings.TrimLeft(s, "\r\n \t").
func trimBreaks(s string) string {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return s[i:]
}

// hasBlankOrColon is strings.ContainsAny(s, " \t:").
func hasBlankOrColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\t' || s[i] == ':' {
			return true
		}
	}
	return false
}

// trimBlanks is strings.TrimLeft(s, " \t").
func trimBlanks(s string) string {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return s[i:]
}

// trimQuotes is strings.Trim(s, quoteCutset), without decoding runes.
func trimQuotes(s string) string {
left:
	for len(s) > 0 {
		switch c := s[0]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '"':
			s = s[1:]
		case c == 0xE2 && (strings.HasPrefix(s, "\u201c") || strings.HasPrefix(s, "\u201d") || strings.HasPrefix(s, "\u201e")):
			s = s[3:]
		case c == 0xC2 && (strings.HasPrefix(s, "\u00ab") || strings.HasPrefix(s, "\u00bb")):
			s = s[2:]
		default:
			break left
		}
	}
	for len(s) > 0 {
		switch c := s[len(s)-1]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '"':
			s = s[:len(s)-1]
		case strings.HasSuffix(s, "\u201c") || strings.HasSuffix(s, "\u201d") || strings.HasSuffix(s, "\u201e"):
			s = s[:len(s)-3]
		case strings.HasSuffix(s, "\u00ab") || strings.HasSuffix(s, "\u00bb"):
			s = s[:len(s)-2]
		default:
			return s
		}
	}
	return s
}

// quoteCutset holds the blanks and the quotes (straight and typographic)
// trimmed around a trace line.
const quoteCutset = " \t\r\"\u201c\u201d\u201e\u00ab\u00bb"

// parseTraceLine parses one trace line; ok is false when line is not one.
func parseTraceLine(line string) (TraceLine, bool) {
	line = trimQuotes(line)
	var t TraceLine
	switch {
	case strings.HasPrefix(line, "ERR_"):
		t.Kind = "ERR_"
	case strings.HasPrefix(line, "BAIL"):
		t.Kind = "BAIL"
	default:
		return t, false
	}
	rest := trimBlanks(line[4:])
	if !strings.HasPrefix(rest, ":") {
		return t, false
	}
	rest = trimBlanks(rest[1:])
	if !strings.HasPrefix(rest, "MMS(") {
		return t, false
	}
	t.Raw = line
	rest = rest[len("MMS("):]
	n, used := atoi(rest)
	if used == 0 || used >= len(rest) || rest[used] != ')' {
		return t, false
	}
	t.Thread = n
	rest = skipColon(rest[used+1:])
	// <file>(<line>): — the first whitespace-delimited word.
	word := rest
	for i := 0; i < len(word); i++ {
		if word[i] == ' ' || word[i] == '\t' {
			word = word[:i]
			break
		}
	}
	if p := strings.LastIndexByte(word, '('); p > 0 && !strings.HasPrefix(word, "0x") {
		if ln, used := atoi(word[p+1:]); used > 0 && p+1+used < len(word) && word[p+1+used] == ')' {
			t.File, t.Line = word[:p], ln
			rest = skipColon(rest[p+2+used:])
		}
	}
	if strings.HasPrefix(rest, "0x") || strings.HasPrefix(rest, "0X") {
		if hr, ok := parseHex32(rest); ok && hexLen(rest[2:]) == 8 {
			t.HResult = hr
			rest = trimBlanks(rest[10:])
			if strings.HasPrefix(rest, "(") {
				if e := strings.IndexByte(rest, ')'); e > 0 {
					t.HRText = rest[1:e]
					rest = rest[e+1:]
				}
			}
			rest = skipColon(rest)
		}
	}
	t.Rest = strings.TrimSpace(rest)
	return t, true
}

// extractDirSync reads the Anchor, Dn and Result values of Directory
// Synchronization 656/657 (one user per line, up to 50 lines).
func extractDirSync(f *Fields, s string) {
	// The first of each key from one pass over the colons; the rest (656
	// and 657 only) key by key.
	va, vd := firstAnchorDn(s)
	for v := va; v >= 0; {
		a := token(s[v:])
		if a != "" {
			f.Anchors = append(f.Anchors, a)
		}
		i := v + len(a)
		if i >= len(s) {
			break
		}
		v = sepKey(s, i, "Anchor", ':')
	}
	for v := vd; v >= 0; {
		dn := s[v : v+dnEnd(s[v:])]
		if dn = strings.TrimSpace(dn); dn != "" {
			f.DNs = append(f.DNs, dn)
		}
		i := v + len(dn)
		if len(dn) == 0 {
			i++
		}
		if i >= len(s) {
			break
		}
		v = sepKey(s, i, "Dn", ':')
	}
	if f.Status == "" && f.TrackingID == "" && len(f.Anchors) > 0 {
		if r := fieldValue(s, "Result"); r != "" {
			f.Status = strings.TrimRight(r, ". ")
		}
	}
}

// dnEnd returns the length of the DN at the start of s: it ends at a line end
// or at ", " followed by a key that is not an RDN attribute type (those are
// short upper-case words followed by "=", as in ",OU=" or ", DC=").
func dnEnd(s string) int {
	end := lineEnd(s)
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
		for w < end && isLetter(s[w]) {
			w++
		}
		if w > j && w < end && s[w] == '=' && w-j <= 6 && isUpperWord(s[j:w]) {
			continue // ", OU=…": inside the DN
		}
		return i
	}
	return end
}

// headerEnd returns the index of the first stack frame line ("   at …") of
// s, or len(s).
func headerEnd(s string) int {
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

// sepKey is keyValue(s[from:], key, sep) + from, or -1, found from the
// separators rather than from the key: each key keyValue accepts ends,
// after optional blanks, at a sep, so it is the run of letters and digits
// before one (the whole run, and not following a letter or digit unless it
// starts at from). It costs little when sep is rare in s.
func sepKey(s string, from int, key string, sep byte) int {
	for i := from; i < len(s); {
		q := strings.IndexByte(s[i:], sep)
		if q < 0 {
			return -1
		}
		q += i
		i = q + 1
		e := q
		for e > from && (s[e-1] == ' ' || s[e-1] == '\t') {
			e--
		}
		b := e - len(key)
		if b < from || (b > from && isWordByte(s[b-1])) || !equalFoldASCII(s[b:e], key) {
			continue
		}
		return skipBlanks(s, q+1)
	}
	return -1
}

// firstAnchorDn returns sepKey(s, 0, "Anchor", ':') and
// sepKey(s, 0, "Dn", ':') from one pass over the colons of s.
func firstAnchorDn(s string) (anchor, dn int) {
	anchor, dn = -1, -1
	for i := 0; i < len(s) && (anchor < 0 || dn < 0); {
		q := strings.IndexByte(s[i:], ':')
		if q < 0 {
			break
		}
		q += i
		i = q + 1
		e := q
		for e > 0 && (s[e-1] == ' ' || s[e-1] == '\t') {
			e--
		}
		// The run of letters and digits before e must be the key: its
		// last bytes, not following a letter or digit.
		switch {
		case anchor < 0 && e >= 6 && equalFoldLower(s[e-6:e], "anchor") && (e == 6 || !isWordByte(s[e-7])):
			anchor = skipBlanks(s, q+1)
		case dn < 0 && e >= 2 && equalFoldLower(s[e-2:e], "dn") && (e == 2 || !isWordByte(s[e-3])):
			dn = skipBlanks(s, q+1)
		}
	}
	return anchor, dn
}

// keyValue finds key in s as a whole word (not preceded by a letter or
// digit), followed by optional blanks and sep, and returns the index of the
// value after sep and its blanks, or -1. Keys compare without ASCII case.
func keyValue(s, key string, sep byte) int {
	return findKey(s, key, func(j int) int {
		j = skipBlanks(s, j)
		if j >= len(s) || s[j] != sep {
			return -1
		}
		return skipBlanks(s, j+1)
	})
}

// keyValueLoose is keyValue with ':' as separator, or else with blanks
// alone ("UserPrincipalName user@x"): the key must then be followed by at
// least one blank and a value that does not begin with ':' or '='.
func keyValueLoose(s, key string) int {
	if v := keyValue(s, key, ':'); v >= 0 {
		return v
	}
	return findKey(s, key, func(b int) int {
		j := skipBlanks(s, b)
		if j == b || j >= len(s) || s[j] == ':' || s[j] == '=' || s[j] == ',' || s[j] == '\r' || s[j] == '\n' {
			return -1
		}
		return j
	})
}

// findKey calls value with the index just past each whole-word occurrence
// of key in s (not preceded by a letter or digit; ASCII case ignored), in
// order, and returns the first index value returns that is not -1, or -1.
func findKey(s, key string, value func(end int) int) int {
	for i := 0; i+len(key) <= len(s); {
		k := indexFold(s[i:], key)
		if k < 0 {
			return -1
		}
		k += i
		i = k + 1
		if k > 0 && isWordByte(s[k-1]) {
			continue
		}
		if v := value(k + len(key)); v >= 0 {
			return v
		}
	}
	return -1
}

// skipBlanks returns the index of the first byte at or after j in s that is
// not a space or a tab.
func skipBlanks(s string, j int) int {
	for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
		j++
	}
	return j
}

// unwrap joins the lines of a header into one: each line break, with the
// blanks around it, becomes one space. It returns s itself when s has none.
func unwrap(s string) string {
	i := lineEnd(s)
	if i == len(s) {
		return s
	}
	if trimBreaks(s[i:]) == "" {
		// Only blanks and line breaks follow the first line break (the
		// CR before the stack of a CRLF text): the first line, with no
		// copy.
		return strings.TrimRight(s[:i], " \t")
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

// keyStart returns the index where the key whose value starts at v begins:
// it walks back over blanks, the separator and the key's letters.
func keyStart(s string, v int) int {
	i := v
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t' || s[i-1] == ':' || s[i-1] == '=') {
		i--
	}
	for i > 0 && isWordByte(s[i-1]) {
		i--
	}
	return i
}

// fieldValue returns the value of "key: value" (or "key value", as some
// exports print it), ending at a comma or line end, trimmed; "" when absent.
func fieldValue(s, key string) string {
	v := keyValueLoose(s, key)
	if v < 0 {
		return ""
	}
	val := s[v:]
	end := lineEnd(val)
	if c := strings.IndexByte(val[:end], ','); c >= 0 {
		end = c
	}
	return strings.TrimSpace(val[:end])
}

// contextSplit returns the index of ", Context:" (any blanks) in s before the
// end of its line, or -1.
func contextSplit(s string) int {
	end := lineEnd(s)
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
		if v := keyValue(s[j:end], "Context", ':'); v >= 0 && keyStart(s[j:end], v) == 0 {
			return c
		}
		i = c + 1
	}
	return -1
}

// exceptionType returns the first identifier ending in "Exception" that is
// followed by ":" or a line end, e.g.
// Microsoft.CredentialManagement.OnPremisesPasswordReset.Shared.PasswordResetException.
func exceptionType(s string) string {
	const word = "Exception"
	for i := 0; i < len(s); {
		k := indexException(s[i:])
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
		for b > 0 && (isWordByte(s[b-1]) || s[b-1] == '.' || s[b-1] == '_') {
			b--
		}
		if b < k {
			return strings.TrimLeft(s[b:e], ".")
		}
	}
	return ""
}

// indexException is strings.Index(s, "Exception"), found from the
// "xception", whose "x" is rarer than the "E".
func indexException(s string) int {
	for i := 1; i < len(s); {
		k := strings.Index(s[i:], "xception")
		if k < 0 {
			return -1
		}
		k += i
		if s[k-1] == 'E' {
			return k - 1
		}
		i = k + 1
	}
	return -1
}

// bareHResult finds the first "0x8XXXXXXX" code in s that is not part of a
// longer hex run and returns it with the text in parentheses after it.
func bareHResult(s string) (uint32, string, bool) {
	for i := 0; i < len(s); {
		k := index0x8(s[i:])
		if k < 0 {
			return 0, "", false
		}
		k += i
		i = k + 1
		if k > 0 && isWordByte(s[k-1]) {
			continue
		}
		if hexLen(s[k+2:]) != 8 {
			continue
		}
		hr, _ := parseHex32(s[k:])
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

// aadAnchor reads the value after "AAD anchor": "= User_<guid>". A GUID
// anchor is cut at its 36th character, since the version string follows it
// with no separator ("User_…575fAzure AD Sync 2.5.79.0").
func aadAnchor(s string) string {
	s = strings.TrimLeft(s, " \t")
	if s == "" || (s[0] != '=' && s[0] != ':') {
		return ""
	}
	s = strings.TrimLeft(s[1:], " \t\r\n")
	const prefix = "User_"
	if strings.HasPrefix(s, prefix) && len(s) >= len(prefix)+36 && isGUID(s[len(prefix):len(prefix)+36]) {
		return s[:len(prefix)+36]
	}
	v := token(s)
	if a := strings.Index(v, "Azure"); a > 0 {
		v = v[:a]
	}
	return strings.TrimRight(v, "\".,\u201c\u201d")
}

// version returns the leading dotted number of s ("2.5.79.0").
func version(s string) string {
	i := 0
	for i < len(s) && (isDigit(s[i]) || (s[i] == '.' && i > 0)) {
		i++
	}
	v := strings.TrimRight(s[:i], ".")
	if !strings.Contains(v, ".") {
		return ""
	}
	return v
}

// hostAround expands s[i] outward over host-name characters.
func hostAround(s string, i int) string {
	b, e := i, i
	for b > 0 && isHostByte(s[b-1]) {
		b--
	}
	for e < len(s) && isHostByte(s[e]) {
		e++
	}
	return strings.TrimRight(s[b:e], ".-")
}

// guidPair finds the first "<guid>_<guid>" in s.
func guidPair(s string) string {
	for i := 0; i < len(s); {
		k := strings.IndexByte(s[i:], '_')
		if k < 0 {
			return ""
		}
		k += i
		i = k + 1
		if k >= 36 && k+37 <= len(s) && isGUID(s[k-36:k]) && isGUID(s[k+1:k+37]) {
			if k > 36 && isHexByte(s[k-37]) {
				continue
			}
			if k+37 < len(s) && isHexByte(s[k+37]) {
				continue
			}
			return s[k-36 : k+37]
		}
	}
	return ""
}

// isGUID reports whether s is 8-4-4-4-12 hex digits.
func isGUID(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	return allHex(s[:8]) && allHex(s[9:13]) && allHex(s[14:18]) && allHex(s[19:23]) && allHex(s[24:])
}

// allHex reports whether every byte of s is a hex digit.
func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexByte(s[i]) {
			return false
		}
	}
	return true
}

// token returns the leading run of s up to a blank, comma, quote
// (straight or typographic) or line end.
func token(s string) string {
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

// lineEnd returns the index of the first CR or LF of s, or len(s).
func lineEnd(s string) int {
	end := len(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		end = i
	}
	if i := strings.IndexByte(s[:end], '\r'); i >= 0 {
		end = i
	}
	return end
}

func skipColon(s string) string {
	s = trimBlanks(s)
	if strings.HasPrefix(s, ":") {
		s = trimBlanks(s[1:])
	}
	return s
}

func flagValue(s string) Flag {
	switch {
	case strings.EqualFold(s, "true"):
		return FlagTrue
	case strings.EqualFold(s, "false"):
		return FlagFalse
	}
	return FlagUnset
}

// parseHex32 parses up to 8 hex digits after an optional 0x.
func parseHex32(s string) (uint32, bool) {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	n := hexLen(s)
	if n == 0 || n > 8 {
		return 0, false
	}
	var v uint32
	for i := 0; i < n; i++ {
		v = v<<4 | uint32(hexVal(s[i]))
	}
	return v, true
}

func hexLen(s string) int {
	i := 0
	for i < len(s) && isHexByte(s[i]) {
		i++
	}
	return i
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// atoi parses leading decimal digits; used is 0 when there are none.
func atoi(s string) (n, used int) {
	for used < len(s) && isDigit(s[used]) && used < 9 {
		n = n*10 + int(s[used]-'0')
		used++
	}
	return n, used
}

// indexFold is strings.Index ignoring ASCII case; key must be ASCII. It
// jumps between occurrences of the key's first byte in either case.
func indexFold(s, key string) int {
	if len(key) == 0 {
		return 0
	}
	c0, c1 := lower(key[0]), upper(key[0])
	n0, n1 := -2, -2 // next occurrence of c0, c1 at or after i; -2 unknown, -1 none
	for i := 0; i+len(key) <= len(s); {
		if n0 == -2 || (n0 >= 0 && n0 < i) {
			n0 = nextByte(s, i, c0)
		}
		if c1 == c0 {
			n1 = n0
		} else if n1 == -2 || (n1 >= 0 && n1 < i) {
			n1 = nextByte(s, i, c1)
		}
		p := n0
		if p < 0 || (n1 >= 0 && n1 < p) {
			p = n1
		}
		if p < 0 || p+len(key) > len(s) {
			return -1
		}
		j := 1
		for j < len(key) && lower(s[p+j]) == lower(key[j]) {
			j++
		}
		if j == len(key) {
			return p
		}
		i = p + 1
	}
	return -1
}

// nextByte returns the index of the first c in s at or after i, or -1.
func nextByte(s string, i int, c byte) int {
	if k := strings.IndexByte(s[i:], c); k >= 0 {
		return i + k
	}
	return -1
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// byteClass holds for each byte value its classes: classWord (an ASCII
// letter or digit), classHex (a hex digit) and classHost (a letter, digit,
// "." or "-"). TestByteClass checks it against their definitions.
const byteClass = "" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x04\x00\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x00\x00\x00\x00\x00\x00" +
	"\x00\x07\x07\x07\x07\x07\x07\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x00\x00\x00\x00\x00" +
	"\x00\x07\x07\x07\x07\x07\x07\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// The classes of byteClass.
const (
	classWord = 1 << iota
	classHex
	classHost
)

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isLetter(c byte) bool   { return (c|0x20)-'a' < 26 }
func isWordByte(c byte) bool { return byteClass[c]&classWord != 0 }
func isHexByte(c byte) bool  { return byteClass[c]&classHex != 0 }
func isHostByte(c byte) bool { return byteClass[c]&classHost != 0 }

func isUpperWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
