package report

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/scan"
)

// The HTML report is one file with no outside reference: its style and
// script are inline, allowed by a Content-Security-Policy that names their
// hashes and forbids every load (default-src 'none'), so the page opens
// offline from a ticket and cannot fetch or run anything else even if a
// log text escaped its escaping. Everything from the log goes through
// html/template.

//go:embed html.tmpl
var htmlTemplate string

//go:embed html.css
var htmlCSS string

//go:embed html.js
var htmlJS string

// HTML writes the report as one self-contained HTML page: per tenant and
// server the verdict, the findings with their evidence and remediation, a
// timeline picture (inline SVG) and the attempts table (sortable and
// filterable in the page), then the inputs with their damage. The page
// loads nothing from anywhere and prints on A4.
func HTML(w io.Writer, rep *scan.Report) error {
	src := &pageSource{
		Tool: rep.Tool, Schema: rep.Schema, Verdict: rep.Verdict, Counts: rep.Counts,
		Errors: rep.Errors, Interrupted: interruptedText(rep.Interrupted),
	}
	for _, s := range rep.Skipped {
		src.Skipped = append(src.Skipped, htmlSkipped{s.Path, s.Reason})
	}
	for i := range rep.Inputs {
		in := &rep.Inputs[i]
		from, to := in.Span()
		src.Inputs = append(src.Inputs, inputSource{
			Path: in.Path, Size: in.Size, Records: in.Records, Events: in.Events, Chunks: in.Chunks,
			Damaged: in.DamagedCount, Skips: in.Skipped, Dirty: in.Dirty, From: from, To: to,
			Damage: in.Damage, Error: in.Error,
		})
	}
	byTenant := map[string]int{}
	for _, v := range rep.Views() {
		ti, ok := byTenant[v.Tenant.Name]
		if !ok {
			ti = len(src.Tenants)
			byTenant[v.Tenant.Name] = ti
			src.Tenants = append(src.Tenants, tenantSource{Name: v.Tenant.Name, Verdict: v.Tenant.Verdict})
		}
		ss := serverSource{
			Name: v.Server.Name, Verdict: v.Server.Verdict, Attempts: v.Attempts, Findings: v.Findings,
			Damage: v.Damage, Counts: v.Server.Counts, Inputs: v.Server.Inputs, Unjoined: len(v.Unjoined),
			Unattributed: v.Unattributed,
		}
		if v.Service != nil {
			ss.Service = v.Service.Service
		}
		src.Tenants[ti].Servers = append(src.Tenants[ti].Servers, ss)
	}
	return writeHTML(w, src)
}

// htmlPage is what html.tmpl renders.
type htmlPage struct {
	Title   string
	CSP     string
	CSS     template.CSS
	JS      template.JS
	Tool    string
	Schema  string
	Verdict string
	Span    string
	Counts  correlate.Counts
	Tenants []htmlTenant
	Inputs  []htmlInput
	Skipped []htmlSkipped
	Errors  []string
	// Interrupted says how far the inputs were read ("" for a whole read).
	Interrupted string
}

type htmlTenant struct {
	Name    string
	Verdict string
	Servers []htmlServer
}

type htmlServer struct {
	ID       string // element id prefix, "s1"
	Tenant   string
	Name     string
	Verdict  string
	Severity string // of the verdict: critical, error, warning, ok
	Span     string
	Counts   correlate.Counts
	Relays   []string
	Versions []string
	Beats    string
	Findings []htmlFinding
	Timeline *timeline
	Causes   []causeCount
	Attempts []htmlAttempt
	// AttemptsAll is the number of attempts of the server, more than
	// len(Attempts) when the table was cut to maxHTMLAttempts.
	AttemptsAll int
	Unjoined    int
	Others      []htmlOther
}

// htmlOther is a group of known events that belong to no attempt and to no
// part of the service's record.
type htmlOther struct {
	Provider string
	EventID  int
	Name     string
	Count    int
	Span     string
	Reason   string
	Cause    string
	Message  string
}

