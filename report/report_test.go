package report

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/scan"
)

// fixtures returns the inputs of testdata/evtx that have a ground truth.
func fixtures(t *testing.T) []string {
	t.Helper()
	wants, err := filepath.Glob(filepath.Join("..", "testdata", "evtx", "*.want.json"))
	if err != nil || len(wants) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for i, w := range wants {
		wants[i] = strings.TrimSuffix(w, ".want.json")
	}
	return wants
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                   "plain",
		"a\x1b[31mred":            `a\x1b[31mred`,
		"line\r\nbreak\ttab":      "line  break tab",
		"bell\x07nul\x00c1\u009b": `bell\x07nul\x00c1\x9b`,
		"bidi\u202etxt.exe":       `bidi\u202etxt.exe`,
		"zero\u200bwidth\ufeff":   `zero\u200bwidth\ufeff`,
		"lines\u2028\u2029":       `lines\u2028\u2029`,
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// JSON writes what encoding/json writes for the whole report: no field
// forgotten, none out of order.
func TestJSONSameAsEncoder(t *testing.T) {
	for _, input := range fixtures(t) {
		rep, err := scan.Analyze(context.Background(), []string{input}, scan.Options{Tenant: "t", ReadOptions: scan.ReadOptions{Workers: 1}})
		if err != nil {
			t.Fatal(err)
		}
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			t.Fatal(err)
		}
		if err := JSON(&got, rep); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: JSON differs from encoding/json at byte %d", input, firstDiff(want.String(), got.String()))
		}
	}
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
