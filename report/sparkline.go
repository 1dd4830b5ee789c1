package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
)

// sparkDays is the shortest log that gets a failures-per-day line.
const sparkDays = 4

// sparkline draws the failed attempts per day of a log from from to to as
// one line of at most width cells: "03-18 ▁·▃█ 03-21, most 5 on 03-20",
// a cell per day (or per few days, when the days do not fit), "·" for none.
// It returns "" for a log shorter than sparkDays days or without failures.
func sparkline(atts []correlate.Attempt, from, to time.Time, width int) string {
	if from.IsZero() || to.Sub(from) < sparkDays*24*time.Hour {
		return ""
	}
	first := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	days := int(to.Sub(first)/(24*time.Hour)) + 1
	per := 1
	for (days+per-1)/per > max(width, 10) {
		per++
	}
	counts := make([]int, (days+per-1)/per)
	total := 0
	for _, a := range atts {
		if a.Outcome != "failure" {
			continue
		}
		d := int(a.Start.UTC().Sub(first) / (24 * time.Hour))
		if d >= 0 && d/per < len(counts) {
			counts[d/per]++
			total++
		}
	}
	if total == 0 {
		return ""
	}
	top, at := 0, 0
	for i, n := range counts {
		if n > top {
			top, at = n, i
		}
	}
	const bars = "▁▂▃▄▅▆▇█"
	levels := []rune(bars)
	var b strings.Builder
	for _, n := range counts {
		if n == 0 {
			b.WriteRune('·')
			continue
		}
		b.WriteRune(levels[(n*len(levels)-1)/top])
	}
	unit := "day"
	if per > 1 {
		unit = fmt.Sprintf("%d days", per)
	}
	peak := first.Add(time.Duration(at*per) * 24 * time.Hour)
	return fmt.Sprintf("%s %s %s, most %d on %s (one cell a %s)", first.Format("01-02"), b.String(),
		to.UTC().Format("01-02"), top, peak.Format("01-02"), unit)
}
