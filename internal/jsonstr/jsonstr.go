// Package jsonstr appends strings escaped as encoding/json escapes them
// with SetEscapeHTML(false), without reflection or a Go string per value:
// the one escaper of the scan report's JSON writer (package report) and of
// dump's NDJSON encoder (package parser), so the two outputs cannot differ
// in how a string is written.
//
// The rules: '"', '\\' and the control characters are escaped (\b, \f, \n,
// \r and \t by name, the rest as \u00xx); U+2028 and U+2029 as \u2028 and
// \u2029; each byte of invalid UTF-8 as \ufffd; everything else, < > &
// included, is written as it is.
package jsonstr

import "unicode/utf8"

// hex is what encoding/json writes \u escapes with.
const hex = "0123456789abcdef"

// Safe reports whether the ASCII byte c (c < utf8.RuneSelf) is written as
// it is.
func Safe(c byte) bool { return c >= 0x20 && c != '"' && c != '\\' }

// AppendEscape appends the escape of an ASCII byte c that is not Safe.
func AppendEscape(dst []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
}

// AppendLineSep appends the escape of U+2028 or U+2029 (r).
func AppendLineSep(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
}

// AppendQuoted appends s as a JSON string, quotes included.
func AppendQuoted[S string | []byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	dst = AppendChars(dst, s)
	return append(dst, '"')
}

// AppendChars appends the characters of s escaped for a JSON string,
// without quotes.
func AppendChars[S string | []byte](dst []byte, s S) []byte {
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plain8(s, i) {
			i += 8
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if Safe(c) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = AppendEscape(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = AppendLineSep(dst, r)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

// plain8 reports whether the 8 bytes of s at i are all printable ASCII
// other than '"' and '\\', which JSON writes as they are: one test for
// eight bytes of the plain text most strings are made of. A byte below
// 0x20 makes x-0x20 borrow into its top bit; a '"' or '\\' is a zero byte
// of x^'"' or x^'\\'; a byte of 0x80 or more has its top bit set.
func plain8[S string | []byte](s S, i int) bool {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	control := (x - ones*0x20) &^ x
	return (x|control|(quote-ones)&^quote|(backslash-ones)&^backslash)&tops == 0
}
