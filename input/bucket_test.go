package input

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// A file:// URL is walked like the folder, through Walker.Bucket, its
// items named by the URL and the key: EVTX objects streamed whole, zip
// objects read within MaxNestedZipBytes, other objects skipped; without
// Walker.Bucket it is an error, not a read.
func TestWalkBucketURL(t *testing.T) {
	dir := t.TempDir()
	a, b := evtx(1, 5000), evtx(2, 7000)
	writeFile(t, filepath.Join(dir, "a.evtx"), a)
	writeFile(t, filepath.Join(dir, "sub", "case.zip"), mkzip(t, entry{name: "b.evtx", data: b}))
	writeFile(t, filepath.Join(dir, "sub", "notes.txt"), []byte("hello\n"))
	big := mkzip(t, entry{name: "c.evtx", data: evtx(3, 64<<10), stored: true})
	writeFile(t, filepath.Join(dir, "z-big.zip"), big)
	url := "file://" + filepath.ToSlash(dir)

	w := &Walker{Limits: Limits{MaxNestedZipBytes: int64(len(big)) - 1}, Bucket: OpenBucket}
	items, rep, err := walkAll(t, w, url+"?metadata=skip")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{url + "/a.evtx", url + "/sub/case.zip!b.evtx"}
	if !slices.Equal(paths(items), want) {
		t.Fatalf("items %q, want %q", paths(items), want)
	}
	if !bytes.Equal(items[0].data, a) || !bytes.Equal(items[1].data, b) {
		t.Error("item bytes differ from the objects'")
	}
	if len(rep.Skipped) != 1 || rep.Skipped[0] != (Skipped{url + "/sub/notes.txt", "not EVTX (text)"}) {
		t.Errorf("skipped %+v", rep.Skipped)
	}
	if len(rep.Errors) != 1 || !errors.Is(rep.Errors[0], ErrTooLarge) || asError(t, rep.Errors[0]).Path != url+"/z-big.zip" {
		t.Errorf("errors %v, want %s too large", rep.Errors, url+"/z-big.zip")
	}

	items, rep, err = walkAll(t, &Walker{}, url)
	if err != nil || len(items) != 0 || len(rep.Errors) != 1 || !errors.Is(rep.Errors[0], errNoBuckets) {
		t.Errorf("without Walker.Bucket: %d items, errors %v, %v", len(items), rep.Errors, err)
	}
}
