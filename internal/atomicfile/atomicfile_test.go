package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// leftovers lists the files of dir other than keep.
func leftovers(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
outer:
	for _, e := range ents {
		for _, k := range keep {
			if e.Name() == k {
				continue outer
			}
		}
		out = append(out, e.Name())
	}
	return out
}

func TestAtomicWrite(t *testing.T) {
	tests := []struct {
		name    string
		old     string // content before; "" for no file
		write   string
		commit  bool
		wantOut string // content after
	}{
		{"new file", "", "new report", true, "new report"},
		{"replace", "old report", "new report", true, "new report"},
		{"abandoned keeps old", "old report", "torn", false, "old report"},
		{"abandoned, no file", "", "torn", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			name := filepath.Join(dir, "report.json")
			if tt.old != "" {
				if err := os.WriteFile(name, []byte(tt.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f, err := Create(name, 0o640)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(tt.write)
			// Until Commit the target is untouched.
			if b, _ := os.ReadFile(name); string(b) != tt.old {
				t.Fatalf("before commit: %q", b)
			}
			if tt.commit {
				if err := f.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(name)
			if tt.wantOut == "" {
				if !errors.Is(err, os.ErrNotExist) {
					t.Errorf("file exists: %q, %v", b, err)
				}
			} else if string(b) != tt.wantOut {
				t.Errorf("content %q, want %q", b, tt.wantOut)
			}
			if tt.commit {
				if fi, err := os.Stat(name); err != nil || fi.Mode().Perm() != 0o640 {
					t.Errorf("mode %v, %v; want 0640", fi.Mode(), err)
				}
			}
			if l := leftovers(t, dir, "report.json"); len(l) != 0 {
				t.Errorf("left behind: %v", l)
			}
		})
	}
}

// A rename that fails (the target is a directory) leaves nothing behind
// and says so.
func TestCommitErrorLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Join(name, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(name, []byte("x"), 0o644)
	if err == nil {
		t.Fatal("no error renaming over a non-empty directory")
	}
	if l := leftovers(t, dir, "out"); len(l) != 0 {
		t.Errorf("left behind: %v", l)
	}
}

func TestCreateInMissingDir(t *testing.T) {
	if _, err := Create(filepath.Join(t.TempDir(), "no", "such", "f"), 0o644); err == nil {
		t.Error("no error for a missing directory")
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a.json")
	for _, s := range []string{"one", "two"} {
		if err := WriteFile(name, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(name); string(b) != s {
			t.Errorf("content %q, want %q", b, s)
		}
	}
	if l := leftovers(t, dir, "a.json"); len(l) != 0 {
		t.Errorf("left behind: %v", l)
	}
}
