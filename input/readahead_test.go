package input

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

type failAfter struct{ err error }

func (f failAfter) Read([]byte) (int, error) { return 0, f.err }

// A readahead returns the bytes of its reader in order, then its error,
// whatever the sizes of the reads.
func TestReadahead(t *testing.T) {
	data := evtx(1, 3*raBlock+12345)
	boom := errors.New("boom")
	for _, tail := range []error{io.EOF, boom} {
		for _, size := range []int{1 << 10, raBlock - 1, raBlock, 3 * raBlock} {
			ra := newReadahead(io.MultiReader(bytes.NewReader(data), failAfter{tail}))
			var out []byte
			buf := make([]byte, size)
			var err error
			for {
				var n int
				n, err = ra.Read(buf)
				out = append(out, buf[:n]...)
				if err != nil {
					break
				}
			}
			ra.Close()
			if !bytes.Equal(out, data) || err != tail {
				t.Errorf("reads of %d, tail %v: %d bytes (want %d), err %v", size, tail, len(out), len(data), err)
			}
		}
	}
}

// Close in the middle stops the goroutine; Read after it fails.
func TestReadaheadClose(t *testing.T) {
	before := runtime.NumGoroutine()
	ra := newReadahead(bytes.NewReader(evtx(2, 10*raBlock)))
	if _, err := io.ReadFull(ra, make([]byte, raBlock+7)); err != nil {
		t.Fatal(err)
	}
	ra.Close()
	if _, err := ra.Read(make([]byte, 10)); err != errClosed {
		t.Errorf("Read after Close: %v", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left (before: %d)", n, before)
	}
}

// A large entry is read through the readahead: the same bytes; a consumer
// that stops early still gets the entry's CRC error reported, as before.
func TestZipLargeEntryReadahead(t *testing.T) {
	data := evtx(3, raMinSize+3*raBlock+99)
	dir := t.TempDir()
	zpath := filepath.Join(dir, "big.zip")
	writeFile(t, zpath, mkzip(t, entry{name: "Application.evtx", data: data}))
	items, _, err := walkAll(t, NewWalker(DefaultLimits()), zpath)
	if err != nil || len(items) != 1 || !bytes.Equal(items[0].data, data) {
		t.Fatalf("walk: %v, %d items", err, len(items))
	}
	// A bad CRC, and a consumer that reads only the start.
	bad := append([]byte(nil), data...)
	z := mkzip(t, rawStored("Application.evtx", bad, 0, 0))
	// Corrupt a byte of the stored data, far past the first blocks.
	i := bytes.Index(z, bad[raMinSize:raMinSize+64])
	z[i] ^= 0xff
	writeFile(t, zpath, z)
	rep, err := NewWalker(DefaultLimits()).Walk(context.Background(), []string{zpath}, func(it Item, r io.Reader) error {
		_, err := io.ReadFull(r, make([]byte, 4096))
		return err
	})
	if err != nil || len(rep.Errors) != 1 {
		t.Fatalf("walk with a bad CRC: %v, errors %v", err, rep.Errors)
	}
}
