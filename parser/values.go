package parser

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// BinXML value types (MS-EVEN6 2.2.18).
const (
	typeNull     = 0x00
	typeString   = 0x01
	typeAnsi     = 0x02
	typeInt8     = 0x03
	typeUint8    = 0x04
	typeInt16    = 0x05
	typeUint16   = 0x06
	typeInt32    = 0x07
	typeUint32   = 0x08
	typeInt64    = 0x09
	typeUint64   = 0x0a
	typeReal32   = 0x0b
	typeReal64   = 0x0c
	typeBool     = 0x0d
	typeBinary   = 0x0e
	typeGUID     = 0x0f
	typeSizeT    = 0x10
	typeFileTime = 0x11
	typeSysTime  = 0x12
	typeSID      = 0x13
	typeHex32    = 0x14
	typeHex64    = 0x15
	typeBinXML   = 0x21
	typeArray    = 0x80
)

// filetimeEpoch is 1601-01-01 in Unix seconds.
const filetimeEpoch = -11644473600

// fileTime converts a FILETIME (100 ns ticks since 1601) to UTC time.
func fileTime(ft uint64) time.Time {
	sec := int64(ft/10_000_000) + filetimeEpoch
	nsec := int64(ft%10_000_000) * 100
	return time.Unix(sec, nsec).UTC()
}

// decodeUTF16 appends little-endian UTF-16 bytes as UTF-8 up to the first
// NUL; an unpaired surrogate becomes U+FFFD. It returns the number of bytes
// of b read, the NUL included, and whether a NUL ended the string.
func decodeUTF16(dst []byte, b []byte) ([]byte, int, bool) {
	n := len(b) &^ 1
	i := 0
	for i < n {
		// Four characters at a time while they are ASCII and not NUL.
		for i+8 <= n {
			x := binary.LittleEndian.Uint64(b[i:])
			if x&0xff80ff80ff80ff80 != 0 || hasZero16(x) {
				break
			}
			dst = append(dst, byte(x), byte(x>>16), byte(x>>32), byte(x>>48))
			i += 8
		}
		if i >= n {
			break
		}
		u := rune(b[i]) | rune(b[i+1])<<8
		i += 2
		switch {
		case u == 0:
			return dst, i, true
		case u < utf8.RuneSelf:
			dst = append(dst, byte(u))
		case u < 0xd800 || u >= 0xe000:
			dst = utf8.AppendRune(dst, u)
		case u < 0xdc00 && i+2 <= n:
			u2 := rune(b[i]) | rune(b[i+1])<<8
			if u2 >= 0xdc00 && u2 < 0xe000 {
				dst = utf8.AppendRune(dst, (u-0xd800)<<10|(u2-0xdc00)+0x10000)
				i += 2
				continue
			}
			dst = utf8.AppendRune(dst, utf8.RuneError)
		default:
			dst = utf8.AppendRune(dst, utf8.RuneError)
		}
	}
	return dst, i, false
}

// hasZero16 reports whether one of the four 16-bit units of x is zero.
func hasZero16(x uint64) bool {
	return (x-0x0001000100010001)&^x&0x8000800080008000 != 0
}

// appendUTF16 appends little-endian UTF-16 bytes as UTF-8, stopping at the
// first NUL. An unpaired surrogate becomes U+FFFD.
func appendUTF16(dst []byte, b []byte) []byte {
	dst, _, _ = decodeUTF16(dst, b)
	return dst
}

// utf16String decodes little-endian UTF-16 bytes, stopping at the first NUL.
func utf16String(b []byte) string {
	var buf [128]byte
	return string(appendUTF16(buf[:0], b))
}

// appendUTF16Strings appends the strings of a string array value (type
// 0x81): UTF-16 strings each terminated by NUL, the last one perhaps not.
// Empty strings inside the array are kept. ends gets the end of each string
// in dst.
func appendUTF16Strings(dst []byte, ends []int, b []byte) ([]byte, []int) {
	b = b[:len(b)&^1]
	for len(b) > 0 {
		var k int
		dst, k, _ = decodeUTF16(dst, b)
		ends = append(ends, len(dst))
		b = b[k:]
	}
	return dst, ends
}

