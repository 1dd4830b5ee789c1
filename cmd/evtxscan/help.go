package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/evtxscan/evtxscan/internal/safeterm"
)

// helpWidth is the width help is wrapped to: the terminal's when standard
// output is one, else $COLUMNS, else 80; never below 40 nor above 120.
func (a *app) helpWidth() int {
	w := 0
	if f, ok := a.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		w, _, _ = term.GetSize(int(f.Fd()))
	}
	if w <= 0 {
		w, _ = strconv.Atoi(a.getenv("COLUMNS"))
	}
	if w <= 0 {
		w = 80
	}
	return min(max(w, 40), 120)
}

// writeHelp writes the help of c, wrapped to width columns.
func writeHelp(w io.Writer, c *cobra.Command, width int) {
	var b strings.Builder
	use := c.UseLine()
	if !c.HasParent() {
		use = c.Name() + " COMMAND [flags] [args]"
	}
	fmt.Fprintf(&b, "%s\n", strings.Join(wrapWords("usage: ", "       ", use, width), "\n"))
	long := c.Long
	if long == "" {
		long = c.Short
	}
	if long != "" {
		fmt.Fprintf(&b, "\n%s\n", wrapText(long, width))
	}
	var cmds []*cobra.Command
	for _, sc := range c.Commands() {
		if sc.IsAvailableCommand() {
			cmds = append(cmds, sc)
		}
	}
	if len(cmds) > 0 {
		b.WriteString("\ncommands:\n")
		var rows strings.Builder
		for _, sc := range cmds {
			fmt.Fprintf(&rows, "  %-11s  %s\n", sc.Name(), sc.Short)
		}
		b.WriteString(wrapText(rows.String(), width))
		b.WriteString("\n")
	}
	if fl := c.LocalFlags(); fl.HasAvailableFlags() {
		b.WriteString("\nflags:\n")
		b.WriteString(fl.FlagUsagesWrapped(width))
	}
	if fl := c.InheritedFlags(); fl.HasAvailableFlags() {
		b.WriteString("\nglobal flags:\n")
		b.WriteString(fl.FlagUsagesWrapped(width))
	}
	if c.Annotations["exit"] != "" || !c.HasParent() {
		b.WriteString("\n" + wrapText(exitTable, width) + "\n")
	}
	if len(cmds) > 0 {
		fmt.Fprintf(&b, "\n%s\n", wrapText(fmt.Sprintf("Run '%s COMMAND --help' for the flags of a command.", c.CommandPath()), width))
	}
	io.WriteString(w, b.String())
}

// tableRow is a line of a two-column table: "  key  text".
var tableRow = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\s+\S+\s{2,})\S`) })

// wrapText wraps every line of s to width columns. An indented line keeps
// its indent; a table row ("  0  text") wraps under its second column.
func wrapText(s string, width int) string {
	var out []string
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			out = append(out, "")
			continue
		}
		first := line[:len(line)-len(strings.TrimLeft(line, " "))]
		rest := first
		if m := tableRow().FindStringSubmatch(line); m != nil {
			first = m[1]
			rest = strings.Repeat(" ", utf8.RuneCountInString(m[1]))
		}
		text := line[len(first):]
		if m := tableRow().FindStringSubmatch(line); m == nil {
			text = strings.TrimLeft(line, " ")
		}
		out = append(out, wrapWords(first, rest, text, width)...)
	}
	return strings.Join(out, "\n")
}

// wrapWords fills lines of width columns with the words of text, the
// first line starting with first, the others with rest.
func wrapWords(first, rest, text string, width int) []string {
	var lines []string
	cur, n := first, utf8.RuneCountInString(first)
	empty := true
	for _, w := range strings.Fields(text) {
		wn := utf8.RuneCountInString(w)
		if !empty && n+1+wn > width {
			lines = append(lines, cur)
			cur, n, empty = rest, utf8.RuneCountInString(rest), true
		}
		if !empty {
			cur += " "
			n++
		}
		cur += w
		n += wn
		empty = false
	}
	return append(lines, cur)
}

// numberMessage rewrites the number parsing errors of flag values.
var numberMessage = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`strconv\.Parse\w+: parsing "[^"]*": (invalid syntax|value out of range)`)
})

// userMessage is err's message for a person: no Go function names.
func userMessage(err error) string {
	return safeterm.String(numberMessage().ReplaceAllStringFunc(err.Error(), func(s string) string {
		if strings.HasSuffix(s, "out of range") {
			return "out of range"
		}
		return "not a number"
	}))
}

// A choice is a string flag with a fixed set of values.
type choice struct {
	pflag.Value
	allowed []string
}

func (c *choice) Set(s string) error {
	for _, a := range c.allowed {
		if s == a {
			return c.Value.Set(s)
		}
	}
	return fmt.Errorf("want %s", orList(c.allowed))
}

// An intRange is an integer flag with bounds.
type intRange struct {
	pflag.Value
	min, max int
}

func (r *intRange) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < r.min || n > r.max {
		return fmt.Errorf("want a whole number from %d to %d", r.min, r.max)
	}
	return r.Value.Set(strconv.Itoa(n))
}

// restrictChoice makes flag name of c accept only the allowed values, and
// completes them.
func restrictChoice(c *cobra.Command, name string, allowed ...string) {
	f := c.Flags().Lookup(name)
	if f == nil {
		return
	}
	f.Value = &choice{f.Value, allowed}
	c.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(allowed, cobra.ShellCompDirectiveNoFileComp))
}

// restrictRange makes the integer flag name of c accept only lo..hi.
func restrictRange(c *cobra.Command, name string, lo, hi int) {
	if f := c.Flags().Lookup(name); f != nil {
		f.Value = &intRange{f.Value, lo, hi}
	}
}

func orList(s []string) string {
	switch len(s) {
	case 0:
		return "nothing"
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
