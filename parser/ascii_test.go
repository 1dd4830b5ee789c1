package parser

import (
	"bytes"
	"math/rand"
	"testing"
)

// asciiRun (in assembly on amd64) writes and reads what asciiRunGeneric
// does: the plain ASCII characters and the short escapes of the others
// that have one, up to the first that has none, the end of src or a lack
// of room.
func TestASCIIRun(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	pick := []uint16{0, 1, '\b', '\t', '\n', '\f', '\r', 0x1f, ' ', '!', '"', '#', '[', '\\', ']', '~', 0x7f, 0x80, 0xff, 0x100, 0x122, 0x15c, 0x2022, 0x5c00, 0x7fff, 0x8000, 0x8022, 0xff20, 0xffff}
	for i := 0; i < 50000; i++ {
		units := make([]uint16, rng.Intn(70))
		for k := range units {
			if rng.Intn(10) == 0 {
				units[k] = pick[rng.Intn(len(pick))]
			} else {
				units[k] = uint16(0x20 + rng.Intn(0x60))
			}
		}
		src := utf16Bytes(units)
		if rng.Intn(4) == 0 {
			src = append(src, 'x') // an odd byte at the end
		}
		room := rng.Intn(2*len(units) + 10)
		// What it must write: each character's JSON, until one has no
		// short form or would not fit.
		var want []byte
		wantNS := 0
		for _, u := range units {
			var e []byte
			switch {
			case u >= 0x20 && u < 0x80 && u != '"' && u != '\\':
				e = []byte{byte(u)}
			case u < 0x80 && shortEscape[u] != 0:
				e = []byte{'\\', shortEscape[u]}
			}
			if e == nil || len(want)+len(e) > room {
				break
			}
			want = append(want, e...)
			wantNS += 2
		}
		for _, f := range []struct {
			name string
			run  func(dst, src []byte) (int, int)
		}{{"asciiRun", asciiRun}, {"asciiRunGeneric", asciiRunGeneric}} {
			dst := make([]byte, room)
			nd, ns := f.run(dst, src)
			if ns != wantNS || !bytes.Equal(dst[:nd], want) {
				t.Fatalf("%s(%d bytes of room, %04x) = %q, %d bytes read; want %q, %d", f.name, room, units, dst[:nd], ns, want, wantNS)
			}
		}
	}
}
