package input

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// evtxZeros returns n bytes that sniff as EVTX and compress about 1000 to 1.
func evtxZeros(n int) []byte {
	b := make([]byte, n)
	copy(b, evtxMagic)
	return b
}

// allocated returns the bytes this process has allocated so far.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// centralEntries returns the offsets of the central directory headers of a
// zip.
func centralEntries(z []byte) []int {
	var offs []int
	for i := 0; ; {
		j := bytes.Index(z[i:], []byte("PK\x01\x02"))
		if j < 0 {
			return offs
		}
		offs = append(offs, i+j)
		i += j + 4
	}
}

// A central directory that points many entries at one local header is
// refused at once, before anything is inflated.
func TestOverlappingEntriesRefused(t *testing.T) {
	one := mkzip(t, entry{name: "e000.evtx", data: evtxZeros(8 << 20)})
	cd := centralEntries(one)[0]
	eocd := bytes.LastIndex(one, []byte("PK\x05\x06"))
	hdr := one[cd:eocd]
	z := bytes.Clone(one[:cd])
	const n = 200
	for i := range n {
		h := bytes.Clone(hdr)
		copy(h[46:], fmt.Sprintf("e%03d", i)) // every entry at the first local header
		z = append(z, h...)
	}
	end := bytes.Clone(one[eocd:])
	binary.LittleEndian.PutUint16(end[8:], n)
	binary.LittleEndian.PutUint16(end[10:], n)
	binary.LittleEndian.PutUint32(end[12:], uint32(n*len(hdr)))
	z = append(z, end...)
	dir := t.TempDir()
	path := filepath.Join(dir, "overlap.zip")
	writeFile(t, path, z)
	start := time.Now()
	alloc := allocated()
	items, rep, err := walkAll(t, NewWalker(Limits{}), path)
	if err != nil {
		t.Fatal(err)
	}
	if a := allocated() - alloc; a > 64<<20 {
		t.Errorf("%d MiB allocated refusing the archive", a>>20)
	}
	if len(items) != 0 || len(rep.Errors) != 1 || !errors.Is(rep.Errors[0], ErrZipBomb) {
		t.Fatalf("items %v, errors %v; want the archive refused as a zip bomb", paths(items), rep.Errors)
	}
	if e := asError(t, rep.Errors[0]); e.Path != path || e.Entry != "" {
		t.Errorf("error names %q entry %q", e.Path, e.Entry)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusal took %v", d)
	}
}

// Zips nested in zips, each level fanning out: the sizes the nested archives
// declare are charged before they are inflated, so the walk stops at the
// first archive that takes the whole past MaxRatio times the bytes on disk.
func TestNestedFanoutRefused(t *testing.T) {
	const fan = 16
	var leaves []entry
	for i := range fan {
		leaves = append(leaves, entry{name: fmt.Sprintf("log%02d.evtx", i), data: evtxZeros(4 << 20)})
	}
	inner := mkzip(t, leaves...)
	var mids []entry
	for i := range fan {
		mids = append(mids, entry{name: fmt.Sprintf("inner%02d.zip", i), data: inner})
	}
	mid := mkzip(t, mids...)
	var outs []entry
	for i := range fan {
		outs = append(outs, entry{name: fmt.Sprintf("mid%02d.zip", i), data: mid})
	}
	outer := mkzip(t, outs...)
	path := filepath.Join(t.TempDir(), "fanout.zip")
	writeFile(t, path, outer)
	start := time.Now()
	alloc := allocated()
	items, rep, err := walkAll(t, NewWalker(Limits{}), path)
	if err != nil {
		t.Fatal(err)
	}
	if a := allocated() - alloc; a > 256<<20 {
		t.Errorf("%d MiB allocated refusing the archive", a>>20)
	}
	var inflated int
	for _, it := range items {
		inflated += len(it.data)
	}
	var bomb bool
	for _, e := range rep.Errors {
		bomb = bomb || errors.Is(e, ErrZipBomb)
	}
	if !bomb {
		t.Errorf("errors %v; want a zip bomb", rep.Errors)
	}
	// 16^3 entries of 4 MiB declared (16 GiB) from a zip of some KiB.
	if limit := 1000 * len(outer); inflated > limit {
		t.Errorf("%d bytes inflated from a %d-byte zip before the refusal", inflated, len(outer))
	}
	t.Logf("%d-byte zip: %d items, %d bytes inflated, refused in %v", len(outer), len(items), inflated, time.Since(start))
}

// An entry that declares more bytes than it holds delivers every byte the
// inflater gives, then the error, once, naming the entry.
func TestLyingSizeKeepsTail(t *testing.T) {
	data := evtx(7, 300<<10)
	for _, stored := range []bool{false, true} {
		z := mkzip(t, entry{name: "a.evtx", data: data, stored: stored})
		cd := centralEntries(z)[0]
		binary.LittleEndian.PutUint32(z[cd+24:], uint32(len(data)+5000))
		path := filepath.Join(t.TempDir(), "lying.zip")
		writeFile(t, path, z)
		items, rep, err := walkAll(t, &Walker{}, path)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 || !bytes.Equal(items[0].data, data) {
			t.Fatalf("stored %v: %d items, %d bytes; want the %d bytes the entry holds", stored, len(items), len(items[0].data), len(data))
		}
		if !errors.Is(items[0].err, io.ErrUnexpectedEOF) || len(rep.Errors) != 1 {
			t.Errorf("stored %v: read error %v, report %v", stored, items[0].err, rep.Errors)
		}
		if e := asError(t, rep.Errors[0]); e.Path != path || e.Entry != "a.evtx" || strings.Count(e.Error(), path) != 1 {
			t.Errorf("error %q", e)
		}
	}
}
