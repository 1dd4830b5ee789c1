package correlate

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/parser"
)

// TestAttemptListParts checks Slice, Append, Summary, Range, the accessors
// of one attribute (Owner, Outcome, Cause, Span) and the JSON form of
// a list made of a plain part and a Correlator's part.
func TestAttemptListParts(t *testing.T) {
	in := &input{path: "Application.evtx"}
	c := New(Config{Tenant: "t", Server: "s", Catalog: catalog.New()})
	for j := range 3 {
		c.Add(in.ev(at(time.Duration(j)*time.Minute), sourcePasswordReset, 31001, startText(tidN(j), fmt.Sprintf("u%d@x", j))))
	}
	r := c.Finish()
	plain := []Attempt{{TrackingID: "p0", Events: []AttemptEvent{}, EventIDs: []int{}, Notes: []string{}},
		{TrackingID: "p1", Outcome: OutcomeFailure, Cause: "c", Start: Time{at(0)}, End: Time{at(time.Second)}}}
	l := AttemptsOf(plain...).Append(r.Attempts)
	want := []string{"p0", "p1", tidN(0), tidN(1), tidN(2)}
	for _, tt := range []struct{ lo, hi int }{{0, 5}, {0, 0}, {1, 4}, {2, 5}, {3, 4}, {4, 5}} {
		s := l.Slice(tt.lo, tt.hi)
		var got []string
		for _, a := range s.All() {
			got = append(got, a.TrackingID)
		}
		if s.Len() != tt.hi-tt.lo || !slices.Equal(got, want[tt.lo:tt.hi]) {
			t.Errorf("Slice(%d, %d): %d attempts %v, want %v", tt.lo, tt.hi, s.Len(), got, want[tt.lo:tt.hi])
		}
	}
	for i := range l.Len() {
		a, s := l.At(i), l.Summary(i)
		if s.Events != nil || s.EventIDs != nil || s.Notes != nil {
			t.Errorf("Summary(%d) has lists: %+v", i, s)
		}
		s.Events, s.EventIDs, s.Notes = a.Events, a.EventIDs, a.Notes
		if !reflect.DeepEqual(a, s) {
			t.Errorf("Summary(%d) = %+v, At = %+v", i, s, a)
		}
		if tn, sv := l.Owner(i); tn != a.Tenant || sv != a.Server {
			t.Errorf("Owner(%d) = %q %q, attempt's %q %q", i, tn, sv, a.Tenant, a.Server)
		}
		if o, k := l.Outcome(i), l.Cause(i); o != a.Outcome || k != a.Cause {
			t.Errorf("Outcome, Cause(%d) = %q %q, attempt's %q %q", i, o, k, a.Outcome, a.Cause)
		}
		if from, to := l.Span(i); from != a.Start || to != a.End {
			t.Errorf("Span(%d) = %v %v, attempt's %v %v", i, from, to, a.Start, a.End)
		}
		for j, r := range l.Range(i, l.Len()) {
			if want := l.At(j); !reflect.DeepEqual(*r, want) {
				t.Errorf("Range(%d, %d) yields %d: %+v, At gives %+v", i, l.Len(), j, *r, want)
			}
		}
	}
	got, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(l.List())
	if string(got) != string(wantJSON) {
		t.Errorf("MarshalJSON %s, want %s", got, wantJSON)
	}
	if b, _ := json.Marshal(AttemptList{}); string(b) != "[]" {
		t.Errorf("empty list marshals as %s", b)
	}
	var back AttemptList
	if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back.List(), l.List()) {
		t.Errorf("round trip: %v, %+v", err, back.List())
	}
	var one AttemptList
	for i := range l.Len() {
		one = one.Append(l.Slice(i, i+1))
	}
	if len(one.segs) != 2 || !reflect.DeepEqual(one.List(), l.List()) {
		t.Errorf("appended one by one: %d runs, %+v", len(one.segs), one.List())
	}
	r.Attempts.SetServer("s2")
	if a := l.At(4); a.Server != "s2" {
		t.Errorf("SetServer: server %q", a.Server)
	}
}

