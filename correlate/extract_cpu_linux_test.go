//go:build linux

package correlate

import (
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// threadCPU returns the CPU time the calling thread has used
// (CLOCK_THREAD_CPUTIME_ID: time spent waiting for a processor on a busy
// machine is not counted).
func threadCPU() time.Duration {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3 /* CLOCK_THREAD_CPUTIME_ID */, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// BenchmarkExtractVsReference runs ExtractInto and the reference over the
// records Prepare extracts from a generated log of each mix, in turn, once
// per iteration, and reports the medians of their thread CPU time per
// record and of their ratio: figures that hold on a shared machine, where
// wall time per op does not.
func BenchmarkExtractVsReference(b *testing.B) {
	for _, mix := range []string{"entra", "member"} {
		b.Run(mix, func(b *testing.B) {
			cs := scanCases(b, mix)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var f Fields
			var news, refs, ratios []float64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := threadCPU()
				for j := range cs {
					ExtractInto(&f, cs[j].provider, cs[j].id, cs[j].data)
				}
				t1 := threadCPU()
				for j := range cs {
					refExtractInto(&f, cs[j].provider, cs[j].id, cs[j].data)
				}
				t2 := threadCPU()
				n, r := float64(t1-t0)/float64(len(cs)), float64(t2-t1)/float64(len(cs))
				news, refs, ratios = append(news, n), append(refs, r), append(ratios, r/n)
			}
			median := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
			b.ReportMetric(median(news), "cpu-ns/rec")
			b.ReportMetric(median(refs), "ref-cpu-ns/rec")
			b.ReportMetric(median(ratios), "ref/new")
		})
	}
}
