package parser

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/input"
	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// hostileLogs returns every hostile EVTX file the parser's tests generate,
// by name: the recursive templates (TestHostileTemplates), the fan-out
// record (TestFanoutBudget), a log cut at a chunk boundary
// (TestCutAtChunkBoundary) and a stale free-space offset
// (TestStaleFreeSpaceOffset), made the same way.
func hostileLogs(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for name, b := range hostileTemplates(t) {
		files["template-"+name] = b
	}
	for _, fan := range []int{2, 8, 16} {
		files[fmt.Sprintf("fanout-%d", fan)] = fileOf(fanoutChunk(t, fan, 8))
	}
	full := writeLog(t, evtxwriter.Options{}, manyRecords(1500))
	files["cut-at-chunk-boundary"] = full[:HeaderBlockSize+2*ChunkSize]
	stale := bytes.Clone(full)
	c := chunkAt(stale, 1)
	recs := recordStarts(c)
	binary.LittleEndian.PutUint32(c[48:], uint32(recs[3]))
	binary.LittleEndian.PutUint32(c[124:], chunkHeaderCRC(c))
	files["stale-free-space"] = stale
	return files
}

// evtxexportIDs runs libyal's evtxexport on path with a deadline and
// returns the record ids it exports, and its standard error.
func evtxexportIDs(t *testing.T, path, mode string, deadline time.Duration) ([]uint64, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, "evtxexport", "-f", "xml", "-m", mode, path)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	runErr := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("evtxexport did not end within %v", deadline)
	}
	evs, err := parseLibyalXML(out.Bytes())
	if err != nil {
		t.Logf("evtxexport output, parsed up to an error: %v", err)
	}
	if runErr != nil {
		t.Logf("evtxexport: %v", runErr)
	}
	var ids []uint64
	for _, e := range evs {
		ids = append(ids, e.RecordID)
	}
	return ids, errb.String()
}

// libyalReads names the hostile files of which evtxexport reads records.
// On the others it stops at the first record it cannot decode, which is
// the first (evtxexport 20181227: "Unable to export file"), or, for the
// readable fan-out record, cannot decode its nested values.
var libyalReads = map[string]bool{"cut-at-chunk-boundary": true, "stale-free-space": true, "template-own-record": true}

// On every hostile file the tests generate, this package reads every
// record libyal's evtxexport reads (compared by record id; records read
// here and not by libyal are logged), and the records it refuses are
// counted as unreadable and said in its damage.
func TestHostileLibyalParity(t *testing.T) {
	needEvtxexport(t)
	files := hostileLogs(t)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		b := files[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), name+".evtx")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			// -m all: the allocated records and those libyal recovers.
			lib, libErr := evtxexportIDs(t, path, "all", 60*time.Second)
			if len(lib) == 0 && libyalReads[name] {
				t.Fatalf("evtxexport read no record: the comparison would say nothing\n%s", libErr)
			}
			for _, workers := range []int{1, 2} {
				res := readInChild(t, b, workers, 60*time.Second)
				ours := map[uint64]bool{}
				for _, id := range res.IDs {
					ours[id] = true
				}
				inLib := map[uint64]bool{}
				var missing []uint64
				for _, id := range lib {
					inLib[id] = true
					if !ours[id] {
						missing = append(missing, id)
					}
				}
				var extra []uint64
				for _, id := range res.IDs {
					if !inLib[id] {
						extra = append(extra, id)
					}
				}
				if len(missing) > 0 {
					t.Errorf("workers %d: %d records libyal reads are not read here: ids %v", workers, len(missing), missing)
				}
				refused := res.Records - res.Events
				if refused > 0 && (res.Skipped < refused || len(res.Damage) == 0) {
					t.Errorf("workers %d: %d of %d records refused, but %d counted unreadable and damage %q", workers, refused, res.Records, res.Skipped, res.Damage)
				}
				if workers == 1 {
					t.Logf("%s: libyal %d records; here %d of %d records read, %d refused (unreadable %d), %d beyond libyal %v; damage %q; evtxexport: %s",
						name, len(lib), res.Events, res.Records, refused, res.Skipped, len(extra), extra, res.Damage, firstLine(strings.TrimSpace(libErr)))
				}
			}
		})
	}
}

