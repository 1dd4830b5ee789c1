package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/internal/scenario"
	"github.com/evtxscan/evtxscan/scan"
)

// The text report fits 80 and 120 columns: no line of any fixture's report
// is wider, counted in terminal cells.
func TestTextFitsWidth(t *testing.T) {
	for _, path := range fixturePaths(t) {
		rep := analyze(t, path)
		for _, width := range []int{80, 120} {
			var buf bytes.Buffer
			if err := Text(&buf, rep, TextOptions{Width: width}); err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(buf.String(), "\n") {
				if w := cells(line); w > width {
					t.Errorf("%s at %d: line %d is %d cells: %q", path, width, i+1, w, line)
				}
			}
		}
	}
}

// cellsFrom returns what follows the first n cells of s.
func cellsFrom(s string, n int) string {
	return s[len(cutCells(s, n)):]
}

// The columns of the attempts table stay aligned on wide (CJK) and
// combining user names: every row has its operation and outcome where the
// header has their titles, counted in cells.
func TestTextAttemptsAlignedCJK(t *testing.T) {
	var path string
	for _, p := range fixturePaths(t) {
		if strings.HasSuffix(p, "cjk-names.evtx") {
			path = p
		}
	}
	rep := analyze(t, path)
	for _, width := range []int{80, 120, 160} {
		var buf bytes.Buffer
		if err := Text(&buf, rep, TextOptions{Width: width}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(buf.String(), "\n")
		hdr := -1
		for i, l := range lines {
			if strings.HasPrefix(l, "TIME (UTC)") {
				hdr = i
			}
		}
		if hdr < 0 {
			t.Fatalf("at %d: no attempts table:\n%s", width, buf.String())
		}
		h := lines[hdr]
		opCol := cells(h[:strings.Index(h, "OPERATION")])
		outCol := cells(h[:strings.Index(h, "OUTCOME")])
		userCol := cells(h[:strings.Index(h, "USER")])
		users := map[string]bool{}
		rows := 0
		for _, l := range lines[hdr+1:] {
			if l == "" || strings.HasPrefix(l, "(") || strings.HasPrefix(l, "…") {
				break
			}
			if strings.HasPrefix(l, " ") { // the cause on a line of its own
				continue
			}
			rows++
			op := cellsFrom(l, opCol)
			if !strings.HasPrefix(op, "reset ") && !strings.HasPrefix(op, "change ") {
				t.Errorf("at %d: operation not under OPERATION: %q", width, l)
			}
			out := cellsFrom(l, outCol)
			if !strings.HasPrefix(out, "failure") && !strings.HasPrefix(out, "success") {
				t.Errorf("at %d: outcome not under OUTCOME: %q", width, l)
			}
			users[strings.TrimSpace(cutCells(cellsFrom(l, userCol), opCol-userCol))] = true
		}
		if rows != rep.Attempts.Len() {
			t.Errorf("at %d: %d rows, want every one of the %d attempts", width, rows, rep.Attempts.Len())
		}
		for _, u := range scenario.CJKUsers() {
			if !users[u] {
				t.Errorf("at %d: user %q not shown whole (got %v)", width, u, users)
			}
		}
	}
}

// A long log (four months, a hundred heartbeat gaps, two hundred attempts)
// still fits, says how many lines it leaves out and where to see them,
// and draws failures per day.
func TestTextLongLogFits(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 4, 0)
	svc := correlate.Service{LogFrom: correlate.Time{Time: from}, LogTo: correlate.Time{Time: to}, Heartbeats: 9000}
	for i := range 100 {
		g := from.Add(time.Duration(i) * 29 * time.Hour)
		svc.HeartbeatGaps = append(svc.HeartbeatGaps, correlate.Span{From: correlate.Time{Time: g}, To: correlate.Time{Time: g.Add(47 * time.Minute)},
			Note: "service stopped (31016) at " + correlate.FormatTime(g) + "; damaged chunk 12 of a file with a long name"})
	}
	var atts []correlate.Attempt
	for i := range 200 {
		a := correlate.Attempt{Tenant: "t", Server: "s", TrackingID: fmt.Sprintf("%08x-0000-4000-8000-000000000000", i),
			Operation: "reset", Outcome: "success", UPN: fmt.Sprintf("user%d@contoso.com", i), Start: correlate.Time{Time: from.Add(time.Duration(i) * 14 * time.Hour)}}
		if i%3 == 0 {
			a.Outcome, a.Cause = "failure", "sync-rule-password-sync-missing"
		}
		atts = append(atts, a)
	}
	rep := &scan.Report{
		Tenants:  []scan.Tenant{{Name: "t", Servers: []scan.Server{{Name: "s"}}}},
		Service:  []scan.Service{{Tenant: "t", Server: "s", Service: svc}},
		Attempts: correlate.AttemptsOf(atts...),
	}
	for _, width := range []int{80, 120} {
		var buf bytes.Buffer
		if err := Text(&buf, rep, TextOptions{Width: width}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for i, line := range strings.Split(out, "\n") {
			if w := cells(line); w > width {
				t.Errorf("at %d: line %d is %d cells: %q", width, i+1, w, line)
			}
		}
		for _, want := range []string{"… 160 more (40 shown", "… 40 more (100 heartbeat gaps", moreElsewhere, "FAILURES per"} {
			if !strings.Contains(out, want) {
				t.Errorf("at %d: no %q in\n%s", width, want, out)
			}
		}
	}
}
