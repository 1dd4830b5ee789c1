// Package pseudonym replaces personal values (user principal names, anchors,
// SIDs, computer names, distinguished names) with keyed tokens, so that
// logs of many tenants can be kept and joined without the values themselves.
//
// A token is the kind, a colon and the first 16 bytes, in hexadecimal, of
// HMAC-SHA256(key, kind + ":" + normalized value):
//
//	upn:5f0c3a9e1d2b4c6a8e7f9a0b1c2d3e4f
//
// The same key gives the same token for the same value on every run and in
// every tenant, so tokens can still be joined; without the key a token
// cannot be turned back into its value, nor can a guessed value be checked.
// Values are normalized before hashing so that spellings of one value that
// Windows treats as equal get one token: see [Pseudonymizer.Token].
//
// [Pseudonymizer.Replace] pseudonymizes free text: every value that looks
// like a UPN, a cloud anchor, a SID or a distinguished name, and every
// value the caller names, is replaced by its token.
package pseudonym

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
	"sync"
)

// Kinds of values. Any other kind may be used; its values are hashed as
// given, after trimming surrounding white space.
const (
	KindUPN          = "upn"          // user principal name: alice@contoso.com (case-insensitive)
	KindCloudAnchor  = "cloudanchor"  // Entra cloud anchor: User_<object id> (case-insensitive)
	KindSourceAnchor = "sourceanchor" // on-premises source anchor (ImmutableId, base64: case-sensitive)
	KindSID          = "sid"          // security identifier: S-1-5-21-… (case-insensitive)
	KindComputer     = "computer"     // computer name or FQDN (case-insensitive)
	KindDN           = "dn"           // distinguished name: CN=…,OU=…,DC=… (case-insensitive)
)

// MinKeySize is the shortest key New accepts without complaint from
// CheckKey: 16 bytes.
const MinKeySize = 16

// A Pseudonymizer turns values into tokens with one key. It is safe for
// concurrent use.
type Pseudonymizer struct {
	key  []byte
	pool sync.Pool // of hash.Hash (HMAC with key)
}

// New returns a Pseudonymizer for key. The key is copied.
func New(key []byte) *Pseudonymizer {
	p := &Pseudonymizer{key: append([]byte(nil), key...)}
	p.pool.New = func() any { return hmac.New(sha256.New, p.key) }
	return p
}

// CheckKey reports whether key is long enough to be used: at least
// MinKeySize bytes.
func CheckKey(key []byte) bool { return len(key) >= MinKeySize }

// Fingerprint names the key without revealing it: the first 8 bytes, in
// hexadecimal, of HMAC-SHA256(key, "evtxscan key fingerprint"). Records of
// what was written with which key can hold it.
func (p *Pseudonymizer) Fingerprint() string {
	return p.sum("evtxscan key fingerprint", 8)
}

// Token returns the token of value: kind + ":" + the first 16 bytes in
// hexadecimal of HMAC-SHA256(key, kind + ":" + Normalize(kind, value)).
// The empty value (after normalization) has the empty token.
func (p *Pseudonymizer) Token(kind, value string) string {
	v := Normalize(kind, value)
	if v == "" {
		return ""
	}
	return kind + ":" + p.sum(kind+":"+v, 16)
}

func (p *Pseudonymizer) sum(msg string, n int) string {
	h := p.pool.Get().(hash.Hash)
	h.Reset()
	h.Write([]byte(msg))
	var buf [sha256.Size]byte
	s := h.Sum(buf[:0])
	p.pool.Put(h)
	return hex.EncodeToString(s[:n])
}

// Normalize returns the form of value that is hashed for kind: white space
// around it removed; UPNs, cloud anchors, computer names and DNs in lower
// case; SIDs in upper case; in a DN, white space around the "," between
// components and around each "=" removed. Source anchors and other kinds
// keep their case.
func Normalize(kind, value string) string {
	v := strings.TrimSpace(value)
	switch kind {
	case KindUPN, KindCloudAnchor, KindComputer:
		return strings.ToLower(v)
	case KindSID:
		return strings.ToUpper(v)
	case KindDN:
		return normalizeDN(v)
	}
	return v
}

// normalizeDN lowers the case of a DN and removes the white space around
// unescaped "," and "=".
func normalizeDN(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := 0 // white space seen, not yet written
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			pendingSpace++
			continue
		case (c == ',' || c == '=') && !escaped(s, i):
			pendingSpace = 0
			b.WriteByte(c)
			for i+1 < len(s) && (s[i+1] == ' ' || s[i+1] == '\t') {
				i++
			}
			continue
		}
		for ; pendingSpace > 0; pendingSpace-- {
			b.WriteByte(' ')
		}
		b.WriteByte(c)
	}
	return strings.ToLower(b.String())
}

// escaped reports whether s[i] is preceded by an odd number of backslashes.
func escaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}
