package batch

import (
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/evtxscan/evtxscan/scan"
)

// BenchmarkRun writes the tenants of $EVTXSCAN_BENCH_TENANTS (a folder of
// tenant zips, as bench/speed.sh makes them) to a new lake with 2 jobs of
// GOMAXPROCS workers, as `scan --format parquet --jobs 2` does. With
// -cpuprofile it gives the profile of the batch.
func BenchmarkRun(b *testing.B) {
	dir := os.Getenv("EVTXSCAN_BENCH_TENANTS")
	if dir == "" {
		b.Skip("EVTXSCAN_BENCH_TENANTS not set")
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		cfg := Config{Out: b.TempDir(), Jobs: 2, Read: scan.ReadOptions{Workers: runtime.GOMAXPROCS(0)}}
		res, err := Run(context.Background(), []string{dir}, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if res.Failed > 0 || res.Written == 0 {
			b.Fatalf("%+v", res)
		}
		b.ReportMetric(float64(res.Written)/b.Elapsed().Seconds(), "tenants/s")
	}
}
