package parser

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
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

// utf16String decodes little-endian UTF-16 bytes, stopping at the first NUL.
func utf16String(b []byte) string {
	n := len(b) / 2
	// Fast path: pure ASCII.
	ascii := true
	end := n
	for i := 0; i < n; i++ {
		u := binary.LittleEndian.Uint16(b[2*i:])
		if u == 0 {
			end = i
			break
		}
		if u >= 0x80 {
			ascii = false
		}
	}
	if ascii {
		var sb strings.Builder
		sb.Grow(end)
		for i := 0; i < end; i++ {
			sb.WriteByte(b[2*i])
		}
		return sb.String()
	}
	u := make([]uint16, end)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// utf16Strings splits a string array value (type 0x81): UTF-16 strings each
// terminated by NUL. Empty strings inside the array are kept.
func utf16Strings(b []byte) []string {
	var out []string
	start := 0
	n := len(b) / 2
	for i := 0; i < n; i++ {
		if binary.LittleEndian.Uint16(b[2*i:]) == 0 {
			out = append(out, utf16String(b[2*start:2*i]))
			start = i + 1
		}
	}
	if start < n {
		out = append(out, utf16String(b[2*start:2*n]))
	}
	return out
}

// ansiString decodes an ANSI string value: up to the first NUL, bytes above
// 0x7f read as Windows-1252's Latin-1 range.
func ansiString(b []byte) string {
	if i := indexByte(b, 0); i >= 0 {
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
			return string(b)
		}
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// formatGUID renders a GUID the way Event Viewer does: {XXXXXXXX-XXXX-...}.
func formatGUID(b []byte) string {
	if len(b) < 16 {
		return strings.ToUpper(hex.EncodeToString(b))
	}
	var sb strings.Builder
	sb.Grow(38)
	sb.WriteByte('{')
	hexU32(&sb, binary.LittleEndian.Uint32(b[0:]), 8)
	sb.WriteByte('-')
	hexU32(&sb, uint32(binary.LittleEndian.Uint16(b[4:])), 4)
	sb.WriteByte('-')
	hexU32(&sb, uint32(binary.LittleEndian.Uint16(b[6:])), 4)
	sb.WriteByte('-')
	sb.WriteString(strings.ToUpper(hex.EncodeToString(b[8:10])))
	sb.WriteByte('-')
	sb.WriteString(strings.ToUpper(hex.EncodeToString(b[10:16])))
	sb.WriteByte('}')
	return sb.String()
}

func hexU32(sb *strings.Builder, v uint32, width int) {
	s := strings.ToUpper(strconv.FormatUint(uint64(v), 16))
	for i := len(s); i < width; i++ {
		sb.WriteByte('0')
	}
	sb.WriteString(s)
}

// formatSID renders a binary SID as S-R-A-S1-S2-...
func formatSID(b []byte) string {
	if len(b) < 8 {
		return ""
	}
	n := int(b[1])
	if len(b) < 8+4*n {
		n = (len(b) - 8) / 4
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	var sb strings.Builder
	sb.WriteString("S-")
	sb.WriteString(strconv.Itoa(int(b[0])))
	sb.WriteByte('-')
	sb.WriteString(strconv.FormatUint(auth, 10))
	for i := 0; i < n; i++ {
		sb.WriteByte('-')
		sb.WriteString(strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10))
	}
	return sb.String()
}

func formatSysTime(b []byte) string {
	if len(b) < 16 {
		return ""
	}
	u := func(i int) int { return int(binary.LittleEndian.Uint16(b[2*i:])) }
	t := time.Date(u(0), time.Month(u(1)), u(3), u(4), u(5), u(6), u(7)*1_000_000, time.UTC)
	return t.Format("2006-01-02T15:04:05.000Z")
}

// formatTime renders a time as libyal and Event Viewer's XML do:
// RFC 3339 in UTC with nine fractional digits.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}

func hexFixed(v uint64, digits int) string {
	s := strconv.FormatUint(v, 16)
	if len(s) >= digits {
		return "0x" + s
	}
	return "0x" + strings.Repeat("0", digits-len(s)) + s
}

// renderValue renders one substitution value as text. Arrays (other than
// string arrays, which renderValues splits) are joined with ", ".
func renderValue(typ byte, b []byte) string {
	if typ&typeArray != 0 {
		return strings.Join(renderValues(typ, b), ", ")
	}
	switch typ {
	case typeNull:
		return ""
	case typeString:
		return utf16String(b)
	case typeAnsi:
		return ansiString(b)
	case typeInt8:
		if len(b) >= 1 {
			return strconv.Itoa(int(int8(b[0])))
		}
	case typeUint8:
		if len(b) >= 1 {
			return strconv.Itoa(int(b[0]))
		}
	case typeInt16:
		if len(b) >= 2 {
			return strconv.Itoa(int(int16(binary.LittleEndian.Uint16(b))))
		}
	case typeUint16:
		if len(b) >= 2 {
			return strconv.Itoa(int(binary.LittleEndian.Uint16(b)))
		}
	case typeInt32:
		if len(b) >= 4 {
			return strconv.FormatInt(int64(int32(binary.LittleEndian.Uint32(b))), 10)
		}
	case typeUint32:
		if len(b) >= 4 {
			return strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b)), 10)
		}
	case typeInt64:
		if len(b) >= 8 {
			return strconv.FormatInt(int64(binary.LittleEndian.Uint64(b)), 10)
		}
	case typeUint64:
		if len(b) >= 8 {
			return strconv.FormatUint(binary.LittleEndian.Uint64(b), 10)
		}
	case typeReal32:
		if len(b) >= 4 {
			return strconv.FormatFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), 'g', -1, 32)
		}
	case typeReal64:
		if len(b) >= 8 {
			return strconv.FormatFloat(math.Float64frombits(binary.LittleEndian.Uint64(b)), 'g', -1, 64)
		}
	case typeBool:
		// Any non-zero value is true (Windows writes 1, some writers other values).
		for _, c := range b {
			if c != 0 {
				return "true"
			}
		}
		return "false"
	case typeBinary:
		return strings.ToUpper(hex.EncodeToString(b))
	case typeGUID:
		return formatGUID(b)
	case typeSizeT:
		// Rendered in decimal, as Event Viewer and libyal do.
		switch len(b) {
		case 4:
			return strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b)), 10)
		case 8:
			return strconv.FormatUint(binary.LittleEndian.Uint64(b), 10)
		}
		return "0x" + hex.EncodeToString(b)
	case typeHex32, typeHex64:
		switch len(b) {
		case 4:
			return hexFixed(uint64(binary.LittleEndian.Uint32(b)), 8)
		case 8:
			return hexFixed(binary.LittleEndian.Uint64(b), 16)
		}
		return "0x" + hex.EncodeToString(b)
	case typeFileTime:
		if len(b) >= 8 {
			return formatTime(fileTime(binary.LittleEndian.Uint64(b)))
		}
	case typeSysTime:
		return formatSysTime(b)
	case typeSID:
		return formatSID(b)
	default:
		return strings.ToUpper(hex.EncodeToString(b))
	}
	return ""
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

// renderValues renders a value as a list of strings: one per element of an
// array, one for any other value.
func renderValues(typ byte, b []byte) []string {
	if typ&typeArray == 0 {
		return []string{renderValue(typ, b)}
	}
	base := typ &^ typeArray
	switch base {
	case typeString:
		return utf16Strings(b)
	case typeAnsi:
		var out []string
		for _, p := range strings.Split(string(b), "\x00") {
			out = append(out, ansiString([]byte(p)))
		}
		if len(out) > 0 && out[len(out)-1] == "" {
			out = out[:len(out)-1]
		}
		return out
	case typeSID:
		var out []string
		for len(b) >= 8 {
			n := 8 + 4*int(b[1])
			if n > len(b) {
				n = len(b)
			}
			out = append(out, formatSID(b[:n]))
			b = b[n:]
		}
		return out
	case typeSizeT:
		// The size of a SizeT element is not recorded; assume 64-bit.
		base = typeUint64
	}
	size := elemSize(base)
	if size == 0 {
		return []string{renderValue(base, b)}
	}
	out := make([]string, 0, len(b)/size)
	for i := 0; i+size <= len(b); i += size {
		out = append(out, renderValue(base, b[i:i+size]))
	}
	return out
}
