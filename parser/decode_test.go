package parser

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// NeedData leaves Data nil for the events it declines and changes nothing
// else; it is asked of the events kept, with their providers and ids, once
// per provider and id in a chunk.
func TestNeedData(t *testing.T) {
	paths := []string{
		filepath.Join("..", "testdata", "evtx", "healthy-day.evtx"),
		filepath.Join("..", "..", "shared", "evtx-samples", "hayabusa", "DeepBlueCLI_many-events-application.evtx"),
		filepath.Join("..", "..", "shared", "evtx-samples", "evtx-rs", "security.evtx"),
	}
	for _, path := range paths {
		if _, err := os.Stat(path); err != nil {
			t.Logf("%s: %v", path, err)
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			all, _ := readAll(t, path, 1, nil)
			for _, w := range []int{1, 2} {
				type key struct {
					p  string
					id uint16
				}
				var calls []key
				got, _, _ := readAllOpts(t, path, w, func(r *Reader) {
					r.NeedData = func(p string, id uint16) bool {
						if w == 1 {
							calls = append(calls, key{p, id})
						}
						return id%2 == 0
					}
				})
				if len(got) != len(all) {
					t.Fatalf("workers=%d: %d events with NeedData, %d without", w, len(got), len(all))
				}
				withData, without := 0, 0
				for i := range got {
					want := all[i]
					if want.EventID%2 != 0 {
						want.Data = nil
						without++
					} else if len(want.Data) > 0 {
						withData++
					}
					if !reflect.DeepEqual(got[i], want) {
						t.Fatalf("workers=%d: event %d:\n got %+v\nwant %+v", w, i, got[i], want)
					}
				}
				if w == 1 {
					// Asked in event order, of the events' providers and
					// ids, and not again for the same in a chunk.
					if len(calls) > len(all) {
						t.Errorf("NeedData called %d times for %d events", len(calls), len(all))
					}
					j := 0
					for i, c := range calls {
						for j < len(all) && c != (key{all[j].Provider, all[j].EventID}) {
							j++
						}
						if j == len(all) {
							t.Fatalf("call %d: NeedData(%q, %d) is not of an event after that of call %d", i, c.p, c.id, i-1)
						}
						j++
					}
				}
				if withData == 0 || without == 0 {
					t.Errorf("test does not bite: %d events with data, %d without", withData, without)
				}
			}
		})
	}
}

// A record that is filtered out, or whose data strings are not wanted, costs
// no allocation: decoding a chunk allocates a fixed amount, whatever its
// number of records.
func TestSkipPathAllocations(t *testing.T) {
	for _, name := range []string{"healthy-day.evtx", "servicebus-outage.evtx"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "evtx", name))
		if err != nil {
			t.Skip(err)
		}
		chunk := b[HeaderBlockSize : HeaderBlockSize+ChunkSize]
		tests := []struct {
			name string
			opts decodeOptions
			max  float64
		}{
			// The events slice of the chunk.
			{"keep none", decodeOptions{keep: func(string) bool { return false }}, 1},
			{"need no data", decodeOptions{needData: func(string, uint16) bool { return false }}, 1},
		}
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				opts := tt.opts
				opts.cache = newPlanCache()
				d := newChunkDecoder(&opts)
				var res chunkResult
				allocs := testing.AllocsPerRun(20, func() {
					res = d.decodeChunk(chunk, 0, HeaderBlockSize, true, false, slot{})
				})
				if res.records < 20 || len(res.damage) > 0 {
					t.Fatalf("chunk has %d records, damage %v", res.records, res.damage)
				}
				if allocs > tt.max {
					t.Errorf("%v allocations for a chunk of %d records; want at most %v", allocs, res.records, tt.max)
				}
				// Data wanted: two allocations per event with data strings.
				full := decodeOptions{cache: newPlanCache()}
				fd := newChunkDecoder(&full)
				withData := 0
				allocs = testing.AllocsPerRun(20, func() {
					res = fd.decodeChunk(chunk, 0, HeaderBlockSize, true, false, slot{})
				})
				for _, e := range res.events {
					if len(e.Data) > 0 {
						withData++
					}
				}
				if allocs > float64(1+2*withData) {
					t.Errorf("%v allocations for a chunk of %d events with data strings; want at most %d", allocs, withData, 1+2*withData)
				}
			})
		}
	}
}

// SampleData gives Data to the first SampleSize events of each chunk with
// a sampled provider and id, and to no other the NeedData declines, whatever
// the number of workers.
func TestSampleData(t *testing.T) {
	path := filepath.Join("..", "testdata", "evtx", "healthy-day.evtx")
	all, _ := readAll(t, path, 1, nil)
	const beat = 31019
	want := map[int]bool{} // index in all of the heartbeats sampled
	perChunk := map[int]int{}
	for i, e := range all {
		if e.EventID == beat && perChunk[e.Chunk] < SampleSize {
			perChunk[e.Chunk]++
			want[i] = true
		}
	}
	if len(perChunk) < 2 {
		t.Fatalf("fixture has heartbeats in %d chunks; the test needs several", len(perChunk))
	}
	for _, w := range []int{1, 2} {
		got, _, _ := readAllOpts(t, path, w, func(r *Reader) {
			r.NeedData = func(string, uint16) bool { return false }
			r.SampleData = func(p string, id uint16) bool { return p == "PasswordResetService" && id == beat }
		})
		if len(got) != len(all) {
			t.Fatalf("workers=%d: %d events, want %d", w, len(got), len(all))
		}
		for i, e := range got {
			sampled := want[i]
			if sampled != (e.Data != nil) {
				t.Errorf("workers=%d: event %d (chunk %d, id %d): data %v, sampled %v", w, i, e.Chunk, e.EventID, e.Data != nil, sampled)
			}
			if sampled && !reflect.DeepEqual(e.Data, all[i].Data) {
				t.Errorf("workers=%d: sampled data %q, want %q", w, e.Data, all[i].Data)
			}
		}
	}
}

// Skip leaves the fields it names zero, and every other as without it.
func TestSkipFields(t *testing.T) {
	path := filepath.Join("..", "testdata", "evtx", "healthy-day.evtx")
	all, want := readAll(t, path, 1, nil)
	skip := FieldQualifiers | FieldLevel | FieldTask | FieldKeywords | FieldUserSID
	for _, w := range []int{1, 2} {
		got, st, _ := readAllOpts(t, path, w, func(r *Reader) { r.Skip = skip })
		if len(got) != len(all) || !reflect.DeepEqual(st, want) {
			t.Fatalf("workers=%d: %d events, stats %+v; without Skip %d, %+v", w, len(got), st, len(all), want)
		}
		bites := false
		for i := range got {
			e := all[i]
			bites = bites || e.Level != 0 || e.Keywords != 0 || e.UserSID != ""
			e.Qualifiers, e.Level, e.Task, e.Keywords, e.UserSID = 0, 0, 0, 0, ""
			if !reflect.DeepEqual(got[i], e) {
				t.Fatalf("workers=%d: event %d:\n got %+v\nwant %+v", w, i, got[i], e)
			}
		}
		if !bites {
			t.Error("test does not bite: no event has the fields Skip leaves out")
		}
	}
}
