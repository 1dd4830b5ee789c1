package main

import (
	"archive/zip"
	"bytes"
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
