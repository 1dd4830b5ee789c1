package correlate

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/parser"
)

// BenchmarkOpenAttempts feeds n resets that start (31001) and never get a
// result, each with its own TrackingId and UPN and its text freshly
// allocated as the parser does, and reports the live heap per attempt after
// the Adds (the Correlator) and after Finish (the Result, the Correlator
// dropped).
func BenchmarkOpenAttempts(b *testing.B) {
	cat := catalog.New()
	for _, n := range []int{100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			var fed, done float64
			for i := 0; i < b.N; i++ {
				base := liveHeap()
				c := New(Config{Catalog: cat})
				ev := parser.Event{Path: "Application.evtx", Provider: sourcePasswordReset, EventID: 31001, Channel: "Application", Computer: "AADC01.contoso.local"}
				for j := 0; j < n; j++ {
					ev.RecordID = uint64(j + 1)
					ev.Time = t0.Add(time.Duration(j) * time.Second)
					ev.Data = []string{startText(tidN(j), fmt.Sprintf("open.user%d@contoso.com", j))}
					c.Add(&ev)
				}
				fed += float64(liveHeap() - base)
				r := c.Finish()
				c = nil
				done += float64(liveHeap() - base)
				if r.Attempts.Len() != n || r.Counts.Incomplete != n {
					b.Fatalf("%d attempts, %d incomplete; want %d", r.Attempts.Len(), r.Counts.Incomplete, n)
				}
				runtime.KeepAlive(r)
			}
			b.ReportMetric(fed/float64(b.N)/float64(n), "B/attempt-fed")
			b.ReportMetric(done/float64(b.N)/float64(n), "B/attempt-finished")
		})
	}
}

// liveHeap collects garbage and returns the bytes of live heap objects.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestOpenAttempts checks what Finish makes of resets that never get a
// result and no heartbeat: each is incomplete with its own event and text,
// and the service, expected up because of them, is silent to the end.
func TestOpenAttempts(t *testing.T) {
	in := &input{path: "Application.evtx"}
	c := New(Config{Catalog: catalog.New()})
	const n = 3
	for j := 0; j < n; j++ {
		c.Add(in.ev(at(time.Duration(j)*time.Hour), sourcePasswordReset, 31001, startText(tidN(j), fmt.Sprintf("u%d@x", j))))
	}
	r := c.Finish()
	if r.Attempts.Len() != n || r.Counts.Incomplete != n {
		t.Fatalf("%d attempts, %d incomplete; want %d", r.Attempts.Len(), r.Counts.Incomplete, n)
	}
	for j, a := range r.Attempts.All() {
		if a.TrackingID != tidN(j) || a.UPN != fmt.Sprintf("u%d@x", j) || a.Cause != CauseAttemptIncomplete || len(a.Events) != 1 || a.Events[0].Message != startText(tidN(j), a.UPN) {
			t.Errorf("attempt %d: %+v", j, a)
		}
	}
	if f, ok := findingByCause(r, CauseHeartbeatEnd); !ok || f.Count != 1 {
		t.Errorf("%s finding %+v, found %v", CauseHeartbeatEnd, f, ok)
	}
	if f, ok := findingByCause(r, CauseAttemptIncomplete); !ok || f.Count != n {
		t.Errorf("%s finding %+v, found %v", CauseAttemptIncomplete, f, ok)
	}
}

// TestWords checks that every word spells a distinct constant, that
// each constant an attEvent keeps has its word, and sourceWord.
func TestWords(t *testing.T) {
	seen := map[string]bool{}
	for w := word(0); w < nWords; w++ {
		s := w.String()
		if seen[s] || (w > 0 && s == "") || wordOf(s) != w {
			t.Errorf("word %d spells %q (seen %v), wordOf gives %d", w, s, seen[s], wordOf(s))
		}
		seen[s] = true
	}
	for _, s := range []string{"", OpReset, OpChange, OpAdminReset, OpUnlock, OpUnknown, JoinAnchor, JoinHRNearest, sourcePasswordReset, sourceADSync, sourceDirSync} {
		if !seen[s] {
			t.Errorf("no word for %q", s)
		}
	}
	for _, p := range []string{sourcePasswordReset, "passwordresetservice", sourceADSync, "ADSYNC", sourceDirSync, "directory synchronization"} {
		if got, want := sourceWord(p), wordOf(canonicalSource(p)); got != want {
			t.Errorf("sourceWord(%q) = %d, want %d", p, got, want)
		}
	}
}
