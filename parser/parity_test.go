package parser

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/internal/testenv"
)

// samplePaths lists the real public samples shared with the project.
func samplePaths(t testing.TB) []string {
	t.Helper()
	paths := testenv.SharedGlob(t, filepath.Join("evtx-samples", "*", "*.evtx"))
	// The project's own fixtures: Entra Connect logs written by
	// internal/evtxwriter.
	fixtures, _ := filepath.Glob(filepath.Join("..", "testdata", "evtx", "*.evtx"))
	paths = append(paths, fixtures...)
	sort.Strings(paths)
	return paths
}

// readAll reads every event of a file with the given number of workers.
func readAll(t testing.TB, path string, workers int, keep func(string) bool) ([]Event, Stats) {
	t.Helper()
	evs, st, _ := readAllOpts(t, path, workers, func(r *Reader) { r.Keep = keep })
	return evs, st
}

// readAllOpts reads every event of a file with the given number of workers
// and the Reader set up by setup.
func readAllOpts(t testing.TB, path string, workers int, setup func(*Reader)) ([]Event, Stats, *Reader) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := NewReader(f)
	r.Path = path
	r.Workers = workers
	if setup != nil {
		setup(r)
	}
	defer r.Close()
	var evs []Event
	for {
		ev, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		e := *ev
		e.Data = append([]string(nil), ev.Data...)
		evs = append(evs, e)
	}
	return evs, r.Stats(), r
}

func TestParityWithLibyal(t *testing.T) {
	t.Parallel()
	testenv.Need(t, "evtxexport", "libyal evtxexport", "libevtx-utils")
	for _, path := range samplePaths(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			want, stderr, err := runEvtxexport(path)
			aborted := strings.Contains(stderr, "Unable to export file")
			switch {
			case aborted:
				// Explained: libyal aborts the whole export at the first
				// record holding a BinXML token it does not support
				// (0x49 in CAPI2 logs, 0x05 in forwarded events); the
				// records it printed before are compared.
				if !strings.Contains(stderr, "unsupported type") {
					t.Fatalf("evtxexport failed for an unexpected reason: %v\n%s", err, stderr)
				}
				t.Logf("libyal aborted after %d records: %s", len(want), firstLine(stderr))
			case err != nil:
				t.Fatal(err)
			}
			got, st := readAll(t, path, 2, nil)
			compareWithLibyal(t, got, want, st, aborted)
		})
	}
}

// compareWithLibyal requires every record libyal printed to be read here
// with the same values, and every record read here and not by libyal to be
// explained.
func compareWithLibyal(t *testing.T, got []Event, want []libyalEvent, st Stats, libyalAborted bool) {
	byID := map[uint64][]int{}
	for i := range got {
		byID[got[i].RecordID] = append(byID[got[i].RecordID], i)
	}
	matched := make([]bool, len(got))
	diffs := 0
	for _, w := range want {
		cands := byID[w.RecordID]
		best, d := -1, "read by libyal, missing here"
		for _, i := range cands {
			if matched[i] {
				continue
			}
			if dd := diffEvent(&got[i], w); dd == "" {
				best, d = i, ""
				break
			} else if best < 0 {
				d = dd
			}
		}
		if d != "" {
			diffs++
			if diffs <= 10 {
				t.Errorf("record %d: %s", w.RecordID, d)
			}
			continue
		}
		matched[best] = true
	}
	// Records read here only: explained when libyal gave up on the file,
	// when they sit in a damaged chunk (libyal skips chunks with a bad
	// magic), in a chunk past the header's chunk count (libyal reads only
	// the counted chunks), or in a file flagged dirty.
	damaged := map[int]bool{}
	for _, d := range st.Damage {
		damaged[d.Chunk] = true
	}
	extra, unexplained := 0, 0
	for i, ok := range matched {
		if ok {
			continue
		}
		extra++
		c := got[i].Chunk
		if libyalAborted || damaged[c] || c >= int(st.Header.ChunkCount) || st.Header.Dirty() {
			continue
		}
		unexplained++
		if unexplained <= 5 {
			t.Errorf("record %d (chunk %d) read here only, and the chunk is clean and counted", got[i].RecordID, c)
		}
	}
	if extra > 0 {
		t.Logf("%d records read here and not by libyal (libyal aborted: %v, damaged chunks: %d, header chunk count %d, dirty %v)",
			extra, libyalAborted, len(damaged), st.Header.ChunkCount, st.Header.Dirty())
	}
}

func diffEvent(g *Event, w libyalEvent) string {
	if g.EventID != w.EventID {
		return fmt.Sprintf("event id %d, libyal %d", g.EventID, w.EventID)
	}
	if g.Provider != w.Provider {
		return fmt.Sprintf("provider %q, libyal %q", g.Provider, w.Provider)
	}
	if ts := formatTime(g.Time); ts != w.Time {
		return fmt.Sprintf("time %s, libyal %s", ts, w.Time)
	}
	if len(g.Data) != len(w.Data) {
		return fmt.Sprintf("%d data strings, libyal %d:\n  %q\n  %q", len(g.Data), len(w.Data), g.Data, w.Data)
	}
	for i := range g.Data {
		if !sameText(g.Data[i], w.Data[i]) {
			return fmt.Sprintf("data[%d] %q, libyal %q", i, g.Data[i], w.Data[i])
		}
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// sameButAstral compares rune by rune, letting any character stand for a
// character outside the Basic Multilingual Plane: libyal garbles those.
func sameButAstral(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	astral := false
	for i := range a {
		if a[i] > 0xFFFF {
			astral = true
			continue
		}
		if a[i] != b[i] {
			return false
		}
	}
	return astral
}

// sameText compares a data string with libyal's rendering of it, allowing
// for libyal's known differences: a value made only of white space printed
// as an empty element, and real numbers printed as %e with three exponent
// digits.
func sameText(ours, libyal string) bool {
	if normText(ours) == libyal {
		return true
	}
	if libyal == "" && strings.TrimSpace(ours) == "" {
		return true
	}
	if sameButAstral([]rune(normText(ours)), []rune(libyal)) {
		return true
	}
	a, err1 := strconv.ParseFloat(ours, 64)
	b, err2 := strconv.ParseFloat(libyal, 64)
	return err1 == nil && err2 == nil && math.Abs(a-b) <= 1e-6*math.Abs(b)
}
