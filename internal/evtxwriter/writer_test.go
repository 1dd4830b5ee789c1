package evtxwriter_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
	"github.com/evtxscan/evtxscan/internal/evtxwriter/libyal"
	"github.com/evtxscan/evtxscan/internal/testenv"
)

var t0 = time.Date(2024, 3, 18, 9, 15, 2, 123456700, time.UTC)

// sampleRecords returns n records exercising what the writer must carry:
// several providers, CRLF and LF, XML special characters, empty strings,
// zero strings, non-ASCII (including U+4E00), a character outside the BMP,
// and multi-KB strings.
func sampleRecords(n int) []evtxwriter.Record {
	providers := []string{"PasswordResetService", "ADSync", "Directory Synchronization", "MSSQL$ADSYNC", ".NET Runtime"}
	texts := []string{
		"TrackingId: 62a5da50-8a6b-43a4-8418-82f88522ab34, PasswordResetRequestStart, Details: josé.ñúñez@contoso.com",
		"line one\r\nline two\r\n   at Frame(String a, Boolean b)",
		"lf only\nsecond",
		"<xml> & \"quotes\" 'apos' \ttab",
		"鈴木 一郎 (U+4E00 一)",
		"emoji 😀 outside the BMP",
		strings.Repeat("   at AADPasswordReset.SynchronizationEngineManagedHandle.ThrowSyncEngineError(Int32 hr)\r\n", 60),
		"",
	}
	recs := make([]evtxwriter.Record, n)
	for i := range recs {
		r := evtxwriter.Record{
			Provider:   providers[i%len(providers)],
			EventID:    uint16(31001 + i%40),
			Qualifiers: uint16([]int{0, 16384, 49152}[i%3]),
			Level:      uint8(2 + i%3),
			Task:       uint16(i % 4),
			Keywords:   evtxwriter.ClassicKeywords,
			Time:       t0.Add(time.Duration(i) * 1234567 * time.Microsecond),
			Computer:   "AADC01.contoso.local",
		}
		if i%4 != 0 {
			r.UserSID = "S-1-5-21-3623811015-3361044348-30300820-1013"
		}
		if i%7 == 3 {
			r.Channel = "System"
		}
		switch i % 6 {
		case 0:
			r.Data = []string{texts[i%len(texts)]}
		case 1:
			r.Data = []string{texts[i%len(texts)], "", texts[(i+1)%len(texts)]}
		case 2:
			r.Data = nil
		default:
			r.Data = []string{"", texts[(i+3)%len(texts)], fmt.Sprint(i)}
		}
		recs[i] = r
	}
	return recs
}

func writeFile(t testing.TB, path string, opts evtxwriter.Options, recs []evtxwriter.Record) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := evtxwriter.NewWriter(f, opts)
	for i, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func needLibyal(t *testing.T) {
	t.Helper()
	if _, err := libyal.Path(); err != nil {
		testenv.Missing(t, "libyal evtxexport not installed (Debian package libevtx-utils)")
	}
}

func TestNameHashMatchesWindows(t *testing.T) {
	// Hashes stored by Windows in the string table of a real Application log
	// (DeepBlueCLI many-events-application.evtx, chunk 0).
	tests := []struct {
		name string
		hash uint16
	}{
		{"Event", 0x0cba},
		{"EventData", 0x8244},
		{"EventRecordID", 0x0346},
		{"Provider", 0x7bf1},
		{"Qualifiers", 0xda29},
		{"SystemTime", 0x7b3c},
		{"UserID", 0x4c66},
		{"xmlns", 0x0fbc},
		{"RelatedActivityID", 0xc535},
	}
	for _, tt := range tests {
		if got := uint16(evtxwriter.NameHash(tt.name)); got != tt.hash {
			t.Errorf("NameHash(%q) = %#04x, Windows stores %#04x", tt.name, got, tt.hash)
		}
	}
}

