package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/internal/testenv"
)

func samplesDir(t *testing.T) string {
	return testenv.SharedDir(t, "evtx-samples")
}

// dumpLines runs evtxscan dump and returns its NDJSON lines with the path
// member removed (it differs between a file and the same file in a zip),
// and the exit status.
func dumpLines(t *testing.T, args ...string) ([]string, int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"dump"}, args...), &out, &errb)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad NDJSON line %q: %v", l, err)
		}
		delete(m, "path")
		b, _ := json.Marshal(m)
		lines = append(lines, string(b))
	}
	return lines, code, errb.String()
}

func addFile(t *testing.T, zw *zip.Writer, name string, data []byte) {
	t.Helper()
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
}

// The same files inside a zip, some in a nested zip, give the same records,
// and no temporary file is written on the way.
func TestDumpZipSameAsFiles(t *testing.T) {
	dir := samplesDir(t)
	paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.evtx"))
	sort.Strings(paths)
	if len(paths) > 12 {
		paths = paths[:12]
	}
	tmp := t.TempDir()
	zpath := filepath.Join(tmp, "bundle.zip")
	var inner bytes.Buffer
	izw := zip.NewWriter(&inner)
	f, err := os.Create(zpath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(p)
		if i%3 == 2 {
			addFile(t, izw, name, data)
		} else {
			addFile(t, zw, "logs/"+name, data)
		}
	}
	if err := izw.Close(); err != nil {
		t.Fatal(err)
	}
	addFile(t, zw, "nested/inner.zip", inner.Bytes())
	addFile(t, zw, "readme.txt", []byte("not a log\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// Plain files, in the order the zip holds them.
	var order []string
	for i, p := range paths {
		if i%3 != 2 {
			order = append(order, p)
		}
	}
	for i, p := range paths {
		if i%3 == 2 {
			order = append(order, p)
		}
	}
	want, wantCode, _ := dumpLines(t, append([]string{"--all", "--workers", "2"}, order...)...)

	// Any temporary file the reading code made would land in TMPDIR: point
	// it at an empty directory of the test's own (the system's temp
	// directory is shared with whatever else runs at the same time).
	tmpdir := t.TempDir()
	t.Setenv("TMPDIR", tmpdir)
	got, code, stderr := dumpLines(t, "--all", "--workers", "2", zpath)
	if ents, err := os.ReadDir(tmpdir); err != nil || len(ents) != 0 {
		t.Errorf("temporary files written during the dump: %v %v", ents, err)
	}
	if code != wantCode {
		t.Errorf("exit %d for the zip, %d for the files; stderr:\n%s", code, wantCode, stderr)
	}
	if len(got) != len(want) {
		t.Fatalf("zip gave %d events, files %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("event %d differs:\nzip:  %s\nfile: %s", i, got[i], want[i])
		}
	}
	if !strings.Contains(stderr, "readme.txt: not EVTX") {
		t.Errorf("the text entry is not listed as skipped:\n%s", stderr)
	}
}

func TestDumpExitStatus(t *testing.T) {
	dir := samplesDir(t)
	tmp := t.TempDir()
	txt := filepath.Join(tmp, "notes.txt")
	os.WriteFile(txt, []byte("hello"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"clean", []string{"--all", filepath.Join(dir, "hayabusa", "DeepBlueCLI_many-events-application.evtx")}, exitOK},
		{"damaged", []string{"--all", filepath.Join(dir, "evtx-rs", "sample_with_a_bad_chunk_magic.evtx")}, exitDamaged},
		{"no input", []string{}, exitUsage},
		{"bad flag", []string{"--frobnicate", "x"}, exitUsage},
		{"missing file", []string{filepath.Join(tmp, "nope.evtx")}, exitFatal},
		{"missing and clean", []string{"--all", filepath.Join(tmp, "nope.evtx"), filepath.Join(dir, "hayabusa", "DeepBlueCLI_many-events-application.evtx")}, exitDamaged},
		{"nothing EVTX", []string{txt}, exitFatal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errb bytes.Buffer
			if code := run(context.Background(), append([]string{"dump"}, tt.args...), io.Discard, &errb); code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errb.String())
			}
		})
	}
}

// The default filter keeps only the writeback sources.
func TestDumpDefaultFilter(t *testing.T) {
	dir := samplesDir(t)
	p := filepath.Join(dir, "hayabusa", "DeepBlueCLI_many-events-application.evtx")
	all, _, _ := dumpLines(t, "--all", p)
	kept, _, _ := dumpLines(t, p)
	if len(all) == 0 || len(kept) != 0 {
		t.Errorf("--all: %d events, default filter: %d (the sample holds no writeback source)", len(all), len(kept))
	}
}
