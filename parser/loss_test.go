package parser

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
	"github.com/evtxscan/evtxscan/internal/testenv"
)

// needEvtxexport skips without libyal's evtxexport (a failure under CI=true).
func needEvtxexport(t *testing.T) {
	t.Helper()
	testenv.Need(t, "evtxexport", "libyal evtxexport", "libevtx-utils")
}

// A clean log cut exactly at a chunk boundary reads without a broken
// chunk, but the header counts more chunks than the file holds: that is
// reported with the missing range.
func TestCutAtChunkBoundary(t *testing.T) {
	full := writeLog(t, evtxwriter.Options{}, manyRecords(1500))
	h, ok := parseFileHeader(full)
	if !ok || !h.ChecksumOK || h.ChunkCount < 4 {
		t.Fatalf("fixture header %+v", h)
	}
	cut := full[:HeaderBlockSize+2*ChunkSize]
	for _, workers := range []int{1, 2} {
		evs, st, err := readBytes(t, cut, workers, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.Chunks != 2 || len(evs) == 0 {
			t.Fatalf("workers %d: %d chunks, %d events", workers, st.Chunks, len(evs))
		}
		if len(st.Damage) != 1 || !errors.Is(st.Damage[0], ErrTruncated) {
			t.Fatalf("workers %d: damage %v, want one truncation", workers, st.Damage)
		}
		d := st.Damage[0]
		want := "chunks 2-" + itoa(int(h.ChunkCount)-1) + " missing"
		if d.Chunk != 2 || d.Offset != HeaderBlockSize+2*ChunkSize || !strings.Contains(d.Error(), want) {
			t.Errorf("workers %d: %v (chunk %d, offset %#x); want %q at chunk 2", workers, d, d.Chunk, d.Offset, want)
		}
	}
	// The whole file: no such damage.
	if _, st, _ := readBytes(t, full, 1, nil); len(st.Damage) != 0 {
		t.Errorf("whole file: damage %v", st.Damage)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// A chunk whose free space offset is stale (lower than its last record)
// fails its records checksum; its records past the offset are read all the
// same, as libyal reads them.
func TestStaleFreeSpaceOffset(t *testing.T) {
	b := writeLog(t, evtxwriter.Options{}, manyRecords(1500))
	c := chunkAt(b, 1)
	recs := recordStarts(c)
	if len(recs) < 10 {
		t.Fatalf("chunk 1 has %d records", len(recs))
	}
	// The offset says the chunk ends at its third record; the records
	// checksum, kept, covers them all.
	binary.LittleEndian.PutUint32(c[48:], uint32(recs[3]))
	binary.LittleEndian.PutUint32(c[124:], chunkHeaderCRC(c))
	_, clean, _ := readBytes(t, writeLog(t, evtxwriter.Options{}, manyRecords(1500)), 1, nil)
	for _, workers := range []int{1, 2} {
		evs, st, err := readBytes(t, b, workers, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != clean.Events || st.Records != clean.Records {
			t.Errorf("workers %d: %d events, %d records; the intact file has %d", workers, len(evs), st.Records, clean.Events)
		}
		var crc bool
		for _, d := range st.Damage {
			crc = crc || errors.Is(d, ErrRecordsCRC) && d.Chunk == 1
		}
		if !crc {
			t.Errorf("workers %d: damage %v, want the records checksum of chunk 1", workers, st.Damage)
		}
	}
	needEvtxexport(t)
	path := filepath.Join(t.TempDir(), "stale.evtx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	lib, _, err := runEvtxexport(path)
	if err != nil {
		t.Fatal(err)
	}
	evs, _, _ := readBytes(t, b, 1, nil)
	if len(lib) != len(evs) {
		t.Errorf("libyal reads %d records, this package %d", len(lib), len(evs))
	}
	ids := map[uint64]bool{}
	for _, e := range evs {
		ids[e.RecordID] = true
	}
	for _, e := range lib {
		if !ids[e.RecordID] {
			t.Errorf("record %d read by libyal, not here", e.RecordID)
		}
	}
}
