package input

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/evtxscan/evtxscan/internal/testenv"
)

// bundle writes a zip archive with EVTX, text, directory, empty and nested
// entries (zips in zips in zips), and returns its path and the bytes
// expected for each item, in walk order.
func bundle(t *testing.T) (string, []got, []Skipped) {
	t.Helper()
	dir := t.TempDir()
	name := filepath.Join(dir, "bundle.zip")
	var (
		app    = evtx(10, 70000)
		sys    = evtx(11, 4096)
		sec    = evtx(12, 30000)
		odd    = evtx(13, 600)
		evil   = evtx(14, 700)
		bin    = evtx(15, 513)
		tiny   = evtx(16, 100) // shorter than the sniffed bytes
		dupApp = evtx(17, 900)
	)
	deeper := mkzip(t,
		entry{name: "Security.evtx", data: sec, stored: true},
		entry{name: "notes.md", data: []byte("# notes\n")},
	)
	inner := mkzip(t,
		entry{name: "System.evtx", data: sys},
		entry{name: "deeper.zip", data: deeper},
		entry{name: "odd!name.evtx", data: odd},
		entry{name: "empty.zip", data: mkzip(t)},
	)
	writeFile(t, name, mkzip(t,
		entry{name: "Application.evtx", data: app},
		entry{name: "readme.txt", data: []byte("logs of server X\n")},
		entry{name: "logs/", dir: true},
		entry{name: "logs/inner.zip", data: inner, stored: true},
		entry{name: "empty.evtx"},
		entry{name: "data.bin", data: bin},
		entry{name: "../../evil.evtx", data: evil},
		entry{name: "Application.evtx", data: dupApp},
		entry{name: "tiny.evtx", data: tiny},
	))
	items := []got{
		{path: name + "!Application.evtx", data: app},
		{path: name + "!logs/inner.zip!System.evtx", data: sys},
		{path: name + "!logs/inner.zip!deeper.zip!Security.evtx", data: sec},
		{path: name + "!logs/inner.zip!odd!name.evtx", data: odd},
		{path: name + "!data.bin", data: bin},
		{path: name + "!../../evil.evtx", data: evil},
		{path: name + "!tiny.evtx", data: tiny},
	}
	skipped := []Skipped{
		{name + "!readme.txt", "not EVTX (text)"},
		{name + "!logs/", "directory"},
		{name + "!logs/inner.zip!deeper.zip!notes.md", "not EVTX (text)"},
		{name + "!logs/inner.zip!empty.zip", "empty archive"},
		{name + "!empty.evtx", "empty"},
		{name + "!Application.evtx", "duplicate entry name"},
	}
	return name, items, skipped
}

func TestWalkZip(t *testing.T) {
	name, want, wantSkipped := bundle(t)
	items, rep, err := walkAll(t, &Walker{}, name)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := paths(items), paths(want); !equalStrings(g, w) {
		t.Fatalf("items:\n got %q\nwant %q", g, w)
	}
	for i, it := range items {
		if it.err != nil || !bytes.Equal(it.data, want[i].data) {
			t.Errorf("%s: read %d bytes, err %v; want %d bytes", it.path, len(it.data), it.err, len(want[i].data))
		}
	}
	if !reflect.DeepEqual(rep.Skipped, wantSkipped) {
		t.Errorf("skipped:\n got %q\nwant %q", rep.Skipped, wantSkipped)
	}
	wantErrs := []string{name + ": entry ../../evil.evtx: unsafe entry name"}
	if g := errorStrings(rep.Errors); !equalStrings(g, wantErrs) {
		t.Errorf("errors:\n got %q\nwant %q", g, wantErrs)
	}
	if len(rep.Errors) == 1 && !errors.Is(rep.Errors[0], ErrUnsafeName) {
		t.Errorf("error %v is not ErrUnsafeName", rep.Errors[0])
	}
	if rep.Items != len(want) {
		t.Errorf("Report.Items = %d, want %d", rep.Items, len(want))
	}
}