// appendANSI appends an ANSI string value: up to the first NUL, bytes above
// 0x7f read as Windows-1252's Latin-1 range.
func appendANSI(dst []byte, b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if utf8.Valid(b) {
		ascii := true
		for _, c := range b {
			if c >= 0x80 {
				ascii = false
				break
			}
		}
		if ascii {
			return append(dst, b...)
		}
	}
	for _, c := range b {
		dst = utf8.AppendRune(dst, rune(c))
	}
	return dst
}

const hexUpper = "0123456789ABCDEF"

// appendHexUpper appends bytes as upper-case hexadecimal.
func appendHexUpper(dst []byte, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, hexUpper[c>>4], hexUpper[c&0xf])
	}
	return dst
}

// appendHexN appends v in upper-case hexadecimal, zero-padded to width.
func appendHexN(dst []byte, v uint64, width int) []byte {
	for i := width - 1; i >= 0; i-- {
		dst = append(dst, hexUpper[(v>>(4*uint(i)))&0xf])
	}
	return dst
}

// appendGUID appends a GUID the way Event Viewer renders it:
// {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}.
func appendGUID(dst []byte, b []byte) []byte {
	if len(b) < 16 {
		return appendHexUpper(dst, b)
	}
	dst = append(dst, '{')
	dst = appendHexN(dst, uint64(binary.LittleEndian.Uint32(b[0:])), 8)
	dst = append(dst, '-')
	dst = appendHexN(dst, uint64(binary.LittleEndian.Uint16(b[4:])), 4)
	dst = append(dst, '-')
	dst = appendHexN(dst, uint64(binary.LittleEndian.Uint16(b[6:])), 4)
	dst = append(dst, '-')
	dst = appendHexUpper(dst, b[8:10])
	dst = append(dst, '-')
	dst = appendHexUpper(dst, b[10:16])
	return append(dst, '}')
}

// appendSID appends a binary SID as S-R-A-S1-S2-...
func appendSID(dst []byte, b []byte) []byte {
	if len(b) < 8 {
		return dst
	}
	n := int(b[1])
	if len(b) < 8+4*n {
		n = (len(b) - 8) / 4
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	dst = append(dst, "S-"...)
	dst = strconv.AppendUint(dst, uint64(b[0]), 10)
	dst = append(dst, '-')
	dst = strconv.AppendUint(dst, auth, 10)
	for i := 0; i < n; i++ {
		dst = append(dst, '-')
		dst = strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10)
	}
	return dst
}

func appendSysTime(dst []byte, b []byte) []byte {
	if len(b) < 16 {
		return dst
	}
	u := func(i int) int { return int(binary.LittleEndian.Uint16(b[2*i:])) }
	t := time.Date(u(0), time.Month(u(1)), u(3), u(4), u(5), u(6), u(7)*1_000_000, time.UTC)
	return t.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
}

// timeLayout is how libyal and Event Viewer's XML render times: RFC 3339 in
// UTC with nine fractional digits.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// formatTime renders a time as libyal and Event Viewer's XML do.
func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

func appendHexFixed(dst []byte, v uint64, digits int) []byte {
	var tmp [16]byte
	h := strconv.AppendUint(tmp[:0], v, 16)
	dst = append(dst, "0x"...)
	for i := len(h); i < digits; i++ {
		dst = append(dst, '0')
	}
	return append(dst, h...)
}

