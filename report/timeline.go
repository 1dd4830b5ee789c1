package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
)

// The timeline of one server is an inline SVG on one time axis. Every
// horizontal position is a percentage of the picture's width, so that the
// page zooms by widening the picture (a few lines of script) while heights,
// strokes and text keep their size; the tick marks of each zoom level are
// computed here and the script shows those of the level in use.

// timeline is what the "timeline" template draws.
type timeline struct {
	Height  int
	Rows    []tlRow   // lane labels, drawn in a fixed column beside the picture
	Levels  []tlLevel // tick marks by zoom level, first level 1
	Bands   []tlRect  // heartbeat gaps, drawn across every lane
	Rects   []tlRect  // input spans, damage, heartbeat strip, runs, service errors
	Lines   []tlLine  // attempts, service start and stop
	Glyphs  []tlText  // start/stop/version markers
	MaxZoom int       // widest zoom offered
	DayZoom int       // zoom at which one day takes about the width of the view
	From    string    // the axis' ends, for the caption
	To      string
}

type tlRow struct {
	Y     int // text baseline
	Label string
	Title string
}

type tlLevel struct {
	Zoom  int
	Ticks []tlTick
}

type tlTick struct {
	X     string // percentage
	Label string
	Major bool // a day boundary under a finer level
}

type tlRect struct {
	Class string
	X, W  string // percentages
	Y, H  int
	Title string
	// Thin is set when the span is too short to show as a rectangle at
	// the widest view (an SVG rect of width 0 is not drawn at all): a line
	// marks it too, and the rectangle shows when zoomed in.
	Thin bool
}

// minSpanPercent is the narrowest span drawn as a rectangle.
const minSpanPercent = 0.05

type tlLine struct {
	Class  string
	X      string
	Y1, Y2 int
	Title  string
	Row    string // id of the attempt's table row
	TID    string // tracking id of an attempt mark
}

type tlText struct {
	Class string
	X     string
	Y     int
	Text  string
	Title string
}

// tlInput is the span of one input file on the axis.
type tlInput struct {
	Path     string
	From, To time.Time
}

// tlSource is what a timeline is drawn from: one server's service,
// attempts, damage and inputs.
type tlSource struct {
	ID       string // prefix of the ids of attempt rows ("s1" → "s1-a3")
	Attempts []correlate.Attempt
	// From and To, when set, widen the picture to attempts that have no
	// mark (a page that shows maxHTMLAttempts of them).
	From, To time.Time
	Service  correlate.Service
	Damage   []correlate.Damage
	Inputs   []tlInput
	Versions []versionMark
}

// versionMark is a sync-engine version seen, with the time it was first
// seen when the log tells it (zero when not).
type versionMark struct {
	Version string
	At      time.Time
}

// Layout of the lanes, in pixels.
const (
	tlAxisH    = 18 // tick labels
	tlFileH    = 9  // one input file
	tlLaneGap  = 6
	tlStripH   = 14 // heartbeat strip
	tlRunH     = 12
	tlAttH     = 14 // one outcome row of attempts
	tlErrH     = 8  // one row of service error groups
	maxErrRows = 4
)

// Tick intervals a level may use, finest first.
var tickSteps = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
}

// Zoom: each level doubles the width; the view is taken as about
// viewPx pixels wide and ticks as at least tickPx apart.
const (
	viewPx      = 1000
	tickPx      = 110
	maxZoom     = 512
	finestView  = 2 * time.Hour // the view at the widest zoom shows at least this much
	edgePercent = 1.0           // empty margin at each end of the axis
)

