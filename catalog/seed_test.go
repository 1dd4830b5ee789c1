package catalog

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var (
	seed004      = filepath.Join("..", "..", "shared", "seeds", "004_2a1a6f622310f7a3.txt")
	eventFormats = filepath.Join("..", "..", "shared", "domain", "event-formats.md")
)

// A tableRow is one row of a markdown table: its cells and its line number.
type tableRow struct {
	line  int
	cells []string
}

// readTableRows returns the body rows of every markdown table in the file
// (header and separator rows dropped). It skips the test if the file is
// absent.
func readTableRows(t *testing.T, path string) []tableRow {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("../shared/%s absent", filepath.Base(filepath.Dir(path)))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sepRe := regexp.MustCompile(`^\|?\s*:?-{3,}`)
	var rows []tableRow
	var inTable, header bool
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			inTable = false
			continue
		}
		if !inTable {
			inTable, header = true, true
			continue // header row
		}
		if header && sepRe.MatchString(line) {
			header = false
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, tableRow{line: n, cells: cells})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// seedCodes returns the event codes the tables of seed 004 name: every 4-5
// digit number of a row's first cell, and every "event N" / "error N" of
// the row. It maps each code to the first line naming it.
func seedCodes(t *testing.T) map[int]int {
	firstCell := regexp.MustCompile(`\b\d{4,5}\b`)
	named := regexp.MustCompile(`(?i)\b(?:event|error)(?:\s+id)?\s+(\d{4,5})\b`)
	codes := make(map[int]int)
	add := func(s string, line int) {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := codes[n]; !ok {
			codes[n] = line
		}
	}
	for _, r := range readTableRows(t, seed004) {
		for _, m := range firstCell.FindAllString(r.cells[0], -1) {
			add(m, r.line)
		}
		for _, m := range named.FindAllStringSubmatch(strings.Join(r.cells, " "), -1) {
			add(m[1], r.line)
		}
	}
	return codes
}

func TestSeed004EventsCovered(t *testing.T) {
	codes := seedCodes(t)
	if len(codes) < 40 {
		t.Fatalf("found only %d codes in the tables of %s; is the parser broken?", len(codes), seed004)
	}
	t.Logf("%d codes in the tables of %s: %v", len(codes), seed004, sortedKeys(codes))
	c := New()
	byID := make(map[int][]Event)
	for _, e := range c.Events() {
		byID[e.ID] = append(byID[e.ID], e)
	}
	for code, line := range codes {
		evs := byID[code]
		if len(evs) == 0 {
			t.Errorf("%s:%d: event %d is not in the catalog", seed004, line, code)
			continue
		}
		cited := false
		for _, e := range evs {
			if strings.TrimSpace(e.Description) == "" {
				t.Errorf("%s %d %q: no description", e.Source, e.ID, e.Variant)
			}
			if len(e.Remediation) == 0 {
				t.Errorf("%s %d %q: no remediation", e.Source, e.ID, e.Variant)
			}
			cited = cited || strings.Contains(e.Section, titleTroubleshoot)
		}
		if !cited {
			t.Errorf("%s:%d: no catalog entry of event %d cites %s", seed004, line, code, titleTroubleshoot)
		}
	}
}

// TestSeed004Variants checks that every 6329 message of seed 004 selects a
// distinct, documented variant.
func TestSeed004Variants(t *testing.T) {
	rows := readTableRows(t, seed004)
	c := New()
	var n int
	for _, r := range rows {
		if len(r.cells) < 2 || r.cells[0] != "6329" {
			continue
		}
		n++
		k, _, ok := c.Diagnose(ScopeAttempt, []Evidence{{Source: SourceADSync, EventID: 6329, Text: r.cells[1]}})
		if !ok || k.ID == "ad-unknown" {
			t.Errorf("%s:%d: 6329 %q selects no specific cause (got %q)", seed004, r.line, r.cells[1], k.ID)
		}
	}
	if n == 0 {
		t.Fatalf("no 6329 row found in %s", seed004)
	}
}

// TestDocumentedHResultsCovered checks every HRESULT of the tables of seed
// 004 (0x/hr= followed by eight hex digits) and of the HRESULT table of
// event-formats.md (eight hex digits in the first cell).
func TestDocumentedHResultsCovered(t *testing.T) {
	c := New()
	check := func(path string, rows []tableRow, re *regexp.Regexp, firstCellOnly bool) int {
		n := 0
		for _, r := range rows {
			text := strings.Join(r.cells, " ")
			if firstCellOnly {
				text = r.cells[0]
			}
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				code, ok := ParseHResult(m[1])
				if !ok {
					t.Fatalf("%s:%d: cannot parse %q", path, r.line, m[1])
				}
				n++
				h, ok := c.HResult(code)
				if !ok {
					t.Errorf("%s:%d: HRESULT %s is not in the catalog", path, r.line, FormatHResult(code))
				} else if h.Meaning == "" {
					t.Errorf("%s: no meaning", FormatHResult(code))
				}
			}
		}
		return n
	}
	seedRe := regexp.MustCompile(`(?i)(?:0x|hr=)([0-9a-f]{8})\b`)
	if n := check(seed004, readTableRows(t, seed004), seedRe, false); n < 4 {
		t.Errorf("found only %d HRESULTs in %s", n, seed004)
	}
	fmtRe := regexp.MustCompile(`\b([0-9A-Fa-f]{8})\b`)
	if n := check(eventFormats, readTableRows(t, eventFormats), fmtRe, true); n < 10 {
		t.Errorf("found only %d HRESULTs in %s", n, eventFormats)
	}
}

func sortedKeys(m map[int]int) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
