package main

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// terminalUnsafe reports the first character of s a terminal would obey or
// that changes what a person reads.
func terminalUnsafe(s string) (rune, bool) {
	for _, r := range s {
		if r == '\n' || r == '\t' {
			continue
		}
		if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r) {
			return r, true
		}
	}
	return 0, false
}

// Escape sequences and bidi characters in file names and zip entry names
// reach neither standard output nor standard error raw, whatever the
// format; the names are shown escaped.
func TestHostileNamesSafeOnTerminal(t *testing.T) {
	log, err := os.ReadFile(filepath.Join("..", "..", "testdata", "evtx", "healthy-day.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	evil := "\x1b]0;pwned\x07\x1b[2J\x1b]8;;https://x.example\x1b\\log\u202egpj.\u200b\ufeff"
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, name := range []string{evil + ".evtx", evil + "-cut.evtx", "notes\x1b[31m.txt"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(name, "-cut.evtx"):
			w.Write(log[:4096+65536+3000]) // damage: a chunk cut short
		case strings.HasSuffix(name, ".evtx"):
			w.Write(log)
		default:
			w.Write([]byte("hello"))
		}
	}
	zw.Close()
	zpath := filepath.Join(dir, "bundle\x1b[1m\u2066.zip")
	if err := os.WriteFile(zpath, zb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json"} {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"scan", "--format", format, zpath}, &out, &errb)
		if code != exitDamaged {
			t.Errorf("%s: exit %d, want %d (damaged)\n%s", format, code, exitDamaged, errb.String())
		}
		if format == "text" {
			if r, bad := terminalUnsafe(out.String()); bad {
				t.Errorf("text report holds %U raw", r)
			}
			// Long paths wrap: look in the text without its line breaks.
			if !strings.Contains(strings.Join(strings.Fields(out.String()), ""), `\x1b]0;pwned`) {
				t.Errorf("text report does not show the entry name escaped:\n%s", out.String())
			}
		}
		if r, bad := terminalUnsafe(errb.String()); bad {
			t.Errorf("%s: standard error holds %U raw:\n%q", format, r, errb.String())
		}
		if format == "json" && !strings.Contains(errb.String(), `\u202e`) {
			t.Errorf("%s: standard error does not name the damaged entry escaped:\n%s", format, errb.String())
		}
	}
}

// --out replaces the old report whole, and a report that cannot be put in
// place leaves nothing behind.
func TestOutAtomic(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join("..", "..", "testdata", "evtx", "healthy-day.evtx")
	out := filepath.Join(dir, "report.json")
	if err := os.WriteFile(out, []byte("previous report"), 0o644); err != nil {
		t.Fatal(err)
	}
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"scan", "--format", "json", "--out", out, in}, &o, &e); code != exitOK {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	b, _ := os.ReadFile(out)
	if !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		t.Errorf("report.json: %.40q", b)
	}
	// The target is a directory that is not empty: the rename fails.
	blocked := filepath.Join(dir, "blocked")
	os.MkdirAll(filepath.Join(blocked, "x"), 0o755)
	if code := run(context.Background(), []string{"scan", "--format", "json", "--out", blocked, in}, &o, &e); code != exitFatal {
		t.Errorf("exit %d writing over a directory, want %d", code, exitFatal)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("left in the directory: %q, want report.json and blocked", names)
	}
}

// An entry that declares more bytes than it holds: every record it does
// hold is read, and the error is said once, naming the entry once.
func TestLyingZipEntryOnce(t *testing.T) {
	log, err := os.ReadFile(filepath.Join("..", "..", "testdata", "evtx", "healthy-day.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("Application.evtx")
	w.Write(log)
	zw.Close()
	z := zb.Bytes()
	cd := bytes.LastIndex(z, []byte("PK\x01\x02"))
	size := uint32(len(log) + 100000)
	z[cd+24], z[cd+25], z[cd+26], z[cd+27] = byte(size), byte(size>>8), byte(size>>16), byte(size>>24)
	path := filepath.Join(t.TempDir(), "lying.zip")
	os.WriteFile(path, z, 0o644)
	for _, workers := range []string{"1", "2"} {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"scan", "--format", "json", "--workers", workers, path}, &out, &errb)
		if code != exitDamaged {
			t.Errorf("workers %s: exit %d, want %d", workers, code, exitDamaged)
		}
		if !strings.Contains(out.String(), `"records": 767`) {
			t.Errorf("workers %s: the report does not hold the 767 records of the entry", workers)
		}
		entry := "lying.zip: entry Application.evtx"
		if n := strings.Count(errb.String(), entry); n != 1 {
			t.Errorf("workers %s: %q said %d times:\n%s", workers, entry, n, errb.String())
		}
	}
}