// buildTimeline lays out the picture of src.
func buildTimeline(src tlSource) *timeline {
	from, to := tlExtent(src)
	tl := &timeline{}
	if from.IsZero() {
		return nil
	}
	if !to.After(from) {
		from, to = from.Add(-30*time.Minute), to.Add(30*time.Minute)
	}
	span := to.Sub(from)
	// Margins so that marks at the ends are not cut.
	pad := time.Duration(float64(span) * edgePercent / 100)
	from, to = from.Add(-pad), to.Add(pad)
	span = to.Sub(from)
	tl.From, tl.To = stamp(from), stamp(to)
	x := func(t time.Time) float64 { return float64(t.Sub(from)) / float64(span) * 100 }
	pct := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) + "%" }
	wpct := func(a, b time.Time) string { return pct(max(x(b)-x(a), 0)) }

	tl.MaxZoom = 1
	for tl.MaxZoom < maxZoom && span/time.Duration(tl.MaxZoom*2) >= finestView {
		tl.MaxZoom *= 2
	}
	tl.DayZoom = max(1, min(tl.MaxZoom, int(span/(24*time.Hour))))

	y := tlAxisH + 4
	// Inputs, one row each, with the damage of each on its row.
	for i, in := range src.Inputs {
		ry := y + i*(tlFileH+5)
		tl.Rows = append(tl.Rows, tlRow{Y: ry + tlFileH, Label: cutLeft(baseName(in.Path), 20), Title: in.Path})
		if !in.From.IsZero() {
			tl.Rects = append(tl.Rects, tlRect{Class: "file", X: pct(x(in.From)), W: wpct(in.From, in.To), Y: ry, H: tlFileH,
				Title: fmt.Sprintf("%s\n%s → %s", in.Path, stamp(in.From), stamp(in.To))})
		}
		for _, d := range src.Damage {
			if d.Path != in.Path {
				continue
			}
			a, b := d.From.Time, d.To.Time
			if a.IsZero() {
				a = in.From
			}
			if b.IsZero() {
				b = in.To
			}
			if a.IsZero() || b.IsZero() {
				continue
			}
			tl.Rects = append(tl.Rects, tlRect{Class: "damage", X: pct(x(a)), W: wpct(a, b), Y: ry - 1, H: tlFileH + 2,
				Title: fmt.Sprintf("damaged chunk %d of %s\nbetween %s and %s", d.Chunk, in.Path, stamp(a), stamp(b))})
		}
	}
	y += len(src.Inputs)*(tlFileH+5) + tlLaneGap
	bandTop := y

	// Heartbeat strip: the span with heartbeats, gaps shaded across all lanes.
	svc := src.Service
	tl.Rows = append(tl.Rows, tlRow{Y: y + tlStripH - 3, Label: "heartbeats", Title: fmt.Sprintf("%d heartbeats (31019)", svc.Heartbeats)})
	if !svc.FirstHeartbeat.IsZero() {
		tl.Rects = append(tl.Rects, tlRect{Class: "hb", X: pct(x(svc.FirstHeartbeat.Time)), W: wpct(svc.FirstHeartbeat.Time, svc.LastHeartbeat.Time), Y: y, H: tlStripH,
			Title: fmt.Sprintf("%d heartbeats, %s → %s", svc.Heartbeats, stamp(svc.FirstHeartbeat.Time), stamp(svc.LastHeartbeat.Time))})
	}
	if es := svc.EndSilence; es != nil && !es.From.IsZero() && !es.To.IsZero() {
		title := fmt.Sprintf("silence to the end of the log: %s → %s", stamp(es.From.Time), stamp(es.To.Time))
		if es.Note != "" {
			title += "\n" + es.Note
		}
		tl.Rects = append(tl.Rects, tlRect{Class: "silence", X: pct(x(es.From.Time)), W: wpct(es.From.Time, es.To.Time), Y: y, H: tlStripH, Title: title})
	}
	for _, t := range svc.Started {
		tl.Lines = append(tl.Lines, tlLine{Class: "start", X: pct(x(t.Time)), Y1: y - 2, Y2: y + tlStripH + 2, Title: "service started (31015) " + stamp(t.Time)})
		tl.Glyphs = append(tl.Glyphs, tlText{Class: "start", X: pct(x(t.Time)), Y: y - 3, Text: "▼", Title: "service started (31015) " + stamp(t.Time)})
	}
	for _, t := range svc.Stopped {
		tl.Lines = append(tl.Lines, tlLine{Class: "stop", X: pct(x(t.Time)), Y1: y - 2, Y2: y + tlStripH + 2, Title: "service stopped (31016) " + stamp(t.Time)})
		tl.Glyphs = append(tl.Glyphs, tlText{Class: "stop", X: pct(x(t.Time)), Y: y - 3, Text: "■", Title: "service stopped (31016) " + stamp(t.Time)})
	}
	y += tlStripH + tlLaneGap

	// Onboarding and offboarding runs, and sync-engine versions.
	if len(svc.Onboarding)+len(svc.Offboarding)+len(src.Versions) > 0 {
		tl.Rows = append(tl.Rows, tlRow{Y: y + tlRunH - 2, Label: "setup", Title: "onboarding (31004…), offboarding, sync-engine versions"})
		for _, kind := range []struct {
			name string
			runs []correlate.Run
		}{{"onboarding", svc.Onboarding}, {"offboarding", svc.Offboarding}} {
			for _, r := range kind.runs {
				tl.Rects = append(tl.Rects, tlRect{Class: "run " + outcomeClass(r.Outcome), X: pct(x(r.Start.Time)), W: wpct(r.Start.Time, r.End.Time), Y: y, H: tlRunH,
					Title: fmt.Sprintf("%s %s, %s → %s, events %v", kind.name, r.Outcome, stamp(r.Start.Time), stamp(r.End.Time), r.EventIDs)})
			}
		}
		for _, v := range src.Versions {
			if v.At.IsZero() {
				continue
			}
			tl.Glyphs = append(tl.Glyphs, tlText{Class: "ver", X: pct(x(v.At)), Y: y + tlRunH - 2, Text: "◆ " + v.Version, Title: "sync engine " + v.Version + " from " + stamp(v.At)})
		}
		y += tlRunH + tlLaneGap
	}

	// Service errors, one bar per group from its first to its last event.
	if len(svc.Errors) > 0 {
		tl.Rows = append(tl.Rows, tlRow{Y: y + tlErrH, Label: "service errors", Title: "31034, 31044, 6800 and 32xxx without a TrackingId"})
		rows := packRows(len(svc.Errors), maxErrRows, func(i int) (time.Time, time.Time) {
			e := svc.Errors[i]
			// Bars closer than a hundredth of the axis count as overlapping.
			return e.First.Time, e.Last.Time.Add(span / 100)
		})
		n := 1
		for i, e := range svc.Errors {
			n = max(n, rows[i]+1)
			tl.Rects = append(tl.Rects, tlRect{Class: "err", X: pct(x(e.First.Time)), W: wpct(e.First.Time, e.Last.Time), Y: y + rows[i]*(tlErrH+2), H: tlErrH,
				Title: fmt.Sprintf("%d × %d %s\n%s → %s\ncause: %s", e.Count, e.EventID, e.Message, stamp(e.First.Time), stamp(e.Last.Time), e.Cause)})
		}
		y += n*(tlErrH+2) - tlRunH - 2
		y += tlRunH + tlLaneGap
	}

	// Attempts: one row per outcome, one mark each.
	rowOf := map[string]int{"failure": 0, "incomplete": 1, "success": 2}
	for i, name := range []string{"failed", "incomplete", "succeeded"} {
		tl.Rows = append(tl.Rows, tlRow{Y: y + i*tlAttH + tlAttH - 3, Label: name, Title: "attempts that " + map[int]string{0: "failed", 1: "have no result", 2: "succeeded"}[i]})
	}
	for i, a := range src.Attempts {
		r, ok := rowOf[a.Outcome]
		if !ok {
			r = 1
		}
		ry := y + r*tlAttH
		title := fmt.Sprintf("%s %s %s: %s", stamp(a.Start.Time), a.Operation, a.UPN, a.Outcome)
		if a.Cause != "" {
			title += " — " + a.Cause
		}
		title += "\nTrackingId " + a.TrackingID
		tl.Lines = append(tl.Lines, tlLine{Class: "att " + outcomeClass(a.Outcome), X: pct(x(a.Start.Time)), Y1: ry + 1, Y2: ry + tlAttH - 1,
			Title: title, Row: fmt.Sprintf("%s-a%d", src.ID, i+1), TID: a.TrackingID})
	}
	y += 3*tlAttH + 4

	for _, g := range svc.HeartbeatGaps {
		title := fmt.Sprintf("no heartbeat for %s: %s → %s", minutes(g.To.Sub(g.From.Time)), stamp(g.From.Time), stamp(g.To.Time))
		if g.Note != "" {
			title += "\n" + g.Note
		}
		tl.Bands = append(tl.Bands, tlRect{Class: "gap", X: pct(x(g.From.Time)), W: wpct(g.From.Time, g.To.Time), Y: bandTop - 2, H: y - bandTop + 2, Title: title})
	}
	tl.Height = y
	for _, list := range [][]tlRect{tl.Rects, tl.Bands} {
		for i := range list {
			w, _ := strconv.ParseFloat(strings.TrimSuffix(list[i].W, "%"), 64)
			list[i].Thin = w < minSpanPercent
		}
	}

	for z := 1; z <= tl.MaxZoom; z *= 2 {
		tl.Levels = append(tl.Levels, tlLevel{Zoom: z, Ticks: ticks(from, to, z, x, pct)})
	}
	return tl
}

