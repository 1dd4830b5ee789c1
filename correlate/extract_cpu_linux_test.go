//go:build linux

package correlate

import (
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/evtxscan/evtxscan/parser"
)

// threadCPU returns the CPU time the calling thread has used
// (CLOCK_THREAD_CPUTIME_ID: time spent waiting for a processor on a busy
// machine is not counted).
func threadCPU() time.Duration {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3 /* CLOCK_THREAD_CPUTIME_ID */, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// BenchmarkExtractVsReference runs ExtractInto (extract) or Prepare
// (prepare: the Fields allocated too) and the reference over the records
// Prepare extracts from a generated log of each mix, in turn, once per
// iteration, and reports the medians of their thread CPU time per record
// and of their ratio: figures that hold on a shared machine, where wall
// time per op does not.
func BenchmarkExtractVsReference(b *testing.B) {
	// refPrepare is Prepare as it stood, with the reference extraction.
	refPrepare := func(ev *parser.Event) any {
		if len(ev.Data) == 0 {
			return nil
		}
		switch k, _ := classify(ev.Provider, ev.EventID); k {
		case kindUnrelated, kindOther, kindNoise, kindHashSync:
			return nil
		}
		f := new(Fields)
		refExtractInto(f, ev.Provider, ev.EventID, ev.Data)
		return f
	}
	for _, mix := range []string{"entra", "member"} {
		cs := scanCases(b, mix)
		evs := make([]parser.Event, len(cs))
		for i, c := range cs {
			evs[i] = parser.Event{Provider: c.provider, EventID: c.id, Data: c.data}
		}
		var f Fields
		for _, op := range []struct {
			name     string
			new, ref func(i int)
		}{
			{"extract",
				func(i int) { ExtractInto(&f, cs[i].provider, cs[i].id, cs[i].data) },
				func(i int) { refExtractInto(&f, cs[i].provider, cs[i].id, cs[i].data) }},
			{"prepare",
				func(i int) { evs[i].Prepared = Prepare(&evs[i]) },
				func(i int) { evs[i].Prepared = refPrepare(&evs[i]) }},
		} {
			b.Run(mix+"/"+op.name, func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				var news, refs, ratios []float64
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					t0 := threadCPU()
					for j := range cs {
						op.new(j)
					}
					t1 := threadCPU()
					for j := range cs {
						op.ref(j)
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
}