// TestEventPieces checks that an attempt's events give the status and
// message the fields of their text give, whether the text is kept whole
// (a short start event), cut to its pieces (a failure with its stack
// trace), with a message longer than maxMessage or made of two trace lines
// (a 6329), with the catalog (Matches) and with a Diagnoser that needs the
// texts.
func TestEventPieces(t *testing.T) {
	long := strings.Repeat("very long reason ", 40)
	evs := func(in *input) []*parser.Event {
		return []*parser.Event{
			in.ev(at(0), sourcePasswordReset, 31001, startText(tidN(1), "a@x")),
			in.ev(at(time.Second), sourceADSync, 6329, seed000Set(anchorN(1))),
			in.ev(at(2*time.Second), sourcePasswordReset, 33002, seed000Fail(tidN(1), anchorN(1), "a@x")),
			in.ev(at(time.Minute), sourcePasswordReset, 31001, startText(tidN(2), "b@x")),
			in.ev(at(time.Minute+time.Second), sourcePasswordReset, 33005, "TrackingId: "+tidN(2)+", Reason: "+long+", Context: cloudAnchor: "+anchorN(2)),
			in.ev(at(2*time.Minute), sourcePasswordReset, 31001, startText(tidN(3), "c@x")),
			in.ev(at(2*time.Minute+time.Second), sourcePasswordReset, 33002, failText(tidN(3), anchorN(3), "c@x", 0x80230626, "denied "+strings.Repeat("x", 3000))),
		}
	}
	for _, d := range []struct {
		name string
		diag Diagnoser
	}{{"catalog", catalog.New()}, {"texts", newFake()}} {
		t.Run(d.name, func(t *testing.T) {
			in := &input{path: "Application.evtx"}
			list := evs(in)
			fields := map[uint64]Fields{}
			for _, e := range list {
				fields[e.RecordID] = Extract(e.Provider, e.EventID, e.Data)
			}
			r := feed(New(Config{Catalog: d.diag}), list...)
			n := 0
			for _, a := range r.Attempts.All() {
				var upn, anchor string
				for _, e := range a.Events {
					n++
					f := fields[e.RecordID]
					if e.Message != summary(&f) || e.Status != f.Status {
						t.Errorf("record %d: message %q status %q, want %q %q", e.RecordID, e.Message, e.Status, summary(&f), f.Status)
					}
					upn = cmp.Or(upn, f.UPN)
					if e.EventID != 6329 {
						anchor = cmp.Or(anchor, f.CloudAnchor)
					}
				}
				if a.UPN != upn || a.CloudAnchor != anchor {
					t.Errorf("attempt %s: upn %q anchor %q, its texts' %q %q", a.TrackingID, a.UPN, a.CloudAnchor, upn, anchor)
				}
			}
			if n != len(list) {
				t.Errorf("%d events in attempts, want %d", n, len(list))
			}
		})
	}
}

// TestTextsNotKept checks that with the catalog an event keeps its text
// only when it is short beside what the outputs name.
func TestTextsNotKept(t *testing.T) {
	in := &input{path: "Application.evtx"}
	start := startText(tidN(1), "a@x")
	fail := seed000Fail(tidN(1), anchorN(1), "a@x")
	c := New(Config{Catalog: catalog.New()})
	c.Add(in.ev(at(0), sourcePasswordReset, 31001, start))
	c.Add(in.ev(at(time.Second), sourcePasswordReset, 33002, fail))
	c.groupAttempts() // as Finish does first
	a := &c.st.atts[0]
	first, second := c.st.ev(a.head), c.st.ev(a.tail)
	if first.flags&flagText == 0 || c.st.str(first) != start {
		t.Errorf("start event: flags %b, str %q", first.flags, c.st.str(first))
	}
	if second.flags&flagText != 0 || int(second.slen) >= len(fail)/2 || second.match == noMatch {
		t.Errorf("failure event: flags %b, %d of %d bytes kept, match %d", second.flags, second.slen, len(fail), second.match)
	}
}