func TestWalkZipItemFields(t *testing.T) {
	name, want, _ := bundle(t)
	var items []Item
	_, err := (&Walker{}).Walk(context.Background(), []string{name}, func(it Item, r io.Reader) error {
		items = append(items, it)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range items {
		if it.Size != int64(len(want[i].data)) || !it.ModTime.Equal(testTime) {
			t.Errorf("%s: size %d time %v, want %d %v", it.Path, it.Size, it.ModTime, len(want[i].data), testTime)
		}
	}
}

// TestList checks that List finds what Walk finds, and that Open reads
// each item again, nested ones included, with the same bytes.
func TestListOpen(t *testing.T) {
	name, want, wantSkipped := bundle(t)
	w := &Walker{}
	items, rep, err := w.List(context.Background(), []string{name})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != len(want) {
		t.Fatalf("List found %d items, want %d", len(items), len(want))
	}
	if !reflect.DeepEqual(rep.Skipped, wantSkipped) || len(rep.Errors) != 1 {
		t.Errorf("List report %+v differs from Walk's", rep)
	}
	for i, it := range items {
		if it.Path != want[i].path {
			t.Errorf("item %d: %s, want %s", i, it.Path, want[i].path)
			continue
		}
		rc, err := w.Open(context.Background(), it.Path)
		if err != nil {
			t.Errorf("Open(%s): %v", it.Path, err)
			continue
		}
		data, err := io.ReadAll(rc)
		if cerr := rc.Close(); cerr != nil {
			t.Errorf("Close(%s): %v", it.Path, cerr)
		}
		if err != nil || !bytes.Equal(data, want[i].data) {
			t.Errorf("Open(%s): read %d bytes, %v; want %d", it.Path, len(data), err, len(want[i].data))
		}
	}
}

func TestOpenErrors(t *testing.T) {
	name, _, _ := bundle(t)
	dir := filepath.Dir(name)
	weird := filepath.Join(dir, "case!1", "we!rd.zip")
	writeFile(t, weird, mkzip(t, entry{name: "a.evtx", data: evtx(1, 1000)}))
	text := filepath.Join(dir, "text.evtx")
	writeFile(t, text, []byte("hello\n"))

	tests := []struct {
		path string
		is   error
		msg  string // the error's message; "" if it opens
	}{
		{path: weird + "!a.evtx"},
		{path: name + "!logs/inner.zip!odd!name.evtx"},
		{path: name + "!readme.txt", is: ErrNotEVTX, msg: name + ": entry readme.txt: open: not EVTX"},
		{path: name + "!logs/", is: ErrNotEVTX, msg: name + ": entry logs/: open: not EVTX"},
		{path: name + "!nothere.evtx", is: os.ErrNotExist, msg: name + ": entry nothere.evtx: open: file does not exist"},
		{path: name + "!logs/inner.zip!nothere.evtx", is: os.ErrNotExist,
			msg: name + "!logs/inner.zip: entry nothere.evtx: open: file does not exist"},
		{path: name + "!readme.txt!x.evtx", msg: name + ": entry readme.txt: open: not a zip archive"},
		{path: name, is: ErrNotEVTX, msg: name + ": open: not EVTX"},
		{path: dir, is: ErrNotEVTX, msg: dir + ": open: not EVTX"},
		{path: text, is: ErrNotEVTX, msg: text + ": open: not EVTX"},
		{path: filepath.Join(dir, "no.zip!a.evtx"), is: os.ErrNotExist,
			msg: filepath.Join(dir, "no.zip!a.evtx") + ": open: file does not exist"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			rc, err := (&Walker{}).Open(context.Background(), tt.path)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				if _, err := io.ReadAll(rc); err != nil {
					t.Errorf("read: %v", err)
				}
				rc.Close()
				return
			}
			if err == nil {
				rc.Close()
				t.Fatalf("Open succeeded, want %q", tt.msg)
			}
			if err.Error() != tt.msg || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("Open error %q, want %q (is %v)", err, tt.msg, tt.is)
			}
		})
	}
}

// nest returns a chain of n zips, "l1.zip" holding "l2.zip" and so on;
// level i holds "evtx<i>.evtx" and then the next level.
func nest(t *testing.T, n int) []byte {
	t.Helper()
	var inner []byte
	for i := n; i >= 1; i-- {
		es := []entry{{name: fmt.Sprintf("evtx%d.evtx", i), data: evtx(uint64(i), 1000)}}
		if inner != nil {
			es = append(es, entry{name: fmt.Sprintf("l%d.zip", i+1), data: inner})
		}
		inner = mkzip(t, es...)
	}
	return inner
}

