package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/internal/safeterm"
	"github.com/evtxscan/evtxscan/scan"
)

// clean makes text from a log safe for a terminal: line breaks and tabs
// become spaces, and the rest that a terminal would obey or that changes
// what a person reads (escape sequences, bidi controls, zero-width and
// other format characters) is shown escaped, by internal/safeterm.
func clean(s string) string {
	if strings.ContainsAny(s, "\n\r\t") {
		s = strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == '\t' {
				return ' '
			}
			return r
		}, s)
	}
	return safeterm.String(s)
}

type textWriter struct {
	w     io.Writer
	color bool
	width int
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

// TextOptions shape the text report.
type TextOptions struct {
	Color bool // ANSI colours
	// Width is the width of the layout in terminal cells; below MinWidth
	// (0 included) the report is laid out for MinWidth.
	Width int
}

// Rows of the text report beyond which it says how many more there are
// and where to see them; everything else is shown whole.
const (
	maxAttemptRows   = 40 // rows of the attempts table (failures first)
	maxTimelineLines = 60 // lines of the service timeline
	moreElsewhere    = "see --format html or json"
)

// Text writes the report for a person: for each server the verdict, the
// findings with what to do, the attempts and the service; then the state of
// the input. No line is wider than opt.Width (at least MinWidth) cells.
func Text(w io.Writer, rep *scan.Report, opt TextOptions) error {
	t := &textWriter{w: w, color: opt.Color, width: max(opt.Width, MinWidth)}
	if s := interruptedText(rep.Interrupted); s != "" {
		t.printf("%s\n", t.paint(ansiRed+ansiBold, InterruptedHeading))
		t.para("", clean(s), nil)
		t.printf("\n%s\n\n", strings.Repeat("─", t.width))
	}
	if len(rep.Tenants) > 1 {
		// Several cases in one run: the sentence over all of them first.
		t.para(t.paint(ansiBold, "OVERALL")+" ", clean(rep.Verdict), nil)
		t.printf("\n%s\n\n", strings.Repeat("─", t.width))
	}
	for i, v := range rep.Views() {
		if i > 0 {
			t.printf("\n%s\n\n", strings.Repeat("─", t.width))
		}
		t.view(rep, &v)
	}
	t.inputs(rep)
	return t.err
}

// para writes text wrapped to the width, the first line after label and
// the others indented as far.
func (t *textWriter) para(label, text string, paint func(string) string) {
	ind := cells(stripANSI(label))
	for i, line := range wrap(text, t.width-ind) {
		if i > 0 {
			label = strings.Repeat(" ", ind)
		}
		if paint != nil {
			line = paint(line)
		}
		t.printf("%s%s\n", label, line)
	}
}

// stripANSI drops the colour sequences paint adds, to measure a label.
func stripANSI(s string) string {
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], 'm')
		if j < 0 {
			return s
		}
		s = s[:i] + s[i+j+1:]
	}
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
	// The header on one line: the counts give way before the name and span
	// (the JSON has them).
	sp := span(svc.LogFrom.Time, svc.LogTo.Time) + " UTC"
	var head string
	for _, h := range []string{
		fmt.Sprintf("%s · %s, %s (%d writeback) · %s", clean(name), plural(files, "file"), plural(records, "record"), kept, sp),
		fmt.Sprintf("%s · %s, %s · %s", clean(name), plural(files, "file"), plural(records, "record"), sp),
		fmt.Sprintf("%s · %s · %s", clean(name), plural(files, "file"), sp),
		fmt.Sprintf("%s · %s", clean(name), sp),
	} {
		if head = h; cells(h) <= t.width {
			break
		}
	}
	t.para("", head, func(s string) string { return t.paint(ansiBold, s) })
	t.printf("\n")
	vcolor := ansiGreen
	if len(v.Findings) > 0 {
		switch v.Findings[0].Severity {
		case "critical", "error":
			vcolor = ansiRed + ansiBold
		case "warning":
			vcolor = ansiYellow
		}
	}
	for i, line := range wrap(clean(v.Server.Verdict), t.width-8) {
		label := "       "
		if i == 0 {
			label = "VERDICT"
		}
		t.printf("%s %s\n", t.paint(ansiBold, label), t.paint(vcolor, line))
	}

	fx := factsOf(svc.Service)
	if len(v.Findings) > 0 {
		t.printf("\n%s\n", t.paint(ansiBold, "FINDINGS"))
	}
	for i, f := range v.Findings {
		label := fmt.Sprintf("%2d. [%s] ", i+1, strings.ToUpper(f.Severity))
		for j, line := range wrap(clean(f.Title)+" ("+f.Cause+")", t.width-cells(label)) {
			if j == 0 {
				t.printf("%2d. %s %s\n", i+1, t.severity(f.Severity), line)
			} else {
				t.printf("%s%s\n", strings.Repeat(" ", cells(label)), line)
			}
		}
		unit := "attempt"
		if f.Scope == string(catalog.ScopeService) {
			unit = "time"
		}
		t.para("    ", fmt.Sprintf("%s, %s", plural(f.Count, unit), span(f.FirstSeen.Time, f.LastSeen.Time)), nil)
		if f.Note != "" {
			t.para("    ", clean(f.Note), nil)
		}
		// A consequence names its root, whose steps are the ones to take.
		if f.Severity == "info" || len(f.Because) > 0 {
			continue
		}
		for j, step := range f.Remediation {
			t.para(fmt.Sprintf("      %d) ", j+1), clean(fx.fill(step)), nil)
		}
		for j, e := range f.Evidence[:min(3, len(f.Evidence))] {
			label := "      evidence: "
			if j > 0 {
				label = strings.Repeat(" ", cells(label))
			}
			t.para(label, fmt.Sprintf("%s #%d (%d) %s", clean(baseName(e.Path)), e.RecordID, e.EventID, day(e.Time.Time)), nil)
		}
		if f.EvidenceTotal > 3 {
			t.printf("                and %d more (%s)\n", f.EvidenceTotal-3, moreElsewhere)
		}
	}

	c := v.Server.Counts
	t.printf("\n%s %d: %d succeeded, %d failed, %d incomplete\n", t.paint(ansiBold, "ATTEMPTS"),
		c.Attempts, c.Succeeded, c.Failed, c.Incomplete)
	if head, bars := sparkline(v.Attempts, svc.LogFrom.Time, svc.LogTo.Time, t.width-2); bars != "" {
		t.para(t.paint(ansiBold, "FAILURES")+" ", head, nil)
		t.printf("  %s\n", bars)
	}
	t.attempts(v.Attempts)

	var sl strings.Builder
	if svc.Heartbeats > 0 {
		sl.WriteString(plural(svc.Heartbeats, "heartbeat"))
		if len(svc.Endpoints) > 0 {
			fmt.Fprintf(&sl, " on %s", plural(len(svc.Endpoints), "endpoint"))
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
	t.printf("\n")
	for i, line := range wrap(sl.String(), t.width-8) {
		label := "       "
		if i == 0 {
			label = "SERVICE"
		}
		t.printf("%s %s\n", t.paint(ansiBold, label), line)
	}
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
		timeline = append(timeline, l)
	}
	for _, r := range svc.Onboarding {
		timeline = append(timeline, fmt.Sprintf("%s onboarding %s", hhmm(r.Start.Time), r.Outcome))
	}
	for _, r := range svc.Offboarding {
		timeline = append(timeline, fmt.Sprintf("%s offboarding %s", hhmm(r.Start.Time), r.Outcome))
	}
	for _, e := range svc.Errors {
		timeline = append(timeline, fmt.Sprintf("%s %d×%d %s", hhmm(e.First.Time), e.EventID, e.Count, clean(e.Message)))
	}
	if s := svc.EndSilence; s != nil {
		l := span(s.From.Time, s.To.Time) + " " + clean(s.Note)
		timeline = append(timeline, l)
	}
	sort.Strings(timeline)
	for i, l := range timeline {
		if i == maxTimelineLines {
			t.para("  ", fmt.Sprintf("… %d more (%s, %s in all; %s)", len(timeline)-i,
				plural(len(svc.HeartbeatGaps), "heartbeat gap"), plural(len(svc.Errors), "service error group"), moreElsewhere), nil)
			break
		}
		t.para("  ", l, nil)
	}
	t.unattributed(v.Unattributed)
}

