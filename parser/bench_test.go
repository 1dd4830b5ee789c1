package parser

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
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
	benchReadOpts(b, workers, func(r *Reader) { r.Keep = keep })
}

func benchReadOpts(b *testing.B, workers int, setup func(*Reader)) {
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
		setup(r)
		n, withData := 0, 0
		for {
			ev, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
			if ev.Data != nil {
				withData++
			}
		}
		r.Close()
		f.Close()
		b.ReportMetric(float64(n), "events/op")
		b.ReportMetric(float64(withData), "with-data/op")
	}
}

func BenchmarkRead(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("all/workers=%d", w), func(b *testing.B) { benchRead(b, w, nil) })
		b.Run(fmt.Sprintf("writeback/workers=%d", w), func(b *testing.B) { benchRead(b, w, Writeback) })
		b.Run(fmt.Sprintf("writeback-needdata/workers=%d", w), func(b *testing.B) {
			benchReadOpts(b, w, func(r *Reader) {
				r.Keep = Writeback
				r.NeedData = needFew
			})
		})
		b.Run(fmt.Sprintf("keepnone/workers=%d", w), func(b *testing.B) {
			benchRead(b, w, func(string) bool { return false })
		})
	}
}

// needFew wants the data strings of a few events only, as the correlator
// does: password operations and their failures, not heartbeats (31019) or
// sync cycle chatter.
func needFew(provider string, id uint16) bool {
	switch provider {
	case "PasswordResetService":
		return id != 31019
	case "ADSync":
		return id == 6329 || id == 611 || id == 6900
	}
	return false
}

// sampleBeats samples the heartbeats' data strings, as the correlator does
// for the relays and endpoints they name.
func sampleBeats(provider string, id uint16) bool {
	return provider == "PasswordResetService" && id == 31019
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

// BenchmarkDecodeChunks decodes chunks held in memory (the first 64 MiB of
// the file): the decoder alone, without reading, on one goroutine and on
// two sharing a plan cache, each with its own decoder, as the workers of a
// Reader do. cpu-ns/op is the process's CPU time per op, the figure to
// compare on a shared machine.
func BenchmarkDecodeChunks(b *testing.B) {
	path := benchFile(b)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, HeaderBlockSize+1024*ChunkSize)
	n, _ := io.ReadFull(f, data)
	f.Close()
	data = data[:n]
	if n <= HeaderBlockSize {
		b.Skip("no chunks")
	}
	var chunks [][]byte
	for off := HeaderBlockSize; off < n; off += ChunkSize {
		chunks = append(chunks, data[off:min(off+ChunkSize, n)])
	}
	modes := []struct {
		name string
		opts decodeOptions
	}{
		{"all", decodeOptions{}},
		{"writeback-needdata", decodeOptions{keep: Writeback, needData: needFew}},
		{"keepnone", decodeOptions{keep: func(string) bool { return false }}},
		// As scan asks: the writeback sources, the data of a few events
		// and a sample of the heartbeats', no System field the
		// correlator does not read.
		{"scan", decodeOptions{keep: Writeback, needData: needFew, sampleData: sampleBeats,
			skip: FieldQualifiers | FieldLevel | FieldTask | FieldKeywords | FieldUserSID}},
	}
	for _, m := range modes {
		for _, g := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", m.name, g), func(b *testing.B) {
				opts := m.opts
				opts.cache = newPlanCache()
				b.SetBytes(int64(n - HeaderBlockSize))
				b.ReportAllocs()
				cpu0, cpuOK := processCPU()
				defer func() {
					if cpu1, ok := processCPU(); ok && cpuOK {
						b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
					}
				}()
				for i := 0; i < b.N; i++ {
					var wg sync.WaitGroup
					for k := 0; k < g; k++ {
						wg.Add(1)
						go func() {
							defer wg.Done()
							d := newChunkDecoder(&opts)
							var evs []Event
							for c := k; c < len(chunks); c += g {
								evs = d.decodeChunk(chunks[c], c, 0, true, false, slot{events: evs}).events
								clear(evs) // as chunkResult.release does
							}
						}()
					}
					wg.Wait()
				}
			})
		}
	}
}