func TestLibyalReadsWhatWasWritten(t *testing.T) {
	needLibyal(t)
	tests := []struct {
		name      string
		opts      evtxwriter.Options
		n         int
		minChunks int
	}{
		{"string-array", evtxwriter.Options{}, 40, 1},
		{"separate-data", evtxwriter.Options{DataLayout: evtxwriter.SeparateData}, 40, 1},
		{"provider-substitution", evtxwriter.Options{ProviderSubstitution: true}, 40, 1},
		{"first-record-id", evtxwriter.Options{FirstRecordID: 1_000_000}, 10, 1},
		{"many-chunks", evtxwriter.Options{}, 3000, 5},
		{"many-chunks-separate", evtxwriter.Options{DataLayout: evtxwriter.SeparateData, ProviderSubstitution: true}, 3000, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.name+".evtx")
			recs := sampleRecords(tt.n)
			writeFile(t, path, tt.opts, recs)
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			chunks := int((st.Size() - evtxwriter.FileHeaderSize) / evtxwriter.ChunkSize)
			if chunks < tt.minChunks {
				t.Fatalf("%d chunks, want at least %d", chunks, tt.minChunks)
			}
			events, stderr, err := libyal.Export(context.Background(), path)
			if err != nil {
				t.Fatalf("evtxexport: %v", err)
			}
			if stderr != "" {
				t.Errorf("evtxexport complained: %s", stderr)
			}
			if len(events) != len(recs) {
				t.Fatalf("evtxexport printed %d records, wrote %d", len(events), len(recs))
			}
			first := tt.opts.FirstRecordID
			if first == 0 {
				first = 1
			}
			bad := 0
			for i, r := range recs {
				for _, d := range libyal.Mismatches(r, first+uint64(i), events[i]) {
					if bad++; bad < 20 {
						t.Error(d)
					}
				}
			}
		})
	}
}

// chunkCRCs recomputes the checksums of chunk i of an EVTX file as the format
// defines them and returns stored and computed values.
func chunkCRCs(b []byte, i int) (storedHdr, hdr, storedRecs, recs uint32) {
	c := b[evtxwriter.FileHeaderSize+i*evtxwriter.ChunkSize:][:evtxwriter.ChunkSize]
	le := binary.LittleEndian
	free := le.Uint32(c[48:])
	h := crc32.NewIEEE()
	h.Write(c[:120])
	h.Write(c[128:512])
	return le.Uint32(c[124:]), h.Sum32(), le.Uint32(c[52:]), crc32.ChecksumIEEE(c[512:free])
}

