package jsonstr

import "testing"

// plain8 says an 8-byte run needs no escaping exactly when every byte is
// printable ASCII other than '"' and '\\': each byte value at each place.
func TestPlain8(t *testing.T) {
	for pos := range 8 {
		for b := range 256 {
			s := []byte("abcdefgh")
			s[pos] = byte(b)
			want := b >= 0x20 && b < 0x80 && b != '"' && b != '\\'
			if got := plain8(string(s), 0); got != want {
				t.Errorf("plain8(%q) = %v, want %v", s, got, want)
			}
		}
	}
}
