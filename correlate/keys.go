package correlate

import (
	"math/bits"
	"strings"
)

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

// headKeyName spells key k in lower case (case is ignored where keys are
// compared).
func headKeyName(k int) string {
	switch k {
	case hkTrackingID:
		return "trackingid"
	case hkReason:
		return "reason"
	case hkContext:
		return "context"
	case hkCloudAnchor:
		return "cloudanchor"
	case hkSourceAnchor:
		return "sourceanchorvalue"
	case hkUPN:
		return "userprincipalname"
	case hkAdminUPN:
		return "adminupn"
	case hkUnblockUser:
		return "unblockuser"
	case hkForcePasswordChange:
		return "forcepasswordchange"
	case hkDetails:
		return "details"
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

// scan records the keys of h. It finds the runs of letters and digits from
// a mask of them made 8 bytes at a time, and looks only at the runs whose
// length and first letter are a key's.
func (x *headKeys) scan(h string) {
	x.h = h
	start := -1 // the start of a run that goes on in the next block
	for base := 0; base < len(h); base += 64 {
		m := wordMask64(h, base)
		var carry, next uint64
		if start >= 0 {
			carry = 1
		}
		if base+64 < len(h) && isWordByte(h[base+64]) {
			next = 1 << 63
		}
		starts := m &^ (m<<1 | carry) // first bytes of runs
		ends := m &^ (m>>1 | next)    // last bytes of runs
		for ends != 0 {
			e := base + bits.TrailingZeros64(ends) + 1
			ends &= ends - 1
			b := start
			if b < 0 {
				b = base + bits.TrailingZeros64(starts)
				starts &= starts - 1
			}
			start = -1
			if n := e - b; n < 20 && headKeyLens&(1<<n) != 0 {
				if c := h[b] | 0x20; c == keyFirsts[3*n] || c == keyFirsts[3*n+1] || c == keyFirsts[3*n+2] {
					x.add(h, b, e)
				}
			}
		}
		if starts != 0 {
			start = base + bits.TrailingZeros64(starts)
		}
	}
}

// keyFirsts holds at 3n, 3n+1 and 3n+2 the first letters (lower case) of
// the keys n bytes long, "-" where there are fewer.
const keyFirsts = "" +
	"---" + "---" + "h--" + "---" + "---" + "---" + "r--" + "cdm" + "a--" + "---" + // 0-9
	"t--" + "cu-" + "---" + "---" + "---" + "---" + "---" + "su-" + "---" + "f--" // 10-19

// add records h[b:e] when it is a key.
func (x *headKeys) add(h string, b, e int) {
	if k := headKeyOf(h[b:e]); k >= 0 {
		if c := x.n[k]; c < maxKeyHits {
			x.hits[k][c] = int32(b)
		}
		if x.n[k] <= maxKeyHits {
			x.n[k]++
		}
	}
}

// Constants of the 8-bytes-at-a-time tests.
const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
	swarCase  = 0x2020202020202020
)

// wordMask64 returns the mask of h[base:base+64] with bit j set when
// h[base+j] is an ASCII letter or digit.
func wordMask64(h string, base int) uint64 {
	var m uint64
	j := 0
	for ; j < 64 && base+j+8 <= len(h); j += 8 {
		m |= wordBits8(load8(h, base+j)) << j
	}
	for ; j < 64 && base+j < len(h); j++ {
		if isWordByte(h[base+j]) {
			m |= 1 << j
		}
	}
	return m
}

// wordBits8 returns bit i set when byte i of x (bits 8i to 8i+7) is an
// ASCII letter or digit.
func wordBits8(x uint64) uint64 {
	y := x &^ swarHighs // no byte reaches 0x80 in the sums below
	t := y | swarCase
	letters := (t + (0x80-'a')*swarOnes) &^ (t + (0x80-'z'-1)*swarOnes)
	digits := (y + (0x80-'0')*swarOnes) &^ (y + (0x80-'9'-1)*swarOnes)
	m := (letters | digits) &^ x & swarHighs   // bit 7 of each byte; not for bytes >= 0x80
	return (m >> 7) * 0x0102040810204080 >> 56 // gather bit 8i into bit i
}

// load8 returns the 8 bytes of s at i, little-endian.
func load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
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
	if !equalFoldLower(w, headKeyName(k)) {
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

// equalFoldLower is equalFoldASCII for a key of lower-case letters: a
// byte equals such a letter without case exactly when it does with bit 5
// set, so 8 bytes compare at once.
func equalFoldLower(s, key string) bool {
	n := len(key)
	if len(s) != n {
		return false
	}
	if n < 8 {
		for i := 0; i < n; i++ {
			if s[i]|0x20 != key[i] {
				return false
			}
		}
		return true
	}
	for i := 0; i+8 < n; i += 8 {
		if load8(s, i)|swarCase != load8(key, i) {
			return false
		}
	}
	return load8(s, n-8)|swarCase == load8(key, n-8)
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
		if k <= from || sepValue(h, k+len("context"), ':') < 0 {
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