func TestFileStructure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.evtx")
	recs := sampleRecords(1500)
	writeFile(t, path, evtxwriter.Options{FirstRecordID: 7}, recs)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if string(b[:8]) != "ElfFile\x00" {
		t.Fatalf("file magic %q", b[:8])
	}
	if got := crc32.ChecksumIEEE(b[:120]); got != le.Uint32(b[124:]) {
		t.Errorf("file header CRC stored %#x, computed %#x", le.Uint32(b[124:]), got)
	}
	if maj, min := le.Uint16(b[38:]), le.Uint16(b[36:]); maj != 3 || min != 1 {
		t.Errorf("version %d.%d, want 3.1", maj, min)
	}
	nchunks := int(le.Uint16(b[42:]))
	if want := (len(b) - evtxwriter.FileHeaderSize) / evtxwriter.ChunkSize; nchunks != want || (len(b)-evtxwriter.FileHeaderSize)%evtxwriter.ChunkSize != 0 {
		t.Fatalf("header says %d chunks, file size %d holds %d", nchunks, len(b), want)
	}
	if got, want := le.Uint64(b[24:]), uint64(7+len(recs)); got != want {
		t.Errorf("next record id %d, want %d", got, want)
	}
	if flags := le.Uint32(b[120:]); flags != 0 {
		t.Errorf("flags %#x on a clean file", flags)
	}
	wantID := uint64(7)
	for i := 0; i < nchunks; i++ {
		c := b[evtxwriter.FileHeaderSize+i*evtxwriter.ChunkSize:][:evtxwriter.ChunkSize]
		if string(c[:8]) != "ElfChnk\x00" {
			t.Fatalf("chunk %d magic %q", i, c[:8])
		}
		sh, h, sr, r := chunkCRCs(b, i)
		if sh != h || sr != r {
			t.Errorf("chunk %d: header CRC %#x/%#x, records CRC %#x/%#x (stored/computed)", i, sh, h, sr, r)
		}
		first, last := le.Uint64(c[24:]), le.Uint64(c[32:])
		if first != wantID || le.Uint64(c[8:]) != first || le.Uint64(c[16:]) != last {
			t.Errorf("chunk %d: record numbers %d..%d / ids %d..%d, want first %d", i, le.Uint64(c[8:]), le.Uint64(c[16:]), first, last, wantID)
		}
		// Walk the records.
		off, free, lastOff := 512, int(le.Uint32(c[48:])), int(le.Uint32(c[44:]))
		prev := 0
		for off < free {
			if le.Uint32(c[off:]) != 0x2a2a {
				t.Fatalf("chunk %d: no record magic at %d", i, off)
			}
			size := int(le.Uint32(c[off+4:]))
			if le.Uint32(c[off+size-4:]) != uint32(size) {
				t.Fatalf("chunk %d: record at %d: size copy differs", i, off)
			}
			if id := le.Uint64(c[off+8:]); id != wantID {
				t.Fatalf("chunk %d: record at %d has id %d, want %d", i, off, id, wantID)
			}
			wantID++
			prev, off = off, off+size
		}
		if off != free || prev != lastOff {
			t.Errorf("chunk %d: records end at %d (last at %d), header says free %d last %d", i, off, prev, free, lastOff)
		}
		if wantID-1 != last {
			t.Errorf("chunk %d: last record id %d, header says %d", i, wantID-1, last)
		}
		// String table: every entry's hash is stored, and it sits in its bucket.
		names := 0
		for bkt := 0; bkt < 64; bkt++ {
			for so := le.Uint32(c[128+4*bkt:]); so != 0; so = le.Uint32(c[so:]) {
				n := int(le.Uint16(c[so+6:]))
				u := make([]uint16, n)
				for k := range u {
					u[k] = le.Uint16(c[int(so)+8+2*k:])
				}
				name := string(utf16Decode(u))
				h := evtxwriter.NameHash(name)
				if uint16(h) != le.Uint16(c[so+4:]) || int(h%64) != bkt {
					t.Errorf("chunk %d: name %q in bucket %d with hash %#x", i, name, bkt, le.Uint16(c[so+4:]))
				}
				names++
			}
		}
		if names < 15 {
			t.Errorf("chunk %d: only %d names in the string table", i, names)
		}
		// Template table: each entry is a definition whose fragment starts
		// with a BinXML fragment header.
		tpls := 0
		for bkt := 0; bkt < 32; bkt++ {
			for to := le.Uint32(c[384+4*bkt:]); to != 0; to = le.Uint32(c[to:]) {
				if string(c[to+24:to+28]) != "\x0f\x01\x01\x00" || le.Uint32(c[to+4:])%32 != uint32(bkt) {
					t.Errorf("chunk %d: template at %d malformed", i, to)
				}
				tpls++
			}
		}
		if tpls == 0 {
			t.Errorf("chunk %d: empty template table", i)
		}
	}
	if wantID != 7+uint64(len(recs)) {
		t.Errorf("walked %d records, wrote %d", wantID-7, len(recs))
	}
}

func utf16Decode(u []uint16) []rune {
	r := make([]rune, 0, len(u))
	for _, c := range u {
		r = append(r, rune(c))
	}
	return r
}

