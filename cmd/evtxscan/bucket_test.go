package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/internal/bucket"
	"github.com/evtxscan/evtxscan/lake/azuritetest"
)

// bucketFixtures are the objects a bucket input is tested with: an .evtx,
// a .zip, and a note that is no log.
var bucketFixtures = []string{"seed000-sync-rule.evtx", "tenant-a-contoso.zip"}

// fixtureFolder writes bucketFixtures and notes.txt into a new folder.
func fixtureFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range bucketFixtures {
		b, err := os.ReadFile(fixture(name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("case notes\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sameScanAsFolder scans the bucket URL and the folder dir and checks that
// the JSON reports and exit statuses are the same once the URL (without
// its query) and the folder are both written ROOT, that notes.txt is
// listed as skipped, and that the query is nowhere in the output.
func sameScanAsFolder(t *testing.T, url, dir string) {
	t.Helper()
	wantCode, wantOut, wantErr := cli(t, nil, nil, "scan", "--format", "json", "--tenant", "t", dir)
	code, out, stderr := cli(t, nil, nil, "scan", "--format", "json", "--tenant", "t", url)
	if code != wantCode {
		t.Errorf("exit %d from %s, %d from the folder; stderr:\n%s\nfolder:\n%s", code, url, wantCode, stderr, wantErr)
	}
	base := strings.TrimRight(bucket.Redact(url), "/")
	got := strings.ReplaceAll(out, base, "ROOT")
	want := strings.ReplaceAll(wantOut, dir, "ROOT")
	if got != want {
		t.Errorf("report from %s differs from the folder's:\n%.2000s\nwant:\n%.2000s", url, got, want)
	}
	rep := decodeReport(t, out)
	if len(rep.Inputs) < 2 || !strings.HasPrefix(rep.Inputs[0].Path, base+"/") {
		t.Errorf("inputs %+v, want paths under %s", rep.Inputs, base)
	}
	skipped := false
	for _, s := range rep.Skipped {
		skipped = skipped || s.Path == base+"/notes.txt"
	}
	if !skipped {
		t.Errorf("notes.txt not listed as skipped: %+v", rep.Skipped)
	}
	if q := strings.IndexByte(url, '?'); q >= 0 && (strings.Contains(out, url[q+1:]) || strings.Contains(stderr, url[q+1:])) {
		t.Errorf("the URL's query is in the output")
	}
}

// A file:// URL is read through the bucket driver like a folder.
func TestScanFileURL(t *testing.T) {
	dir := fixtureFolder(t)
	sameScanAsFolder(t, "file://"+filepath.ToSlash(dir), dir)
}

// An azblob:// URL (Azurite) with a prefix reads every object under the
// prefix, the same as the folder holding the same files.
func TestScanAzblobURL(t *testing.T) {
	az := azuritetest.Start(t)
	url := az.Container(t, "logs", "cases/t")
	dir := fixtureFolder(t)
	ctx := context.Background()
	b, err := bucket.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.WriteAll(ctx, e.Name(), data, ""); err != nil {
			t.Fatal(err)
		}
	}
	// An object beside the prefix is not read.
	root, err := bucket.Open(ctx, az.Root("logs"))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if err := root.WriteAll(ctx, "cases/other.evtx", []byte("ElfFile\x00"), ""); err != nil {
		t.Fatal(err)
	}
	sameScanAsFolder(t, url, dir)

	t.Run("missing container", func(t *testing.T) {
		code, _, stderr := cli(t, nil, nil, "scan", az.Root("nosuch"))
		if code == exitOK || !strings.Contains(stderr, "azblob://nosuch") || strings.Contains(stderr, "localemu") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
	})
}
