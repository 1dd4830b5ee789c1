package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/spf13/pflag"
)

// explainWidth is the width of text output, for an 80-column terminal.
const explainWidth = 79

// runExplain describes event ids, HRESULTs and cause ids.
func runExplain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("explain", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: evtxscan explain [--format text|json] <what>...

<what> is an event id (33002; for 6329 every variant is shown), an HRESULT
(0x80230405, 80230405, hr=80230405), a cause id
(sync-rule-password-sync-missing) or an event name (ADUserNotFoundError).
Unknown codes exit with status 1, malformed ones with status 2.

flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "evtxscan explain: %v\n", err)
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "evtxscan explain: unknown format %q (want text or json)\n", *format)
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}

	c := catalog.New()
	status := exitOK
	var results []explanation
	for _, q := range fs.Args() {
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(stderr, "evtxscan explain: %v\n", err)
			return exitFatal
		}
		r, err := resolveQuery(c, q)
		if err != nil {
			fmt.Fprintf(stderr, "evtxscan explain: %v\n", err)
			var qe *queryError
			if errors.As(err, &qe) && qe.syntax {
				status = exitUsage
			} else if status == exitOK {
				status = exitFatal
			}
			continue
		}
		results = append(results, r)
	}

	if *format == "json" {
		if len(results) == 0 {
			return status
		}
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "evtxscan explain: %v\n", err)
			return exitFatal
		}
		if _, err := stdout.Write(append(b, '\n')); err != nil {
			fmt.Fprintf(stderr, "evtxscan explain: %v\n", err)
			return exitFatal
		}
		return status
	}
	tw := &explainWriter{w: stdout}
	for i, r := range results {
		if i > 0 {
			tw.line("")
		}
		writeExplanationText(tw, c, r)
	}
	if tw.err != nil {
		fmt.Fprintf(stderr, "evtxscan explain: %v\n", tw.err)
		return exitFatal
	}
	return status
}

// runCatalog lists the whole catalog.
func runCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("catalog", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json (schema in docs/catalog.md)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: evtxscan catalog [--format text|json]\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "evtxscan catalog: %v\n", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "evtxscan catalog: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	c := catalog.New()
	switch *format {
	case "json":
		b, err := json.MarshalIndent(c, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "evtxscan catalog: %v\n", err)
			return exitFatal
		}
		if _, err := stdout.Write(append(b, '\n')); err != nil {
			fmt.Fprintf(stderr, "evtxscan catalog: %v\n", err)
			return exitFatal
		}
	case "text":
		tw := &explainWriter{w: stdout}
		writeCatalogText(tw, c)
		if tw.err != nil {
			fmt.Fprintf(stderr, "evtxscan catalog: %v\n", tw.err)
			return exitFatal
		}
	default:
		fmt.Fprintf(stderr, "evtxscan catalog: unknown format %q (want text or json)\n", *format)
		return exitUsage
	}
	return exitOK
}

// An explanation is the answer to one query; exactly one of Events,
// HResult and Cause is set, as Kind says.
type explanation struct {
	Query   string          `json:"query"`
	Kind    string          `json:"kind"` // event, hresult or cause
	Events  []catalog.Event `json:"events,omitempty"`
	HResult *hresultJSON    `json:"hresult,omitempty"`
	Cause   *catalog.Cause  `json:"cause,omitempty"`
}

// hresultJSON is a catalog.HResult with its code also in hexadecimal, as in
// the catalog document.
type hresultJSON struct {
	Code    uint32   `json:"code"`
	Hex     string   `json:"hex"`
	Text    string   `json:"text"`
	Meaning string   `json:"meaning"`
	Causes  []string `json:"causes"`
}

// A queryError reports a query that is malformed (syntax) or names nothing
// in the catalog.
type queryError struct {
	query  string
	syntax bool
	msg    string
}

func (e *queryError) Error() string { return fmt.Sprintf("%q: %s", e.query, e.msg) }

