package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/internal/scenario"
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
		if rows != len(rep.Attempts) {
			t.Errorf("at %d: %d rows, want every one of the %d attempts", width, rows, len(rep.Attempts))
		}
		for _, u := range scenario.CJKUsers() {
			if !users[u] {
				t.Errorf("at %d: user %q not shown whole (got %v)", width, u, users)
			}
		}
	}
}
