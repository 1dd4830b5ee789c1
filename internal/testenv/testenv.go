// Package testenv tells tests what the machine has: the independent tools
// the tests compare with (libyal evtxexport, python-evtx, node, Chromium)
// and the shared samples beside the repository (../shared).
//
// A missing tool is a loud skip on a developer's machine and a failure
// under CI=true, where the test script has installed everything. A missing
// ../shared is always a skip with one message: a clone of the public
// repository never has it.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CI reports whether the tests run in CI (CI=true), where every tool the
// tests use must be installed.
func CI() bool {
	v := os.Getenv("CI")
	return v == "true" || v == "1"
}

// Missing ends t because something it needs is not there: a skip with
// the message locally, a failure under CI=true.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatalf("%s (CI=true: every tool must be installed; ./test.sh installs them)", msg)
	}
	t.Skip(msg)
}

// Need returns the path of program, or ends t through Missing when it is
// not on PATH. what names it for a person, e.g. "libyal evtxexport"; pkg is
// the Debian package that brings it.
func Need(t testing.TB, program, what, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(program)
	if err != nil {
		Missing(t, "%s not installed (Debian package %s)", what, pkg)
	}
	return p
}

// SharedDir returns the directory ../shared/rel beside the repository's
// root, or skips t with one message when it is absent. It never fails: a
// fresh clone has no ../shared.
func SharedDir(t testing.TB, rel string) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "..", "shared", rel)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("../shared/%s absent", filepath.ToSlash(rel))
	}
	return dir
}

// SharedFile returns the file ../shared/rel beside the repository's root,
// or skips t when it is absent: with "../shared/DIR absent" (DIR is rel's
// first element, so that a summary groups the skips) when DIR is, else
// naming the file.
func SharedFile(t testing.TB, rel string) string {
	t.Helper()
	root := filepath.Join(RepoRoot(t), "..", "shared")
	p := filepath.Join(root, rel)
	if _, err := os.Stat(p); err != nil {
		top := firstElem(rel)
		if _, derr := os.Stat(filepath.Join(root, top)); derr != nil {
			t.Skipf("../shared/%s absent", top)
		}
		t.Skipf("../shared/%s absent", filepath.ToSlash(rel))
	}
	return p
}

// SharedGlob returns the files matching pattern under ../shared, or skips
// t with "../shared/DIR absent" when none match (DIR is pattern's first
// element).
func SharedGlob(t testing.TB, pattern string) []string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(RepoRoot(t), "..", "shared", pattern))
	if len(paths) == 0 {
		t.Skipf("../shared/%s absent", firstElem(pattern))
	}
	return paths
}

// HasShared reports whether ../shared/rel exists, for tests that add the
// shared samples to their own fixtures when they are there.
func HasShared(rel string) bool {
	root, err := findRoot()
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(root, "..", "shared", rel))
	return err == nil
}

func firstElem(p string) string {
	p = filepath.ToSlash(p)
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return p
}

// RepoRoot returns the directory holding go.mod, found upwards from the
// test's working directory (its package directory).
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("testenv: no go.mod above the working directory")
		}
		dir = up
	}
}
