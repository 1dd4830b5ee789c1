package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
)

// sparkDays is the shortest log that gets a failures-per-day line.
const sparkDays = 4

// sparkline draws the failed attempts per day of a log from from to to: a
// head saying what the line shows ("per day from 2024-03-18 to 2024-03-21,
// most 5 on 2024-03-20") and the line itself of at most width cells, one
// cell a day (or a few days, when the days do not fit), "·" for none. Both
// are "" for a log shorter than sparkDays days or without failures.
func sparkline(atts correlate.AttemptList, from, to time.Time, width int) (head, bars string) {
	if from.IsZero() || to.Sub(from) < sparkDays*24*time.Hour {
		return "", ""
	}
	from, to = from.UTC(), to.UTC()
	first := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	days := int(to.Sub(first)/(24*time.Hour)) + 1
	per := 1
	for (days+per-1)/per > max(width, 10) {
		per++
	}
	counts := make([]int, (days+per-1)/per)
	total := 0
	for i := range atts.Len() {
		if atts.Outcome(i) != "failure" {
			continue
		}
		start, _ := atts.Span(i)
		d := int(start.UTC().Sub(first) / (24 * time.Hour))
		if d >= 0 && d/per < len(counts) {
			counts[d/per]++
			total++
		}
	}
	if total == 0 {
		return "", ""
	}
	top, at := 0, 0
	for i, n := range counts {
		if n > top {
			top, at = n, i
		}
	}
	levels := []rune("▁▂▃▄▅▆▇█")
	var b strings.Builder
	for _, n := range counts {
		if n == 0 {
			b.WriteRune('·')
			continue
		}
		b.WriteRune(levels[(n*len(levels)-1)/top])
	}
	const day = "2006-01-02"
	peak := first.AddDate(0, 0, at*per)
	if per == 1 {
		head = fmt.Sprintf("per day from %s to %s: most %d on %s", first.Format(day), to.Format(day), top, peak.Format(day))
	} else {
		head = fmt.Sprintf("per %d days from %s to %s: most %d in the %d days from %s", per, first.Format(day), to.Format(day), top, per, peak.Format(day))
	}
	return head, b.String()
}
