package correlate

import (
	"cmp"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/internal/scenario"
	"github.com/evtxscan/evtxscan/parser"
)

// TestSortByHash checks the radix sort (many keys) and the comparison
// sort (few) against a stable sort by hash, with runs of equal hashes and
// bytes of one value (passes skipped).
func TestSortByHash(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    int
		hash func(r *rand.Rand) uint32
	}{
		{"empty", 0, func(r *rand.Rand) uint32 { return r.Uint32() }},
		{"one", 1, func(r *rand.Rand) uint32 { return r.Uint32() }},
		{"few", 100, func(r *rand.Rand) uint32 { return r.Uint32N(10) }},
		{"few distinct", 255, func(r *rand.Rand) uint32 { return r.Uint32() }},
		{"radix", 256, func(r *rand.Rand) uint32 { return r.Uint32() }},
		{"radix runs", 5000, func(r *rand.Rand) uint32 { return r.Uint32N(300) << 12 }},
		{"radix high byte", 3000, func(r *rand.Rand) uint32 { return r.Uint32N(4) << 24 }},
		{"radix one hash", 1000, func(*rand.Rand) uint32 { return 0xdeadbeef }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tt.n)))
			hs := make([]hashIdx, tt.n)
			for i := range hs {
				hs[i] = hashIdx{tt.hash(r), int32(i)}
			}
			want := slices.Clone(hs)
			slices.SortStableFunc(want, func(x, y hashIdx) int { return cmp.Compare(x.h, y.h) })
			sortByHash(hs)
			if !slices.Equal(hs, want) {
				t.Errorf("sorted %v…, want %v…", hs[:min(len(hs), 8)], want[:min(len(want), 8)])
			}
		})
	}
}

