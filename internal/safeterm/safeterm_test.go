package safeterm

import (
	"strings"
	"testing"
	"unicode"
)

func TestString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "bundle.zip!logs/Application.evtx", "bundle.zip!logs/Application.evtx"},
		{"unicode kept", "AADC01 — 鈴木 一郎 é 😀", "AADC01 — 鈴木 一郎 é 😀"},
		{"title", "a\x1b]0;pwned\x07b", `a\x1b]0;pwned\x07b`},
		{"clear screen", "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"osc 8 link", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", `\x1b]8;;https://evil.example\x1b\click\x1b]8;;\x1b\`},
		{"c1 csi and osc", "x\u009b2Jy\u009d0;t\u009c", `x\x9b2Jy\x9d0;t\x9c`},
		{"newline tab cr", "a\nb\tc\rd", `a\x0ab\x09c\x0dd`},
		{"nul del backspace", "a\x00b\x7fc\bd", `a\x00b\x7fc\x08d`},
		{"bidi override", "invoice\u202egpj.evtx", `invoice\u202egpj.evtx`},
		{"bidi embeddings", "\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
		{"bidi isolates", "\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"marks", "\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"zero width", "ad\u200bmin\u200c\u200d\u2060", `ad\u200bmin\u200c\u200d\u2060`},
		{"separators", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"bom", "\ufeffApplication", `\ufeffApplication`},
		{"soft hyphen (Cf)", "pass\u00adword", `pass\xadword`},
		{"invalid utf-8", "a\xffb\xc3", `a\xffb\xc3`},
		{"tag character (Cf, astral)", "x\U000E0041", `x\ue0041`},
	}
	for _, tt := range tests {
		if got := String(tt.in); got != tt.want {
			t.Errorf("%s: String(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"lines kept", "line 1\n\tline 2", "line 1\n\tline 2"},
		{"crlf", "a\r\nb\rc", "a\nb\nc"},
		{"escape", "a\x1b[31mred", `a\x1b[31mred`},
		{"bidi", "x\u202ey", `x\u202ey`},
		{"separators", "a\u2028b", `a\u2028b`},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("%s: Text(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// Nothing the package replaces survives, for every rune of the BMP.
func TestNoUnsafeRuneSurvives(t *testing.T) {
	for r := rune(0); r < 0x10000; r++ {
		if r >= 0xd800 && r < 0xe000 {
			continue
		}
		out := String(string(r))
		for _, c := range out {
			if c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029 || unicode.Is(unicode.Cf, c) {
				t.Fatalf("String(%U) = %q keeps %U", r, out, c)
			}
		}
	}
}

func TestNoAllocWhenClean(t *testing.T) {
	s := strings.Repeat("AADC01.contoso.local ", 10)
	if n := testing.AllocsPerRun(100, func() { _ = String(s) }); n != 0 {
		t.Errorf("%v allocations for a clean string", n)
	}
}
