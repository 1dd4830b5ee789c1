package report

import (
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
)

func ct(t time.Time) correlate.Time { return correlate.Time{Time: t} }

// The picture has a mark for each version change, a band for each gap, a
// line beside each span too short for a rectangle, and levels of ticks up
// to a zoom that shows about two hours across the view.
func TestBuildTimeline(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 4, 0)
	svc := correlate.Service{
		LogFrom: ct(from), LogTo: ct(to), Heartbeats: 10, FirstHeartbeat: ct(from), LastHeartbeat: ct(to),
		HeartbeatGaps: []correlate.Span{{From: ct(from.Add(48 * time.Hour)), To: ct(from.Add(49 * time.Hour))}},
		SyncVersionSpans: []correlate.VersionSpan{
			{Version: "2.3.20.0", First: ct(from), Last: ct(from.AddDate(0, 2, 0))},
			{Version: "2.5.79.0", First: ct(from.AddDate(0, 2, 1)), Last: ct(to)},
		},
		Errors: []correlate.ServiceError{{EventID: 32002, Count: 1, First: ct(from.Add(time.Hour)), Last: ct(from.Add(time.Hour)), Message: "x"}},
	}
	src := tlSource{ID: "s1", Service: svc, Inputs: []tlInput{{Path: "a.evtx", From: from, To: to}}}
	for _, v := range svc.SyncVersionSpans {
		src.Versions = append(src.Versions, versionMark{Version: v.Version, At: v.First.Time})
	}
	tl := buildTimeline(src)
	var vers, thin int
	for _, g := range tl.Glyphs {
		if g.Class == "ver" {
			vers++
		}
	}
	for _, r := range tl.Rects {
		if r.Thin {
			thin++
			if r.Class != "err" {
				t.Errorf("thin %s rect: %+v", r.Class, r)
			}
		}
	}
	if vers != 2 || len(tl.Bands) != 1 || thin != 1 {
		t.Errorf("%d version marks, %d gap bands, %d thin spans; want 2, 1, 1", vers, len(tl.Bands), thin)
	}
	if tl.MaxZoom < 512 || len(tl.Levels) != 10 {
		t.Errorf("max zoom %d with %d levels, want 512 and 10", tl.MaxZoom, len(tl.Levels))
	}
	for _, lv := range tl.Levels {
		if len(lv.Ticks) < 4 || len(lv.Ticks) > 20*lv.Zoom {
			t.Errorf("zoom %d: %d ticks", lv.Zoom, len(lv.Ticks))
		}
		for _, tk := range lv.Ticks {
			if !strings.HasSuffix(tk.X, "%") {
				t.Errorf("tick at %q", tk.X)
			}
		}
	}
}
