package parser

import "encoding/binary"

// shortEscape is the letter of the two-byte JSON escape of the ASCII
// characters that have one ('"' for '"', 'n' for '\n'...), what
// jsonstr.AppendEscape writes after its backslash; 0 for the others.
var shortEscape = [128]byte{'"': '"', '\\': '\\', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't'}

// asciiRunGeneric is asciiRun in Go, four characters at a time: what
// asciiRun does on other architectures, and its reference in the tests.
func asciiRunGeneric(dst, src []byte) (nd, ns int) {
	for ns+2 <= len(src) {
		if ns+8 <= len(src) && nd+4 <= len(dst) {
			x := binary.LittleEndian.Uint64(src[ns:])
			if x&0xff80ff80ff80ff80 == 0 && !hasBelow16(x, 0x20) &&
				!hasZero16(x^0x0022002200220022) && !hasZero16(x^0x005c005c005c005c) {
				dst[nd], dst[nd+1], dst[nd+2], dst[nd+3] = byte(x), byte(x>>16), byte(x>>32), byte(x>>48)
				nd += 4
				ns += 8
				continue
			}
		}
		u := uint16(src[ns]) | uint16(src[ns+1])<<8
		switch {
		case u >= 0x80:
			return nd, ns
		case u >= 0x20 && u != '"' && u != '\\':
			if nd+1 > len(dst) {
				return nd, ns
			}
			dst[nd] = byte(u)
			nd++
		case shortEscape[u] != 0:
			if nd+2 > len(dst) {
				return nd, ns
			}
			dst[nd], dst[nd+1] = '\\', shortEscape[u]
			nd += 2
		default:
			return nd, ns
		}
		ns += 2
	}
	return nd, ns
}

// hasBelow16 reports whether one of the four 16-bit units of x is below n
// (n < 0x80), when every unit is below 0x80.
func hasBelow16(x uint64, n uint64) bool {
	return (x-n*0x0001000100010001)&^x&0x8000800080008000 != 0
}
