package input

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	tar := make([]byte, 512)
	copy(tar, "Application.evtx")
	copy(tar[257:], "ustar\x0000")
	// Text cut by the sniffer in the middle of a two-byte character.
	cut := []byte(strings.Repeat("a", sniffLen-1) + "é")[:sniffLen]

	tests := []struct {
		name   string
		head   []byte
		kind   fileKind
		reason string
	}{
		{"EVTX", []byte("ElfFile\x00\x00\x00"), kindEVTX, ""},
		{"EVTX magic alone", []byte("ElfFile\x00"), kindEVTX, ""},
		{"EVTX magic cut short", []byte("ElfFile"), kindOther, "not EVTX (text)"},
		{"zip", []byte("PK\x03\x04\x14\x00"), kindZip, ""},
		{"empty zip", []byte("PK\x05\x06\x00\x00"), kindZip, ""},
		{"spanned zip marker", []byte("PK\x07\x08PK\x03\x04"), kindOther, "not EVTX"},
		{"empty", nil, kindOther, "empty"},
		{"chunk", []byte("ElfChnk\x00\x01"), kindOther, "not EVTX (an EVTX chunk without the file header)"},
		{"legacy EVT", []byte("\x30\x00\x00\x00LfLe\x01\x00"), kindOther, "not EVTX (legacy EVT log)"},
		{"gzip", []byte("\x1f\x8b\x08\x00"), kindOther, "not EVTX (gzip: unsupported archive)"},
		{"7z", []byte("7z\xbc\xaf\x27\x1c\x00\x04"), kindOther, "not EVTX (7z: unsupported archive)"},
		{"rar", []byte("Rar!\x1a\x07\x01\x00"), kindOther, "not EVTX (rar: unsupported archive)"},
		{"xz", []byte("\xfd7zXZ\x00\x00"), kindOther, "not EVTX (xz: unsupported archive)"},
		{"tar", tar, kindOther, "not EVTX (tar: unsupported archive)"},
		{"text", []byte("Log Name: Application\r\nSource: ADSync\r\n\tx\f"), kindOther, "not EVTX (text)"},
		{"text cut mid-character", cut, kindOther, "not EVTX (text)"},
		{"UTF-16 text", []byte("\xff\xfeL\x00o\x00g\x00"), kindOther, "not EVTX (text)"},
		{"UTF-8 BOM", []byte("\xef\xbb\xbfid,time\n"), kindOther, "not EVTX (text)"},
		{"NUL", []byte("abc\x00def"), kindOther, "not EVTX"},
		{"escape", []byte("abc\x1b[31m"), kindOther, "not EVTX"},
		{"invalid UTF-8 inside", []byte("ab\xffcdefgh"), kindOther, "not EVTX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k := kind(tt.head); k != tt.kind {
				t.Errorf("kind = %d, want %d", k, tt.kind)
			}
			if tt.kind == kindOther {
				if r := reason(tt.head); r != tt.reason {
					t.Errorf("reason = %q, want %q", r, tt.reason)
				}
			}
		})
	}
}

func TestLimitsDefaults(t *testing.T) {
	d := DefaultLimits()
	if d.MaxDepth <= 1 || d.MaxEntries <= 0 || d.MaxTotalBytes < d.MaxNestedZipBytes || d.MaxRatio <= 1 {
		t.Fatalf("DefaultLimits() = %+v is not a usable set of limits", d)
	}
	set := Limits{MaxDepth: 2, MaxEntries: 3, MaxTotalBytes: 4, MaxRatio: 5, MaxNestedZipBytes: 6}
	tests := []struct {
		name string
		in   Limits
		want Limits
	}{
		{"zero", Limits{}, d},
		{"negative", Limits{MaxDepth: -1, MaxEntries: -1, MaxTotalBytes: -1, MaxRatio: -1, MaxNestedZipBytes: -1}, d},
		{"NaN ratio", Limits{MaxRatio: math.NaN()}, d},
		{"set", set, set},
		{"some set", Limits{MaxDepth: 9}, Limits{9, d.MaxEntries, d.MaxTotalBytes, d.MaxRatio, d.MaxNestedZipBytes}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := tt.in.withDefaults(); g != tt.want {
				t.Errorf("withDefaults() = %+v, want %+v", g, tt.want)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	inner := errors.New("boom")
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Path: "a.evtx", Op: "open", Err: fs.ErrPermission}, "a.evtx: open: permission denied"},
		{&Error{Path: "b.zip!x.zip", Entry: "y", Err: inner}, "b.zip!x.zip: entry y: boom"},
		{&Error{Path: "b.zip", Entry: "y", Op: "read", Err: inner}, "b.zip: entry y: read: boom"},
		{&Error{Path: "b.zip"}, "b.zip: <nil>"},
		{nil, "<nil>"},
	}
	for _, tt := range tests {
		if g := tt.err.Error(); g != tt.want {
			t.Errorf("Error() = %q, want %q", g, tt.want)
		}
	}
	if !errors.Is(tests[1].err, inner) {
		t.Error("Unwrap does not reach the cause")
	}
	pe := &fs.PathError{Op: "stat", Path: "c.evtx", Err: fs.ErrNotExist}
	if g, want := newError("c.evtx", "", "", pe).Error(), "c.evtx: open: file does not exist"; g != want {
		t.Errorf("newError(PathError) = %q, want %q (path named once)", g, want)
	}
}

func TestUnsafeName(t *testing.T) {
	for name, want := range map[string]bool{
		"Application.evtx":     false,
		"logs/a.evtx":          false,
		`logs\a.evtx`:          false,
		"a..b.evtx":            false,
		"../a.evtx":            true,
		"logs/../../a.evtx":    true,
		`logs\..\..\a.evtx`:    true,
		"/etc/a.evtx":          true,
		`\\server\share\a`:     true,
		"C:/Windows/a.evtx":    true,
		"c:a.evtx":             true,
		"..":                   true,
		"logs/..evtx/..x.evtx": false,
	} {
		if g := unsafeName(name); g != want {
			t.Errorf("unsafeName(%q) = %v, want %v", name, g, want)
		}
	}
}

func TestFileKind(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, data, want string
	}{
		{"a.log", "ElfFile\x00rest", "evtx"},
		{"b.bin", "PK\x03\x04rest", "zip"},
		{"c.zip", "PK\x05\x06", "zip"},
		{"d.evtx", "ElfFil", ""},
		{"e.txt", "hello", ""},
		{"f", "", ""},
	} {
		p := filepath.Join(dir, tt.name)
		if err := os.WriteFile(p, []byte(tt.data), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := FileKind(p); got != tt.want {
			t.Errorf("FileKind(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := FileKind(filepath.Join(dir, "missing")); got != "" {
		t.Errorf("missing file: %q", got)
	}
}
