package parser

import (
	"bytes"
	"math/rand"
	"testing"
)

// asciiRun (in assembly on amd64) writes what asciiRunGeneric writes, and
// stops where it stops or earlier, at a block boundary: appendUTF16JSON
// goes on from either.
func TestASCIIRun(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	pick := []uint16{0, 1, 0x1f, ' ', '!', '"', '#', '[', '\\', ']', '~', 0x7f, 0x80, 0xff, 0x100, 0x122, 0x15c, 0x2022, 0x5c00, 0x7fff, 0x8000, 0x8022, 0xff20, 0xffff}
	for i := 0; i < 20000; i++ {
		units := make([]uint16, rng.Intn(70))
		for k := range units {
			if rng.Intn(12) == 0 {
				units[k] = pick[rng.Intn(len(pick))]
			} else {
				units[k] = uint16(0x20 + rng.Intn(0x60))
			}
		}
		src := utf16Bytes(units)
		if rng.Intn(4) == 0 {
			src = append(src, 'x') // an odd byte at the end
		}
		room := rng.Intn(len(units) + 10)
		got, want := make([]byte, room), make([]byte, room)
		n, wantN := asciiRun(got, src), asciiRunGeneric(want, src)
		// The plain characters before the first that is not, or before
		// the end of src or dst.
		plain := 0
		for plain < len(units) && plain < room && units[plain] >= 0x20 && units[plain] < 0x80 && units[plain] != '"' && units[plain] != '\\' {
			plain++
		}
		for _, r := range []struct {
			name string
			n    int
			out  []byte
		}{{"asciiRun", n, got}, {"asciiRunGeneric", wantN, want}} {
			if r.n > plain || (plain-r.n >= 8 && 2*r.n+16 <= len(src) && r.n+8 <= room) {
				t.Fatalf("%s(%d bytes of room, %04x) = %d, %d plain", r.name, room, units, r.n, plain)
			}
			for k := 0; k < r.n; k++ {
				if r.out[k] != byte(units[k]) {
					t.Fatalf("%s(%04x): wrote %q", r.name, units, r.out[:r.n])
				}
			}
		}
		if !bytes.Equal(got[:min(n, wantN)], want[:min(n, wantN)]) {
			t.Fatalf("%04x: asciiRun wrote %q, asciiRunGeneric %q", units, got[:n], want[:wantN])
		}
	}
}
