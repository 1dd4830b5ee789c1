package input

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// benchZip writes the real samples into a zip (deflated), nested one level
// deeper if nested is set, and returns its path, the path of one item in
// it and the bytes of EVTX it holds.
func benchZip(b *testing.B, nested bool) (string, string, int64) {
	all, _ := filepath.Glob("../../shared/evtx-samples/*/*.evtx")
	if len(all) == 0 {
		b.Skip("samples absent")
	}
	var es []entry
	var total int64
	for _, f := range all {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		es = append(es, entry{name: filepath.Base(f), data: data})
		total += int64(len(data))
	}
	data := mkzip(b, es...)
	item := "!" + es[0].name
	if nested {
		data = mkzip(b, entry{name: "inner.zip", data: data, stored: true})
		item = "!inner.zip" + item
	}
	name := filepath.Join(b.TempDir(), "bench.zip")
	writeFile(b, name, data)
	return name, name + item, total
}

func benchWalk(b *testing.B, nested bool) {
	name, _, total := benchZip(b, nested)
	w := &Walker{}
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		_, err := w.Walk(context.Background(), []string{name}, func(it Item, r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWalkZip streams the samples out of a zip; MB/s counts the
// inflated EVTX bytes.
func BenchmarkWalkZip(b *testing.B) { benchWalk(b, false) }

// BenchmarkWalkNestedZip does the same with the zip nested in another,
// read into memory first.
func BenchmarkWalkNestedZip(b *testing.B) { benchWalk(b, true) }

// BenchmarkOpenNested opens one item of a nested zip, as a worker would:
// the cost is dominated by reading the nested zip into memory again.
func BenchmarkOpenNested(b *testing.B) {
	_, item, _ := benchZip(b, true)
	w := &Walker{}
	b.ResetTimer()
	for b.Loop() {
		rc, err := w.Open(context.Background(), item)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			b.Fatal(err)
		}
		rc.Close()
	}
}
