package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/report"
)

// explainCmd runs evtxscan explain and returns its status and output.
func explainCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"explain"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// catalogCmd runs evtxscan catalog and returns its status and output.
func catalogCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"catalog"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		stdout   []string // substrings
		stderr   string   // substring
		noStdout bool
	}{
		{[]string{"33002"}, exitOK, []string{"PasswordResetService 33002 ADUserNotFoundError",
			"sync-rule-password-sync-missing, user-not-found"}, "", false},
		{[]string{"31001"}, exitOK, []string{"PasswordResetStart", "Status token in the text: PasswordResetRequestStart"}, "", false},
		{[]string{"0x80230405"}, exitOK, []string{"0x80230405", "object cannot be found"}, "", false},
		{[]string{"80230405"}, exitOK, []string{"0x80230405"}, "", false},
		{[]string{"hr=80230405"}, exitOK, []string{"0x80230405"}, "", false},
		{[]string{"0X8023062C"}, exitOK, []string{"0x8023062C", "ldaps-required"}, "", false},
		{[]string{"8023062c"}, exitOK, []string{"0x8023062C"}, "", false},
		{[]string{"0x6ba"}, exitOK, []string{"0x800706BA", "dc-unreachable"}, "", false},
		{[]string{"sync-rule-password-sync-missing"}, exitOK, []string{
			"In from AD - User AccountEnabled", "Enable Password Sync", "Out to AAD - User Join",
			"full synchronization", "No password writeback targets found"}, "", false},
		{[]string{"Restrict-Remote-SAM"}, exitOK, []string{"Restrict clients allowed to make remote calls to SAM"}, "", false},
		{[]string{"ADUserNotFoundError"}, exitOK, []string{"33002"}, "", false},
		{[]string{"passwordresetrequeststart"}, exitOK, []string{"31001"}, "", false},
		{[]string{"33002", "0x80230626", "ad-permissions"}, exitOK, []string{"33002", "0x80230626", "Reset password"}, "", false},
		{[]string{"--format", "json", "33002"}, exitOK, []string{`"kind": "event"`, `"id": 33002`}, "", false},

		{[]string{"99999"}, exitFatal, nil, "no event with this id", true},
		{[]string{"0x12345678"}, exitFatal, nil, "0x12345678 is not in the catalog", true},
		{[]string{"no-such-cause"}, exitFatal, nil, "no cause with this id", true},
		{[]string{"NoSuchEventName"}, exitFatal, nil, "no event with this name", true},
		{[]string{"33002", "99999"}, exitFatal, []string{"ADUserNotFoundError"}, `"99999"`, false},
		{[]string{"--format", "json", "99999"}, exitFatal, nil, "no event", true},

		{[]string{"foo!"}, exitUsage, nil, "not an event id", true},
		{[]string{"8023042"}, exitUsage, nil, "eight hexadecimal digits", true},
		{[]string{""}, exitUsage, nil, "empty query", true},
		{[]string{"99999", "foo!"}, exitUsage, nil, "not an event id", true},
		{nil, exitUsage, nil, "nothing to explain", true},
		{[]string{"--format", "xml", "33002"}, exitUsage, nil, "want text or json", true},
		{[]string{"--bogus", "33002"}, exitUsage, nil, "unknown flag", true},
		{[]string{"--help"}, exitOK, []string{"usage: evtxscan explain"}, "", false},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := explainCmd(tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, errs)
			}
			flat := strings.Join(report.WrapFields(out), " ") // undo the wrapping
			for _, s := range tc.stdout {
				if !strings.Contains(out, s) && !strings.Contains(flat, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if tc.noStdout && out != "" {
				t.Errorf("unexpected stdout:\n%s", out)
			}
			if !strings.Contains(errs, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, errs)
			}
		})
	}
}