func TestDepthLimit(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "l1.zip")
	writeFile(t, name, nest(t, 5)) // l1.zip!l2.zip!l3.zip!l4.zip!l5.zip!evtx5.evtx
	deepest := name + "!l2.zip!l3.zip!l4.zip!l5.zip!evtx5.evtx"

	tests := []struct {
		depth int
		items int
		errs  []string
	}{
		{depth: 0, items: 4, errs: []string{name + "!l2.zip!l3.zip!l4.zip: entry l5.zip: archives nested too deep: depth 5 > 4"}},
		{depth: 5, items: 5},
		{depth: 2, items: 2, errs: []string{name + "!l2.zip: entry l3.zip: archives nested too deep: depth 3 > 2"}},
		{depth: 1, items: 1, errs: []string{name + ": entry l2.zip: archives nested too deep: depth 2 > 1"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("MaxDepth=", tt.depth), func(t *testing.T) {
			w := NewWalker(Limits{MaxDepth: tt.depth})
			items, rep, err := walkAll(t, w, name)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != tt.items {
				t.Errorf("items %q, want %d", paths(items), tt.items)
			}
			if g := errorStrings(rep.Errors); !equalStrings(g, tt.errs) {
				t.Errorf("errors:\n got %q\nwant %q", g, tt.errs)
			}
			for _, e := range rep.Errors {
				if !errors.Is(e, ErrTooDeep) {
					t.Errorf("%v is not ErrTooDeep", e)
				}
			}
			// Open obeys the same limit.
			rc, err := w.Open(context.Background(), deepest)
			if tt.items == 5 {
				if err != nil {
					t.Errorf("Open(%s): %v", deepest, err)
				} else {
					rc.Close()
				}
			} else if !errors.Is(err, ErrTooDeep) {
				t.Errorf("Open(%s) = %v, want ErrTooDeep", deepest, err)
				if err == nil {
					rc.Close()
				}
			}
		})
	}
}

// zeros returns an entry named name holding head and then zeros, mib MiB
// in all. Compressing that much takes long (under the race detector), so
// the DEFLATE stream is made of one compressed MiB of zeros repeated: after
// a sync flush, a block of zeros is byte-aligned and refers to nothing but
// the zeros in the window before it.
func zeros(t *testing.T, name string, head []byte, mib int) entry {
	t.Helper()
	const mb = 1 << 20
	z := make([]byte, mb)
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	first := append(append([]byte{}, head...), z[len(head):]...)
	fw.Write(first)
	fw.Flush()
	a := buf.Len()
	fw.Write(z)
	fw.Flush()
	b := buf.Len()
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	stream := append([]byte{}, buf.Bytes()[:a]...)
	crc := crc32.ChecksumIEEE(first)
	for range mib - 1 {
		stream = append(stream, buf.Bytes()[a:b]...)
		crc = crc32.Update(crc, crc32.IEEETable, z)
	}
	stream = append(stream, buf.Bytes()[b:]...)
	return entry{name: name, data: stream, raw: &zip.FileHeader{
		Name:               name,
		Method:             zip.Deflate,
		CRC32:              crc,
		CompressedSize64:   uint64(len(stream)),
		UncompressedSize64: uint64(mib) * mb,
		Modified:           testTime,
	}}
}

// TestZeros checks that the stream made by zeros inflates to what it
// claims.
func TestZeros(t *testing.T) {
	e := zeros(t, "z.evtx", evtxMagic, 3)
	data := mkzip(t, e)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	want := append(append([]byte{}, evtxMagic...), make([]byte, 3<<20-len(evtxMagic))...)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("inflated %d bytes, %v; want %d zeros after the magic", len(got), err, len(want))
	}
}