// resolveQuery resolves one query.
func resolveQuery(c *catalog.Catalog, query string) (explanation, error) {
	q := strings.TrimSpace(query)
	r := explanation{Query: query}
	switch {
	case q == "":
		return r, &queryError{query, true, "empty query"}

	case isDecimalQuery(q) && len(q) <= 5:
		id, _ := strconv.Atoi(q)
		for _, e := range c.Events() {
			if e.ID == id {
				r.Events = append(r.Events, e)
			}
		}
		if len(r.Events) == 0 {
			return r, &queryError{query, false, "no event with this id in the catalog " +
				"(evtxscan catalog lists them)"}
		}
		r.Kind = "event"
		return r, nil

	case isCauseID(strings.ToLower(q)):
		k, ok := c.Cause(strings.ToLower(q))
		if !ok {
			return r, &queryError{query, false, "no cause with this id " +
				"(evtxscan catalog lists them)"}
		}
		r.Kind, r.Cause = "cause", &k
		return r, nil
	}

	if code, ok := catalog.ParseHResult(q); ok {
		h, ok := c.HResult(code)
		if !ok {
			return r, &queryError{query, false, fmt.Sprintf("HRESULT %s is not in the "+
				"catalog; read the text of the event that carries it", catalog.FormatHResult(code))}
		}
		r.Kind = "hresult"
		r.HResult = &hresultJSON{Code: h.Code, Hex: catalog.FormatHResult(h.Code),
			Text: h.Text, Meaning: h.Meaning, Causes: h.Causes}
		return r, nil
	}

	if isEventName(q) {
		for _, e := range c.Events() {
			if strings.EqualFold(e.Name, q) || strings.EqualFold(e.Token, q) {
				r.Events = append(r.Events, e)
			}
		}
		if len(r.Events) == 0 {
			return r, &queryError{query, false, "no event with this name in the catalog"}
		}
		r.Kind = "event"
		return r, nil
	}
	msg := "not an event id, an HRESULT, a cause id or an event name"
	if isDecimalQuery(q) {
		msg = "too long for an event id; an HRESULT has eight hexadecimal digits"
	}
	return r, &queryError{query, true, msg}
}

// isCauseID reports whether s looks like a cause id: lower-case words of
// letters and digits joined by single hyphens, at least two words.
func isCauseID(s string) bool {
	words := strings.Split(s, "-")
	if len(words) < 2 {
		return false
	}
	for _, w := range words {
		if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			return false
		}
	}
	return true
}

// isEventName reports whether s looks like an event name: a letter, then
// letters and digits.
func isEventName(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		letter := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
		if !letter && (i == 0 || b < '0' || b > '9') {
			return false
		}
	}
	return s != ""
}

