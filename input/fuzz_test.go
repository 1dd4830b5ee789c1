package input

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzWalk walks arbitrary bytes as a zip on standard input, reading every
// item to its end, and checks that nothing panics or runs away and that
// every error is an *Error naming the input.
func FuzzWalk(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "evtx", "customer-bundle.zip")); err == nil {
		f.Add(b)
	}
	whole := mkzip(f, entry{name: "a.evtx", data: evtx(2, 3000)}, entry{name: "b.evtx", data: evtx(3, 2000), stored: true})
	f.Add(whole)
	f.Add(whole[:len(whole)/2])
	f.Add(mkzip(f, entry{name: "in/inner.zip", data: whole}, entry{name: "c.evtx", data: evtx(4, 100)}, entry{name: "d/", dir: true}))
	f.Add(mkzip(f, entry{name: "../x.evtx", data: evtx(5, 700)}, rawStored("s.evtx", evtx(6, 900), 0, 0)))
	lim := Limits{MaxTotalBytes: 64 << 20, MaxNestedZipBytes: 16 << 20, MaxEntries: 1000}
	f.Fuzz(func(t *testing.T, b []byte) {
		w := NewWalker(lim)
		w.Stdin = bytes.NewReader(b)
		items := 0
		rep, err := w.Walk(context.Background(), []string{StdinName}, func(it Item, r io.Reader) error {
			items++
			if !strings.HasPrefix(it.Path, StdinName) {
				t.Fatalf("item %q not named after the input", it.Path)
			}
			n, err := io.Copy(io.Discard, r)
			if n > lim.MaxTotalBytes+int64(sniffLen) {
				t.Fatalf("%d bytes read from one item, over the limit", n)
			}
			return err
		})
		if err != nil {
			t.Fatalf("walk stopped: %v", err)
		}
		if rep.Items != items {
			t.Fatalf("report counts %d items, %d handed over", rep.Items, items)
		}
		for _, e := range rep.Errors {
			var ie *Error
			if !errors.As(e, &ie) || !strings.HasPrefix(ie.Path, StdinName) {
				t.Fatalf("error %v does not name the input", e)
			}
		}
	})
}