// TestZipBomb walks highly compressible entries under tight limits: each
// is refused with an error naming it, and the walk goes on.
func TestZipBomb(t *testing.T) {
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.zip")
	good := filepath.Join(dir, "good.evtx")
	nested := filepath.Join(dir, "nested.zip")
	texts := filepath.Join(dir, "texts.zip")
	writeFile(t, bomb, mkzip(t,
		entry{name: "first.evtx", data: evtx(1, 3000)},
		zeros(t, "bomb.evtx", evtxMagic, 100),
		zeros(t, "zeros.bin", nil, 100),
		entry{name: "last.evtx", data: evtx(2, 3000)},
	))
	writeFile(t, good, evtx(3, 3000))
	writeFile(t, nested, mkzip(t,
		entry{name: "a.evtx", data: evtx(4, 5000)},
		entry{name: "in.zip", data: mkzip(t, entry{name: "b.evtx", data: evtx(5, 5000)}), stored: true},
	))
	writeFile(t, texts, mkzip(t,
		entry{name: "1.txt", data: bytes.Repeat([]byte("abcdefghij\n"), 100)},
		entry{name: "2.txt", data: bytes.Repeat([]byte("klmnopqrst\n"), 100)},
		entry{name: "3.txt", data: bytes.Repeat([]byte("uvwxyz0123\n"), 100)},
	))

	tests := []struct {
		name   string
		limits Limits
		input  string
		items  []string
		errs   []string // prefixes of the messages
	}{
		{
			name:   "declared ratio",
			limits: Limits{MaxRatio: 100},
			input:  bomb,
			items:  []string{bomb + "!first.evtx", bomb + "!last.evtx", good},
			errs: []string{
				bomb + ": entry bomb.evtx: zip bomb: declared compression ratio 10",
				bomb + ": entry zeros.bin: zip bomb: declared compression ratio 10",
			},
		},
		{
			name:  "default ratio",
			input: bomb,
			items: []string{bomb + "!first.evtx", bomb + "!last.evtx", good},
			errs: []string{
				bomb + ": entry bomb.evtx: zip bomb: declared compression ratio 10",
				bomb + ": entry zeros.bin: zip bomb: declared compression ratio 10",
			},
		},
		{
			name:   "declared total",
			limits: Limits{MaxTotalBytes: 1 << 20, MaxRatio: 1e9},
			input:  bomb,
			items:  []string{bomb + "!first.evtx", bomb + "!last.evtx", good},
			errs: []string{
				bomb + ": entry bomb.evtx: zip bomb: declared size 104857600 would take the bytes inflated from the archive over 1048576",
			},
		},
		{
			name:   "declared total with nested archive",
			limits: Limits{MaxTotalBytes: 9000},
			input:  nested,
			items:  []string{nested + "!a.evtx", good},
			errs: []string{
				nested + ": entry in.zip: zip bomb: declared size",
			},
		},
		{
			name:   "nested archive too large",
			limits: Limits{MaxNestedZipBytes: 1000},
			input:  nested,
			items:  []string{nested + "!a.evtx", good},
			errs: []string{
				nested + ": entry in.zip: nested archive too large: ",
			},
		},
		{
			name:   "bytes counted as read",
			limits: Limits{MaxTotalBytes: 1000},
			input:  texts,
			items:  []string{good},
			errs: []string{
				texts + ": entry 2.txt: zip bomb: more than 1000 bytes inflated from the archive; the rest of it is not read",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, rep, err := walkAll(t, NewWalker(tt.limits), tt.input, good)
			if err != nil {
				t.Fatal(err)
			}
			if g := paths(items); !equalStrings(g, tt.items) {
				t.Errorf("items:\n got %q\nwant %q", g, tt.items)
			}
			g := errorStrings(rep.Errors)
			ok := len(g) == len(tt.errs)
			for i := 0; ok && i < len(g); i++ {
				ok = strings.HasPrefix(g[i], tt.errs[i]) &&
					(errors.Is(rep.Errors[i], ErrZipBomb) || errors.Is(rep.Errors[i], ErrTooLarge))
			}
			if !ok {
				t.Errorf("errors:\n got %q\nwant %q...", g, tt.errs)
			}
		})
	}
}

