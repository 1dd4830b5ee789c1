package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/scan"
)

// A server with more attempts than a page can hold (issue 13: a million
// that never finish made a 1 GB page in 66 s and 2 GB): the table and the
// timeline keep maxHTMLAttempts of them, every failed or incomplete one
// first, and the page says how many it leaves to the JSON report; the
// counts and causes still cover them all. At or under the bound every
// attempt is shown and no note is written.
func TestHTMLAttemptsCut(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	page := func(n, failEvery int) (string, int) {
		var atts []correlate.Attempt
		failed := 0
		for i := range n {
			a := correlate.Attempt{Tenant: "t", Server: "s", TrackingID: fmt.Sprintf("%08x-0000-4000-8000-000000000000", i),
				Operation: "reset", Outcome: "success", UPN: fmt.Sprintf("user%d@contoso.com", i),
				Start: correlate.Time{Time: from.Add(time.Duration(i) * time.Minute)}}
			if i%failEvery == 0 {
				a.Outcome, a.Cause = "failure", "sync-rule-password-sync-missing"
				failed++
			}
			atts = append(atts, a)
		}
		rep := &scan.Report{
			Tenants: []scan.Tenant{{Name: "t", Servers: []scan.Server{{Name: "s"}}}},
			Service: []scan.Service{{Tenant: "t", Server: "s", Service: correlate.Service{
				LogFrom: correlate.Time{Time: from}, LogTo: correlate.Time{Time: from.Add(time.Duration(n) * time.Minute)}, Heartbeats: 10}}},
			Attempts: correlate.AttemptsOf(atts...),
		}
		var buf bytes.Buffer
		if err := HTML(&buf, rep); err != nil {
			t.Fatal(err)
		}
		return buf.String(), failed
	}
	for _, tc := range []struct {
		n, failEvery int
		cut          bool
	}{
		{maxHTMLAttempts, 7, false},
		{maxHTMLAttempts + 1, 7, true},
		{5 * maxHTMLAttempts, 3, true},
	} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			html, failed := page(tc.n, tc.failEvery)
			rows := strings.Count(html, `<tr id="s1-a`)
			marks := strings.Count(html, `data-row="s1-a`)
			want := min(tc.n, maxHTMLAttempts)
			if rows != want {
				t.Errorf("%d rows, want %d", rows, want)
			}
			if marks != want {
				t.Errorf("%d timeline marks, want %d (one per row)", marks, want)
			}
			if got := strings.Count(html, `data-outcome="failure"`); got != min(failed, want) {
				t.Errorf("%d failed rows, want all %d failures", got, failed)
			}
			note := fmt.Sprintf("This page shows %d of the %d attempts", want, tc.n)
			if strings.Contains(html, note) != tc.cut {
				t.Errorf("note %q written: %v, want %v", note, !tc.cut, tc.cut)
			}
			if want := fmt.Sprintf("<code>sync-rule-password-sync-missing</code> (%d)", failed); !strings.Contains(html, want) {
				t.Errorf("the causes do not count every failure: no %q", want)
			}
		})
	}
}
