package scenario

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
	"github.com/evtxscan/evtxscan/internal/evtxwriter/libyal"
	"github.com/evtxscan/evtxscan/internal/golden"
	"github.com/evtxscan/evtxscan/internal/testenv"
)

const fixtureDir = "../../testdata/evtx"

func fixtures(t testing.TB) ([]*Fixture, []*Encoded) {
	t.Helper()
	fs, err := Fixtures()
	if err != nil {
		t.Fatal(err)
	}
	var encs []*Encoded
	for _, f := range fs {
		enc, err := f.Encode()
		if err != nil {
			t.Fatal(err)
		}
		encs = append(encs, enc)
	}
	return fs, encs
}

// TestCommittedFixturesMatchGenerator fails when testdata/evtx drifts from
// the scenarios: regenerate with go run ./internal/cmd/genfixtures.
func TestCommittedFixturesMatchGenerator(t *testing.T) {
	if golden.Update() { // rewrite testdata/evtx from the scenarios (as go run ./internal/cmd/genfixtures)
		if err := WriteFixtures(fixtureDir); err != nil {
			t.Fatal(err)
		}
	}
	fs, encs := fixtures(t)
	for i, f := range fs {
		want, err := f.WantJSON()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			data []byte
		}{{f.Name, encs[i].File}, {f.WantName(), want}} {
			got, err := os.ReadFile(filepath.Join(fixtureDir, c.name))
			if err != nil {
				t.Errorf("%v (run: go run ./internal/cmd/genfixtures)", err)
				continue
			}
			if !bytes.Equal(got, c.data) {
				t.Errorf("testdata/evtx/%s differs from what the generator writes (sha256 %x vs %x); run: go run ./internal/cmd/genfixtures",
					c.name, sha256.Sum256(got), sha256.Sum256(c.data))
			}
		}
		if len(encs[i].File) > 1<<20 {
			t.Errorf("%s is %d bytes, want under 1 MiB", f.Name, len(encs[i].File))
		}
	}
}

func TestGenerationIsDeterministic(t *testing.T) {
	sum := func() [32]byte {
		h := sha256.New()
		_, encs := fixtures(t)
		for _, e := range encs {
			h.Write(e.File)
		}
		var m memFile
		if _, err := GenerateLog(context.Background(), &m, LogOptions{Size: 2 << 20, Seed: 7, Writeback: 0.05}); err != nil {
			t.Fatal(err)
		}
		h.Write(m.b)
		return [32]byte(h.Sum(nil))
	}
	if a, b := sum(), sum(); a != b {
		t.Errorf("two runs differ: %x vs %x", a, b)
	}
	// A different seed gives a different log.
	var m1, m2 memFile
	GenerateLog(context.Background(), &m1, LogOptions{Size: 1 << 20, Seed: 1})
	GenerateLog(context.Background(), &m2, LogOptions{Size: 1 << 20, Seed: 2})
	if bytes.Equal(m1.b, m2.b) {
		t.Error("seeds 1 and 2 gave the same log")
	}
}

// extract returns the .evtx files of a committed fixture: the file itself,
// or the members of a zip, nested zips included, keyed by path
// ("older-logs.zip/….evtx").
func extract(t *testing.T, name string, data []byte) map[string][]byte {
	t.Helper()
	if !strings.HasSuffix(name, ".zip") {
		return map[string][]byte{name: data}
	}
	out := map[string][]byte{}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(zf.Name, ".zip"):
			for p, d := range extract(t, zf.Name, b) {
				out[zf.Name+"/"+p] = d
			}
		case strings.HasSuffix(zf.Name, ".evtx"):
			out[zf.Name] = b
		}
	}
	return out
}