// TestEntryReaderLimits checks the limits on the bytes actually read, which
// archive/zip's own size check makes unreachable through a real archive.
func TestEntryReaderLimits(t *testing.T) {
	tests := []struct {
		name       string
		lim        Limits
		compressed uint64
		used       int64 // bytes already inflated from the archive
		want       string
	}{
		{"ratio", Limits{MaxRatio: 10}, 100, 0, "a.zip: entry x: zip bomb: compression ratio over 10: 1024 bytes inflated from 100"},
		{"no compressed bytes", Limits{}, 0, 0, "a.zip: entry x: zip bomb: compression ratio over 1000: 1024 bytes inflated from 0"},
		{"total", Limits{MaxTotalBytes: 5000}, 1 << 20, 4000, "a.zip: entry x: zip bomb: more than 5000 bytes inflated from the archive; the rest of it is not read"},
		{"within limits", Limits{MaxTotalBytes: 1 << 20}, 1 << 20, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := tt.lim.withDefaults()
			f := &zip.File{FileHeader: zip.FileHeader{Name: "x", CompressedSize64: tt.compressed, UncompressedSize64: 1 << 30}}
			b := &budget{bytes: tt.used}
			r := &entryReader{ctx: context.Background(), rc: io.NopCloser(bytes.NewReader(make([]byte, 1<<16))),
				lim: &lim, b: b, f: f, chain: "a.zip"}
			var err error
			for err == nil {
				_, err = r.Read(make([]byte, 1024))
			}
			if tt.want == "" {
				if err != io.EOF || b.bytes != 1<<16 {
					t.Errorf("read ended with %v after %d bytes, want EOF after %d", err, b.bytes, 1<<16)
				}
				return
			}
			if err.Error() != tt.want || !errors.Is(err, ErrZipBomb) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
			if _, err2 := r.Read(make([]byte, 1)); err2 != err {
				t.Errorf("error not sticky: then %v", err2)
			}
		})
	}
}

func TestEntryLimit(t *testing.T) {
	dir := t.TempDir()
	many := filepath.Join(dir, "many.zip")
	outer := filepath.Join(dir, "outer.zip")
	var es []entry
	for i := range 11 {
		es = append(es, entry{name: fmt.Sprintf("%02d.evtx", i), data: evtx(uint64(i), 600)})
	}
	writeFile(t, many, mkzip(t, es...))
	writeFile(t, outer, mkzip(t,
		entry{name: "a.evtx", data: evtx(1, 600)},
		entry{name: "inner.zip", data: mkzip(t, es[:9]...)},
		entry{name: "z.evtx", data: evtx(2, 600)},
	))

	tests := []struct {
		input string
		items int
		errs  []string
	}{
		{many, 0, []string{many + ": too many entries: 11 > 10"}},
		{outer, 2, []string{outer + "!inner.zip: too many entries: 9, 12 with those of the enclosing archives > 10"}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.input), func(t *testing.T) {
			items, rep, err := walkAll(t, NewWalker(Limits{MaxEntries: 10}), tt.input)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != tt.items {
				t.Errorf("items %q, want %d", paths(items), tt.items)
			}
			if g := errorStrings(rep.Errors); !equalStrings(g, tt.errs) {
				t.Errorf("errors:\n got %q\nwant %q", g, tt.errs)
			}
			if len(rep.Errors) > 0 && !errors.Is(rep.Errors[0], ErrTooManyEntries) {
				t.Errorf("%v is not ErrTooManyEntries", rep.Errors[0])
			}
		})
	}
}

