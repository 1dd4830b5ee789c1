// Package arrowtest reads the data lake with Apache Arrow's Go Parquet
// reader from Go tests. The reader lives in the nested module
// lake/arrowcheck (its own go.mod, so the main module does not take
// Arrow's dependencies); Read builds it with the go command and runs it.
// When it cannot be built (no module proxy, no cache), Read skips the test
// and says why, except under CI=true, where it fails.
package arrowtest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/internal/testenv"
)

// A File is what the Arrow reader found in one part file.
type File struct {
	Path      string            `json:"path"`
	Table     string            `json:"table"`
	CreatedBy string            `json:"created_by"`
	Rows      int64             `json:"rows"`
	Types     map[string]string `json:"types"`
	PageTypes []string          `json:"page_types"`
	Encodings []string          `json:"encodings"`
	Records   []map[string]any  `json:"records"`
}

// Read reads every part file of the lake in dir.
func Read(t testing.TB, dir string) []File {
	t.Helper()
	root := testenv.RepoRoot(t)
	goBin := testenv.Need(t, "go", "Arrow checks: the go command", "golang-go")
	bin := filepath.Join(t.TempDir(), "arrowcheck")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Dir = filepath.Join(root, "lake", "arrowcheck")
	if out, err := build.CombinedOutput(); err != nil {
		testenv.Missing(t, "Arrow checks: building lake/arrowcheck (github.com/apache/arrow-go/v18) failed: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, dir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("arrowcheck: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	var files []File
	dec := json.NewDecoder(&out)
	dec.UseNumber()
	if err := dec.Decode(&files); err != nil {
		t.Fatalf("arrowcheck: bad output: %v", err)
	}
	return files
}