// TestExplain6329 checks that explain shows every variant of 6329, in text
// and in JSON.
func TestExplain6329(t *testing.T) {
	variants := catalog.New().EventVariants(catalog.SourceADSync, 6329)
	if len(variants) < 2 {
		t.Fatalf("only %d variants of 6329", len(variants))
	}
	code, out, _ := explainCmd("6329")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if n := strings.Count(out, "ADSync 6329 "); n != len(variants) {
		t.Errorf("%d headers of 6329, want %d", n, len(variants))
	}
	for _, v := range variants[1:] {
		if !strings.Contains(out, "(variant "+v.Variant+")") {
			t.Errorf("variant %s not shown", v.Variant)
		}
	}

	code, out, _ = explainCmd("--format", "json", "6329", "0x80230405", "user-not-found")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var res []struct {
		Query   string          `json:"query"`
		Kind    string          `json:"kind"`
		Events  []catalog.Event `json:"events"`
		HResult *struct {
			Code uint32 `json:"code"`
			Hex  string `json:"hex"`
		} `json:"hresult"`
		Cause *catalog.Cause `json:"cause"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res) != 3 || res[0].Kind != "event" || len(res[0].Events) != len(variants) ||
		res[1].Kind != "hresult" || res[1].HResult == nil || res[1].HResult.Code != 0x80230405 ||
		res[1].HResult.Hex != "0x80230405" || res[2].Kind != "cause" || res[2].Cause == nil ||
		res[2].Cause.ID != "user-not-found" {
		t.Errorf("unexpected JSON:\n%s", out)
	}
}

// TestExplainTextWidth checks that every text output fits an 80-column terminal.
func TestExplainTextWidth(t *testing.T) {
	c := catalog.New()
	var queries []string
	seen := make(map[int]bool)
	for _, e := range c.Events() {
		if !seen[e.ID] {
			seen[e.ID] = true
			queries = append(queries, strconv.Itoa(e.ID))
		}
	}
	for _, h := range c.HResults() {
		queries = append(queries, catalog.FormatHResult(h.Code))
	}
	for _, k := range c.Causes() {
		queries = append(queries, k.ID)
	}
	outputs := make(map[string]string)
	for _, q := range queries {
		code, out, errs := explainCmd(q)
		if code != exitOK {
			t.Errorf("explain %s: exit %d: %s", q, code, errs)
		}
		outputs["explain "+q] = out
	}
	_, out, _ := catalogCmd()
	outputs["catalog"] = out
	_, usage, _ := explainCmd("--help")
	outputs["explain --help"] = usage
	for name, out := range outputs {
		if out == "" {
			t.Errorf("%s: no output", name)
		}
		for i, l := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(l); n > 80 {
				t.Errorf("%s: line %d has %d columns: %q", name, i+1, n, l)
			}
			if strings.TrimRight(l, " ") != l {
				t.Errorf("%s: line %d has trailing spaces: %q", name, i+1, l)
			}
		}
	}
}

func TestCatalogText(t *testing.T) {
	code, out, _ := catalogCmd("--format", "text")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	c := catalog.New()
	for _, e := range c.Events() {
		if !strings.Contains(out, "  "+strconv.Itoa(e.ID)+" ") {
			t.Errorf("event %d missing", e.ID)
		}
	}
	for _, h := range c.HResults() {
		if !strings.Contains(out, catalog.FormatHResult(h.Code)) {
			t.Errorf("HRESULT %s missing", catalog.FormatHResult(h.Code))
		}
	}
	for _, k := range c.Causes() {
		if !strings.Contains(out, "  "+k.ID+" ") {
			t.Errorf("cause %s missing", k.ID)
		}
	}
	for _, args := range [][]string{{"--format", "yaml"}, {"extra"}, {"--bogus"}} {
		if code, _, _ := catalogCmd(args...); code != exitUsage {
			t.Errorf("catalog %v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// TestCatalogJSON checks that evtxscan catalog --format json writes the
// document pinned by the catalog package's golden file
// (go test ./catalog -update rewrites it), and nothing else.
func TestCatalogJSON(t *testing.T) {
	code, out, errs := catalogCmd("--format", "json")
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	_, again, _ := catalogCmd("--format", "json")
	if out != again {
		t.Error("two runs differ")
	}
	golden := filepath.Join("..", "..", "catalog", "testdata", "catalog.json")
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("output differs from %s; run go test ./catalog -update if the change is deliberate", golden)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema", "events", "hresults", "causes"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("member %q missing", k)
		}
	}
	if len(doc) != 4 {
		t.Errorf("%d members, want 4", len(doc))
	}
}

// explain knows the neighbours an engineer meets beside writeback: the
// engine's 6306 and password hash sync's 611, and Win32/HRESULT errors by
// name or code, each with the public source of its facts.
func TestExplainNeighbours(t *testing.T) {
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"ERROR_ACCESS_DENIED", []string{"0x80070005 ERROR_ACCESS_DENIED", "Source: System Error Codes (Microsoft Learn)", "restrict-remote-sam"}},
		{"error_file_not_found", []string{"0x80070002 ERROR_FILE_NOT_FOUND", "The system cannot find the file specified."}},
		{"0x80070002", []string{"ERROR_FILE_NOT_FOUND"}},
		{"SEC_E_TIME_SKEW", []string{"0x80090324", "clock-skew"}},
		{"6306", []string{"ADSync 6306 ServerError", "clock"}},
		{"611", []string{"Directory Synchronization 611", "RPC errors affecting Microsoft Entra Connect (Microsoft Learn)", "dc-unreachable"}},
		{"auth-token", []string{"Leads to", "onboarding-failed"}},
		{"writeback-down", []string{"31044", "not working"}},
	} {
		code, out, errs := explainCmd(tt.q)
		if code != exitOK {
			t.Errorf("%s: exit %d: %s", tt.q, code, errs)
			continue
		}
		flat := strings.Join(strings.Fields(out), " ")
		for _, w := range tt.want {
			if !strings.Contains(flat, w) {
				t.Errorf("%s: output lacks %q:\n%s", tt.q, w, out)
			}
		}
		if strings.Contains(strings.ToLower(out), "seed") {
			t.Errorf("%s: output cites a seed:\n%s", tt.q, out)
		}
	}
	if code, _, _ := explainCmd("ERROR_NO_SUCH_THING"); code != exitFatal {
		t.Errorf("unknown symbol: exit %d", code)
	}
}
