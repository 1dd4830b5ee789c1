package parser

import (
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fuzzSeedLen is what a seed keeps of a file: the header block and a
// chunk, enough for every structure. (The fuzzer minimizes each new
// interesting input: the larger the seeds, the longer that takes.)
const fuzzSeedLen = HeaderBlockSize + ChunkSize

// addFuzzSeeds adds the fixtures, the hostile files of the tests and, when
// ../shared/evtx-samples is there, some of the samples.
func addFuzzSeeds(f *testing.F) {
	add := func(b []byte) { f.Add(b[:min(len(b), fuzzSeedLen)]) }
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "evtx", "*.evtx"))
	samples, _ := filepath.Glob(filepath.Join("..", "..", "shared", "evtx-samples", "*", "*.evtx"))
	for i, p := range samples {
		if i%6 == 0 { // a dozen of them
			paths = append(paths, p)
		}
	}
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			add(b)
		}
	}
	add(fileOf(fanoutChunk(f, 4, 8)))
}

// fuzzRead reads b to its end and returns the record ids read and the
// stats.
func fuzzRead(t *testing.T, b []byte, workers int, keep func(string) bool) ([]uint64, Stats, error) {
	evs, st, err := readBytes(t, b, workers, keep)
	ids := make([]uint64, len(evs))
	for i := range evs {
		ids[i] = evs[i].RecordID
	}
	return ids, st, err
}

// FuzzReader reads arbitrary bytes as an EVTX file, with and without the
// writeback filter, with 1 and 2 workers, and checks that nothing panics,
// that the counters add up, and that the number of workers changes nothing.
func FuzzReader(f *testing.F) {
	addFuzzSeeds(f)
	// golang-evtx logs every parse failure with a stack trace; the
	// failures reach Stats.Damage all the same (evtxscan discards the log
	// too).
	log.SetOutput(io.Discard)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, keep := range []func(string) bool{nil, Writeback} {
			ids1, st1, err1 := fuzzRead(t, b, 1, keep)
			ids2, st2, err2 := fuzzRead(t, b, 2, keep)
			checkStats(t, ids1, st1)
			checkStats(t, ids2, st2)
			if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
				t.Fatalf("errors differ: workers 1 %v, workers 2 %v", err1, err2)
			}
			if !slices.Equal(ids1, ids2) {
				t.Fatalf("events differ: workers 1 %v, workers 2 %v", ids1, ids2)
			}
			if st1.Records != st2.Records || st1.Skipped != st2.Skipped || st1.Filtered != st2.Filtered ||
				st1.Chunks != st2.Chunks || st1.EmptyChunks != st2.EmptyChunks ||
				len(st1.Damage) != len(st2.Damage) || st1.MoreDamage != st2.MoreDamage {
				t.Fatalf("stats differ:\nworkers 1 %+v\nworkers 2 %+v", st1, st2)
			}
		}
	})
}

// checkStats checks the invariants of the counters of one read.
func checkStats(t *testing.T, ids []uint64, st Stats) {
	t.Helper()
	switch {
	case st.Events != len(ids):
		t.Fatalf("Stats.Events %d, %d events read", st.Events, len(ids))
	case st.Events+st.Filtered > st.Records:
		t.Fatalf("%d events and %d filtered of %d records", st.Events, st.Filtered, st.Records)
	case st.Records-st.Events-st.Filtered > st.Skipped:
		t.Fatalf("%d records neither returned nor filtered, %d skipped", st.Records-st.Events-st.Filtered, st.Skipped)
	case st.EmptyChunks > st.Chunks:
		t.Fatalf("%d empty chunks of %d", st.EmptyChunks, st.Chunks)
	case len(st.Damage) > MaxDamage || st.MoreDamage > 0 && len(st.Damage) != MaxDamage:
		t.Fatalf("%d problems kept, %d more", len(st.Damage), st.MoreDamage)
	case st.Skipped > 0 && len(st.Damage) == 0:
		t.Fatalf("%d skipped, no problem reported", st.Skipped)
	}
	for _, d := range st.Damage {
		if d.Path != "test.evtx" || d.Offset < 0 {
			t.Fatalf("problem without path or offset: %v", d)
		}
	}
}
