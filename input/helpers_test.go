package input

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// evtx returns n bytes that look like an EVTX file to the sniffer: the
// magic, then filler drawn from seed that does not compress.
func evtx(seed uint64, n int) []byte {
	b := make([]byte, n)
	copy(b, evtxMagic)
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	for i := len(evtxMagic); i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// entry describes one entry of a test archive.
type entry struct {
	name   string
	data   []byte
	stored bool // zip.Store rather than zip.Deflate
	dir    bool
	raw    *zip.FileHeader // if set, data is written as is with this header
}

var testTime = time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)

// mkzip returns a zip archive holding entries, in order.
func mkzip(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		var w io.Writer
		var err error
		switch {
		case e.raw != nil:
			w, err = zw.CreateRaw(e.raw)
		case e.dir:
			_, err = zw.CreateHeader(&zip.FileHeader{Name: e.name, Modified: testTime})
		default:
			method := zip.Deflate
			if e.stored {
				method = zip.Store
			}
			w, err = zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method, Modified: testTime})
		}
		if err != nil {
			t.Fatal(err)
		}
		if w != nil {
			if _, err := w.Write(e.data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawStored returns an entry written with header h (CRC and sizes filled
// in for stored data).
func rawStored(name string, data []byte, method, flags uint16) entry {
	return entry{name: name, data: data, raw: &zip.FileHeader{
		Name:               name,
		Method:             method,
		Flags:              flags,
		CRC32:              crc32.ChecksumIEEE(data),
		CompressedSize64:   uint64(len(data)),
		UncompressedSize64: uint64(len(data)),
		Modified:           testTime,
	}}
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// got is one item delivered by a walk, with its bytes.
type got struct {
	path string
	data []byte
	err  error // from reading the item
}

// walkAll walks paths with w, reading every item whole; fn's read error,
// if any, is returned to Walk.
func walkAll(t testing.TB, w *Walker, paths ...string) ([]got, Report, error) {
	t.Helper()
	var items []got
	rep, err := w.Walk(context.Background(), paths, func(it Item, r io.Reader) error {
		data, err := io.ReadAll(r)
		items = append(items, got{it.Path, data, err})
		return err
	})
	return items, rep, err
}

func paths(items []got) []string {
	var p []string
	for _, it := range items {
		p = append(p, it.path)
	}
	return p
}

// errorStrings returns the messages of errs.
func errorStrings(errs []error) []string {
	var s []string
	for _, e := range errs {
		s = append(s, e.Error())
	}
	return s
}

// asError returns err as an *Error, failing the test if it is not one.
func asError(t testing.TB, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	return e
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
