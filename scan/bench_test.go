package scan_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/input"
	"github.com/evtxscan/evtxscan/scan"
)

// BenchmarkAnalyze runs what scan does before printing, on
// $EVTXSCAN_BENCH_FILE (a log made by internal/cmd/genlog, say), with one
// and with two decoder workers.
func BenchmarkAnalyze(b *testing.B) {
	path := os.Getenv("EVTXSCAN_BENCH_FILE")
	if path == "" {
		b.Skip("EVTXSCAN_BENCH_FILE not set")
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	cat := catalog.New()
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			opt := scan.Options{Tenant: "bench", Catalog: cat,
				ReadOptions: scan.ReadOptions{Workers: w, Limits: input.DefaultLimits()}}
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := scan.Analyze(context.Background(), []string{path}, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