// attempts writes the attempts table: up to maxAttemptRows, failures and
// incomplete attempts first, in time order. The columns follow the width:
// the TrackingId whole from 150 cells, its first 8 characters below; the
// cause in a column when it fits, else on a line of its own.
func (t *textWriter) attempts(all correlate.AttemptList) {
	if all.Len() == 0 {
		return
	}
	rows := pickAttempts(all, maxAttemptRows)
	timeW, timeF := 16, "2006-01-02 15:04"
	if t.width < 100 {
		timeW, timeF = 11, "01-02 15:04"
	}
	tidW := 8
	if t.width >= 150 {
		tidW = 36
	}
	const opW, outW = 11, 10
	causeW := 5
	for _, a := range rows {
		causeW = max(causeW, cells(a.Cause))
	}
	rest := t.width - (timeW + tidW + opW + outW + 2*4)
	userW := 4
	for _, a := range rows {
		userW = max(userW, cells(clean(a.UPN)))
	}
	inline := rest-2-causeW >= min(userW, 24)
	if inline {
		userW = min(userW, rest-2-causeW)
	} else {
		userW = rest
	}
	tidH := "TRACKINGID"
	if tidW < 36 {
		tidH = "TID"
	}
	hdr := pad("TIME (UTC)", timeW) + "  " + pad(tidH, tidW) + "  " + pad("USER", userW) + "  " + pad("OPERATION", opW) + "  " + pad("OUTCOME", outW)
	if inline {
		hdr += "  CAUSE"
	}
	t.printf("%s\n", strings.TrimRight(hdr, " "))
	for _, a := range rows {
		out := pad(a.Outcome, outW)
		switch a.Outcome {
		case "failure":
			out = t.paint(ansiRed, out)
		case "incomplete":
			out = t.paint(ansiYellow, out)
		}
		tid := a.TrackingID
		if cells(tid) > tidW {
			tid = cutCells(tid, tidW)
		}
		line := a.Start.UTC().Format(timeF) + "  " + pad(tid, tidW) + "  " + pad(cut(clean(a.UPN), userW), userW) + "  " + pad(a.Operation, opW) + "  " + out
		if inline {
			line += "  " + a.Cause
		}
		t.printf("%s\n", strings.TrimRight(line, " "))
		if !inline && a.Cause != "" {
			t.printf("%s%s\n", strings.Repeat(" ", timeW+2), cut("cause: "+a.Cause, t.width-timeW-2))
		}
	}
	if n := all.Len() - len(rows); n > 0 {
		t.para("", fmt.Sprintf("… %d more (%d shown, failures first; %s)", n, len(rows), moreElsewhere), nil)
	}
	if tidW < 36 {
		t.printf("(TrackingIds: the first 8 characters; %s for the whole)\n", moreElsewhere)
	}
}