type htmlFinding struct {
	Note        string
	Severity    string
	Title       string
	Cause       string
	Scope       string
	Count       string // "3 attempts"
	Span        string
	Remediation []string
	Evidence    []htmlEvidence
	More        int // evidence not listed
}

type htmlEvidence struct {
	File       string
	Path       string
	RecordID   uint64
	Time       string
	EventID    int
	TrackingID string
}

type htmlAttempt struct {
	ID         string // row id, "s1-a3"
	TrackingID string
	Time       string
	TimeKey    string // sortable
	User       string
	Admin      string
	Operation  string
	Outcome    string
	Cause      string
	HResult    string
	Events     []htmlEvent
}

type htmlEvent struct {
	EventID  int
	RecordID uint64
	Time     string
	File     string
	Path     string
	Join     string
	Message  string
}

type htmlInput struct {
	Path     string
	Size     int64
	Records  int
	Events   int
	Chunks   int
	Damaged  int
	Skipped  int
	Dirty    bool
	Span     string
	Damage   []string
	Error    string
	Problems bool
}

type htmlSkipped struct{ Path, Reason string }

// pageSource is what an HTML page is made from; it is filled from the
// report (see HTML).
type pageSource struct {
	Tool, Schema, Verdict string
	Counts                correlate.Counts
	Tenants               []tenantSource
	Inputs                []inputSource
	Skipped               []htmlSkipped
	Errors                []string
	Interrupted           string
}

type tenantSource struct {
	Name, Verdict string
	Servers       []serverSource
}

type serverSource struct {
	Name, Verdict string
	Attempts      correlate.AttemptList
	Findings      []correlate.Finding
	Service       correlate.Service
	Damage        []correlate.Damage
	Counts        correlate.Counts
	Inputs        []string // paths of the inputs of this server
	Unjoined      int
	Unattributed  []correlate.Unattributed
}

type inputSource struct {
	Path                                    string
	Size                                    int64
	Records, Events, Chunks, Damaged, Skips int
	Dirty                                   bool
	From, To                                time.Time
	Damage                                  []string
	Error                                   string
}

// contentPolicy allows only the page's own style and script (by hash),
// inline SVG and nothing from anywhere.
func contentPolicy() string {
	h := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return "default-src 'none'; style-src " + h(htmlCSS) + "; script-src " + h(htmlJS) +
		"; img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
}

// writeHTML renders src.
func writeHTML(w io.Writer, src *pageSource) error {
	t, err := template.New("page").Funcs(template.FuncMap{
		"plural": plural, "plurals": plurals, "add": func(a, b int) int { return a + b },
	}).Parse(htmlTemplate)
	if err != nil {
		return err
	}
	page := buildPage(src)
	bw := bufio.NewWriter(w)
	if err := t.Execute(bw, page); err != nil {
		return err
	}
	return bw.Flush()
}

// buildPage turns the source into what the template shows.
func buildPage(src *pageSource) *htmlPage {
	p := &htmlPage{
		Title:   "evtxscan report",
		CSP:     contentPolicy(),
		CSS:     template.CSS(htmlCSS),
		JS:      template.JS(htmlJS),
		Tool:    src.Tool,
		Schema:  src.Schema,
		Verdict: src.Verdict,
		Counts:  src.Counts,
		Skipped: src.Skipped,
		Errors:  src.Errors,
		// A partial report says so in its title and above everything.
		Interrupted: src.Interrupted,
	}
	byPath := map[string]inputSource{}
	var from, to time.Time
	for _, in := range src.Inputs {
		byPath[in.Path] = in
		p.Inputs = append(p.Inputs, htmlInput{
			Path: in.Path, Size: in.Size, Records: in.Records, Events: in.Events, Chunks: in.Chunks,
			Damaged: in.Damaged, Skipped: in.Skips, Dirty: in.Dirty, Span: spanText(in.From, in.To),
			Damage: trimPath(in.Damage, in.Path), Error: strings.TrimPrefix(in.Error, in.Path+": "),
			Problems: in.Dirty || in.Damaged > 0 || in.Skips > 0 || in.Error != "" || len(in.Damage) > 0,
		})
		if !in.From.IsZero() && (from.IsZero() || in.From.Before(from)) {
			from = in.From
		}
		if in.To.After(to) {
			to = in.To
		}
	}
	p.Span = spanText(from, to)
	n := 0
	for _, ts := range src.Tenants {
		tv := htmlTenant{Name: ts.Name, Verdict: ts.Verdict}
		if len(src.Tenants) == 1 && ts.Name != "" {
			p.Title = "evtxscan report: " + ts.Name
		}
		for _, ss := range ts.Servers {
			n++
			tv.Servers = append(tv.Servers, buildServer(fmt.Sprintf("s%d", n), ts.Name, ss, byPath))
		}
		p.Tenants = append(p.Tenants, tv)
	}
	if src.Interrupted != "" {
		p.Title = "INTERRUPTED: " + p.Title
	}
	return p
}

