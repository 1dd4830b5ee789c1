package report

import (
	"strings"

	"github.com/rivo/uniseg"
)

// The text report is laid out in terminal cells: a CJK character takes two,
// a combining mark none. These helpers measure and cut by grapheme cluster
// and cell, never inside a character.

// MinWidth is the narrowest layout of the text report.
const MinWidth = 80

// cells returns the display width of s.
func cells(s string) int { return uniseg.StringWidth(s) }

// pad pads s with spaces to n cells.
func pad(s string, n int) string {
	if k := cells(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// cut shortens s to at most n cells, ending it with "…" when it cuts.
func cut(s string, n int) string {
	if cells(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	var b strings.Builder
	w := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cw := g.Width()
		if w+cw > n-1 {
			break
		}
		b.WriteString(g.Str())
		w += cw
	}
	return b.String() + "…"
}

// cutLeft shortens s to at most n cells, keeping its end (a path's file
// name) after a "…".
func cutLeft(s string, n int) string {
	if cells(s) <= n {
		return s
	}
	var parts []string
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		parts = append(parts, g.Str())
	}
	w, i := 0, len(parts)
	for i > 0 && w+cells(parts[i-1]) <= n-1 {
		i--
		w += cells(parts[i])
	}
	return "…" + strings.Join(parts[i:], "")
}

// wrap breaks s into lines of at most n cells, at spaces where it can
// (a word longer than a line is cut between characters).
func wrap(s string, n int) []string {
	n = max(n, 8)
	var lines []string
	var line strings.Builder
	lw := 0
	flush := func() {
		lines = append(lines, strings.TrimRight(line.String(), " "))
		line.Reset()
		lw = 0
	}
	for _, word := range strings.Split(s, " ") {
		ww := cells(word)
		if lw > 0 && lw+1+ww > n {
			flush()
		}
		if lw > 0 {
			line.WriteByte(' ')
			lw++
		}
		for ww > n-lw {
			// Too long for any line: cut it.
			head := cutCells(word, n-lw)
			if head == "" {
				flush()
				continue
			}
			line.WriteString(head)
			flush()
			word = word[len(head):]
			ww = cells(word)
		}
		line.WriteString(word)
		lw += ww
	}
	if line.Len() > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// cutCells returns the longest start of s that fits n cells.
func cutCells(s string, n int) string {
	w, end := 0, 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		if w+g.Width() > n {
			break
		}
		w += g.Width()
		_, end = g.Positions()
	}
	return s[:end]
}
