package report

// Helpers that move here with the text writer (old cmd/evtxscan/report.go);
// this file goes when the move lands.

import (
	"fmt"
	"strings"
	"time"
)

// minutes renders a duration as "53 min" or "2 h 05 min".
func minutes(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, "/\\!"); i >= 0 {
		return p[i+1:]
	}
	return p
}
