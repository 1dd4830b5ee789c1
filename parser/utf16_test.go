package parser

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"
)

// utf16Ref is the reference decoding: the standard library's, up to the
// first NUL.
func utf16Ref(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	for i, c := range u {
		if c == 0 {
			u = u[:i]
			break
		}
	}
	return string(utf16.Decode(u))
}

func utf16Bytes(u []uint16) []byte {
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

func TestUTF16(t *testing.T) {
	enc := func(s string) []byte { return utf16Bytes(utf16.Encode([]rune(s))) }
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, ""},
		{"ascii", enc("ADSync"), "ADSync"},
		{"long ascii", enc(strings.Repeat("TrackingId ", 7)), strings.Repeat("TrackingId ", 7)},
		{"nul ends", enc("abcdefghij\x00klm"), "abcdefghij"},
		{"nul in a block of four", enc("abcdef\x00hijklmno"), "abcdef"},
		{"latin", enc("Café Müller"), "Café Müller"},
		{"astral", enc("x😀y"), "x😀y"},
		{"lone high surrogate", utf16Bytes([]uint16{'a', 0xd800, 'b'}), "a\uFFFDb"},
		{"lone low surrogate", utf16Bytes([]uint16{0xdc00, 'b'}), "\uFFFDb"},
		{"high surrogate at the end", utf16Bytes([]uint16{'a', 'b', 0xd83d}), "ab\uFFFD"},
		{"high surrogate before nul", utf16Bytes([]uint16{'a', 0xd83d, 0, 'z'}), "a\uFFFD"},
		{"odd length", append(enc("abcd"), 'e'), "abcd"},
		{"0x80 after ascii", utf16Bytes([]uint16{'a', 'b', 'c', 0x80, 'd'}), "abc\u0080d"},
		{"0x100 in a block", utf16Bytes([]uint16{'a', 0x100, 'c', 'd', 'e'}), "a\u0100cde"},
	}
	for _, tt := range tests {
		if got := utf16String(tt.in); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
		if ref := utf16Ref(tt.in); ref != tt.want {
			t.Errorf("%s: test is wrong: the standard library gives %q", tt.name, ref)
		}
	}
	// Random units, biased towards ASCII, NUL and surrogates.
	rng := rand.New(rand.NewPCG(1, 2))
	pick := []uint16{0, 'a', 'Z', ' ', 0x7f, 0x80, 0xe9, 0x4e2d, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfffd, 0xffff}
	for i := 0; i < 20000; i++ {
		u := make([]uint16, rng.IntN(24))
		for j := range u {
			if rng.IntN(3) == 0 {
				u[j] = pick[rng.IntN(len(pick))]
			} else {
				u[j] = uint16('a' + rng.IntN(26))
			}
		}
		b := utf16Bytes(u)
		if got, want := utf16String(b), utf16Ref(b); got != want {
			t.Fatalf("%04x: %q, want %q", u, got, want)
		}
		// As a string array: split at every NUL, a last unterminated
		// piece kept.
		var want []string
		start := 0
		for j, c := range u {
			if c == 0 {
				want = append(want, string(utf16.Decode(u[start:j])))
				start = j + 1
			}
		}
		if start < len(u) {
			want = append(want, string(utf16.Decode(u[start:])))
		}
		dst, ends := appendUTF16Strings(nil, nil, b)
		var got []string
		prev := 0
		for _, e := range ends {
			got = append(got, string(dst[prev:e]))
			prev = e
		}
		if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Fatalf("array %04x: %q, want %q", u, got, want)
		}
	}
}