func TestBrokenZip(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.evtx")
	writeFile(t, good, evtx(1, 1000))
	whole := mkzip(t, entry{name: "a.evtx", data: evtx(2, 5000)}, entry{name: "b.evtx", data: evtx(3, 5000)})

	truncated := filepath.Join(dir, "truncated.zip")
	writeFile(t, truncated, whole[:len(whole)/2])
	garbage := filepath.Join(dir, "garbage.zip")
	writeFile(t, garbage, []byte("PK\x03\x04 and then nothing like an archive"))
	nested := filepath.Join(dir, "nested.zip")
	writeFile(t, nested, mkzip(t,
		entry{name: "broken.zip", data: whole[:len(whole)-10]},
		entry{name: "c.evtx", data: evtx(4, 100)},
	))

	tests := []struct {
		input string
		items []string
		err   string
	}{
		// The central directory cut off: the entries before the cut are
		// read from their local headers.
		{truncated, []string{truncated + "!a.evtx", good}, truncated + ": open: zip: not a valid zip file; " + ErrRecovered.Error() + ": 1 found"},
		{garbage, []string{good}, garbage + ": open: zip: not a valid zip file"},
		{nested, []string{nested + "!broken.zip!a.evtx", nested + "!broken.zip!b.evtx", nested + "!c.evtx", good},
			nested + "!broken.zip: open: zip: not a valid zip file; " + ErrRecovered.Error() + ": 2 found"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.input), func(t *testing.T) {
			items, rep, err := walkAll(t, &Walker{}, tt.input, good)
			if err != nil {
				t.Fatal(err)
			}
			if g := paths(items); !equalStrings(g, tt.items) {
				t.Errorf("items:\n got %q\nwant %q", g, tt.items)
			}
			for _, it := range items {
				want := map[string][]byte{"a.evtx": evtx(2, 5000), "b.evtx": evtx(3, 5000)}[filepath.Base(strings.ReplaceAll(it.path, "!", "/"))]
				if want != nil && (it.err != nil || !bytes.Equal(it.data, want)) {
					t.Errorf("%s: %d bytes, err %v; want the entry's %d", it.path, len(it.data), it.err, len(want))
				}
			}
			if g := errorStrings(rep.Errors); len(g) != 1 || g[0] != tt.err || !errors.Is(rep.Errors[0], zip.ErrFormat) {
				t.Errorf("errors %q, want [%q]", g, tt.err)
			}
		})
	}
}

// corrupt writes a zip with a stored EVTX entry whose data has one byte
// flipped, then a good entry, and returns its path.
func corrupt(t *testing.T, dir string) string {
	t.Helper()
	data := mkzip(t,
		entry{name: "bad.evtx", data: evtx(1, 4000), stored: true},
		entry{name: "good.evtx", data: evtx(2, 4000)},
	)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	off, err := zr.File[0].DataOffset()
	if err != nil {
		t.Fatal(err)
	}
	data[off+2000] ^= 0xff
	name := filepath.Join(dir, "crc.zip")
	writeFile(t, name, data)
	return name
}

func TestChecksum(t *testing.T) {
	dir := t.TempDir()
	name := corrupt(t, dir)
	nested := filepath.Join(dir, "nested.zip")
	crcData, _ := os.ReadFile(name)
	writeFile(t, nested, mkzip(t, entry{name: "crc.zip", data: crcData}))
	wantErr := name + ": entry bad.evtx: read: zip: checksum error"

	tests := []struct {
		name string
		fn   func(it Item, r io.Reader) error
	}{
		{"consumer returns the read error", func(it Item, r io.Reader) error {
			if _, err := io.ReadAll(r); err != nil {
				return fmt.Errorf("parsing %s: %w", it.Path, err)
			}
			return nil
		}},
		{"consumer ignores the read error", func(it Item, r io.Reader) error {
			io.ReadAll(r)
			return nil
		}},
		{"consumer reads nothing", func(it Item, r io.Reader) error { return nil }},
		{"consumer reads a little", func(it Item, r io.Reader) error {
			_, err := r.Read(make([]byte, 100))
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []string
			rep, err := (&Walker{}).Walk(context.Background(), []string{name}, func(it Item, r io.Reader) error {
				seen = append(seen, it.Path)
				return tt.fn(it, r)
			})
			if err != nil {
				t.Fatalf("Walk: %v", err)
			}
			if want := []string{name + "!bad.evtx", name + "!good.evtx"}; !equalStrings(seen, want) {
				t.Errorf("items %q, want %q", seen, want)
			}
			if g := errorStrings(rep.Errors); len(g) != 1 || g[0] != wantErr || !errors.Is(rep.Errors[0], zip.ErrChecksum) {
				t.Errorf("errors %q, want [%q]", g, wantErr)
			}
		})
	}

	t.Run("reader returns the error", func(t *testing.T) {
		var readErr error
		_, err := (&Walker{}).Walk(context.Background(), []string{name}, func(it Item, r io.Reader) error {
			if readErr == nil {
				_, readErr = io.ReadAll(r)
			}
			return nil
		})
		if err != nil || readErr == nil || readErr.Error() != wantErr {
			t.Errorf("Walk %v, reader error %v; want %q", err, readErr, wantErr)
		}
	})

	t.Run("Open", func(t *testing.T) {
		rc, err := (&Walker{}).Open(context.Background(), name+"!bad.evtx")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if _, err := io.ReadAll(rc); err == nil || err.Error() != wantErr {
			t.Errorf("read error %v, want %q", err, wantErr)
		}
	})

	t.Run("nested", func(t *testing.T) {
		_, rep, err := walkAll(t, &Walker{}, nested)
		want := nested + "!crc.zip: entry bad.evtx: read: zip: checksum error"
		if g := errorStrings(rep.Errors); err != nil || len(g) != 1 || g[0] != want {
			t.Errorf("Walk %v, errors %q; want [%q]", err, g, want)
		}
	})
}

