package correlate

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/internal/scenario"
	"github.com/evtxscan/evtxscan/parser"
)

// memFile is an io.WriteSeeker in memory, for GenerateLog.
type memFile struct {
	b   []byte
	off int64
}

func (m *memFile) Write(p []byte) (int, error) {
	if n := m.off + int64(len(p)); n > int64(len(m.b)) {
		m.b = append(m.b, make([]byte, n-int64(len(m.b)))...)
	}
	copy(m.b[m.off:], p)
	m.off += int64(len(p))
	return len(p), nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		m.off = off
	case io.SeekCurrent:
		m.off += off
	case io.SeekEnd:
		m.off = int64(len(m.b)) + off
	}
	return m.off, nil
}

// streamEvents generates a log with scenario.GenerateLog and reads it as
// scan does (writeback sources kept, the data decoded as NeedsData and
// SamplesData ask, the events prepared by PrepareFor on the decoders),
// returning copies of the events in file order.
func streamEvents(tb testing.TB, opts scenario.LogOptions, cat *catalog.Catalog) []parser.Event {
	tb.Helper()
	var f memFile
	if _, err := scenario.GenerateLog(context.Background(), &f, opts); err != nil {
		tb.Fatal(err)
	}
	r := parser.NewReader(bytes.NewReader(f.b))
	r.Path = "Application.evtx"
	r.Keep = parser.Providers(catalog.WritebackSources()...)
	r.NeedData, r.SampleData = NeedsData, SamplesData
	r.Prepare = PrepareFor(cat)
	var evs []parser.Event
	for {
		ev, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		evs = append(evs, *ev)
	}
	return evs
}

// BenchmarkAddStream is Correlator.Add alone (Finish excluded) on the
// events scan feeds it, prepared by the decoders as scan prepares them:
// "entra", 16 MiB of the Entra Connect mix of genlog (heartbeats more than
// half of the records, 2% of them password operations); "open", 100,000
// resets that start and never end (genlog -open). It reports the time and
// the allocations per event.
func BenchmarkAddStream(b *testing.B) {
	cat := catalog.New()
	for _, bc := range []struct {
		name string
		opts scenario.LogOptions
	}{
		{"entra", scenario.LogOptions{Size: 16 << 20, Seed: 1, Writeback: 0.02}},
		{"open", scenario.LogOptions{Size: 64 << 30, Seed: 1, Open: 100_000}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			evs := streamEvents(b, bc.opts, cat)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c := New(Config{Catalog: cat})
				for j := range evs {
					c.Add(&evs[j])
				}
			}
			n := float64(b.N * len(evs))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/event")
			b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
				c := New(Config{Catalog: cat})
				for j := range evs {
					c.Add(&evs[j])
				}
			}))/float64(len(evs)), "allocs/event")
			b.ReportMetric(float64(len(evs)), "events/op")
		})
	}
}

// BenchmarkFinishStream is Finish alone on the streams of
// BenchmarkAddStream (the Adds before it are not timed).
func BenchmarkFinishStream(b *testing.B) {
	cat := catalog.New()
	for _, bc := range []struct {
		name string
		opts scenario.LogOptions
	}{
		{"entra", scenario.LogOptions{Size: 16 << 20, Seed: 1, Writeback: 0.02}},
		{"open", scenario.LogOptions{Size: 64 << 30, Seed: 1, Open: 100_000}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			evs := streamEvents(b, bc.opts, cat)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				c := New(Config{Catalog: cat})
				for j := range evs {
					c.Add(&evs[j])
				}
				b.StartTimer()
				c.Finish()
			}
		})
	}
}

// BenchmarkPrepareForStream is PrepareFor alone, as the decoders run it, on
// the events of the streams of BenchmarkAddStream, allocations included.
func BenchmarkPrepareForStream(b *testing.B) {
	cat := catalog.New()
	for _, bc := range []struct {
		name string
		opts scenario.LogOptions
	}{
		{"entra", scenario.LogOptions{Size: 16 << 20, Seed: 1, Writeback: 0.02}},
		{"open", scenario.LogOptions{Size: 64 << 30, Seed: 1, Open: 100_000}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			evs := streamEvents(b, bc.opts, cat)
			prepare := PrepareFor(cat)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := range evs {
					evs[j].Prepared = prepare(&evs[j])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
		})
	}
}
