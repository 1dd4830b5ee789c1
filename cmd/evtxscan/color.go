package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// useColor decides whether the text report written to w is coloured:
// --color always or never decide; auto colours a terminal unless NO_COLOR
// is set (https://no-color.org) or TERM is dumb, and on Windows only a
// console that takes escape sequences (enableVT).
func useColor(mode string, w io.Writer, getenv func(string) string) bool {
	switch mode {
	case "always":
		if f, ok := w.(*os.File); ok {
			enableVT(f) // best effort: the user asked for colour
		}
		return true
	case "never":
		return false
	}
	return colorAuto(isTerminal(w), getenv) && enableVT(w)
}

// colorAuto is the decision of --color auto for an output that is, or is
// not, a terminal.
func colorAuto(tty bool, getenv func(string) string) bool {
	if !tty || getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	return true
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
