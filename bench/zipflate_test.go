// Package bench holds benchmarks of the whole read path that need large
// generated inputs; see scan.sh. They are skipped unless
// EVTXSCAN_BENCH_ZIP names a zip holding one .evtx entry (genlog -zip).
//
//	EVTXSCAN_BENCH_ZIP=/tmp/entra.evtx.zip go test ./bench -run XXX -bench . -benchtime 3x
package bench

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/internal/inflate"
	"github.com/evtxscan/evtxscan/parser"
)

// decompressors are the deflate implementations compared: the standard
// library's (what archive/zip uses by default) and internal/inflate's
// (klauspost/compress's, through a larger read buffer), which the input
// package and bench/crc32 register on each zip.Reader. Figures from
// klauspost v1.17.9, before the read buffer:
//
//	EVTXSCAN_BENCH_ZIP=/tmp/z256.evtx.zip go test ./bench -run XXX -bench . -benchtime 2x -count 2
//	(256 MiB Entra log, 2 cores)
//	Inflate: stdlib 500 ms, klauspost 416 ms
//	ZipRead data, workers=2: stdlib 623 ms, klauspost 513 ms
func decompressors() []decompressor {
	return []decompressor{
		{"stdlib", nil},
		{"klauspost", inflate.NewReader},
	}
}

type decompressor struct {
	name string
	fn   zip.Decompressor // nil: archive/zip's own
}

// openEntry opens the zip's only (first) entry with the given decompressor.
func openEntry(b *testing.B, path string, fn zip.Decompressor) (io.ReadCloser, int64, func()) {
	b.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		b.Fatal(err)
	}
	if fn != nil {
		zr.RegisterDecompressor(zip.Deflate, fn)
	}
	if len(zr.File) == 0 {
		b.Fatal("empty zip")
	}
	f := zr.File[0]
	rc, err := f.Open()
	if err != nil {
		b.Fatal(err)
	}
	return rc, int64(f.UncompressedSize64), func() { rc.Close(); zr.Close() }
}

func zipPath(b *testing.B) string {
	p := os.Getenv("EVTXSCAN_BENCH_ZIP")
	if p == "" {
		b.Skip("EVTXSCAN_BENCH_ZIP not set")
	}
	return p
}

// BenchmarkInflate inflates the entry and throws the bytes away.
func BenchmarkInflate(b *testing.B) {
	path := zipPath(b)
	for _, d := range decompressors() {
		b.Run(d.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rc, size, done := openEntry(b, path, d.fn)
				b.SetBytes(size)
				if _, err := io.Copy(io.Discard, rc); err != nil {
					b.Fatal(err)
				}
				done()
			}
		})
	}
}

// BenchmarkZipRead inflates the entry and reads its events, keeping the
// writeback sources, as evtxscan does: with Workers > 1 one worker inflates
// its batch while the others decode theirs. "data" decodes
// every data string; "nodata" none (NeedData false), the decoder's least
// work, where inflation alone sets the pace.
func BenchmarkZipRead(b *testing.B) {
	path := zipPath(b)
	for _, data := range []bool{true, false} {
		for _, d := range decompressors() {
			for _, w := range []int{1, 2} {
				name := fmt.Sprintf("%s/%s/workers=%d", map[bool]string{true: "data", false: "nodata"}[data], d.name, w)
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						rc, size, done := openEntry(b, path, d.fn)
						b.SetBytes(size)
						r := parser.NewReader(rc)
						r.Workers = w
						r.Keep = parser.Providers(catalog.WritebackSources()...)
						if !data {
							r.NeedData = func(string, uint16) bool { return false }
						}
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
						done()
						b.ReportMetric(float64(n), "events/op")
					}
				})
			}
		}
	}
}