func TestDamage(t *testing.T) {
	needLibyal(t)
	recs := sampleRecords(1200)
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.evtx")
	writeFile(t, clean, evtxwriter.Options{}, recs)
	cleanInfo, err := libyal.RunInfo(context.Background(), clean)
	if err != nil {
		t.Fatal(err)
	}
	if cleanInfo.Corrupted || cleanInfo.Dirty || cleanInfo.Records != len(recs) {
		t.Fatalf("clean file: evtxinfo says %+v", cleanInfo)
	}
	cleanBytes, _ := os.ReadFile(clean)
	// Records in chunk 1 of the clean file.
	c1 := cleanBytes[evtxwriter.FileHeaderSize+evtxwriter.ChunkSize:]
	inChunk1 := int(binary.LittleEndian.Uint64(c1[32:]) - binary.LittleEndian.Uint64(c1[24:]) + 1)

	tests := []struct {
		name  string
		opts  evtxwriter.Options
		check func(t *testing.T, b []byte, info libyal.Info)
	}{
		{"dirty", evtxwriter.Options{Dirty: true}, func(t *testing.T, b []byte, info libyal.Info) {
			if !info.Dirty {
				t.Errorf("evtxinfo does not report the dirty flag:\n%s", info.Text)
			}
			le := binary.LittleEndian
			chunks := (len(b) - evtxwriter.FileHeaderSize) / evtxwriter.ChunkSize
			if le.Uint32(b[120:])&1 == 0 || int(le.Uint16(b[42:])) != chunks-1 {
				t.Errorf("header flags %#x, chunk count %d (file has %d): want dirty and stale", le.Uint32(b[120:]), le.Uint16(b[42:]), chunks)
			}
			if crc32.ChecksumIEEE(b[:120]) != le.Uint32(b[124:]) {
				t.Error("dirty header has a bad CRC")
			}
			if info.Records != len(recs) {
				t.Errorf("evtxinfo counts %d records in the dirty file, want all %d", info.Records, len(recs))
			}
		}},
		{"bad-magic", evtxwriter.Options{Damage: []evtxwriter.Damage{{Chunk: 1, Kind: evtxwriter.BadChunkMagic}}}, func(t *testing.T, b []byte, info libyal.Info) {
			if string(b[evtxwriter.FileHeaderSize+evtxwriter.ChunkSize:][:8]) == "ElfChnk\x00" {
				t.Error("chunk 1 magic intact")
			}
			if !info.Corrupted || info.Records != len(recs)-inChunk1 || info.Recovered != inChunk1 {
				t.Errorf("evtxinfo: %d records, %d recovered, corrupted %v; want %d, %d, true", info.Records, info.Recovered, info.Corrupted, len(recs)-inChunk1, inChunk1)
			}
		}},
		{"bad-header-crc", evtxwriter.Options{Damage: []evtxwriter.Damage{{Chunk: 1, Kind: evtxwriter.BadHeaderCRC}}}, func(t *testing.T, b []byte, info libyal.Info) {
			sh, h, sr, r := chunkCRCs(b, 1)
			if sh == h || sr != r {
				t.Errorf("chunk 1: header CRC %#x/%#x records %#x/%#x: want only the header CRC wrong", sh, h, sr, r)
			}
			if !info.Corrupted {
				t.Errorf("evtxinfo does not report corruption:\n%s", info.Text)
			}
		}},
		{"bad-records-crc", evtxwriter.Options{Damage: []evtxwriter.Damage{{Chunk: 2, Kind: evtxwriter.BadRecordsCRC}}}, func(t *testing.T, b []byte, info libyal.Info) {
			sh, h, sr, r := chunkCRCs(b, 2)
			if sh != h || sr == r {
				t.Errorf("chunk 2: header CRC %#x/%#x records %#x/%#x: want only the records CRC wrong", sh, h, sr, r)
			}
			if !info.Corrupted {
				t.Errorf("evtxinfo does not report corruption:\n%s", info.Text)
			}
		}},
		{"truncated", evtxwriter.Options{TruncateAt: evtxwriter.FileHeaderSize + evtxwriter.ChunkSize + 1000}, func(t *testing.T, b []byte, info libyal.Info) {
			if len(b) != evtxwriter.FileHeaderSize+evtxwriter.ChunkSize+1000 {
				t.Errorf("file is %d bytes", len(b))
			}
			c0 := b[evtxwriter.FileHeaderSize:]
			in0 := int(binary.LittleEndian.Uint64(c0[32:]) - binary.LittleEndian.Uint64(c0[24:]) + 1)
			if !info.Corrupted || info.Records != in0 {
				t.Errorf("evtxinfo: %d records, corrupted %v; want the %d of chunk 0 and corrupted", info.Records, info.Corrupted, in0)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".evtx")
			writeFile(t, path, tt.opts, recs)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			info, err := libyal.RunInfo(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, b, info)
		})
	}
}

type memFile struct {
	b   []byte
	pos int64
}

func (m *memFile) Write(p []byte) (int, error) {
	if need := int(m.pos) + len(p); need > len(m.b) {
		m.b = append(m.b, make([]byte, need-len(m.b))...)
	}
	copy(m.b[m.pos:], p)
	m.pos += int64(len(p))
	return len(p), nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekStart {
		return 0, errors.New("unsupported")
	}
	m.pos = off
	return off, nil
}

