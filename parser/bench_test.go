package parser

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	evtx "github.com/0xrawsec/golang-evtx/evtx"
)

// benchFile is the file the benchmarks read: $EVTXSCAN_BENCH_FILE, or the
// largest clean sample.
func benchFile(b *testing.B) string {
	if p := os.Getenv("EVTXSCAN_BENCH_FILE"); p != "" {
		return p
	}
	p := filepath.Join("..", "..", "shared", "evtx-samples", "hayabusa", "DeepBlueCLI_many-events-application.evtx")
	if _, err := os.Stat(p); err != nil {
		b.Skip("no benchmark file")
	}
	return p
}

func benchRead(b *testing.B, workers int, keep func(string) bool) {
	path := benchFile(b)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r := NewReader(f)
		r.Workers = workers
		r.Keep = keep
		n := 0
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
		f.Close()
		b.ReportMetric(float64(n), "events/op")
	}
}

func BenchmarkRead(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("all/workers=%d", w), func(b *testing.B) { benchRead(b, w, nil) })
		b.Run(fmt.Sprintf("writeback/workers=%d", w), func(b *testing.B) { benchRead(b, w, Writeback) })
	}
}

// BenchmarkGolangEvtxFastEvents is golang-evtx's own file-level iterator on
// the same file, for comparison. It is run on clean files only: it panics in
// goroutines of its own on some dirty ones.
func BenchmarkGolangEvtxFastEvents(b *testing.B) {
	path := benchFile(b)
	fi, _ := os.Stat(path)
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		ef, err := evtx.New(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for range ef.FastEvents() {
			n++
		}
		b.ReportMetric(float64(n), "events/op")
	}
}