func isDecimalQuery(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// writeExplanationText writes r as text.
func writeExplanationText(tw *explainWriter, c *catalog.Catalog, r explanation) {
	switch r.Kind {
	case "event":
		for i, e := range r.Events {
			if i > 0 {
				tw.line("")
			}
			writeEventText(tw, e)
		}
	case "hresult":
		writeHResultText(tw, c, *r.HResult)
	case "cause":
		writeCauseText(tw, c, *r.Cause)
	}
}

func writeEventText(tw *explainWriter, e catalog.Event) {
	head := fmt.Sprintf("%s %d %s", e.Source, e.ID, e.Name)
	if e.Variant != "" {
		head += " (variant " + e.Variant + ")"
	}
	tw.wrap("", "    ", head)
	meta := fmt.Sprintf("role %s, severity %s", e.Role, e.Severity)
	if e.Operation != "" {
		meta += ", operation " + e.Operation
	}
	tw.wrap("  ", "  ", meta)
	if e.Token != "" {
		tw.wrap("  ", "    ", "Status token in the text: "+e.Token)
	}
	for i, sec := range strings.Split(e.Section, "; ") {
		first := "  Source: "
		if i > 0 {
			first = "          "
		}
		tw.wrap(first, "            ", sec)
	}
	tw.line("")
	tw.wrap("  ", "  ", e.Description)
	tw.line("")
	tw.line("  What to do:")
	tw.steps("    ", e.Remediation)
	if len(e.Causes) > 0 {
		tw.line("")
		tw.wrap("  ", "    ", "Possible causes: "+strings.Join(e.Causes, ", "))
	}
}

func writeHResultText(tw *explainWriter, c *catalog.Catalog, h hresultJSON) {
	text := h.Text
	if text == "" {
		text = "(no message is logged with it)"
	}
	tw.wrap("", "            ", h.Hex+"  "+text)
	tw.line("")
	tw.wrap("  ", "  ", h.Meaning)
	if len(h.Causes) > 0 {
		tw.line("")
		tw.line("  Causes:")
		for _, id := range h.Causes {
			k, _ := c.Cause(id)
			tw.wrap("    ", "      ", id+": "+k.Title)
		}
	}
}

func writeCauseText(tw *explainWriter, c *catalog.Catalog, k catalog.Cause) {
	tw.line(k.ID)
	tw.wrap("  ", "  ", k.Title)
	meta := fmt.Sprintf("%s level, severity %s, specificity %d", k.Scope, k.Severity, k.Specificity)
	if k.UserSide {
		meta += "; the user, not the configuration, has to act"
	}
	tw.wrap("  ", "  ", meta)
	tw.line("")
	tw.wrap("  ", "  ", k.Explanation)
	tw.line("")
	tw.line("  What to do:")
	tw.steps("    ", k.Remediation)
	tw.line("")
	tw.line("  Recognized by any of:")
	for _, s := range k.Signatures {
		tw.wrap("    - ", "      ", describeSignature(s))
	}
	var evs []string
	for _, e := range c.Events() {
		for _, id := range e.Causes {
			if id == k.ID {
				name := fmt.Sprintf("%s %d", e.Source, e.ID)
				if e.Variant != "" {
					name += " (" + e.Variant + ")"
				}
				evs = append(evs, name)
			}
		}
	}
	if len(evs) > 0 {
		tw.line("")
		tw.wrap("  ", "    ", "Events: "+strings.Join(evs, ", "))
	}
	var hrs []string
	for _, h := range c.HResults() {
		for _, id := range h.Causes {
			if id == k.ID {
				hrs = append(hrs, catalog.FormatHResult(h.Code))
			}
		}
	}
	if len(hrs) > 0 {
		tw.wrap("  ", "    ", "HRESULTs: "+strings.Join(hrs, ", "))
	}
}

// describeSignature spells a signature out in words.
func describeSignature(s catalog.Signature) string {
	what := s.Source
	if len(s.EventIDs) > 0 {
		ids := make([]string, len(s.EventIDs))
		for i, id := range s.EventIDs {
			ids[i] = strconv.Itoa(id)
		}
		what = strings.TrimSpace(what + " " + strings.Join(ids, ", "))
	}
	if what == "" {
		what = "any event"
	}
	var conds []string
	if len(s.HResults) > 0 {
		hrs := make([]string, len(s.HResults))
		for i, h := range s.HResults {
			hrs[i] = catalog.FormatHResult(h)
		}
		conds = append(conds, "HRESULT "+strings.Join(hrs, " or "))
	}
	for _, p := range s.Patterns {
		conds = append(conds, fmt.Sprintf("text %q", p))
	}
	d := what
	if len(conds) > 0 {
		d += " with " + strings.Join(conds, " and ")
	}
	for _, r := range s.Requires {
		d += "; together with " + describeSignature(r)
	}
	return d
}

// writeCatalogText writes the catalog as text: events by source, HRESULTs,
// causes.
func writeCatalogText(tw *explainWriter, c *catalog.Catalog) {
	tw.line("EVENTS")
	tw.line("")
	tw.line(fmt.Sprintf("  %-5s  %-34s %-17s %s", "ID", "NAME (+ VARIANT)", "ROLE", "SEVERITY"))
	source := ""
	for _, e := range c.Events() {
		if e.Source != source {
			source = e.Source
			tw.line("")
			tw.line(source)
		}
		name := e.Name
		if e.Variant != "" {
			name = "+ " + e.Variant
		}
		tw.line(strings.TrimRight(fmt.Sprintf("  %-5d  %-34s %-17s %s", e.ID, name, e.Role, e.Severity), " "))
	}
	tw.line("")
	tw.line("HRESULTS")
	tw.line("")
	for _, h := range c.HResults() {
		text := h.Text
		if text == "" {
			text = "(no message)"
		}
		tw.wrap("  "+catalog.FormatHResult(h.Code)+"  ", "              ", text)
	}
	tw.line("")
	tw.line("CAUSES (most specific first)")
	tw.line("")
	tw.line(fmt.Sprintf("  %-33s %-8s %-8s %s", "ID", "SCOPE", "SEVERITY", "SPECIFICITY"))
	for _, k := range c.Causes() {
		tw.line(fmt.Sprintf("  %-33s %-8s %-8s %3d", k.ID, k.Scope, k.Severity, k.Specificity))
		tw.wrap("      ", "      ", k.Title)
	}
	tw.line("")
	tw.wrap("", "", "Run 'evtxscan explain <event id|HRESULT|cause id>' for descriptions "+
		"and remediation steps.")
}

// A explainWriter writes lines, wrapped to explainWidth, and keeps the first
// error.
type explainWriter struct {
	w   io.Writer
	err error
}

func (t *explainWriter) line(s string) {
	if t.err == nil {
		_, t.err = io.WriteString(t.w, s+"\n")
	}
}

// wrap writes text in lines of at most explainWidth runes: the first line
// begins with first, the others with rest. A word longer than a line gets
// a line of its own.
func (t *explainWriter) wrap(first, rest, text string) {
	prefix := first
	cur := prefix
	empty := true
	for _, w := range wrapFields(text) {
		if !empty && utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) > explainWidth {
			t.line(cur)
			prefix = rest
			cur, empty = prefix, true
		}
		if empty {
			cur += w
			empty = false
		} else {
			cur += " " + w
		}
	}
	if !empty {
		t.line(cur)
	}
}

// wrapFields splits text at spaces, but keeps a lone dash with the word before
// it, so that "In from AD - User AccountEnabled" never puts a dash at the
// start of a line, where it would read as a list item.
func wrapFields(text string) []string {
	var out []string
	for _, f := range strings.Fields(text) {
		if f == "-" && len(out) > 0 {
			out[len(out)-1] += " -"
			continue
		}
		out = append(out, f)
	}
	return out
}

// steps writes numbered steps, wrapped under their text.
func (t *explainWriter) steps(indent string, steps []string) {
	for i, s := range steps {
		num := fmt.Sprintf("%d. ", i+1)
		t.wrap(indent+num, indent+strings.Repeat(" ", len(num)), s)
	}
}