// TestLibyalReadsFixtures checks every committed .evtx (inside zips too) and
// a generated multi-chunk log against what the scenarios wrote, record by
// record, with libyal's evtxexport. Data strings with characters outside the
// BMP (an emoji in a .NET Runtime event) are left out of the comparison:
// libyal garbles them. Records of a chunk with a bad magic are expected
// missing: libyal skips such a chunk.
func TestLibyalReadsFixtures(t *testing.T) {
	if _, err := libyal.Path(); err != nil {
		testenv.Missing(t, "libyal evtxexport not installed (Debian package libevtx-utils)")
	}
	fs, err := Fixtures()
	if err != nil {
		t.Fatal(err)
	}
	type job struct {
		name string
		log  Log
		data []byte
	}
	var jobs []job
	for _, f := range fs {
		data, err := os.ReadFile(filepath.Join(fixtureDir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		files := extract(t, f.Name, data)
		if len(files) != len(f.Logs) {
			t.Errorf("%s holds %d .evtx files, scenario has %d", f.Name, len(files), len(f.Logs))
		}
		for _, l := range f.Logs {
			b, ok := files[l.Path]
			if !ok {
				t.Errorf("%s: %s missing", f.Name, l.Path)
				continue
			}
			jobs = append(jobs, job{f.Name + ":" + l.Path, l, b})
		}
	}
	// A generated log of at least 5 chunks, kept as records to compare.
	big := Log{Path: "generated.evtx", Options: evtxwriter.Options{FirstRecordID: 1}}
	{
		var m memFile
		st, err := generate(context.Background(), &m, LogOptions{Size: 6 * evtxwriter.ChunkSize, Seed: 3, Writeback: 0.1},
			func(r evtxwriter.Record) { big.Records = append(big.Records, r) })
		if err != nil {
			t.Fatal(err)
		}
		if st.Chunks < 5 {
			t.Fatalf("generated log has %d chunks", st.Chunks)
		}
		jobs = append(jobs, job{"generated", big, m.b})
	}

	dir := t.TempDir()
	for i, j := range jobs {
		t.Run(j.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("%d.evtx", i))
			if err := os.WriteFile(path, j.data, 0o644); err != nil {
				t.Fatal(err)
			}
			// Which records libyal cannot see: those of bad-magic chunks.
			_, chunkOf, err := j.log.Encode()
			if err != nil {
				t.Fatal(err)
			}
			skip := map[int]bool{}
			for _, d := range j.log.Options.Damage {
				if d.Kind == evtxwriter.BadChunkMagic {
					skip[d.Chunk] = true
				}
			}
			var want []evtxwriter.Record
			var ids []uint64
			for k, r := range j.log.Records {
				if !skip[chunkOf[k]] {
					want = append(want, r)
					ids = append(ids, j.log.Options.FirstRecordID+uint64(k))
				}
			}
			events, _, err := libyal.Export(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != len(want) {
				t.Fatalf("evtxexport printed %d records, want %d (of %d written)", len(events), len(want), len(j.log.Records))
			}
			bad := 0
			for k, r := range want {
				for _, d := range libyal.Mismatches(r, ids[k], events[k]) {
					if bad++; bad <= 10 {
						t.Error(d)
					}
				}
			}
		})
	}
}

func TestDamagedFixtures(t *testing.T) {
	if _, err := libyal.Path(); err != nil {
		testenv.Missing(t, "libyal evtxexport not installed (Debian package libevtx-utils)")
	}
	fs, encs := fixtures(t)
	dir := t.TempDir()
	checked := 0
	for i, f := range fs {
		for k, l := range f.Logs {
			path := filepath.Join(dir, fmt.Sprintf("%d-%d.evtx", i, k))
			if err := os.WriteFile(path, encs[i].Logs[k], 0o644); err != nil {
				t.Fatal(err)
			}
			info, err := libyal.RunInfo(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			name := f.Name + ":" + l.Path
			if info.Dirty != l.Options.Dirty {
				t.Errorf("%s: evtxinfo dirty=%v, scenario dirty=%v", name, info.Dirty, l.Options.Dirty)
			}
			damaged := l.Options.Dirty || len(l.Options.Damage) > 0
			if info.Corrupted != damaged {
				t.Errorf("%s: evtxinfo corrupted=%v, scenario damaged=%v\n%s", name, info.Corrupted, damaged, info.Text)
			}
			lost := 0
			for _, d := range l.Options.Damage {
				checked++
				if d.Kind == evtxwriter.BadChunkMagic {
					for _, c := range encs[i].ChunkOf[k] {
						if c == d.Chunk {
							lost++
						}
					}
				}
			}
			if info.Records != len(l.Records)-lost || info.Recovered != lost {
				t.Errorf("%s: evtxinfo %d records + %d recovered, want %d + %d", name, info.Records, info.Recovered, len(l.Records)-lost, lost)
			}
		}
	}
	if checked == 0 {
		t.Error("no damaged chunk in any fixture")
	}
}

// TestWantAgreesWithRecords checks the expectation files against the
// records themselves: each attempt's record ids point at records with the
// listed event ids that carry its tracking id or, for 6329, its anchor when
// the trace names one.
func TestWantAgreesWithRecords(t *testing.T) {
	fs, _ := fixtures(t)
	for _, f := range fs {
		byID := map[string]map[uint64]evtxwriter.Record{}
		total, wb := 0, 0
		for _, l := range f.Logs {
			m := map[uint64]evtxwriter.Record{}
			for k, r := range l.Records {
				m[l.Options.FirstRecordID+uint64(k)] = r
				total++
				if IsWritebackSource(r.Provider) {
					wb++
				}
			}
			byID[l.Path] = m
		}
		if total != f.Want.Records || wb != f.Want.WritebackRecords {
			t.Errorf("%s: want file says %d/%d records, logs hold %d/%d", f.Name, f.Want.Records, f.Want.WritebackRecords, total, wb)
		}
		for _, a := range f.Want.Attempts {
			if len(a.EventIDs) != len(a.RecordIDs) || len(a.EventIDs) == 0 {
				t.Errorf("%s: attempt %s: %d event ids, %d record ids", f.Name, a.TrackingID, len(a.EventIDs), len(a.RecordIDs))
				continue
			}
			for k, id := range a.RecordIDs {
				file := f.Logs[0].Path
				if a.Files != nil {
					file = a.Files[k]
				}
				r, ok := byID[file][id]
				if !ok || int(r.EventID) != a.EventIDs[k] {
					t.Errorf("%s: attempt %s: record %d in %s is %v %d, want event %d", f.Name, a.TrackingID, id, file, ok, r.EventID, a.EventIDs[k])
					continue
				}
				text := strings.Join(r.Data, "\x00")
				switch {
				case r.Provider == SourcePRS && !strings.Contains(text, "TrackingId: "+a.TrackingID+","):
					t.Errorf("%s: record %d lacks tracking id %s", f.Name, id, a.TrackingID)
				case r.Provider == SourceADSync && strings.Contains(text, "AAD anchor") && !strings.Contains(text, "AAD anchor = "+a.CloudAnchor):
					t.Errorf("%s: 6329 record %d names another anchor than %s", f.Name, id, a.CloudAnchor)
				}
			}
			if !slices.IsSorted(a.RecordIDs) && a.Files == nil {
				t.Errorf("%s: attempt %s: record ids %v not in file order", f.Name, a.TrackingID, a.RecordIDs)
			}
			if (a.Outcome == OutcomeSuccess) != (a.Cause == "") {
				t.Errorf("%s: attempt %s: outcome %s with cause %q", f.Name, a.TrackingID, a.Outcome, a.Cause)
			}
		}
		// The expectation file round-trips through JSON.
		b, err := f.WantJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Want
		if err := json.Unmarshal(b, &back); err != nil || back.Fixture != f.Name {
			t.Errorf("%s: want JSON does not round-trip: %v", f.Name, err)
		}
	}
}

func BenchmarkGenerateLog(b *testing.B) {
	const size = 64 << 20
	b.SetBytes(size)
	for i := 0; i < b.N; i++ {
		var d discard
		if _, err := GenerateLog(context.Background(), &d, LogOptions{Size: size, Seed: 1, Writeback: 0.02}); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error)          { return len(p), nil }
func (discard) Seek(off int64, _ int) (int64, error) { return off, nil }