// appendValue appends one substitution value as text. Arrays are joined
// with ", ".
func appendValue(dst []byte, typ byte, b []byte) []byte {
	if typ&typeArray != 0 {
		var ebuf [16]int
		start := len(dst)
		out, ends := appendValues(dst, ebuf[:0], typ, b)
		if len(ends) <= 1 {
			return out
		}
		// Join: copy the elements out, then write them back with
		// separators.
		elems := string(out[start:])
		dst = out[:start]
		prev := start
		for i, e := range ends {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, elems[prev-start:e-start]...)
			prev = e
		}
		return dst
	}
	switch typ {
	case typeNull:
		return dst
	case typeString:
		return appendUTF16(dst, b)
	case typeAnsi:
		return appendANSI(dst, b)
	case typeInt8:
		if len(b) >= 1 {
			return strconv.AppendInt(dst, int64(int8(b[0])), 10)
		}
	case typeUint8:
		if len(b) >= 1 {
			return strconv.AppendUint(dst, uint64(b[0]), 10)
		}
	case typeInt16:
		if len(b) >= 2 {
			return strconv.AppendInt(dst, int64(int16(binary.LittleEndian.Uint16(b))), 10)
		}
	case typeUint16:
		if len(b) >= 2 {
			return strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint16(b)), 10)
		}
	case typeInt32:
		if len(b) >= 4 {
			return strconv.AppendInt(dst, int64(int32(binary.LittleEndian.Uint32(b))), 10)
		}
	case typeUint32:
		if len(b) >= 4 {
			return strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint32(b)), 10)
		}
	case typeInt64:
		if len(b) >= 8 {
			return strconv.AppendInt(dst, int64(binary.LittleEndian.Uint64(b)), 10)
		}
	case typeUint64:
		if len(b) >= 8 {
			return strconv.AppendUint(dst, binary.LittleEndian.Uint64(b), 10)
		}
	case typeReal32:
		if len(b) >= 4 {
			return strconv.AppendFloat(dst, float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), 'g', -1, 32)
		}
	case typeReal64:
		if len(b) >= 8 {
			return strconv.AppendFloat(dst, math.Float64frombits(binary.LittleEndian.Uint64(b)), 'g', -1, 64)
		}
	case typeBool:
		// Any non-zero value is true (Windows writes 1, some writers other values).
		for _, c := range b {
			if c != 0 {
				return append(dst, "true"...)
			}
		}
		return append(dst, "false"...)
	case typeBinary:
		return appendHexUpper(dst, b)
	case typeGUID:
		return appendGUID(dst, b)
	case typeSizeT:
		// Rendered in decimal, as Event Viewer and libyal do.
		switch len(b) {
		case 4:
			return strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint32(b)), 10)
		case 8:
			return strconv.AppendUint(dst, binary.LittleEndian.Uint64(b), 10)
		}
		return hex.AppendEncode(append(dst, "0x"...), b)
	case typeHex32, typeHex64:
		switch len(b) {
		case 4:
			return appendHexFixed(dst, uint64(binary.LittleEndian.Uint32(b)), 8)
		case 8:
			return appendHexFixed(dst, binary.LittleEndian.Uint64(b), 16)
		}
		return hex.AppendEncode(append(dst, "0x"...), b)
	case typeFileTime:
		if len(b) >= 8 {
			return fileTime(binary.LittleEndian.Uint64(b)).AppendFormat(dst, timeLayout)
		}
	case typeSysTime:
		return appendSysTime(dst, b)
	case typeSID:
		return appendSID(dst, b)
	default:
		return appendHexUpper(dst, b)
	}
	return dst
}

// elemSize is the size of one element of a fixed-size array type.
func elemSize(typ byte) int {
	switch typ &^ typeArray {
	case typeInt8, typeUint8:
		return 1
	case typeInt16, typeUint16:
		return 2
	case typeInt32, typeUint32, typeReal32, typeBool, typeHex32:
		return 4
	case typeInt64, typeUint64, typeReal64, typeFileTime, typeHex64:
		return 8
	case typeGUID, typeSysTime:
		return 16
	}
	return 0
}

// appendValues appends a value as a list of strings, one per element of an
// array or one for any other value, and the end of each to ends.
func appendValues(dst []byte, ends []int, typ byte, b []byte) ([]byte, []int) {
	if typ&typeArray == 0 {
		dst = appendValue(dst, typ, b)
		return dst, append(ends, len(dst))
	}
	base := typ &^ typeArray
	switch base {
	case typeString:
		return appendUTF16Strings(dst, ends, b)
	case typeAnsi:
		// NUL-separated; a last empty piece (after the final NUL) is not a
		// string.
		for len(b) > 0 {
			i := bytes.IndexByte(b, 0)
			if i < 0 {
				i = len(b)
			}
			dst = appendANSI(dst, b[:i])
			ends = append(ends, len(dst))
			if i == len(b) {
				break
			}
			b = b[i+1:]
		}
		return dst, ends
	case typeSID:
		for len(b) >= 8 {
			n := 8 + 4*int(b[1])
			if n > len(b) {
				n = len(b)
			}
			dst = appendSID(dst, b[:n])
			ends = append(ends, len(dst))
			b = b[n:]
		}
		return dst, ends
	case typeSizeT:
		// The size of a SizeT element is not recorded; assume 64-bit.
		base = typeUint64
	}
	size := elemSize(base)
	if size == 0 {
		dst = appendValue(dst, base, b)
		return dst, append(ends, len(dst))
	}
	for i := 0; i+size <= len(b); i += size {
		dst = appendValue(dst, base, b[i:i+size])
		ends = append(ends, len(dst))
	}
	return dst, ends
}
