package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/scan"
)

// reportWidth is the width the text report is laid out for.
const reportWidth = 100

// wrap breaks s into lines of at most n runes, at spaces where it can.
func wrap(s string, n int) []string {
	var lines []string
	for len([]rune(s)) > n {
		r := []rune(s)
		i := n
		for i > n/2 && r[i] != ' ' {
			i--
		}
		if r[i] != ' ' {
			i = n
		}
		lines = append(lines, strings.TrimRight(string(r[:i]), " "))
		s = strings.TrimLeft(string(r[i:]), " ")
	}
	return append(lines, s)
}

// Bounds of the text report, which must fit a screen; the JSON output has
// everything.
const (
	maxAttemptRows   = 12 // rows of the attempts table
	maxDetailed      = 3  // findings shown with their remediation and evidence
	maxFindingLines  = 8  // findings shown at all
	maxTimelineLines = 10 // lines of the service timeline
)

// clean makes text from a log safe for a terminal: control characters
// (escape sequences included) become U+FFFD, line breaks become spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r) || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return '\uFFFD'
		}
		return r
	}, s)
}

// pad pads s with spaces to n runes (fmt pads by bytes).
func pad(s string, n int) string {
	if k := len([]rune(s)); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// cutLeft shortens s to n runes, keeping its end (a path's file name).
func cutLeft(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n+1:])
}

// cut shortens s to n runes.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

type textWriter struct {
	w     io.Writer
	color bool
	err   error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiDim    = "\x1b[2m"
)

