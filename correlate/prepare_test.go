package correlate

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/parser"
)

// addBenchEvents is a day of a busy server: heartbeats, 300 attempts (a
// third failing with a 6329), noise and unrelated events, in time order.
func addBenchEvents() []*parser.Event {
	in := &input{path: "Application.evtx"}
	var evs []*parser.Event
	for i := 0; i < 300; i++ {
		d := time.Duration(i) * 4 * time.Minute
		tid := tidN(i)
		evs = append(evs, in.ev(at(d), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")))
		evs = append(evs, in.ev(at(d), "Microsoft-Windows-Security-SPP", 16384, "x"))
		evs = append(evs, in.ev(at(d+time.Second), sourcePasswordReset, 31001, startText(tid, "u@x")))
		evs = append(evs, in.ev(at(d+time.Second), sourceADSync, 403, "ImpersonationHelper"))
		if i%3 == 0 {
			evs = append(evs, in.ev(at(d+2*time.Second), sourceADSync, 6329, seed000Set(anchorN(i))))
			evs = append(evs, in.ev(at(d+2*time.Second), sourcePasswordReset, 33002, seed000Fail(tid, anchorN(i), "u@x")))
		} else {
			evs = append(evs, in.ev(at(d+2*time.Second), sourcePasswordReset, 31002, successText(tid, anchorN(i), "u@x")))
		}
	}
	return evs
}

// Prepare gives the fields ExtractInto gives, for the events Add extracts
// them from, and nil for the events Add only counts.
func TestPrepareSameFields(t *testing.T) {
	for _, ev := range addBenchEvents() {
		got := Prepare(ev)
		k, _ := classify(ev.Provider, ev.EventID)
		switch k {
		case kindUnrelated, kindOther, kindNoise, kindHashSync:
			if got != nil {
				t.Errorf("%s %d: prepared %v, want nil", ev.Provider, ev.EventID, got)
			}
			continue
		}
		var want Fields
		ExtractInto(&want, ev.Provider, ev.EventID, ev.Data)
		if f, ok := got.(*Fields); !ok || !reflect.DeepEqual(*f, want) {
			t.Errorf("%s %d: prepared %+v, want %+v", ev.Provider, ev.EventID, got, want)
		}
	}
}

// TestHeaderOnly checks that headerOnly is false for Fields with any field
// set but TrackingID, Status, UPN and Text: a field added to Fields must be
// added to headerOnly.
func TestHeaderOnly(t *testing.T) {
	header := map[string]bool{"TrackingID": true, "Status": true, "UPN": true, "Text": true}
	typ := reflect.TypeFor[Fields]()
	all := Fields{TrackingID: "t", Status: "s", UPN: "u", Text: "t, s, u"}
	if !headerOnly(&all) {
		t.Fatalf("headerOnly(%+v) = false", all)
	}
	for i := range typ.NumField() {
		sf := typ.Field(i)
		f := all
		v := reflect.ValueOf(&f).Elem().Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString("x")
		case reflect.Uint8, reflect.Uint32:
			v.SetUint(1)
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			t.Fatalf("field %s: kind %v not handled by the test", sf.Name, v.Kind())
		}
		if got := headerOnly(&f); got != header[sf.Name] {
			t.Errorf("headerOnly with %s set = %v, want %v", sf.Name, got, header[sf.Name])
		}
	}
}

// TestPrepHeaderOtherEvent checks that an event fed with the prepHeader
// of another (other data, as a caller that reuses events might do) is read
// anew, as if it were not prepared, and that PreparedFields then gives
// nothing.
func TestPrepHeaderOtherEvent(t *testing.T) {
	cat := catalog.New()
	prepare := PrepareFor(cat)
	in := &input{path: "Application.evtx"}
	first := in.ev(at(0), sourcePasswordReset, 31001, startText(tidN(1), "u1@x"))
	h, ok := prepare(first).(*prepHeader)
	if !ok {
		t.Fatalf("a start event prepared as %T, want a *prepHeader", prepare(first))
	}
	for _, data := range [][]string{
		{startText(tidN(2), "user2@example.com")},
		{startText(tidN(1), "u1@x"), "second"},
		nil,
	} {
		ev := in.ev(at(time.Minute), sourcePasswordReset, 31001, data...)
		want := New(Config{Catalog: cat})
		want.Add(ev)
		ev.Prepared = h
		if _, ok := PreparedFields(ev); ok {
			t.Errorf("%q: PreparedFields of another event's prepHeader", data)
		}
		got := New(Config{Catalog: cat})
		got.Add(ev)
		if w, g := resultJSON(t, want.Finish()), resultJSON(t, got.Finish()); w != g {
			t.Errorf("%q: with another event's prepHeader\n%s\nwant\n%s", data, g, w)
		}
	}
}

func resultJSON(t *testing.T, r *Result) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// BenchmarkAdd is Correlator.Add alone (Finish excluded), extracting the
// fields itself and with fields prepared by the decoders (Prepare).
func BenchmarkAdd(b *testing.B) {
	evs := addBenchEvents()
	cat := catalog.New()
	for _, prepared := range []bool{false, true} {
		name := "extract"
		if prepared {
			name = "prepared"
			for _, e := range evs {
				e.Prepared = Prepare(e)
			}
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c := New(Config{Catalog: cat})
				for _, e := range evs {
					c.Add(e)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
		})
	}
}

// TestHasUnlock checks hasUnlock against containsFold.
func TestHasUnlock(t *testing.T) {
	for _, s := range []string{"", "k", "K", "unlock", "UNLOCK", "PasswordResetRequestStart", "AccountUnlockRequestStart", "Unlock",
		"unloc\u212a", "unlocK", "xxxxxxxxxxxxxxxunlock", "xxxxxxxxunlockxx", "unloc", "kkkkkkkkkkkk", "J\u00e9rk", "\xff", "unlock\xff", "AdminPasswordResetRequestStart"} {
		if got, want := hasUnlock(s), containsFold(s, "unlock"); got != want {
			t.Errorf("hasUnlock(%q) = %v, want %v", s, got, want)
		}
	}
}