// brokenZips returns zips of one deflated entry holding log, broken as
// TestBrokenZipEntryEnds breaks them: the deflate stream cut in the
// middle, a declared size larger than the data, two flipped bytes.
func brokenZips(t *testing.T, log []byte) map[string][]byte {
	t.Helper()
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "Application.evtx", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(log)
	zw.Close()
	good := zbuf.Bytes()
	data := 30 + len("Application.evtx") // after the local header
	cdir := bytes.LastIndex(good, []byte("PK\x01\x02"))
	cut := append(bytes.Clone(good[:data+(cdir-data)/2]), good[cdir:]...)
	putU32(cut[bytes.LastIndex(cut, []byte("PK\x05\x06"))+16:], uint32(data+(cdir-data)/2))
	lying := bytes.Clone(good)
	putU32(lying[cdir+24:], uint32(len(log)+5*ChunkSize))
	flipped := bytes.Clone(good)
	flipped[data+(cdir-data)/3] ^= 0xff
	flipped[data+(cdir-data)/3+1] ^= 0x55
	return map[string][]byte{"zip-cut-stream": cut, "zip-lying-size": lying, "zip-flipped": flipped}
}

// On a truncated or lying zip entry, the records libyal reads from the
// bytes the entry does deliver (inflated up to its error, written to a
// file) are all read here from the zip itself, with 1 and 2 workers.
func TestBrokenZipLibyalParity(t *testing.T) {
	needEvtxexport(t)
	log := writeLog(t, evtxwriter.Options{}, manyRecords(1500))
	for name, zb := range brokenZips(t, log) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			zpath := filepath.Join(dir, name+".zip")
			if err := os.WriteFile(zpath, zb, 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// What the entry delivers, for libyal.
			var delivered []byte
			var entryErr error
			if _, err := input.NewWalker(input.Limits{}).Walk(ctx, []string{zpath}, func(_ input.Item, r io.Reader) error {
				delivered, entryErr = io.ReadAll(r)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if entryErr == nil {
				t.Fatalf("the entry read without error: the case is not broken")
			}
			epath := filepath.Join(dir, "delivered.evtx")
			if err := os.WriteFile(epath, delivered, 0o644); err != nil {
				t.Fatal(err)
			}
			lib, libErr := evtxexportIDs(t, epath, "all", 60*time.Second)
			for _, workers := range []int{1, 2} {
				var ids []uint64
				var st Stats
				if _, err := input.NewWalker(input.Limits{}).Walk(ctx, []string{zpath}, func(it input.Item, r io.Reader) error {
					rd := NewReader(r)
					rd.Path, rd.Workers, rd.Context = it.Path, workers, ctx
					defer rd.Close()
					for {
						ev, err := rd.Read()
						if err != nil {
							st = rd.Stats()
							if err == io.EOF {
								return nil
							}
							return err
						}
						ids = append(ids, ev.RecordID)
					}
				}); err != nil {
					t.Fatal(err)
				}
				ours := map[uint64]bool{}
				for _, id := range ids {
					ours[id] = true
				}
				var missing []uint64
				for _, id := range lib {
					if !ours[id] {
						missing = append(missing, id)
					}
				}
				if len(missing) > 0 {
					t.Errorf("workers %d: %d records libyal reads from the delivered bytes are not read here: ids %v", workers, len(missing), missing)
				}
				if workers == 1 {
					t.Logf("%s: entry delivers %d of %d bytes (%v); libyal %d records; here %d of %d records read, %d unreadable; evtxexport: %s",
						name, len(delivered), len(log), entryErr, len(lib), len(ids), st.Records, st.Skipped, firstLine(strings.TrimSpace(libErr)))
				}
			}
		})
	}
}