func (t *textWriter) paint(code, s string) string {
	if !t.color {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) severity(s string) string {
	label := "[" + strings.ToUpper(s) + "]"
	switch s {
	case "critical", "error":
		return t.paint(ansiRed+ansiBold, label)
	case "warning":
		return t.paint(ansiYellow, label)
	}
	return t.paint(ansiDim, label)
}

func hhmm(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

// span renders an interval, dropping the date of its end when it is the
// same as the start's.
func span(from, to time.Time) string {
	if from.IsZero() {
		return "?"
	}
	if to.IsZero() {
		return hhmm(from)
	}
	if from.UTC().Format("2006-01-02") == to.UTC().Format("2006-01-02") {
		return hhmm(from) + " → " + to.UTC().Format("15:04")
	}
	return hhmm(from) + " → " + hhmm(to)
}

// TextOptions shape the text report.
type TextOptions struct {
	Color bool // ANSI colours
}

// Text writes the report for a person: for each server the verdict, the
// findings with what to do, the attempts and the service; then the state of
// the input.
func Text(w io.Writer, rep *scan.Report, opt TextOptions) error {
	t := &textWriter{w: w, color: opt.Color}
	if len(rep.Tenants) > 1 {
		// Several cases in one run: the sentence over all of them first.
		for i, line := range wrap(clean(rep.Verdict), reportWidth-8) {
			label := "       "
			if i == 0 {
				label = "OVERALL"
			}
			t.printf("%s %s\n", t.paint(ansiBold, label), line)
		}
		t.printf("\n%s\n\n", strings.Repeat("─", reportWidth))
	}
	for i, v := range rep.Views() {
		if i > 0 {
			t.printf("\n%s\n\n", strings.Repeat("─", reportWidth))
		}
		t.view(rep, &v)
	}
	t.inputs(rep)
	return t.err
}

// view writes the part of the report of one server.
func (t *textWriter) view(rep *scan.Report, v *scan.View) {
	records, kept, files := 0, 0, 0
	for _, f := range rep.Inputs {
		if !slices.Contains(v.Server.Inputs, f.Path) {
			continue
		}
		files++
		records += f.Records
		kept += f.Events
	}
	svc := v.Service
	name := v.Tenant.Name
	if v.Server.Name != "" && len(rep.Tenants) > 0 && (len(v.Tenant.Servers) > 1 || len(rep.Tenants) > 1) {
		name += " · " + v.Server.Name
	}
	stats := fmt.Sprintf("%d file(s), %d records (%d writeback) · %s UTC", files, records, kept, span(svc.LogFrom.Time, svc.LogTo.Time))
	name = cut(clean(name), 60)
	if len([]rune(name))+3+len([]rune(stats)) <= reportWidth {
		t.printf("%s · %s\n\n", t.paint(ansiBold, name), stats)
	} else {
		t.printf("%s\n%s\n\n", t.paint(ansiBold, name), stats)
	}
	vcolor := ansiGreen
	if len(v.Findings) > 0 {
		switch v.Findings[0].Severity {
		case "critical", "error":
			vcolor = ansiRed + ansiBold
		case "warning":
			vcolor = ansiYellow
		}
	}
	for i, line := range wrap(clean(v.Server.Verdict), reportWidth-8) {
		label := "       "
		if i == 0 {
			label = "VERDICT"
		}
		t.printf("%s %s\n", t.paint(ansiBold, label), t.paint(vcolor, line))
	}

	if len(v.Findings) > 0 {
		t.printf("\n%s\n", t.paint(ansiBold, "FINDINGS"))
	}
	detailed := 0
	for i, f := range v.Findings {
		if i == maxFindingLines {
			t.printf("    … %d more finding(s) (--format json lists them all)\n", len(v.Findings)-i)
			break
		}
		sev := t.severity(f.Severity)
		head := wrap(clean(f.Title)+" ("+f.Cause+")", reportWidth-6-len(f.Severity)-3)
		for j, line := range head {
			if j == 0 {
				t.printf("%2d. %s %s\n", i+1, sev, line)
			} else {
				t.printf("    %s\n", line)
			}
		}
		unit := "attempt(s)"
		if f.Scope == string(catalog.ScopeService) {
			unit = "time(s)"
		}
		t.printf("    %d %s, %s\n", f.Count, unit, span(f.FirstSeen.Time, f.LastSeen.Time))
		if f.Note != "" {
			for _, line := range wrap(clean(f.Note), reportWidth-6) {
				t.printf("    %s\n", line)
			}
		}
		// A consequence names its root, whose steps are the ones to take.
		if f.Severity == "info" || detailed == maxDetailed || len(f.Because) > 0 {
			continue
		}
		detailed++
		for j, step := range f.Remediation {
			for k, line := range wrap(clean(step), reportWidth-9) {
				if k == 0 {
					t.printf("      %d) %s\n", j+1, line)
				} else {
					t.printf("         %s\n", line)
				}
			}
		}
		if len(f.Evidence) > 0 {
			var ev []string
			for _, e := range f.Evidence[:min(3, len(f.Evidence))] {
				ev = append(ev, fmt.Sprintf("%s #%d (%d)", clean(baseName(e.Path)), e.RecordID, e.EventID))
			}
			more := ""
			if f.EvidenceTotal > 3 {
				more = fmt.Sprintf(" and %d more", f.EvidenceTotal-3)
			}
			t.printf("%s\n", cut("      evidence: "+strings.Join(ev, ", ")+more, reportWidth))
		}
	}

	c := v.Server.Counts
	t.printf("\n%s %d: %d succeeded, %d failed, %d incomplete\n", t.paint(ansiBold, "ATTEMPTS"),
		c.Attempts, c.Succeeded, c.Failed, c.Incomplete)
	if len(v.Attempts) > 0 {
		t.printf("%-16s  %-24s  %-11s  %-10s  %s\n", "TIME (UTC)", "USER", "OPERATION", "OUTCOME", "CAUSE")
	}
	rows := pickAttempts(v.Attempts, maxAttemptRows)
	for _, a := range rows {
		out := a.Outcome
		switch out {
		case "failure":
			out = t.paint(ansiRed, fmt.Sprintf("%-10s", out))
		case "incomplete":
			out = t.paint(ansiYellow, fmt.Sprintf("%-10s", out))
		default:
			out = fmt.Sprintf("%-10s", out)
		}
		t.printf("%-16s  %s  %-11s  %s  %s\n", hhmm(a.Start.Time), pad(cut(clean(a.UPN), 24), 24), a.Operation, out, a.Cause)
	}
	if n := len(v.Attempts) - len(rows); n > 0 {
		t.printf("… %d more (failures are listed first; --format json has them all)\n", n)
	}

	var sl strings.Builder
	if svc.Heartbeats > 0 {
		fmt.Fprintf(&sl, "%d heartbeats", svc.Heartbeats)
		if len(svc.Endpoints) > 0 {
			fmt.Fprintf(&sl, " on %d endpoint(s)", len(svc.Endpoints))
		}
		if len(svc.Relays) > 0 {
			fmt.Fprintf(&sl, " of %s", clean(strings.Join(svc.Relays, ", ")))
		}
		fmt.Fprintf(&sl, ", last %s", hhmm(svc.LastHeartbeat.Time))
	} else {
		sl.WriteString("no heartbeat")
	}
	if len(svc.SyncVersions) > 0 {
		fmt.Fprintf(&sl, "; Azure AD Sync %s", clean(strings.Join(svc.SyncVersions, ", ")))
	}
	for i, line := range wrap(sl.String(), reportWidth-8) {
		label := "       "
		if i == 0 {
			label = "SERVICE"
		}
		t.printf("\n%s %s", t.paint(ansiBold, label), line)
	}
	t.printf("\n")
	var timeline []string
	for _, s := range svc.Started {
		timeline = append(timeline, hhmm(s.Time)+" started (31015)")
	}
	for _, s := range svc.Stopped {
		timeline = append(timeline, hhmm(s.Time)+" stopped (31016)")
	}
	for _, g := range svc.HeartbeatGaps {
		l := fmt.Sprintf("%s no heartbeat for %s", span(g.From.Time, g.To.Time), minutes(g.To.Sub(g.From.Time)))
		if g.Note != "" {
			l += " — " + clean(g.Note)
		}
		timeline = append(timeline, cut(l, reportWidth-2))
	}
	for _, r := range svc.Onboarding {
		timeline = append(timeline, fmt.Sprintf("%s onboarding %s", hhmm(r.Start.Time), r.Outcome))
	}
	for _, r := range svc.Offboarding {
		timeline = append(timeline, fmt.Sprintf("%s offboarding %s", hhmm(r.Start.Time), r.Outcome))
	}
	for _, e := range svc.Errors {
		timeline = append(timeline, fmt.Sprintf("%s %d×%d %s", hhmm(e.First.Time), e.EventID, e.Count, cut(clean(e.Message), 60)))
	}
	if s := svc.EndSilence; s != nil {
		l := span(s.From.Time, s.To.Time) + " " + clean(s.Note)
		timeline = append(timeline, cut(l, reportWidth-2))
	}
	sort.Strings(timeline)
	for i, l := range timeline {
		if i == maxTimelineLines {
			t.printf("  … %d more (%d heartbeat gap(s), %d service error group(s); --format json lists them all)\n",
				len(timeline)-i, len(svc.HeartbeatGaps), len(svc.Errors))
			break
		}
		t.printf("  %s\n", l)
	}
	t.unattributed(v.Unattributed)

}

// maxUnattributed is how many unattributed groups the text report names.
const maxUnattributed = 4

// unattributed writes the known events that belong to no attempt and no
// part of the service's record: each group without TrackingId or with a
// cause on a line of its own, the others (informational events such as the
// pings of password hash sync) counted on one line.
func (t *textWriter) unattributed(us []correlate.Unattributed) {
	if len(us) == 0 {
		return
	}
	var shown []correlate.Unattributed
	quiet, kinds := 0, 0
	for _, u := range us {
		if u.Reason == correlate.ReasonNoTrackingID || u.Cause != "" {
			shown = append(shown, u)
		} else {
			quiet += u.Count
			kinds++
		}
	}
	n := 0
	for _, u := range us {
		n += u.Count
	}
	t.printf("\n%s %d known event(s) in no attempt and no service record\n", t.paint(ansiBold, "UNATTRIBUTED"), n)
	for i, u := range shown {
		if i == maxUnattributed {
			t.printf("  … %d more group(s) (--format json lists them all)\n", len(shown)-i)
			break
		}
		what := "no part in a timeline"
		if u.Reason == correlate.ReasonNoTrackingID {
			what = "no TrackingId"
		}
		if u.Cause != "" {
			what += "; cause " + u.Cause
		}
		when := hhmm(u.First.Time)
		if u.Count > 1 {
			when = span(u.First.Time, u.Last.Time)
		}
		t.printf("%s\n", cut(fmt.Sprintf("  %d×%d %s: %s (%s)", u.EventID, u.Count, when, what, clean(u.Provider)), reportWidth))
	}
	if quiet > 0 {
		t.printf("  %d informational event(s) of %d kind(s) with no part in a timeline (--format json lists them)\n", quiet, kinds)
	}
}

// inputs writes the state of the input.
func (t *textWriter) inputs(rep *scan.Report) {
	t.printf("\n%s ", t.paint(ansiBold, "INPUT"))
	damaged, skippedRecs := 0, 0
	for _, f := range rep.Inputs {
		damaged += f.DamagedCount
		skippedRecs += f.Skipped
	}
	unread := 0 // archives of a format that is not read (7z, rar, …)
	for _, s := range rep.Skipped {
		if strings.HasSuffix(s.Reason, ": unsupported archive)") {
			unread++
		}
	}
	if damaged == 0 && len(rep.Errors) == 0 && skippedRecs == 0 && unread == 0 {
		t.printf("%d file(s) read cleanly", len(rep.Inputs))
	} else {
		t.printf("%d file(s); %d damaged chunk(s), %d unreadable record(s) or area(s)", len(rep.Inputs), damaged, skippedRecs)
	}
	if unread > 0 {
		t.printf("; %d archive(s) NOT READ", unread)
	}
	if n := len(rep.Skipped) - unread; n > 0 {
		t.printf("; %d entr(ies) not EVTX", n)
	}
	t.printf("\n")
	for _, f := range rep.Inputs {
		if !f.Dirty && len(f.Damage) == 0 && f.Error == "" {
			continue
		}
		t.printf("  %s\n", cutLeft(clean(f.Path), reportWidth-2))
		if f.Dirty {
			t.printf("    dirty: not closed cleanly; every chunk present was read\n")
		}
		for _, d := range f.Damage[:min(3, len(f.Damage))] {
			d = strings.TrimPrefix(d, f.Path+": ")
			t.printf("    %s\n", cut(clean(d), reportWidth-4))
		}
		if len(f.Damage) > 3 {
			t.printf("    … %d more (--format json lists them all)\n", len(f.Damage)-3)
		}
		if f.Error != "" {
			t.printf("    %s\n", cut(clean(strings.TrimPrefix(f.Error, f.Path+": ")), reportWidth-4))
		}
	}
	for _, e := range rep.Errors {
		t.printf("  %s\n", cut(clean(e), reportWidth-2))
	}
	for _, s := range rep.Skipped {
		verb := "skipped "
		if strings.HasSuffix(s.Reason, ": unsupported archive)") {
			verb = "not read " // its logs, if any, are missing from the report
		}
		t.printf("  %s\n", cut(verb+clean(s.Path)+": "+s.Reason, reportWidth-2))
	}
}

// pickAttempts chooses the rows of the attempts table: failures and
// incomplete attempts first, then successes, each in time order.
func pickAttempts(all []correlate.Attempt, n int) []correlate.Attempt {
	// Up to n failed or incomplete attempts, then successes to fill the
	// rest; the attempts are large, so only those shown are copied.
	rows := make([]correlate.Attempt, 0, min(n, len(all)))
	for _, success := range []bool{false, true} {
		for i := range all {
			if len(rows) == n {
				break
			}
			if (all[i].Outcome == "success") == success {
				rows = append(rows, all[i])
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Start.Before(rows[j].Start.Time) })
	return rows
}

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
