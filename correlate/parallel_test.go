package correlate

import (
	"encoding/json"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/internal/scenario"
	"github.com/evtxscan/evtxscan/parser"
)

// TestParallel checks that parallel calls fn on parts that cover [0, n)
// once, and raises a panic of fn again on the calling goroutine.
func TestParallel(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, minParallel - 1, minParallel, 3*minParallel + 1} {
			seen := make([]atomic.Int32, n)
			parallel(n, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					seen[i].Add(1)
				}
			})
			for i := range seen {
				if v := seen[i].Load(); v != 1 {
					t.Fatalf("GOMAXPROCS %d, n %d: item %d seen %d times", procs, n, i, v)
				}
			}
		}
		func() {
			defer func() {
				if v := recover(); v != "boom" {
					t.Errorf("GOMAXPROCS %d: recovered %v, want boom", procs, v)
				}
			}()
			parallel(2*minParallel, func(lo, hi int) {
				if hi == 2*minParallel {
					panic("boom") // in the last part
				}
			})
			t.Errorf("GOMAXPROCS %d: no panic", procs)
		}()
	}
}

// TestFinishParallel checks that Finish, whose steps over many attempts
// run on several goroutines, gives the Result it gives on one, for more
// open attempts than minParallel (the events also fed out of order).
func TestFinishParallel(t *testing.T) {
	cat := catalog.New()
	evs := streamEvents(t, scenario.LogOptions{Size: 64 << 30, Seed: 9, Open: minParallel + 500}, cat)
	rev := slices.Clone(evs)
	slices.Reverse(rev)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, tt := range []struct {
		name string
		evs  []parser.Event
	}{{"in order", evs}, {"reversed", rev}} {
		var want string
		for _, procs := range []int{1, 2, 3} {
			runtime.GOMAXPROCS(procs)
			c := New(Config{Catalog: cat, Tenant: "t"})
			for i := range tt.evs {
				c.Add(&tt.evs[i])
			}
			b, err := json.Marshal(c.Finish())
			if err != nil {
				t.Fatal(err)
			}
			if procs == 1 {
				want = string(b)
			} else if string(b) != want {
				t.Errorf("%s: GOMAXPROCS %d gives another Result", tt.name, procs)
			}
		}
	}
}
