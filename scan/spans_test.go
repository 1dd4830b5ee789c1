package scan

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/parser"
)

// damageSpansQuadratic is the former damageSpans, the reference: for each
// damage entry, every chunk is looked at.
func damageSpansQuadratic(f *Input) map[int][2]time.Time {
	out := map[int][2]time.Time{}
	for _, d := range f.damage {
		if d.Chunk < 0 {
			continue
		}
		var from, to time.Time
		for c, sp := range f.chunkSpans {
			if c < d.Chunk && (from.IsZero() || sp[1].After(from)) {
				from = sp[1]
			}
			if c > d.Chunk && (to.IsZero() || sp[0].Before(to)) {
				to = sp[0]
			}
		}
		out[d.Chunk] = f.withOwnEvents(d.Chunk, from, to)
	}
	return out
}

// randomInput has chunks chunks, some without events, some damaged, with
// times not in chunk order (a log that wrapped).
func randomInput(rng *rand.Rand, chunks int) *Input {
	f := &Input{chunkSpans: map[int][2]time.Time{}}
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for c := range chunks {
		if rng.IntN(4) > 0 {
			start := base.Add(time.Duration(rng.IntN(1e6)) * time.Second)
			f.chunkSpans[c] = [2]time.Time{start, start.Add(time.Duration(rng.IntN(3600)) * time.Second)}
		}
		for range rng.IntN(3) {
			f.damage = append(f.damage, &parser.ParseError{Chunk: c})
		}
	}
	f.damage = append(f.damage, &parser.ParseError{Chunk: -1}, &parser.ParseError{Chunk: chunks + 3})
	return f
}

func TestDamageSpansLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	for i := range 300 {
		f := randomInput(rng, rng.IntN(40))
		if got, want := f.damageSpans(), damageSpansQuadratic(f); !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: got %v, want %v", i, got, want)
		}
	}
}

// Every chunk of a 2 GiB log damaged (32768 chunks): linear, not quadratic.
func BenchmarkDamageSpans(b *testing.B) {
	f := &Input{chunkSpans: map[int][2]time.Time{}}
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const chunks = 32768
	for c := range chunks {
		t := base.Add(time.Duration(c) * time.Minute)
		f.chunkSpans[c] = [2]time.Time{t, t.Add(30 * time.Second)}
		f.damage = append(f.damage, &parser.ParseError{Chunk: c})
	}
	b.Run("linear", func(b *testing.B) {
		for b.Loop() {
			f.damageSpans()
		}
	})
	b.Run("quadratic-before", func(b *testing.B) {
		for b.Loop() {
			damageSpansQuadratic(f)
		}
	})
}
