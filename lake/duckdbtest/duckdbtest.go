// Package duckdbtest runs SQL with DuckDB from Go tests, to check the data
// lake the way its users read it. It runs the repository's
// tools/duckdb-query.mjs with node, which needs the npm package
// @duckdb/node-api (`npm ci` in the repository root installs it). When node
// or the package is missing, New skips the test and says why.
package duckdbtest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/internal/testenv"
)

// A DB runs queries; each Query starts a new in-memory DuckDB.
type DB struct {
	node   string
	script string
	root   string
}

// New finds node, the script and the npm package, or skips t.
func New(t testing.TB) *DB {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "DuckDB checks: node not installed (Debian package nodejs)")
	}
	root, err := repoRoot()
	if err != nil {
		testenv.Missing(t, "DuckDB checks: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@duckdb", "node-api", "package.json")); err != nil {
		testenv.Missing(t, "DuckDB checks: @duckdb/node-api not installed (npm ci)")
	}
	return &DB{node: node, script: filepath.Join(root, "tools", "duckdb-query.mjs"), root: root}
}

// repoRoot is the folder of go.mod, above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// Rows are the rows of one statement, each a JSON object decoded with
// json.Number for numbers.
type Rows []map[string]any

// Query runs the statements in one DuckDB and returns the rows of each. It
// fails t when DuckDB reports an error.
func (db *DB) Query(t testing.TB, sql ...string) []Rows {
	t.Helper()
	cmd := exec.Command(db.node, append([]string{db.script}, sql...)...)
	cmd.Dir = db.root
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("duckdb: %v: %s\nSQL: %s", err, strings.TrimSpace(errb.String()), strings.Join(sql, ";\n"))
	}
	var res []Rows
	dec := json.NewDecoder(&out)
	dec.UseNumber()
	for dec.More() {
		var rows Rows
		if err := dec.Decode(&rows); err != nil {
			t.Fatalf("duckdb: bad output: %v", err)
		}
		res = append(res, rows)
	}
	if len(res) != len(sql) {
		t.Fatalf("duckdb: %d results for %d statements", len(res), len(sql))
	}
	return res
}

// Quote returns s as an SQL string literal.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