// TestEntryErrors checks entries that cannot be read: each is reported,
// and the rest of the archive is read.
func TestEntryErrors(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "odd.zip")
	writeFile(t, name, mkzip(t,
		rawStored("locked.evtx", evtx(1, 500), zip.Store, 0x1),
		rawStored("aes.evtx", evtx(2, 500), 99, 0),
		rawStored("big.evtx", evtx(3, 500), 9, 0),
		rawStored("xz.evtx", evtx(4, 500), 95, 0),
		entry{name: "ok.evtx", data: evtx(5, 500)},
		entry{name: "/abs/", dir: true},
	))
	items, rep, err := walkAll(t, &Walker{}, name)
	if err != nil {
		t.Fatal(err)
	}
	if g := paths(items); len(g) != 1 || g[0] != name+"!ok.evtx" {
		t.Errorf("items %q, want only ok.evtx", g)
	}
	if want := []Skipped{{name + "!/abs/", "directory"}}; !reflect.DeepEqual(rep.Skipped, want) {
		t.Errorf("skipped %q, want %q", rep.Skipped, want)
	}
	want := []struct {
		msg string
		is  error
	}{
		{name + ": entry locked.evtx: encrypted entry", ErrEncrypted},
		{name + ": entry aes.evtx: encrypted entry", ErrEncrypted},
		{name + ": entry big.evtx: open: zip: unsupported compression algorithm: method 9 (Deflate64)", zip.ErrAlgorithm},
		{name + ": entry xz.evtx: open: zip: unsupported compression algorithm: method 95 (XZ)", zip.ErrAlgorithm},
		{name + ": entry /abs/: unsafe entry name", ErrUnsafeName},
	}
	if len(rep.Errors) != len(want) {
		t.Fatalf("errors %q, want %d", errorStrings(rep.Errors), len(want))
	}
	for i, w := range want {
		if e := rep.Errors[i]; e.Error() != w.msg || !errors.Is(e, w.is) {
			t.Errorf("error %q, want %q (is %v)", e, w.msg, w.is)
		}
	}
}

func TestEmptyZipOnDisk(t *testing.T) {
	name := filepath.Join(t.TempDir(), "empty.zip")
	writeFile(t, name, mkzip(t))
	items, rep, err := walkAll(t, &Walker{}, name)
	want := []Skipped{{name, "empty archive"}}
	if err != nil || len(items) != 0 || len(rep.Errors) != 0 || !reflect.DeepEqual(rep.Skipped, want) {
		t.Errorf("Walk = %v, items %q, report %+v; want only %v", err, paths(items), rep, want)
	}
}

