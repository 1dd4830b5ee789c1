package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/correlate"
)

// maxAttemptRows bounds the attempts table of the text report; the JSON
// output has them all.
const maxAttemptRows = 12

// verdict is the report's first line: what is wrong, in one sentence.
func verdict(rep *scanReport) string {
	c := rep.Counts
	var top *correlate.Finding
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if f.Severity == string(catalog.SeverityCritical) || f.Severity == string(catalog.SeverityError) {
			top = f
			break
		}
	}
	switch {
	case top != nil && c.Failed > 0:
		return fmt.Sprintf("Password writeback is failing: %d of %d attempts failed. Main cause: %s (%s).",
			c.Failed, c.Attempts, top.Title, top.Cause)
	case top != nil:
		return fmt.Sprintf("Password writeback has a problem: %s (%s).", top.Title, top.Cause)
	case c.Attempts == 0 && c.Heartbeats == 0 && c.Events == 0:
		return "No password writeback event was found: is this the Application log of the Entra Connect server?"
	case len(rep.Findings) > 0 && rep.Findings[0].Severity == string(catalog.SeverityWarning):
		return fmt.Sprintf("Password writeback works, with a warning: %s (%s). %d of %d attempts succeeded.",
			rep.Findings[0].Title, rep.Findings[0].Cause, c.Succeeded, c.Attempts)
	case c.Attempts == 0:
		return "No password writeback attempt in the log; the writeback service itself shows no error."
	default:
		return fmt.Sprintf("Password writeback is healthy: %d of %d attempts succeeded.", c.Succeeded, c.Attempts)
	}
}

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

func day(t time.Time) string  { return t.UTC().Format("2006-01-02 15:04:05") }
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

// writeText writes the report for a person: the verdict, the findings with
// what to do, the attempts, the service and the state of the input.
func writeText(w io.Writer, rep *scanReport, color bool) error {
	t := &textWriter{w: w, color: color}
	records, kept := 0, 0
	for _, f := range rep.Inputs {
		records += f.Records
		kept += f.Events
	}
	svc := rep.Service[rep.Tenant]
	t.printf("%s  tenant %s — %d file(s), %d records (%d writeback), %s UTC\n\n",
		t.paint(ansiBold, "evtxscan"), clean(rep.Tenant), len(rep.Inputs), records, kept, span(svc.LogFrom.Time, svc.LogTo.Time))
	vcolor := ansiGreen
	if len(rep.Findings) > 0 {
		switch rep.Findings[0].Severity {
		case "critical", "error":
			vcolor = ansiRed + ansiBold
		case "warning":
			vcolor = ansiYellow
		}
	}
	t.printf("%s %s\n", t.paint(ansiBold, "VERDICT"), t.paint(vcolor, clean(rep.Verdict)))

	if len(rep.Findings) > 0 {
		t.printf("\n%s\n", t.paint(ansiBold, "FINDINGS"))
	}
	for i, f := range rep.Findings {
		t.printf("%2d. %s %s — %d, %s  (%s)\n", i+1, t.severity(f.Severity), clean(f.Title), f.Count,
			span(f.FirstSeen.Time, f.LastSeen.Time), f.Cause)
		if f.Severity == "info" {
			continue
		}
		for j, step := range f.Remediation {
			t.printf("      %d) %s\n", j+1, clean(step))
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
			t.printf("      evidence: %s%s\n", strings.Join(ev, ", "), more)
		}
	}

	c := rep.Counts
	t.printf("\n%s %d: %d succeeded, %d failed, %d incomplete\n", t.paint(ansiBold, "ATTEMPTS"),
		c.Attempts, c.Succeeded, c.Failed, c.Incomplete)
	if len(rep.Attempts) > 0 {
		t.printf("  %-19s  %-32s  %-11s  %-10s  %s\n", "TIME (UTC)", "USER", "OPERATION", "OUTCOME", "CAUSE")
	}
	rows := pickAttempts(rep.Attempts, maxAttemptRows)
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
		t.printf("  %-19s  %-32s  %-11s  %s  %s\n", day(a.Start.Time), cut(clean(a.UPN), 32), a.Operation, out, a.Cause)
	}
	if n := len(rep.Attempts) - len(rows); n > 0 {
		t.printf("  … %d more (failures are listed first; --format json has them all)\n", n)
	}

	t.printf("\n%s ", t.paint(ansiBold, "SERVICE"))
	if svc.Heartbeats > 0 {
		t.printf("%d heartbeats on %d relay(s), last %s", svc.Heartbeats, len(svc.Relays), hhmm(svc.LastHeartbeat.Time))
	} else {
		t.printf("no heartbeat")
	}
	if len(svc.SyncVersions) > 0 {
		t.printf("; Azure AD Sync %s", clean(strings.Join(svc.SyncVersions, ", ")))
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
		timeline = append(timeline, fmt.Sprintf("%s no heartbeat for %s", span(g.From.Time, g.To.Time), g.To.Sub(g.From.Time).Round(time.Minute)))
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
	sort.Strings(timeline)
	for _, l := range timeline {
		t.printf("  %s\n", l)
	}

	t.printf("\n%s ", t.paint(ansiBold, "INPUT"))
	damaged, skippedRecs := 0, 0
	for _, f := range rep.Inputs {
		damaged += f.DamagedCount
		skippedRecs += f.Skipped
	}
	if damaged == 0 && len(rep.Errors) == 0 && skippedRecs == 0 {
		t.printf("%d file(s) read cleanly", len(rep.Inputs))
	} else {
		t.printf("%d file(s); %d damaged chunk(s), %d unreadable record(s) or area(s)", len(rep.Inputs), damaged, skippedRecs)
	}
	if len(rep.Skipped) > 0 {
		t.printf("; %d entr(ies) not EVTX", len(rep.Skipped))
	}
	t.printf("\n")
	for _, f := range rep.Inputs {
		if f.Dirty {
			t.printf("  %s: dirty (not closed cleanly); read past the header's counts\n", clean(f.Path))
		}
		for _, d := range f.Damage[:min(3, len(f.Damage))] {
			t.printf("  %s\n", cut(clean(d), 150))
		}
		if len(f.Damage) > 3 {
			t.printf("  … %d more damage report(s) for %s\n", len(f.Damage)-3, clean(baseName(f.Path)))
		}
		if f.Error != "" {
			t.printf("  %s\n", clean(f.Error))
		}
	}
	for _, e := range rep.Errors {
		t.printf("  %s\n", clean(e))
	}
	for _, s := range rep.Skipped {
		t.printf("  skipped %s: %s\n", clean(s.Path), s.Reason)
	}
	return t.err
}

// pickAttempts chooses the rows of the attempts table: failures and
// incomplete attempts first, then successes, each in time order.
func pickAttempts(all []correlate.Attempt, n int) []correlate.Attempt {
	var bad, good []correlate.Attempt
	for _, a := range all {
		if a.Outcome == "success" {
			good = append(good, a)
		} else {
			bad = append(bad, a)
		}
	}
	rows := append(bad, good...)
	if len(rows) > n {
		rows = rows[:n]
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Start.Before(rows[j].Start.Time) })
	return rows
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, "/\\!"); i >= 0 {
		return p[i+1:]
	}
	return p
}