// TestSubAtMost checks subAtMost against time.Time.Sub.
func TestSubAtMost(t *testing.T) {
	gap := 15 * time.Minute
	for _, tt := range []struct{ a, b time.Time }{
		{at(0), at(0)},
		{at(0), at(gap)},
		{at(0), at(gap + 1)},
		{at(0), at(gap - 1)},
		{at(time.Second - 1), at(gap + time.Second - 1)},
		{at(time.Second - 1), at(gap + time.Second)},
		{at(500 * time.Millisecond), at(gap + 400*time.Millisecond)},
		{at(gap), at(0)},
		{at(0), at(100 * 365 * 24 * time.Hour)},
		{time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(30000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(30000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)},
		{time.Time{}, at(0)},
	} {
		a, b := newRef(tt.a, 0, 0, 0), newRef(tt.b, 0, 0, 0)
		if got, want := subAtMost(a, b, gap), b.time().Sub(a.time()) <= gap; got != want {
			t.Errorf("subAtMost(%v, %v) = %v, want %v", tt.a, tt.b, got, want)
		}
	}
}

// TestExtractNoData checks what Add relies on for the events that come
// without data strings: ExtractInto gives the zero Fields.
func TestExtractNoData(t *testing.T) {
	for _, tt := range []struct {
		provider string
		id       uint16
	}{
		{sourcePasswordReset, 31019}, {sourcePasswordReset, 31001}, {sourcePasswordReset, 33004},
		{sourcePasswordReset, 32004}, {sourceADSync, 6329}, {sourceADSync, 6306}, {sourceDirSync, 611},
	} {
		for _, data := range [][]string{nil, {}} {
			f := Fields{TrackingID: "x", Trace: []TraceLine{{Raw: "y"}}}
			ExtractInto(&f, tt.provider, tt.id, data)
			f.Trace = nil
			if !reflect.DeepEqual(f, Fields{}) {
				t.Errorf("%s %d %v: %+v", tt.provider, tt.id, data, f)
			}
		}
	}
}

// TestPreparedStream checks that the events of generated logs give the
// Result of unprepared events when prepared by PrepareFor (as scan does)
// and by Prepare, and that every event of PrepareFor is classified
// without an allocation of its own when it has no data.
func TestPreparedStream(t *testing.T) {
	cat := catalog.New()
	for _, tt := range []struct {
		name string
		opts scenario.LogOptions
	}{
		{"entra", scenario.LogOptions{Size: 4 << 20, Seed: 3, Writeback: 0.05}},
		{"member", scenario.LogOptions{Size: 2 << 20, Seed: 4, Writeback: 0.05, Mix: scenario.MemberMix()}},
		{"open", scenario.LogOptions{Size: 64 << 30, Seed: 5, Open: 2000}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			evs := streamEvents(t, tt.opts, cat)
			// result feeds the events (prepared by PrepareFor) as they are,
			// or prepared anew by prepare (nil: not prepared).
			result := func(asRead bool, prepare func(*parser.Event) any) string {
				c := New(Config{Catalog: cat, Tenant: "t"})
				for i := range evs {
					ev := evs[i]
					switch {
					case asRead:
					case prepare == nil:
						ev.Prepared = nil
					default:
						ev.Prepared = prepare(&ev)
					}
					c.Add(&ev)
				}
				b, err := json.Marshal(c.Finish())
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			want := result(false, nil)
			if got := result(true, nil); got != want {
				t.Errorf("PrepareFor: another Result")
			}
			if got := result(false, Prepare); got != want {
				t.Errorf("Prepare: another Result")
			}
			var attempts, headers int
			for i := range evs {
				switch p := evs[i].Prepared.(type) {
				case prepClass:
					if len(evs[i].Data) > 0 && NeedsData(evs[i].Provider, evs[i].EventID) {
						t.Fatalf("event %d (%d) has data but no fields", i, evs[i].EventID)
					}
				case *prepared:
					if p.hasAtt {
						attempts++
					}
				case *prepHeader:
					attempts++
					headers++
					f, _ := PreparedFields(&evs[i])
					var want Fields
					ExtractInto(&want, evs[i].Provider, evs[i].EventID, evs[i].Data)
					if !reflect.DeepEqual(*f, want) {
						t.Fatalf("event %d: PreparedFields %+v, want %+v", i, *f, want)
					}
				default:
					t.Fatalf("event %d: prepared %T", i, p)
				}
			}
			if attempts == 0 || headers == 0 {
				t.Errorf("%d attempt events prepared, %d of them as a prepHeader", attempts, headers)
			}
			beat := parser.Event{Provider: sourcePasswordReset, EventID: 31019}
			prepare := PrepareFor(cat)
			if n := testing.AllocsPerRun(100, func() { beat.Prepared = prepare(&beat) }); n != 0 {
				t.Errorf("%v allocations to prepare a heartbeat without data", n)
			}
		})
	}
}

// TestContainsFold checks containsFold against strings.ToLower and
// strings.Contains.
func TestContainsFold(t *testing.T) {
	for _, s := range []string{
		"", "u", "unlock", "UNLOCK", "UnLoCk", "PasswordResetRequestStart", "AccountUnlock",
		"unloc", "xunlockx", "un lock", "unlocK!", "Ünlock", "KELVIN \u212a unlock", "uNLOCk", "unlo\x00ck", "[unlock]",
	} {
		if got, want := containsFold(s, "unlock"), strings.Contains(strings.ToLower(s), "unlock"); got != want {
			t.Errorf("containsFold(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestIsSource checks isSource against strings.EqualFold, with providers
// longer and shorter than the name and runes that fold to ASCII letters.
func TestIsSource(t *testing.T) {
	for _, p := range []string{
		sourcePasswordReset, "passwordresetservice", "PASSWORDRESETSERVICE", "PasswordReſetService",
		"Password\u212aesetService", "PasswordResetServic", "PasswordResetServicee", "", "ADSync", "adsync", "AD", "ADSyncX",
		"Directory Synchronization", "directory synchronization", "Directory Synchronizatio",
	} {
		for _, name := range []string{sourcePasswordReset, sourceADSync, sourceDirSync} {
			if got, want := isSource(p, name), strings.EqualFold(p, name); got != want {
				t.Errorf("isSource(%q, %q) = %v, want %v", p, name, got, want)
			}
		}
	}
}
