package parser

import "encoding/binary"

// asciiRunGeneric is asciiRun in Go, four characters at a time: what
// asciiRun does on other architectures, and its reference in the tests.
func asciiRunGeneric(dst, src []byte) int {
	n := 0
	for 2*n+8 <= len(src) && n+4 <= len(dst) {
		x := binary.LittleEndian.Uint64(src[2*n:])
		if x&0xff80ff80ff80ff80 != 0 || hasBelow16(x, 0x20) ||
			hasZero16(x^0x0022002200220022) || hasZero16(x^0x005c005c005c005c) {
			// Those before the first that is not plain, one at a time.
			for k := 0; k < 4; k++ {
				u := uint16(x >> (16 * k))
				if u >= 0x80 || u < 0x20 || u == '"' || u == '\\' {
					break
				}
				dst[n] = byte(u)
				n++
			}
			return n
		}
		dst[n], dst[n+1], dst[n+2], dst[n+3] = byte(x), byte(x>>16), byte(x>>32), byte(x>>48)
		n += 4
	}
	return n
}

// hasBelow16 reports whether one of the four 16-bit units of x is below n
// (n < 0x80), when every unit is below 0x80.
func hasBelow16(x uint64, n uint64) bool {
	return (x-n*0x0001000100010001)&^x&0x8000800080008000 != 0
}