// tlExtent is the time span the picture covers.
func tlExtent(src tlSource) (from, to time.Time) {
	see := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if from.IsZero() || t.Before(from) {
			from = t
		}
		if to.IsZero() || t.After(to) {
			to = t
		}
	}
	see(src.Service.LogFrom.Time)
	see(src.Service.LogTo.Time)
	see(src.From)
	see(src.To)
	for _, in := range src.Inputs {
		see(in.From)
		see(in.To)
	}
	for _, a := range src.Attempts {
		see(a.Start.Time)
		see(a.End.Time)
	}
	for _, d := range src.Damage {
		see(d.From.Time)
		see(d.To.Time)
	}
	return from, to
}

// ticks returns the tick marks of zoom level z: the finest step that keeps
// labels tickPx apart on a picture viewPx*z pixels wide.
func ticks(from, to time.Time, z int, x func(time.Time) float64, pct func(float64) string) []tlTick {
	span := to.Sub(from)
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if float64(s)/float64(span)*float64(viewPx*z) >= tickPx {
			step = s
			break
		}
	}
	var out []tlTick
	t := from.UTC().Truncate(step)
	if step >= 24*time.Hour {
		// Align to midnight UTC (Truncate aligns to the zero time, which is
		// midnight, but steps of weeks would start on a Monday anyway).
		t = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	}
	for ; !t.After(to); t = t.Add(step) {
		if t.Before(from) {
			continue
		}
		midnight := t.Hour() == 0 && t.Minute() == 0
		label := t.Format("15:04")
		if midnight || step >= 24*time.Hour {
			label = t.Format("Jan 2")
		}
		if len(out) == 0 && step < 24*time.Hour && !midnight {
			label = t.Format("Jan 2 15:04")
		}
		out = append(out, tlTick{X: pct(x(t)), Label: label, Major: midnight && step < 24*time.Hour})
	}
	return out
}

