package correlate

import "strings"

// The keys of a PasswordResetService header (see headKeyName).
const (
	hkTrackingID = iota
	hkReason
	hkContext
	hkCloudAnchor
	hkSourceAnchor
	hkUPN
	hkAdminUPN
	hkUnblockUser
	hkForcePasswordChange
	hkDetails
	hkHR
	hkMessage
	numHeadKeys
)

// headKeyName spells key k (case is ignored where it is compared).
func headKeyName(k int) string {
	switch k {
	case hkTrackingID:
		return "TrackingId"
	case hkReason:
		return "Reason"
	case hkContext:
		return "Context"
	case hkCloudAnchor:
		return "cloudAnchor"
	case hkSourceAnchor:
		return "SourceAnchorValue"
	case hkUPN:
		return "UserPrincipalName"
	case hkAdminUPN:
		return "AdminUpn"
	case hkUnblockUser:
		return "unblockUser"
	case hkForcePasswordChange:
		return "ForcePasswordChange"
	case hkDetails:
		return "Details"
	case hkHR:
		return "hr"
	}
	return "message"
}

// headKeyLens has bit n set when a key is n bytes long.
const headKeyLens = 1<<2 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11 | 1<<17 | 1<<19

// maxKeyHits is how many occurrences of one key a headKeys records; a key
// seen more often is looked up by the plain search.
const maxKeyHits = 4

// headKeys records where the keys of a header occur as whole words, from
// one pass over it, so that each field is read from its few candidate
// positions instead of a search of the whole header per field.
//
// An occurrence is a maximal run of ASCII letters and digits equal to the
// key without ASCII case: exactly the occurrences at which keyValue and
// keyValueLoose can accept a key, since they need it not preceded by a
// letter or digit and followed by a blank or the separator.
type headKeys struct {
	h    string
	hits [numHeadKeys][maxKeyHits]int32
	n    [numHeadKeys]uint8 // occurrences seen (more than maxKeyHits: overflow)
}

// scan records the keys of h.
func (x *headKeys) scan(h string) {
	x.h = h
	for i := 0; i < len(h); {
		if !isWordByte(h[i]) {
			i++
			continue
		}
		b := i
		for i++; i < len(h) && isWordByte(h[i]); i++ {
		}
		if n := i - b; n < 32 && headKeyLens&(1<<n) != 0 {
			if k := headKeyOf(h[b:i]); k >= 0 {
				if c := x.n[k]; c < maxKeyHits {
					x.hits[k][c] = int32(b)
				}
				if x.n[k] <= maxKeyHits {
					x.n[k]++
				}
			}
		}
	}
}

// headKeyOf returns the key w spells (ASCII case ignored), or -1.
func headKeyOf(w string) int {
	var k int
	switch len(w) {
	case 2:
		k = hkHR
	case 6:
		k = hkReason
	case 7:
		switch lower(w[0]) {
		case 'c':
			k = hkContext
		case 'd':
			k = hkDetails
		default:
			k = hkMessage
		}
	case 8:
		k = hkAdminUPN
	case 10:
		k = hkTrackingID
	case 11:
		if lower(w[0]) == 'c' {
			k = hkCloudAnchor
		} else {
			k = hkUnblockUser
		}
	case 17:
		if lower(w[0]) == 's' {
			k = hkSourceAnchor
		} else {
			k = hkUPN
		}
	case 19:
		k = hkForcePasswordChange
	default:
		return -1
	}
	if !equalFoldASCII(w, headKeyName(k)) {
		return -1
	}
	return k
}

// equalFoldASCII reports whether s equals key (ASCII) without ASCII case,
// as indexFold compares.
func equalFoldASCII(s, key string) bool {
	if len(s) != len(key) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != lower(key[i]) {
			return false
		}
	}
	return true
}

// sepValue is the value function of keyValue for the occurrence of a key
// ending at e: the index of the value after optional blanks, sep and
// blanks, or -1.
func sepValue(s string, e int, sep byte) int {
	j := skipBlanks(s, e)
	if j >= len(s) || s[j] != sep {
		return -1
	}
	return skipBlanks(s, j+1)
}

// looseValue is the value function of keyValueLoose's second search.
func looseValue(s string, b int) int {
	j := skipBlanks(s, b)
	if j == b || j >= len(s) || s[j] == ':' || s[j] == '=' || s[j] == ',' || s[j] == '\r' || s[j] == '\n' {
		return -1
	}
	return j
}

// value is keyValue(x.h[from:], key k, sep) + from (or -1). from must not
// follow a letter or digit, so that x.h and x.h[from:] have the same whole
// words after it.
func (x *headKeys) value(k, from int, sep byte) int {
	h := x.h
	if x.n[k] > maxKeyHits {
		if v := keyValue(h[from:], headKeyName(k), sep); v >= 0 {
			return v + from
		}
		return -1
	}
	for _, b := range x.hits[k][:x.n[k]] {
		if int(b) < from {
			continue
		}
		if v := sepValue(h, int(b)+len(headKeyName(k)), sep); v >= 0 {
			return v
		}
	}
	return -1
}

// loose is keyValueLoose(x.h, key k).
func (x *headKeys) loose(k int) int {
	if v := x.value(k, 0, ':'); v >= 0 {
		return v
	}
	if x.n[k] > maxKeyHits {
		return keyValueLoose(x.h, headKeyName(k))
	}
	for _, b := range x.hits[k][:x.n[k]] {
		if v := looseValue(x.h, int(b)+len(headKeyName(k))); v >= 0 {
			return v
		}
	}
	return -1
}

// field is fieldValue(x.h, key k). The header has no line breaks (it has
// been through unwrap), so the value ends at a comma or the end.
func (x *headKeys) field(k int) string {
	v := x.loose(k)
	if v < 0 {
		return ""
	}
	val := x.h[v:]
	if c := strings.IndexByte(val, ','); c >= 0 {
		val = val[:c]
	}
	return strings.TrimSpace(val)
}

// contextSplit is contextSplit(x.h[from:]) + from (or -1): the index of the
// first comma at or after from followed by blanks and "Context:".
func (x *headKeys) contextSplit(from int) int {
	h := x.h
	if x.n[hkContext] > maxKeyHits {
		if c := contextSplit(h[from:]); c >= 0 {
			return c + from
		}
		return -1
	}
	for _, b := range x.hits[hkContext][:x.n[hkContext]] {
		k := int(b)
		if k <= from || sepValue(h, k+len("Context"), ':') < 0 {
			continue
		}
		c := k - 1
		for c >= from && (h[c] == ' ' || h[c] == '\t') {
			c--
		}
		if c >= from && h[c] == ',' {
			return c
		}
	}
	return -1
}
