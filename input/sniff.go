package input

import (
	"bytes"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// sniffLen is how many leading bytes are read to tell what a file is.
const sniffLen = 512

type fileKind int

const (
	kindOther fileKind = iota
	kindEVTX
	kindZip
)

var (
	evtxMagic     = []byte("ElfFile\x00")
	zipMagic      = []byte("PK\x03\x04")
	zipEmptyMagic = []byte("PK\x05\x06") // end of central directory first: an empty archive
)

// kind tells what the leading bytes head belong to.
func kind(head []byte) fileKind {
	switch {
	case bytes.HasPrefix(head, evtxMagic):
		return kindEVTX
	case bytes.HasPrefix(head, zipMagic), bytes.HasPrefix(head, zipEmptyMagic):
		return kindZip
	}
	return kindOther
}

// reason says why a file with leading bytes head is not read as EVTX.
// Formats a customer may plausibly send instead are named.
func reason(head []byte) string {
	has := func(s string) bool { return bytes.HasPrefix(head, []byte(s)) }
	switch {
	case len(head) == 0:
		return "empty"
	case has("ElfChnk\x00"):
		return "not EVTX (an EVTX chunk without the file header)"
	case len(head) >= 8 && string(head[4:8]) == "LfLe":
		return "not EVTX (legacy EVT log)"
	case has("\x1f\x8b"):
		return "not EVTX (gzip: unsupported archive)"
	case has("BZh"):
		return "not EVTX (bzip2: unsupported archive)"
	case has("\xfd7zXZ\x00"):
		return "not EVTX (xz: unsupported archive)"
	case has("\x28\xb5\x2f\xfd"):
		return "not EVTX (zstd: unsupported archive)"
	case has("7z\xbc\xaf\x27\x1c"):
		return "not EVTX (7z: unsupported archive)"
	case has("Rar!\x1a\x07"):
		return "not EVTX (rar: unsupported archive)"
	case has("MSCF"):
		return "not EVTX (cab: unsupported archive)"
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return "not EVTX (tar: unsupported archive)"
	case isText(head):
		return "not EVTX (text)"
	}
	return "not EVTX"
}

// isText reports whether head looks like the start of a text file: a
// Unicode byte order mark, or UTF-8 without control characters other than
// white space.
func isText(head []byte) bool {
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")),
		bytes.HasPrefix(head, []byte("\xff\xfe")),
		bytes.HasPrefix(head, []byte("\xfe\xff")):
		return true
	}
	// The sniffed bytes may end in the middle of a character.
	b := head
	for i := 0; i < utf8.UTFMax-1 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1]
	}
	if len(b) == 0 || !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7f {
			return false
		}
	}
	return true
}

// UnsupportedArchive reports whether s is an archive in a format that is
// not read (7z, rar, cab, tar, gzip, bzip2, xz, zstd): logs inside it, if
// any, were not read.
func (s Skipped) UnsupportedArchive() bool {
	return strings.HasSuffix(s.Reason, ": unsupported archive)")
}

// FileKind tells what the file at path is by its first bytes, as a walk
// does: "evtx", "zip", or "" for anything else and when it cannot be read.
func FileKind(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, len(evtxMagic))
	n, _ := io.ReadFull(f, head)
	switch kind(head[:n]) {
	case kindEVTX:
		return "evtx"
	case kindZip:
		return "zip"
	}
	return ""
}