// BenchmarkFinish is Finish alone (the Adds before it are not timed), on
// the events of BenchmarkAdd: 300 attempts, a third failing with a 6329.
func BenchmarkFinish(b *testing.B) {
	evs := addBenchEvents()
	for _, e := range evs {
		e.Prepared = Prepare(e)
	}
	cat := catalog.New()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := New(Config{Catalog: cat})
		for _, e := range evs {
			c.Add(e)
		}
		b.StartTimer()
		c.Finish()
	}
}

// TestCompactSizes checks the sizes the comments give of what is kept per
// event and attempt (Correlator, prepHeader), and that none of them holds
// a pointer.
func TestCompactSizes(t *testing.T) {
	for _, tt := range []struct {
		v    any
		size uintptr
	}{{attEvent{}, 80}, {attempt{}, 28}, {prepHeader{}, 44}, {tidKey{}, 12}} {
		typ := reflect.TypeOf(tt.v)
		if typ.Size() != tt.size {
			t.Errorf("%v: %d bytes, want %d", typ, typ.Size(), tt.size)
		}
		if hasPointers(typ) {
			t.Errorf("%v holds a pointer", typ)
		}
	}
}

func hasPointers(typ reflect.Type) bool {
	switch typ.Kind() {
	case reflect.Struct:
		for i := range typ.NumField() {
			if hasPointers(typ.Field(i).Type) {
				return true
			}
		}
		return false
	case reflect.Array:
		return hasPointers(typ.Elem())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return false
	}
	return true
}

// TestArena checks that the arena gives back what it kept, in few chunks
// of at most arenaChunk bytes (small ones first), and says when it is full.
func TestArena(t *testing.T) {
	var st attemptStore
	const n, size = 300_000, 100
	locs := make([]uint32, n)
	for i := range n {
		locs[i] = st.keep(fmt.Sprintf("%0*d", size, i))
	}
	if max := n*size/arenaChunk + 8; len(st.arena) > max || cap(st.arena[0]) >= arenaChunk {
		t.Errorf("%d chunks (at most %d), the first of %d bytes", len(st.arena), max, cap(st.arena[0]))
	}
	for _, c := range st.arena {
		if cap(c) > arenaChunk {
			t.Errorf("chunk of %d bytes", cap(c))
		}
	}
	for _, i := range []int{0, 1, 163, n / 2, n - 1} {
		if got := st.at(locs[i], size); got != fmt.Sprintf("%0*d", size, i) {
			t.Errorf("string %d: %q", i, got)
		}
	}
	full := attemptStore{arena: make([][]byte, arenaChunks)}
	for i := range full.arena {
		full.arena[i] = make([]byte, 0)
	}
	if loc := full.keep("x"); loc != noLoc {
		t.Errorf("full arena kept at %#x", loc)
	}
	if loc, l := full.keepTID("tid"); l != 0 || full.tid(&attempt{tidLoc: loc}) != "tid" {
		t.Errorf("TrackingId beside the full arena: %d %d", loc, l)
	}
}

// TestPrepareFor checks that events prepared by PrepareFor (fields
// extracted and long texts matched by the decoders) give the Result of
// events Add extracts itself, and that the long ones were matched.
func TestPrepareFor(t *testing.T) {
	cat := catalog.New()
	result := func(prepare func(*parser.Event) any) ([]byte, int) {
		evs := addBenchEvents()
		in := &input{path: "Application.evtx", rec: 10_000}
		evs = append(evs,
			in.ev(at(30*time.Hour), sourcePasswordReset, 32004, "TrackingId: "+tidN(7)+", Error Connecting to ServiceBus. "+strings.Repeat("stack ", 100)),
			in.ev(at(31*time.Hour), sourcePasswordReset, 33004, text33004))
		matched := 0
		for _, e := range evs {
			e.Prepared = nil
			if prepare != nil {
				e.Prepared = prepare(e)
			}
			if p, ok := e.Prepared.(*prepared); ok && p.hasAtt && p.att.by != nil {
				matched++
			}
		}
		b, err := json.Marshal(feed(New(Config{Catalog: cat}), evs...))
		if err != nil {
			t.Fatal(err)
		}
		return b, matched
	}
	want, _ := result(nil)
	got, matched := result(PrepareFor(cat))
	if string(got) != string(want) {
		t.Errorf("prepared events give another Result:\n%s\nwant\n%s", got, want)
	}
	if matched < 200 {
		t.Errorf("%d events matched by the decoders", matched)
	}
	if p := PrepareFor(newFake()); reflect.ValueOf(p).Pointer() != reflect.ValueOf(Prepare).Pointer() {
		t.Errorf("PrepareFor of a Diagnoser without Matches is not Prepare")
	}
}