// maxUnattributed is how many unattributed groups the text report names
// before it says how many more there are.
const maxUnattributed = 20

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
	t.printf("\n")
	t.para(t.paint(ansiBold, "UNATTRIBUTED")+" ", plural(n, "known event")+" in no attempt and no service record", nil)
	for i, u := range shown {
		if i == maxUnattributed {
			t.printf("  … %d more (%s)\n", len(shown)-i, moreElsewhere)
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
		t.para("  ", fmt.Sprintf("%d×%d %s: %s (%s)", u.EventID, u.Count, when, what, clean(u.Provider)), nil)
	}
	if quiet > 0 {
		t.para("  ", fmt.Sprintf("%s of %s with no part in a timeline (%s)", plural(quiet, "informational event"), plural(kinds, "kind"), moreElsewhere), nil)
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
	switch {
	case rep.Interrupted != nil && damaged == 0 && len(rep.Errors) == 0 && skippedRecs == 0 && unread == 0:
		t.printf("%s read without damage up to the stop (INTERRUPTED, see the top)", plural(len(rep.Inputs), "file"))
	case damaged == 0 && len(rep.Errors) == 0 && skippedRecs == 0 && unread == 0:
		t.printf("%s read cleanly", plural(len(rep.Inputs), "file"))
	default:
		t.printf("%s; %s, %s", plural(len(rep.Inputs), "file"), plural(damaged, "damaged chunk"), plurals(skippedRecs, "unreadable record or area", "unreadable records or areas"))
	}
	if unread > 0 {
		t.printf("; %s NOT READ", plural(unread, "archive"))
	}
	if n := len(rep.Skipped) - unread; n > 0 {
		t.printf("; %s not EVTX", plural(n, "entry"))
	}
	t.printf("\n")
	for _, f := range rep.Inputs {
		if !f.Dirty && len(f.Damage) == 0 && f.Error == "" {
			continue
		}
		t.para("  ", clean(f.Path), nil)
		if f.Dirty {
			t.printf("    dirty: not closed cleanly; every chunk present was read\n")
		}
		for _, d := range f.Damage[:min(3, len(f.Damage))] {
			d = strings.TrimPrefix(d, f.Path+": ")
			t.para("    ", clean(d), nil)
		}
		if len(f.Damage) > 3 {
			t.printf("    … %d more (%s)\n", len(f.Damage)-3, moreElsewhere)
		}
		if f.Error != "" {
			t.para("    ", clean(strings.TrimPrefix(f.Error, f.Path+": ")), nil)
		}
	}
	for _, e := range rep.Errors {
		t.para("  ", clean(e), nil)
	}
	for _, s := range rep.Skipped {
		verb := "skipped "
		if strings.HasSuffix(s.Reason, ": unsupported archive)") {
			verb = "not read " // its logs, if any, are missing from the report
		}
		t.para("  ", verb+clean(s.Path)+": "+s.Reason, nil)
	}
}

// pickAttempts chooses the rows of the attempts table: failures and
// incomplete attempts first, then successes, each in time order.
func pickAttempts(all correlate.AttemptList, n int) []correlate.Attempt {
	// Up to n failed or incomplete attempts, then successes to fill the
	// rest; only those shown are built whole.
	var rows []int
	for _, success := range []bool{false, true} {
		for i := range all.Len() {
			if len(rows) == n {
				break
			}
			if (all.Outcome(i) == "success") == success {
				rows = append(rows, i)
			}
		}
	}
	out := make([]correlate.Attempt, len(rows))
	for i, j := range rows {
		out[i] = all.At(j)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start.Time) })
	return out
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
