package batch

import (
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/evtxscan/evtxscan/lake"
	"github.com/evtxscan/evtxscan/parser"
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

// BenchmarkWriteEvents writes the events rows of the first tenant of
// $EVTXSCAN_BENCH_TENANTS (read once, before the timer) to a new lake and
// commits them: the cost of the Parquet events table alone, per row.
func BenchmarkWriteEvents(b *testing.B) {
	dir := os.Getenv("EVTXSCAN_BENCH_TENANTS")
	if dir == "" {
		b.Skip("EVTXSCAN_BENCH_TENANTS not set")
	}
	units, _ := Units([]string{dir}, "", "")
	if len(units) == 0 {
		b.Fatal("no tenant")
	}
	u := units[0]
	conv := &lake.Converter{Tenant: u.Tenant, PartID: "0123456789abcdef", Roots: u.Paths}
	var rows []lake.EventRow
	_, err := scan.Analyze(context.Background(), u.Paths, scan.Options{ReadOptions: scan.ReadOptions{Prepare: lake.NewPreparer().Prepare},
		Each: func(ev *parser.Event) error {
			rows = append(rows, conv.Event(ev))
			return nil
		}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		lk, err := lake.Open(b.TempDir(), lake.Options{})
		if err != nil {
			b.Fatal(err)
		}
		pw, err := lk.Create(u.Tenant, "0123456789abcdef", nil)
		if err != nil {
			b.Fatal(err)
		}
		for i := range rows {
			if err := pw.WriteEvent(&rows[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := pw.Commit(lake.Manifest{}); err != nil {
			b.Fatal(err)
		}
		lk.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}
