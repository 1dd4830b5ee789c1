package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/evtxscan/evtxscan/scan"
)

// A Format is one rendering of a Report that Write knows.
type Format struct {
	Name string // the value of --format
	Help string
}

// Formats returns the renderings of Write, in the order of the help.
func Formats() []Format {
	return []Format{
		{"text", "a report for a person"},
		{"json", "one document"},
		{"ndjson", "one attempt, finding or unattributed group per line"},
		{"html", "one self-contained page to hand on, no network; use --out FILE"},
	}
}

// FormatHelp lists the formats as "text (a report for a person), json (…)".
func FormatHelp() string {
	var parts []string
	for _, f := range Formats() {
		parts = append(parts, f.Name+" ("+f.Help+")")
	}
	return strings.Join(parts, ", ")
}

// Write renders rep in the named format (one of Formats); opt applies to
// the text report.
func Write(w io.Writer, rep *scan.Report, format string, opt TextOptions) error {
	switch format {
	case "text":
		return Text(w, rep, opt)
	case "json":
		return JSON(w, rep)
	case "ndjson":
		return NDJSON(w, rep)
	case "html":
		return HTML(w, rep)
	}
	return fmt.Errorf("report: unknown format %q", format)
}

// FormatNames returns the names of Formats.
func FormatNames() []string {
	var out []string
	for _, f := range Formats() {
		out = append(out, f.Name)
	}
	return out
}

// IsFormat reports whether Write knows the format.
func IsFormat(name string) bool {
	for _, f := range Formats() {
		if f.Name == name {
			return true
		}
	}
	return false
}
