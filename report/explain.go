package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/evtxscan/evtxscan/catalog"
)

// explainWidth is the width of text output, for an 80-column terminal.
const explainWidth = 79

// Explanations writes the answers of explain queries as text, a blank line
// between two.
func Explanations(w io.Writer, c *catalog.Catalog, rs []catalog.Explanation) error {
	tw := &explainWriter{w: w}
	for i, r := range rs {
		if i > 0 {
			tw.line("")
		}
		writeExplanationText(tw, c, r)
	}
	return tw.err
}

// Catalog writes the whole catalog as text: events by source, HRESULTs,
// causes.
func Catalog(w io.Writer, c *catalog.Catalog) error {
	tw := &explainWriter{w: w}
	writeCatalogText(tw, c)
	return tw.err
}

// WrapFields splits text into the words the text writers wrap at: at
// spaces, but a lone dash stays with the word before it.
func WrapFields(text string) []string { return wrapFields(text) }

// writeExplanationText writes r as text.
func writeExplanationText(tw *explainWriter, c *catalog.Catalog, r catalog.Explanation) {
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

func writeHResultText(tw *explainWriter, c *catalog.Catalog, h catalog.HResultInfo) {
	text := h.Text
	if text == "" {
		text = "(no message is logged with it)"
	}
	head := h.Hex
	if h.Symbol != "" {
		head += " " + h.Symbol
	}
	tw.wrap("", "            ", head+"  "+text)
	if h.Source != "" {
		for i, sec := range strings.Split(h.Source, "; ") {
			first := "  Source: "
			if i > 0 {
				first = "          "
			}
			tw.wrap(first, "            ", sec)
		}
	}
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
	if len(k.Consequences) > 0 {
		tw.line("")
		tw.wrap("  ", "    ", "Leads to (ranked below it when found together): "+strings.Join(k.Consequences, ", "))
	}
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