func buildServer(id, tenant string, ss serverSource, inputs map[string]inputSource) htmlServer {
	svc := ss.Service
	sv := htmlServer{
		ID: id, Tenant: tenant, Name: ss.Name, Verdict: ss.Verdict, Severity: "ok",
		Span: spanText(svc.LogFrom.Time, svc.LogTo.Time), Counts: ss.Counts,
		Relays: svc.Relays, Causes: causeCounts(ss.Attempts),
		Unjoined: ss.Unjoined,
	}
	if sv.Name == "" {
		sv.Name = "(server not named in the log)"
	}
	for _, v := range svc.SyncVersionSpans {
		sv.Versions = append(sv.Versions, v.Version+" ("+spanText(v.First.Time, v.Last.Time)+")")
	}
	if len(sv.Versions) == 0 {
		sv.Versions = svc.SyncVersions
	}
	for _, f := range ss.Findings {
		if f.Severity == "critical" || f.Severity == "error" || f.Severity == "warning" {
			sv.Severity = f.Severity
			break
		}
	}
	if svc.Heartbeats > 0 {
		sv.Beats = fmt.Sprintf("%s, last %s; %s", plural(svc.Heartbeats, "heartbeat"), stamp(svc.LastHeartbeat.Time),
			plural(len(svc.HeartbeatGaps), "gap"))
	} else {
		sv.Beats = "no heartbeat"
	}
	fx := factsOf(svc)
	for _, f := range ss.Findings {
		hf := htmlFinding{
			Note: f.Note, Severity: f.Severity, Title: f.Title, Cause: f.Cause, Scope: f.Scope,
			Span: spanText(f.FirstSeen.Time, f.LastSeen.Time),
			More: max(f.EvidenceTotal-len(f.Evidence), 0),
		}
		unit := "attempt"
		if f.Scope == "service" {
			unit = "time"
		}
		hf.Count = plural(f.Count, unit)
		for _, r := range f.Remediation {
			hf.Remediation = append(hf.Remediation, fx.fill(r))
		}
		for _, e := range f.Evidence {
			hf.Evidence = append(hf.Evidence, htmlEvidence{File: baseName(e.Path), Path: e.Path, RecordID: e.RecordID,
				Time: stamp(e.Time.Time), EventID: e.EventID, TrackingID: e.TrackingID})
		}
		sv.Findings = append(sv.Findings, hf)
	}
	shown := htmlAttempts(ss.Attempts)
	sv.AttemptsAll = ss.Attempts.Len()
	for i, a := range shown {
		ha := htmlAttempt{
			ID: fmt.Sprintf("%s-a%d", id, i+1), TrackingID: a.TrackingID,
			Time: a.Start.UTC().Format("2006-01-02 15:04:05"), TimeKey: correlate.FormatTime(a.Start.Time),
			User: a.UPN, Admin: a.AdminUPN, Operation: a.Operation, Outcome: outcomeClass(a.Outcome), Cause: a.Cause,
		}
		if a.HResult != 0 {
			ha.HResult = a.HResult.String()
		}
		for _, e := range a.Events {
			ha.Events = append(ha.Events, htmlEvent{EventID: e.EventID, RecordID: e.RecordID, Time: stamp(e.Time.Time),
				File: baseName(e.Path), Path: e.Path, Join: e.Join, Message: e.Message})
		}
		sv.Attempts = append(sv.Attempts, ha)
	}
	for _, u := range ss.Unattributed {
		reason := "in no timeline"
		if u.Reason == correlate.ReasonNoTrackingID {
			reason = "no readable TrackingId"
		}
		sv.Others = append(sv.Others, htmlOther{Provider: u.Provider, EventID: u.EventID, Name: u.Name, Count: u.Count,
			Span: spanText(u.First.Time, u.Last.Time), Reason: reason, Cause: u.Cause, Message: u.Message})
	}
	src := tlSource{ID: id, Attempts: shown, Service: svc, Damage: ss.Damage}
	if len(shown) < ss.Attempts.Len() {
		src.From, src.To = attemptsSpan(ss.Attempts)
	}
	for _, p := range ss.Inputs {
		in := inputs[p]
		src.Inputs = append(src.Inputs, tlInput{Path: p, From: in.From, To: in.To})
	}
	for _, v := range svc.SyncVersionSpans {
		src.Versions = append(src.Versions, versionMark{Version: v.Version, At: v.First.Time})
	}
	sv.Timeline = buildTimeline(src)
	return sv
}

