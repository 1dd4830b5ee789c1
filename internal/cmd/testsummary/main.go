// Command testsummary reads the output of `go test -json`, prints what a
// plain `go test` would (the package lines, and the whole output of every
// test that failed), and ends with what was skipped and why:
//
//	go test -json ./... | go run ./internal/cmd/testsummary -save tests.json
//	go run ./internal/cmd/testsummary -final tests.json race.json
//
// With -final it reads saved runs and prints only the closing lines: the
// skips grouped by their message, then "N passed, N failed, N skipped".
// It exits 1 when a test or a package failed, or when no test ran.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail events
	Test       string
	Output     string
}

type testKey struct{ pkg, test string }

// summary is what a run (or several) came to.
type summary struct {
	passed, failed int
	pkgFailed      []string
	skips          map[testKey]string // skipped test → its message
	failedSteps    []string           // steps outside go test that failed (-failed-steps)
}

func newSummary() *summary { return &summary{skips: map[testKey]string{}} }

// run reads one `go test -json` stream, echoes it to w as go test would
// print it without -v, and adds it to s.
func (s *summary) run(r io.Reader, w io.Writer, save io.Writer) error {
	out := map[testKey][]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if save != nil {
			save.Write(line)
			io.WriteString(save, "\n")
		}
		var ev event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &ev) != nil {
			// Not test2json: a message of go itself (e.g. a build
			// failure before the first package).
			if w != nil {
				fmt.Fprintf(w, "%s\n", line)
			}
			continue
		}
		s.add(ev, out, w)
	}
	return sc.Err()
}

func (s *summary) add(ev event, out map[testKey][]string, w io.Writer) {
	k := testKey{ev.Package, ev.Test}
	switch ev.Action {
	case "build-output":
		echo(w, ev.Output)
	case "build-fail":
		s.pkgFailed = appendNew(s.pkgFailed, ev.ImportPath)
	case "output":
		out[k] = append(out[k], ev.Output)
	case "pass", "skip":
		switch {
		case ev.Test == "":
			// A package that passed: its "ok" line only, as go test
			// prints it without -v.
			for _, o := range out[k] {
				if strings.HasPrefix(o, "ok ") || strings.HasPrefix(o, "?   ") {
					echo(w, o)
				}
			}
		case ev.Action == "pass":
			s.passed++
		default:
			s.skips[k] = skipMessage(out[k])
		}
		delete(out, k)
	case "fail":
		if ev.Test == "" {
			// The tests of the package that never ended (a timeout, a
			// crash of the test binary) failed: their output says why.
			var open []testKey
			for tk := range out {
				if tk.pkg == ev.Package && tk.test != "" {
					open = append(open, tk)
				}
			}
			sort.Slice(open, func(i, j int) bool { return open[i].test < open[j].test })
			for _, tk := range open {
				s.failed++
				for _, o := range out[tk] {
					echo(w, o)
				}
				delete(out, tk)
			}
			s.pkgFailed = appendNew(s.pkgFailed, ev.Package)
			for _, o := range out[k] {
				echo(w, o)
			}
			delete(out, k)
			return
		}
		s.failed++
		for _, o := range out[k] {
			echo(w, o)
		}
		delete(out, k)
	}
}

func echo(w io.Writer, s string) {
	if w != nil {
		io.WriteString(w, s)
	}
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// fileLine is the "name_test.go:12: " that t.Log puts before a message.
var fileLine = regexp.MustCompile(`^\s*[\w.-]+\.go:\d+: `)

// skipMessage is the last message a skipped test logged (t.Skip's), without
// its file and line.
func skipMessage(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		if fileLine.MatchString(l) {
			return strings.TrimSpace(fileLine.ReplaceAllString(l, ""))
		}
	}
	return "no reason given"
}

// write prints the closing lines: what was skipped and why, the failed
// packages and steps, and the counts.
func (s *summary) write(w io.Writer) {
	reasons := map[string]int{}
	for _, m := range s.skips {
		reasons[m]++
	}
	type reason struct {
		msg string
		n   int
	}
	var rs []reason
	for m, n := range reasons {
		rs = append(rs, reason{m, n})
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].n != rs[j].n {
			return rs[i].n > rs[j].n
		}
		return rs[i].msg < rs[j].msg
	})
	if len(rs) == 0 {
		fmt.Fprintln(w, "skipped: 0")
	} else {
		parts := make([]string, len(rs))
		for i, r := range rs {
			parts[i] = fmt.Sprintf("%s: %d", r.msg, r.n)
		}
		fmt.Fprintf(w, "skipped: %d (%s)\n", len(s.skips), strings.Join(parts, "; "))
	}
	if len(s.pkgFailed) > 0 {
		fmt.Fprintf(w, "failed packages: %s\n", strings.Join(s.pkgFailed, " "))
	}
	if len(s.failedSteps) > 0 {
		fmt.Fprintf(w, "failed steps: %s\n", strings.Join(s.failedSteps, " "))
	}
	failed := s.failed + len(s.failedSteps)
	if failed == 0 && len(s.pkgFailed) > 0 {
		failed = len(s.pkgFailed) // a build failure runs no test
	}
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", s.passed, failed, len(s.skips))
}

func (s *summary) ok() bool {
	return s.failed == 0 && len(s.pkgFailed) == 0 && len(s.failedSteps) == 0 && s.passed > 0
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("testsummary", flag.ContinueOnError)
	fs.SetOutput(stderr)
	save := fs.String("save", "", "also write the JSON stream read from standard input to this file")
	final := fs.Bool("final", false, "read the saved runs named as arguments and print only the closing lines")
	steps := fs.String("failed-steps", "", "space-separated names of steps outside go test that failed (vet, staticcheck, …)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	s := newSummary()
	s.failedSteps = strings.Fields(*steps)
	if *final {
		for _, p := range fs.Args() {
			f, err := os.Open(p)
			if err != nil {
				fmt.Fprintf(stderr, "testsummary: %v\n", err)
				s.failedSteps = append(s.failedSteps, p)
				continue
			}
			err = s.run(f, nil, nil)
			f.Close()
			if err != nil {
				fmt.Fprintf(stderr, "testsummary: %s: %v\n", p, err)
			}
		}
	} else {
		var sw *bufio.Writer
		var f *os.File
		if *save != "" {
			var err error
			if f, err = os.Create(*save); err != nil {
				fmt.Fprintf(stderr, "testsummary: %v\n", err)
				return 1
			}
			sw = bufio.NewWriter(f)
		}
		var save io.Writer
		if sw != nil {
			save = sw
		}
		if err := s.run(stdin, stdout, save); err != nil {
			fmt.Fprintf(stderr, "testsummary: %v\n", err)
		}
		if f != nil {
			if err := sw.Flush(); err != nil {
				fmt.Fprintf(stderr, "testsummary: %v\n", err)
			}
			f.Close()
		}
	}
	s.write(stdout)
	if !s.ok() {
		if s.passed == 0 && s.failed == 0 {
			fmt.Fprintln(stdout, "testsummary: no test ran")
		}
		return 1
	}
	return 0
}