// BenchmarkAddPreparedFor is BenchmarkAdd/prepared with the events
// prepared as scan prepares them (PrepareFor: the long texts matched by
// the decoders): what Add costs on its one goroutine.
func BenchmarkAddPreparedFor(b *testing.B) {
	evs := addBenchEvents()
	cat := catalog.New()
	prepare := PrepareFor(cat)
	for _, e := range evs {
		e.Prepared = prepare(e)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c := New(Config{Catalog: cat})
		for _, e := range evs {
			c.Add(e)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

// TestTrackingIDCollision checks that TrackingIds with one hash (forced
// here: every id collides) stay apart, for the grouping of Finish and for
// its lookup of a service event's TrackingId, whatever the order of the
// ids fed and whether the events were prepared by the decoders.
func TestTrackingIDCollision(t *testing.T) {
	cat := catalog.New()
	for _, tt := range []struct {
		name    string
		order   []int // the attempts, in the order their starts are fed
		prepare func(*parser.Event) any
	}{
		{"in order", []int{1, 2, 3}, nil},
		{"reversed", []int{3, 2, 1}, nil},
		{"prepared", []int{2, 3, 1}, PrepareFor(cat)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := &input{path: "Application.evtx"}
			c := New(Config{Catalog: cat})
			c.hashTID = func(string) uint64 { return 7 }
			var evs []*parser.Event
			for j, i := range tt.order {
				evs = append(evs, in.ev(at(time.Duration(j)*time.Second), sourcePasswordReset, 31001, startText(tidN(i), fmt.Sprintf("u%d@x", i))))
			}
			evs = append(evs,
				in.ev(at(10*time.Second), sourcePasswordReset, 31002, successText(tidN(1), anchorN(1), "u1@x")),
				in.ev(at(11*time.Second), sourcePasswordReset, 32004, "TrackingId: "+tidN(2)+", Error"),
				in.ev(at(12*time.Second), sourcePasswordReset, 32004, "TrackingId: "+tidN(9)+", Error"))
			for _, e := range evs {
				if tt.prepare != nil {
					e.Prepared = tt.prepare(e)
				}
				c.Add(e)
			}
			r := c.Finish()
			if r.Attempts.Len() != 3 || r.Counts.ServiceWithID != 1 {
				t.Fatalf("%d attempts, %d service events with an id", r.Attempts.Len(), r.Counts.ServiceWithID)
			}
			want := map[string]struct {
				upn, outcome string
				ids          []int
			}{
				tidN(1): {"u1@x", OutcomeSuccess, []int{31001, 31002}},
				tidN(2): {"u2@x", OutcomeFailure, []int{31001, 32004}},
				tidN(3): {"u3@x", OutcomeIncomplete, []int{31001}},
			}
			for i, a := range r.Attempts.All() {
				w := want[a.TrackingID]
				if a.UPN != w.upn || a.Outcome != w.outcome || !slices.Equal(a.EventIDs, w.ids) {
					t.Errorf("attempt %d: %s %s %s %v, want %+v", i, a.TrackingID, a.UPN, a.Outcome, a.EventIDs, w)
				}
			}
		})
	}
}