// maxHTMLAttempts bounds the rows of a server's attempts table and the
// marks of its timeline: a page for a person to read in a browser, which
// a million rows would make a gigabyte that no browser opens. Above it the
// page shows the rows pickAttempts chooses (failed and incomplete attempts
// first) and says how many it leaves to the JSON report.
const maxHTMLAttempts = 2000

// htmlAttempts returns the attempts a server's table shows: every one, in
// the list's order, or maxHTMLAttempts of them.
func htmlAttempts(all correlate.AttemptList) []correlate.Attempt {
	if all.Len() <= maxHTMLAttempts {
		out := make([]correlate.Attempt, all.Len())
		for i := range out {
			out[i] = all.At(i)
		}
		return out
	}
	return pickAttempts(all, maxHTMLAttempts)
}

// attemptsSpan returns the first start and the last end (or start) of the
// attempts.
func attemptsSpan(all correlate.AttemptList) (from, to time.Time) {
	for i := range all.Len() {
		start, end := all.Span(i)
		for _, t := range []time.Time{start.Time, end.Time} {
			if t.IsZero() {
				continue
			}
			if from.IsZero() || t.Before(from) {
				from = t
			}
			if t.After(to) {
				to = t
			}
		}
	}
	return from, to
}

// trimPath drops the path each damage line starts with (the table names it).
func trimPath(lines []string, path string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimPrefix(l, path+": ")
	}
	return out
}

// spanText renders an interval for the page.
func spanText(from, to time.Time) string {
	switch {
	case from.IsZero():
		return ""
	case to.IsZero() || to.Equal(from):
		return stamp(from)
	case from.UTC().Format("2006-01-02") == to.UTC().Format("2006-01-02"):
		return from.UTC().Format("2006-01-02 15:04:05") + " → " + to.UTC().Format("15:04:05") + " UTC"
	}
	return from.UTC().Format("2006-01-02 15:04:05") + " → " + stamp(to)
}

// plural renders a count with its noun: "1 attempt", "2 attempts",
// "1 entry", "3 entries".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case strings.HasSuffix(noun, "y") && !strings.ContainsAny(noun[len(noun)-2:len(noun)-1], "aeiou"):
		noun = noun[:len(noun)-1] + "ies"
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "sh"), strings.HasSuffix(noun, "ch"):
		noun += "es"
	default:
		noun += "s"
	}
	return fmt.Sprintf("%d %s", n, noun)
}

// plurals renders a count with the singular or plural phrase.
func plurals(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
