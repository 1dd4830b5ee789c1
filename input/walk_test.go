package input

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/evtxscan/evtxscan/internal/testenv"
)

// tree writes a directory tree of test files under a temporary directory
// and returns its root and the content of each file by path.
func tree(t *testing.T) (string, map[string][]byte) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "root")
	files := map[string][]byte{
		"a.evtx":          evtx(1, 5000),
		"b/c.evtx":        evtx(2, 3000),
		"b/log.bin":       evtx(3, 2000),                          // EVTX whatever its name
		"b/x.evtx":        []byte("this is not an event log\r\n"), // text, whatever its name
		"b/notes.txt":     []byte("héllo, wörld\n"),
		"b/empty.evtx":    nil,
		"b/deep/d/e.evtx": evtx(4, 100),
		"old.evt":         append([]byte{0x30, 0, 0, 0}, "LfLe\x01\x00\x00\x00"...),
		"z.dat":           {0x00, 0x01, 0x02, 0xff, 0xfe},
		"zz.gz":           {0x1f, 0x8b, 0x08, 0x00},
	}
	for name, data := range files {
		writeFile(t, filepath.Join(root, filepath.FromSlash(name)), data)
	}
	return root, files
}

func TestWalkFiles(t *testing.T) {
	root, files := tree(t)
	p := func(name string) string { return filepath.Join(root, filepath.FromSlash(name)) }
	missing := p("missing.evtx")

	tests := []struct {
		name    string
		paths   []string
		items   []string
		skipped []Skipped
		errs    []string
	}{
		{
			name:  "bare file",
			paths: []string{p("a.evtx")},
			items: []string{p("a.evtx")},
		},
		{
			name:  "EVTX named .bin",
			paths: []string{p("b/log.bin")},
			items: []string{p("b/log.bin")},
		},
		{
			name:    "text named .evtx",
			paths:   []string{p("b/x.evtx")},
			skipped: []Skipped{{p("b/x.evtx"), "not EVTX (text)"}},
		},
		{
			name:  "directory tree in lexical order",
			paths: []string{root},
			items: []string{p("a.evtx"), p("b/c.evtx"), p("b/deep/d/e.evtx"), p("b/log.bin")},
			skipped: []Skipped{
				{p("b/empty.evtx"), "empty"},
				{p("b/notes.txt"), "not EVTX (text)"},
				{p("b/x.evtx"), "not EVTX (text)"},
				{p("old.evt"), "not EVTX (legacy EVT log)"},
				{p("z.dat"), "not EVTX"},
				{p("zz.gz"), "not EVTX (gzip: unsupported archive)"},
			},
		},
		{
			name:  "inputs in the order given",
			paths: []string{p("b/log.bin"), p("a.evtx")},
			items: []string{p("b/log.bin"), p("a.evtx")},
		},
		{
			name:    "a file named twice is read once",
			paths:   []string{p("b/deep"), p("b/deep/d/e.evtx")},
			items:   []string{p("b/deep/d/e.evtx")},
			skipped: []Skipped{{p("b/deep/d/e.evtx"), "same file as " + p("b/deep/d/e.evtx")}},
		},
		{
			name:  "missing input does not stop the walk",
			paths: []string{missing, p("a.evtx")},
			items: []string{p("a.evtx")},
			errs:  []string{missing + ": open: no such file or directory"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, rep, err := walkAll(t, &Walker{}, tt.paths...)
			if err != nil {
				t.Fatalf("Walk: %v", err)
			}
			if g := paths(items); !equalStrings(g, tt.items) {
				t.Errorf("items:\n got %q\nwant %q", g, tt.items)
			}
			for _, it := range items {
				rel, _ := filepath.Rel(root, it.path)
				if want := files[filepath.ToSlash(rel)]; !bytes.Equal(it.data, want) || it.err != nil {
					t.Errorf("%s: read %d bytes (err %v), want %d", it.path, len(it.data), it.err, len(want))
				}
			}
			if rep.Items != len(tt.items) {
				t.Errorf("Report.Items = %d, want %d", rep.Items, len(tt.items))
			}
			if !reflect.DeepEqual(rep.Skipped, tt.skipped) {
				t.Errorf("skipped:\n got %q\nwant %q", rep.Skipped, tt.skipped)
			}
			if g := errorStrings(rep.Errors); !equalStrings(g, tt.errs) {
				t.Errorf("errors:\n got %q\nwant %q", g, tt.errs)
			}
		})
	}
}

// TestWalkPlainFileReader checks the fast path: a file on disk is handed
// over as its *os.File, with its size and time.
func TestWalkPlainFileReader(t *testing.T) {
	root, files := tree(t)
	name := filepath.Join(root, "a.evtx")
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	var calls int
	_, err = (&Walker{}).Walk(context.Background(), []string{name}, func(it Item, r io.Reader) error {
		calls++
		if _, ok := r.(*os.File); !ok {
			t.Errorf("reader is %T, want *os.File", r)
		}
		if it.Size != int64(len(files["a.evtx"])) || !it.ModTime.Equal(fi.ModTime()) {
			t.Errorf("item %+v, want size %d time %v", it, len(files["a.evtx"]), fi.ModTime())
		}
		head := make([]byte, 8)
		if _, err := io.ReadFull(r, head); err != nil || !bytes.Equal(head, evtxMagic) {
			t.Errorf("first bytes %q, %v; want the magic", head, err)
		}
		return nil
	})
	if err != nil || calls != 1 {
		t.Fatalf("Walk: %v after %d calls", err, calls)
	}
}