// TestNoTempFiles checks that nothing is extracted: a walk of nested
// archives leaves the temporary directory as it was.
func TestNoTempFiles(t *testing.T) {
	name, want, _ := bundle(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("TMP", tmp)
	t.Setenv("TEMP", tmp)
	before, err := os.ReadDir(os.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var n int
	_, err = (&Walker{}).Walk(context.Background(), []string{name}, func(it Item, r io.Reader) error {
		n++
		after, err := os.ReadDir(os.TempDir())
		if err != nil || len(after) != len(before) {
			t.Errorf("%s: the temporary directory holds %d entries, had %d", it.Path, len(after), len(before))
		}
		_, err = io.Copy(io.Discard, r)
		return err
	})
	if err != nil || n != len(want) {
		t.Fatalf("Walk: %v after %d items", err, n)
	}
	after, _ := os.ReadDir(os.TempDir())
	if len(after) != len(before) {
		t.Errorf("the temporary directory holds %d entries, had %d", len(after), len(before))
	}
}

// TestSamplesZipped zips a third of the real samples (the race detector
// makes copying them all slow), nested, and checks that every one comes
// out whole.
func TestSamplesZipped(t *testing.T) {
	dir := testenv.SharedDir(t, "evtx-samples")
	all, _ := filepath.Glob(filepath.Join(dir, "*", "*.evtx"))
	var files []string
	for i := 0; i < len(all); i += 3 {
		files = append(files, all[i])
	}
	var outer, inner []entry
	want := map[string][]byte{}
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		// Deflating them all is slow under the race detector.
		stored := i%4 != 0
		if i%2 == 0 {
			outer = append(outer, entry{name: rel, data: data, stored: stored})
			want["b.zip!"+rel] = data
		} else {
			inner = append(inner, entry{name: rel, data: data, stored: stored})
			want["b.zip!inner.zip!"+rel] = data
		}
	}
	outer = append(outer, entry{name: "inner.zip", data: mkzip(t, inner...), stored: true})
	tmp := t.TempDir()
	writeFile(t, filepath.Join(tmp, "b.zip"), mkzip(t, outer...))
	t.Chdir(tmp)

	var n int
	rep, err := (&Walker{}).Walk(context.Background(), []string{"b.zip"}, func(it Item, r io.Reader) error {
		n++
		data, err := io.ReadAll(r)
		if w, ok := want[it.Path]; !ok || !bytes.Equal(data, w) || err != nil {
			t.Errorf("%s: %d bytes (err %v), want %d", it.Path, len(data), err, len(w))
		}
		return err
	})
	if err != nil || n != len(files) || len(rep.Errors) != 0 || len(rep.Skipped) != 0 {
		t.Errorf("Walk = %v after %d items of %d, report %+v", err, n, len(files), rep)
	}
}

// TestOpenConcurrent reads every item of the bundle from several
// goroutines at once, as a pool of workers would.
func TestOpenConcurrent(t *testing.T) {
	_, want, _ := bundle(t)
	w := NewWalker(DefaultLimits())
	ctx := context.Background()
	errs := make(chan error, 4*len(want))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, it := range want {
				rc, err := w.Open(ctx, it.path)
				if err != nil {
					errs <- err
					continue
				}
				data, err := io.ReadAll(rc)
				rc.Close()
				if err != nil || !bytes.Equal(data, it.data) {
					errs <- fmt.Errorf("%s: %d bytes, %v; want %d", it.path, len(data), err, len(it.data))
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A deflated entry whose stream is broken (its first block has the
// reserved type 3) is reported with the archive, the entry and the cause;
// the next entry is still read, and whole.
func TestCorruptDeflate(t *testing.T) {
	good := evtx(2, 4000)
	data := mkzip(t,
		entry{name: "bad.evtx", data: evtx(1, 4000)},
		entry{name: "good.evtx", data: good},
	)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	off, err := zr.File[0].DataOffset()
	if err != nil {
		t.Fatal(err)
	}
	data[off] = 0x07 // BFINAL 1, BTYPE 11
	name := filepath.Join(t.TempDir(), "flate.zip")
	writeFile(t, name, data)

	got := map[string][]byte{}
	rep, err := (&Walker{}).Walk(context.Background(), []string{name}, func(it Item, r io.Reader) error {
		b, err := io.ReadAll(r)
		got[it.Path] = b
		return err
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	errs := errorStrings(rep.Errors)
	if len(errs) != 1 || !strings.HasPrefix(errs[0], name+": entry bad.evtx: read: ") || !strings.Contains(errs[0], "corrupt input") {
		t.Errorf("errors %q, want one naming %s, bad.evtx and the corrupt input", errs, name)
	}
	if !bytes.Equal(got[name+"!good.evtx"], good) {
		t.Errorf("good.evtx: read %d bytes, want its %d", len(got[name+"!good.evtx"]), len(good))
	}
}