func TestWriteErrors(t *testing.T) {
	base := evtxwriter.Record{Provider: "ADSync", EventID: 6329, Time: t0, Computer: "AADC01"}
	tests := []struct {
		name string
		mod  func(r *evtxwriter.Record)
		want error
	}{
		{"value too large", func(r *evtxwriter.Record) { r.Data = []string{strings.Repeat("x", 40000)} }, evtxwriter.ErrValueTooLarge},
		{"record too large", func(r *evtxwriter.Record) {
			r.Data = []string{strings.Repeat("x", 30000), strings.Repeat("y", 30000)}
		}, evtxwriter.ErrRecordTooLarge},
		{"bad sid", func(r *evtxwriter.Record) { r.UserSID = "S-1-5-x" }, nil},
		{"bad sid prefix", func(r *evtxwriter.Record) { r.UserSID = "X-1-5-18" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := evtxwriter.NewWriter(&memFile{}, evtxwriter.Options{DataLayout: evtxwriter.SeparateData})
			r := base
			tt.mod(&r)
			err := w.Write(r)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			// The writer stays usable after a rejected record.
			if err := w.Write(base); err != nil {
				t.Errorf("next write: %v", err)
			}
			if got := w.NextRecordID(); got != 2 {
				t.Errorf("next id %d, want 2", got)
			}
		})
	}
	w := evtxwriter.NewWriter(&memFile{}, evtxwriter.Options{})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(base); !errors.Is(err, evtxwriter.ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
}

func TestSIDEncoding(t *testing.T) {
	// Well-known binary forms (MS-DTYP 2.4.2.2).
	tests := []struct {
		sid  string
		want []byte
	}{
		{"S-1-5-18", []byte{1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}},
		{"S-1-1-0", []byte{1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}},
		{"S-1-5-32-544", []byte{1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0}},
	}
	for _, tt := range tests {
		m := &memFile{}
		w := evtxwriter.NewWriter(m, evtxwriter.Options{})
		if err := w.Write(evtxwriter.Record{Provider: "P", EventID: 1, Time: t0, UserSID: tt.sid, Data: []string{"z"}}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		chunk := m.b[evtxwriter.FileHeaderSize:]
		free := binary.LittleEndian.Uint32(chunk[48:])
		if !strings.Contains(string(chunk[512:free]), string(tt.want)) {
			t.Errorf("%s: binary SID % x not found in the record", tt.sid, tt.want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	recs := sampleRecords(800)
	var out [2][]byte
	for i := range out {
		m := &memFile{}
		w := evtxwriter.NewWriter(m, evtxwriter.Options{})
		for _, r := range recs {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		out[i] = m.b
	}
	if string(out[0]) != string(out[1]) {
		t.Error("two runs wrote different bytes")
	}
}

func BenchmarkWrite(b *testing.B) {
	recs := sampleRecords(600)
	m := &discardSeeker{}
	w := evtxwriter.NewWriter(m, evtxwriter.Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := w.Write(recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(m.n / int64(max(b.N, 1)))
}

type discardSeeker struct{ n int64 }

func (d *discardSeeker) Write(p []byte) (int, error)          { d.n += int64(len(p)); return len(p), nil }
func (d *discardSeeker) Seek(off int64, _ int) (int64, error) { return off, nil }

func TestMaxChunks(t *testing.T) {
	for _, max := range []int{1, 3} {
		m := &memFile{}
		w := evtxwriter.NewWriter(m, evtxwriter.Options{MaxChunks: max})
		recs := sampleRecords(600)
		n := 0
		var err error
		for i := 0; err == nil; i++ {
			if err = w.Write(recs[i%len(recs)]); err == nil {
				n++
			}
		}
		if !errors.Is(err, evtxwriter.ErrFull) {
			t.Fatalf("MaxChunks %d: %v, want ErrFull", max, err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		le := binary.LittleEndian
		if got := (len(m.b) - evtxwriter.FileHeaderSize) / evtxwriter.ChunkSize; got != max || int(le.Uint16(m.b[42:])) != max {
			t.Errorf("MaxChunks %d: file has %d chunks, header says %d", max, got, le.Uint16(m.b[42:]))
		}
		if le.Uint32(m.b[120:])&2 == 0 {
			t.Errorf("MaxChunks %d: full flag not set", max)
		}
		last := m.b[evtxwriter.FileHeaderSize+(max-1)*evtxwriter.ChunkSize:]
		if got := le.Uint64(last[32:]); got != uint64(n) {
			t.Errorf("MaxChunks %d: last record id %d, %d written", max, got, n)
		}
	}
}