func outcomeClass(o string) string {
	switch o {
	case "success", "failure", "incomplete":
		return o
	}
	return "unknown"
}

// stamp formats a time for a title or caption.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

// causeCounts counts the failed and incomplete attempts by cause, most
// first, for the legend.
func causeCounts(atts correlate.AttemptList) []causeCount {
	m := map[string]int{}
	for i := range atts.Len() {
		if cause := atts.Cause(i); cause != "" && atts.Outcome(i) != "success" {
			m[cause]++
		}
	}
	out := make([]causeCount, 0, len(m))
	for c, n := range m {
		out = append(out, causeCount{c, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Cause < out[j].Cause
	})
	return out
}

type causeCount struct {
	Cause string
	N     int
}

// packRows puts n intervals on at most limit rows so that intervals of one
// row do not overlap, where it can: each goes to the first row free at its
// start (the last row when none is). Intervals come in start order.
func packRows(n, limit int, span func(int) (time.Time, time.Time)) []int {
	out := make([]int, n)
	var ends []time.Time
	for i := range n {
		from, to := span(i)
		r := -1
		for j, e := range ends {
			if from.After(e) {
				r = j
				break
			}
		}
		if r < 0 {
			if len(ends) < limit {
				ends = append(ends, time.Time{})
				r = len(ends) - 1
			} else {
				r = limit - 1
			}
		}
		if to.After(ends[r]) {
			ends[r] = to
		}
		out[i] = r
	}
	return out
}