func TestWalkSymlinks(t *testing.T) {
	root, _ := tree(t)
	if err := os.Symlink(root, filepath.Join(root, "b", "loop")); err != nil {
		t.Skip("no symlinks:", err)
	}
	if err := os.Symlink(filepath.Join(root, "a.evtx"), filepath.Join(root, "b", "link.evtx")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(root, "dangling.evtx")); err != nil {
		t.Fatal(err)
	}
	items, rep, err := walkAll(t, &Walker{}, root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.evtx", "b/c.evtx", "b/deep/d/e.evtx", "b/log.bin"}
	for i := range want {
		want[i] = filepath.Join(root, filepath.FromSlash(want[i]))
	}
	if g := paths(items); !equalStrings(g, want) {
		t.Errorf("items:\n got %q\nwant %q", g, want)
	}
	wantSkipped := map[string]string{
		filepath.Join(root, "b", "link.evtx"): "same file as " + filepath.Join(root, "a.evtx"),
		filepath.Join(root, "b", "loop"):      "same directory as " + root,
	}
	for _, s := range rep.Skipped {
		if r, ok := wantSkipped[s.Path]; ok {
			if s.Reason != r {
				t.Errorf("%s skipped for %q, want %q", s.Path, s.Reason, r)
			}
			delete(wantSkipped, s.Path)
		}
	}
	if len(wantSkipped) > 0 {
		t.Errorf("not listed as skipped: %v", wantSkipped)
	}
	if len(rep.Errors) != 1 || !errors.Is(rep.Errors[0], fs.ErrNotExist) ||
		asError(t, rep.Errors[0]).Path != filepath.Join(root, "dangling.evtx") {
		t.Errorf("errors = %q, want one for the dangling symlink", errorStrings(rep.Errors))
	}
}

func TestWalkUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	root, _ := tree(t)
	name := filepath.Join(root, "b", "c.evtx")
	if err := os.Chmod(name, 0); err != nil {
		t.Fatal(err)
	}
	items, rep, err := walkAll(t, &Walker{}, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 {
		t.Errorf("items %q, want the 3 readable ones", paths(items))
	}
	if len(rep.Errors) != 1 || !errors.Is(rep.Errors[0], fs.ErrPermission) {
		t.Errorf("errors = %q, want permission denied on %s", errorStrings(rep.Errors), name)
	}
}

func TestWalkCancel(t *testing.T) {
	root, _ := tree(t)
	dir := t.TempDir()
	zipName := filepath.Join(dir, "bundle.zip")
	writeFile(t, zipName, mkzip(t,
		entry{name: "one.evtx", data: evtx(1, 200000)},
		entry{name: "two.evtx", data: evtx(2, 1000)},
	))

	t.Run("between inputs", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var seen []string
		rep, err := (&Walker{}).Walk(ctx, []string{root, zipName}, func(it Item, r io.Reader) error {
			seen = append(seen, it.Path)
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Walk returned %v, want context.Canceled", err)
		}
		if len(seen) != 1 || rep.Items != 1 {
			t.Errorf("fn called for %q (Items %d) after cancel, want only the first", seen, rep.Items)
		}
	})

	t.Run("inside an archive entry", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var readErr error
		var n int
		rep, err := (&Walker{}).Walk(ctx, []string{zipName}, func(it Item, r io.Reader) error {
			buf := make([]byte, 1000)
			n, _ = io.ReadFull(r, buf)
			cancel()
			_, readErr = io.ReadAll(r)
			return readErr
		})
		if !errors.Is(err, context.Canceled) || !errors.Is(readErr, context.Canceled) {
			t.Errorf("Walk returned %v, reader %v; want context.Canceled for both", err, readErr)
		}
		if n != 1000 || rep.Items != 1 || len(rep.Errors) != 0 {
			t.Errorf("read %d bytes, %d items, errors %q; want 1000, 1, none", n, rep.Items, errorStrings(rep.Errors))
		}
	})

	t.Run("before the walk", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rep, err := (&Walker{}).Walk(ctx, []string{root}, func(Item, io.Reader) error {
			t.Error("fn called")
			return nil
		})
		if !errors.Is(err, context.Canceled) || rep.Items != 0 {
			t.Errorf("Walk = %v, %d items; want context.Canceled, 0", err, rep.Items)
		}
	})
}

// TestWalkStopsOnConsumerError checks that an error of fn's own stops the
// walk and is returned as is.
func TestWalkStopsOnConsumerError(t *testing.T) {
	root, _ := tree(t)
	stop := errors.New("consumer gave up")
	var calls int
	rep, err := (&Walker{}).Walk(context.Background(), []string{root}, func(Item, io.Reader) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 || rep.Items != 1 {
		t.Errorf("Walk = %v after %d calls (Items %d), want %v after 1", err, calls, rep.Items, stop)
	}
}

func TestSamples(t *testing.T) {
	dir := testenv.SharedDir(t, "evtx-samples")
	var want []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".evtx" {
			want = append(want, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	items, rep, err := (&Walker{}).List(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var g []string
	for _, it := range items {
		g = append(g, it.Path)
	}
	if len(want) < 60 || !equalStrings(g, want) {
		t.Errorf("found %d items, want the %d .evtx files (at least 60):\n got %q\nwant %q", len(g), len(want), g, want)
	}
	if len(rep.Errors) > 0 {
		t.Errorf("errors: %q", errorStrings(rep.Errors))
	}
	for _, s := range rep.Skipped {
		if filepath.Base(s.Path) != "README.md" || s.Reason != "not EVTX (text)" {
			t.Errorf("unexpected skip %+v", s)
		}
	}
}
