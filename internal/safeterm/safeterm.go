// Package safeterm makes text safe to write to a terminal: text read from a
// customer's files (paths, zip entry names, tenant and computer names, the
// messages of a log) can hold control characters that a terminal obeys —
// escape sequences that set its title, clear the screen or plant an OSC 8
// hyperlink — and invisible Unicode characters that change what a person
// reads (bidi overrides that reorder a line, zero-width characters, line
// and paragraph separators, a byte order mark).
//
// String writes each such character as a visible escape instead: \x1b for
// ESC, \u202e for RIGHT-TO-LEFT OVERRIDE, \xff for a byte that is not
// UTF-8. The rest of an escape sequence is then plain text. What is
// replaced:
//
//   - C0 controls U+0000–U+001F (ESC, BEL, CR, backspace, ... and, in
//     String, tab and newline too) and DEL U+007F;
//   - C1 controls U+0080–U+009F (CSI U+009B and OSC U+009D among them);
//   - every character of Unicode category Cf (format): the bidi controls
//     U+200E, U+200F, U+202A–U+202E, U+2066–U+2069, U+061C, the zero-width
//     characters U+200B–U+200D and U+2060, U+FEFF, soft hyphen, ...;
//   - the line and paragraph separators U+2028 and U+2029;
//   - bytes that are not valid UTF-8.
//
// A string that needs nothing replaced is returned as it is, without
// allocating.
package safeterm

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns s made safe for one line of a terminal: every character
// listed in the package documentation, tab and newline included, is
// replaced by its escape.
func String(s string) string { return clean(s, false) }

// Text returns s made safe for a terminal, keeping its tabs and line
// breaks: a CR LF or a lone CR becomes a newline; everything else listed
// in the package documentation is replaced by its escape. For multi-line
// text such as the message of an event.
func Text(s string) string { return clean(s, true) }

// unsafe reports whether r must be replaced. keepLines keeps tab and
// newline.
func unsafe(r rune, keepLines bool) bool {
	switch {
	case r == '\t' || r == '\n':
		return !keepLines
	case r < 0x20 || r == 0x7f:
		return true
	case r < 0x80:
		return false
	case r <= 0x9f:
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

func needs(s string, keepLines bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if unsafe(rune(c), keepLines) {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || unsafe(r, keepLines) {
			return true
		}
		i += n
	}
	return false
}

func clean(s string, keepLines bool) string {
	if !needs(s, keepLines) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case keepLines && r == '\r':
			b.WriteByte('\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				n = 2
			}
		case !unsafe(r, keepLines):
			b.WriteString(s[i : i+n])
		case r < 0x100:
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		default:
			b.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(strings.Repeat("0", max(0, 4-len(h))))
			b.WriteString(h)
		}
		i += n
	}
	return b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
