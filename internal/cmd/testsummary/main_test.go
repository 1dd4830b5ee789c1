package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		code    int
		wantOut []string // lines that must appear
		wantNot []string // lines that must not
	}{
		{
			name: "skips grouped",
			in: `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:12: libyal evtxexport not installed (Debian package libevtx-utils)\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"--- SKIP: TestA (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:3: libyal evtxexport not installed (Debian package libevtx-utils)\n"}
{"Action":"skip","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Test":"TestC","Output":"    c_test.go:9: ../shared/evtx-samples absent\n"}
{"Action":"skip","Package":"p","Test":"TestC"}
{"Action":"output","Package":"p","Test":"TestD","Output":"=== RUN   TestD\n"}
{"Action":"pass","Package":"p","Test":"TestD"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.01s\n"}
{"Action":"pass","Package":"p"}
`,
			code: 0,
			wantOut: []string{
				"ok  \tp\t0.01s",
				"skipped: 3 (libyal evtxexport not installed (Debian package libevtx-utils): 2; ../shared/evtx-samples absent: 1)",
				"1 passed, 0 failed, 3 skipped",
			},
			wantNot: []string{"=== RUN   TestD"},
		},
		{
			name: "failure shows its output",
			in: `{"Action":"output","Package":"p","Test":"TestF","Output":"    f_test.go:1: got 1, want 2\n"}
{"Action":"output","Package":"p","Test":"TestF","Output":"--- FAIL: TestF (0.00s)\n"}
{"Action":"fail","Package":"p","Test":"TestF"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t0.01s\n"}
{"Action":"fail","Package":"p"}
`,
			code:    1,
			wantOut: []string{"    f_test.go:1: got 1, want 2", "--- FAIL: TestF (0.00s)", "failed packages: p", "0 passed, 1 failed, 0 skipped"},
		},
		{
			name: "timeout",
			in: `{"Action":"run","Package":"p","Test":"TestSlow"}
{"Action":"output","Package":"p","Test":"TestSlow","Output":"=== RUN   TestSlow\n"}
{"Action":"output","Package":"p","Test":"TestSlow","Output":"panic: test timed out after 10m0s\n"}
{"Action":"pass","Package":"p","Test":"TestQuick"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t600.3s\n"}
{"Action":"fail","Package":"p"}
`,
			code:    1,
			wantOut: []string{"panic: test timed out after 10m0s", "FAIL\tp\t600.3s", "failed packages: p", "1 passed, 1 failed, 0 skipped"},
		},
		{
			name:    "build failure",
			in:      "{\"ImportPath\":\"q\",\"Action\":\"build-output\",\"Output\":\"q/x.go:1:1: syntax error\\n\"}\n{\"ImportPath\":\"q\",\"Action\":\"build-fail\"}\n",
			code:    1,
			wantOut: []string{"q/x.go:1:1: syntax error", "failed packages: q", "0 passed, 1 failed, 0 skipped"},
		},
		{
			name:    "nothing ran",
			in:      "",
			code:    1,
			wantOut: []string{"testsummary: no test ran"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(nil, strings.NewReader(tt.in), &out, &errb)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, out.String())
			}
			lines := strings.Split(out.String(), "\n")
			has := func(s string) bool {
				for _, l := range lines {
					if l == s {
						return true
					}
				}
				return false
			}
			for _, w := range tt.wantOut {
				if !has(w) {
					t.Errorf("no line %q in\n%s", w, out.String())
				}
			}
			for _, w := range tt.wantNot {
				if has(w) {
					t.Errorf("line %q should not be printed:\n%s", w, out.String())
				}
			}
		})
	}
}

func TestFailedSteps(t *testing.T) {
	var out bytes.Buffer
	in := `{"Action":"pass","Package":"p","Test":"TestD"}` + "\n"
	if code := run([]string{"-failed-steps", "vet staticcheck"}, strings.NewReader(in), &out, &out); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(out.String(), "failed steps: vet staticcheck\n1 passed, 2 failed, 0 skipped\n") {
		t.Errorf("output:\n%s", out.String())
	}
}
