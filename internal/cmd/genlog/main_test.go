package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1GiB", 1 << 30, true},
		{"500MB", 500e6, true},
		{"64KiB", 64 << 10, true},
		{"1.5MiB", 3 << 19, true},
		{"65536", 65536, true},
		{"", 0, false},
		{"-1MB", 0, false},
		{"ten", 0, false},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "g.evtx")
	var stderr bytes.Buffer
	if code := run([]string{"-o", out, "-size", "300KiB", "-seed", "5", "-zip"}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 4096+5*65536 {
		t.Errorf("file is %d bytes, want 5 chunks", len(data))
	}
	zr, err := zip.OpenReader(out + ".zip")
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 || zr.File[0].Name != "g.evtx" {
		t.Fatalf("zip holds %v", zr.File)
	}
	rc, _ := zr.File[0].Open()
	zdata, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(zdata, data) {
		t.Error("zipped copy differs")
	}
	for _, args := range [][]string{{}, {"-o", out, "-mix", "nope"}, {"-o", out, "-size", "x"}, {"-o", out, "extra"}} {
		if code := run(args, io.Discard); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}

// TestRunOpenAndDamage checks -open (that many 31001 starts, each with its
// own TrackingId, and nothing else) and -damage bad-records-crc (every
// chunk's records checksum wrong, its header checksum right).
func TestRunOpenAndDamage(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "open.evtx")
	var stderr bytes.Buffer
	if code := run([]string{"-o", out, "-open", "3000", "-damage", "bad-records-crc"}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	const fileHeader, chunkSize = 4096, 65536
	chunks := (len(b) - fileHeader) / chunkSize
	if chunks < 2 || (len(b)-fileHeader)%chunkSize != 0 {
		t.Fatalf("%d bytes: want a header and 2 or more whole chunks", len(b))
	}
	le := binary.LittleEndian
	tids := map[string]bool{}
	for i := 0; i < chunks; i++ {
		c := b[fileHeader+i*chunkSize:][:chunkSize]
		free := le.Uint32(c[48:])
		if got := crc32.ChecksumIEEE(c[512:free]); got == le.Uint32(c[52:]) {
			t.Errorf("chunk %d: records checksum is right", i)
		}
		if got := crc32.Update(crc32.ChecksumIEEE(c[0:120]), crc32.IEEETable, c[128:512]); got != le.Uint32(c[124:]) {
			t.Errorf("chunk %d: header checksum is wrong", i)
		}
		// The TrackingIds, as UTF-16 text "TrackingId: <36 characters>".
		marker := utf16le("TrackingId: ")
		for rest := c; ; {
			j := bytes.Index(rest, marker)
			if j < 0 {
				break
			}
			rest = rest[j+len(marker):]
			tids[string(rest[:72])] = true
		}
	}
	if len(tids) != 3000 {
		t.Errorf("%d distinct TrackingIds, want 3000", len(tids))
	}
	if code := run([]string{"-o", out, "-damage", "bad"}, &stderr); code != 2 {
		t.Errorf("-damage bad: exit %d, want 2", code)
	}
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), 0)
	}
	return b
}
