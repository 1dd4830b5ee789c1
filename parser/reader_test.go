package parser

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/internal/testenv"
)

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.SharedFile(t, filepath.Join("evtx-samples", name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readBytes(t testing.TB, b []byte, workers int, keep func(string) bool) ([]Event, Stats, error) {
	t.Helper()
	r := NewReader(bytes.NewReader(b))
	r.Path = "test.evtx"
	r.Workers = workers
	r.Keep = keep
	defer r.Close()
	var evs []Event
	for {
		ev, err := r.Read()
		if err == io.EOF {
			return evs, r.Stats(), nil
		}
		if err != nil {
			return evs, r.Stats(), err
		}
		e := *ev
		e.Data = append([]string(nil), ev.Data...)
		evs = append(evs, e)
	}
}

// The number of workers changes nothing but speed: same events, same order.
func TestWorkersSameOutput(t *testing.T) {
	b := sample(t, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	one, st1, err := readBytes(t, b, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 2216 || st1.Records != 2216 {
		t.Fatalf("read %d events, %d records; libyal reads 2216", len(one), st1.Records)
	}
	for _, w := range []int{2, 3, 8} {
		got, st, err := readBytes(t, b, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, one) {
			t.Errorf("workers=%d: events differ from workers=1", w)
		}
		if st.Records != st1.Records || st.Chunks != st1.Chunks || st.EmptyChunks != st1.EmptyChunks {
			t.Errorf("workers=%d: stats %+v, want %+v", w, st, st1)
		}
	}
	for i := 1; i < len(one); i++ {
		if one[i].Offset <= one[i-1].Offset {
			t.Fatalf("events out of file order at %d", i)
		}
	}
}

func TestKeepFiltersBeforeDecode(t *testing.T) {
	b := sample(t, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	all, _, err := readBytes(t, b, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, e := range all {
		if e.Provider == "Microsoft-Windows-Security-SPP" {
			want++
		}
	}
	if want == 0 {
		t.Fatal("sample has no Security-SPP events")
	}
	keep := func(p string) bool { return p == "Microsoft-Windows-Security-SPP" }
	got, st, err := readBytes(t, b, 2, keep)
	if err != nil {
		t.Fatal(err)
	}
	_, stAll, _ := readBytes(t, b, 1, nil)
	if !st.First.Equal(stAll.First) || !st.Last.Equal(stAll.Last) || st.First.IsZero() || !st.Last.After(st.First) {
		t.Errorf("span with filter %v–%v, without %v–%v", st.First, st.Last, stAll.First, stAll.Last)
	}
	if len(got) != want || st.Filtered != len(all)-want || st.Records != len(all) {
		t.Errorf("kept %d (want %d), filtered %d (want %d), records %d", len(got), want, st.Filtered, len(all)-want, st.Records)
	}
	for _, e := range got {
		if e.Provider != "Microsoft-Windows-Security-SPP" {
			t.Fatalf("kept provider %q", e.Provider)
		}
	}
}

// Writeback is the filter scan passes (catalog.WritebackSources), for the
// tests and benchmarks.
var Writeback = Providers("PasswordResetService", "ADSync", "Directory Synchronization")

func TestWriteback(t *testing.T) {
	for _, p := range []string{"PasswordResetService", "passwordresetservice", "ADSync", "ADSYNC", "Directory Synchronization"} {
		if !Writeback(p) {
			t.Errorf("Writeback(%q) = false", p)
		}
	}
	for _, p := range []string{"", "ADSync2", "Directory", "MSSQL$ADSYNC", "PasswordReset"} {
		if Writeback(p) {
			t.Errorf("Writeback(%q) = true", p)
		}
	}
}

// setChunkCRCs recomputes a chunk's checksums after a test changed it.
func setChunkCRCs(c []byte) {
	free := binary.LittleEndian.Uint32(c[48:])
	binary.LittleEndian.PutUint32(c[52:], crc32.ChecksumIEEE(c[chunkHeaderSize:free]))
	binary.LittleEndian.PutUint32(c[124:], chunkHeaderCRC(c))
}

func TestDamage(t *testing.T) {
	clean := sample(t, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	base, bst, err := readBytes(t, clean, 1, nil)
	if err != nil || bst.Damaged() {
		t.Fatalf("clean sample: err %v, damage %v", err, bst.Damage)
	}
	chunk := func(b []byte, i int) []byte { return b[HeaderBlockSize+i*ChunkSize : HeaderBlockSize+(i+1)*ChunkSize] }
	perChunk := map[int]int{}
	for _, e := range base {
		perChunk[e.Chunk]++
	}
	tests := []struct {
		name    string
		damage  func(b []byte) []byte
		wantErr error // in Stats.Damage
		chunk   int
		lost    int // events lost at most
	}{
		{"bad chunk magic", func(b []byte) []byte { copy(chunk(b, 3), "XXXXXXXX"); return b }, ErrChunkMagic, 3, 0},
		{"bad chunk header crc", func(b []byte) []byte { chunk(b, 2)[124] ^= 0xff; return b }, ErrChunkCRC, 2, 0},
		{"bad records crc", func(b []byte) []byte { chunk(b, 4)[52] ^= 0xff; return b }, ErrRecordsCRC, 4, 0},
		{"header crc", func(b []byte) []byte { b[124] ^= 0xff; return b }, ErrHeaderCRC, -1, 0},
		{"broken record", func(b []byte) []byte {
			c := chunk(b, 5)
			copy(c[chunkHeaderSize:], "zzzz") // first record's magic
			setChunkCRCs(c)
			return b
		}, ErrBadRecord, 5, 1},
		{"zeroed chunk", func(b []byte) []byte { clear(chunk(b, 6)); return b }, ErrZeroedChunk, 6, perChunk[6]},
		{"truncated", func(b []byte) []byte { return b[:HeaderBlockSize+7*ChunkSize+30000] }, ErrTruncated, 7, len(base)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.damage(bytes.Clone(clean))
			for _, w := range []int{1, 2} {
				got, st, err := readBytes(t, b, w, nil)
				if err != nil {
					t.Fatalf("workers=%d: Read error %v; damage must not stop the reader", w, err)
				}
				var found *ParseError
				for _, d := range st.Damage {
					if errors.Is(d.Err, tt.wantErr) && d.Chunk == tt.chunk {
						found = d
					}
				}
				if found == nil {
					t.Fatalf("workers=%d: damage %v in chunk %d not reported; got %v", w, tt.wantErr, tt.chunk, st.Damage)
				}
				if !strings.Contains(found.Error(), "test.evtx") || (tt.chunk >= 0 && !strings.Contains(found.Error(), "chunk")) {
					t.Errorf("error %q does not name file and chunk", found)
				}
				if len(got) < len(base)-tt.lost {
					t.Errorf("workers=%d: read %d events of %d; at most %d may be lost", w, len(got), len(base), tt.lost)
				}
				if tt.name == "truncated" {
					// Every record wholly inside the bytes that remain is read.
					want := 0
					for _, e := range base {
						if e.Chunk < 7 || e.Offset+int64(recordSize(clean, e.Offset)) <= int64(len(b)) {
							want++
						}
					}
					if len(got) != want {
						t.Errorf("truncated: read %d events, want %d", len(got), want)
					}
				}
				if tt.name == "broken record" && st.Skipped != 1 {
					t.Errorf("skipped = %d, want 1", st.Skipped)
				}
			}
		})
	}
}

func recordSize(b []byte, off int64) int {
	return int(binary.LittleEndian.Uint32(b[off+4:]))
}

func TestNotEVTX(t *testing.T) {
	for _, in := range []string{"", "hello", "PK\x03\x04 a zip", strings.Repeat("x", 5000)} {
		r := NewReader(strings.NewReader(in))
		r.Path = "notes.txt"
		_, err := r.Read()
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Path != "notes.txt" || pe.Chunk != -1 {
			t.Errorf("%q: err = %v, want a ParseError naming notes.txt", in, err)
		}
	}
}

// Close stops the goroutines of a Reader abandoned half way.
func TestCloseStopsWorkers(t *testing.T) {
	b := sample(t, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	before := runtime.NumGoroutine()
	for i := 0; i < 10; i++ {
		r := NewReader(bytes.NewReader(b))
		r.Workers = 4
		if _, err := r.Read(); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if _, err := r.Read(); !errors.Is(err, ErrClosed) && err != nil && len(r.cur.events) == 0 {
			t.Fatalf("Read after Close: %v", err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left running (before: %d)", n, before)
	}
}

// A reader that fails part way: the error names the file and the offset.
type failingReader struct {
	r io.Reader
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

// failingFile is a file whose bytes from n on cannot be read, by Read or
// ReadAt: an input the workers read at an offset.
type failingFile struct {
	*bytes.Reader
	n int64
}

func (f *failingFile) Read(p []byte) (int, error) {
	pos, _ := f.Seek(0, io.SeekCurrent)
	k, err := f.ReadAt(p, pos)
	f.Seek(pos+int64(k), io.SeekStart)
	if err == io.EOF && k > 0 {
		err = nil
	}
	return k, err
}

func (f *failingFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.n {
		return 0, errors.New("disk on fire")
	}
	short := int64(len(p)) > f.n-off
	if short {
		p = p[:f.n-off]
	}
	k, err := f.Reader.ReadAt(p, off)
	if err == nil && short {
		err = errors.New("disk on fire")
	}
	return k, err
}

func TestReadError(t *testing.T) {
	b := sample(t, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	for _, w := range []int{1, 3} {
		r := NewReader(&failingReader{r: bytes.NewReader(b), n: HeaderBlockSize + 3*ChunkSize + 100})
		r.Path = "x.evtx"
		r.Workers = w
		n := 0
		var err error
		for {
			_, err = r.Read()
			if err != nil {
				break
			}
			n++
		}
		r.Close()
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "disk on fire") || pe.Path != "x.evtx" {
			t.Fatalf("workers=%d: err = %v", w, err)
		}
		if n == 0 {
			t.Errorf("workers=%d: no event read before the failure", w)
		}
	}
}

// Inputs that end or fail at chunk and batch boundaries, and between them,
// read the same with one worker as with several: same events, same
// counters, same error.
func TestBoundariesSameWithWorkers(t *testing.T) {
	b := sample(t, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	if len(b) < HeaderBlockSize+(batchChunks+2)*ChunkSize {
		t.Skip("sample too small")
	}
	cuts := []int{
		HeaderBlockSize,
		HeaderBlockSize + 1,
		HeaderBlockSize + ChunkSize,
		HeaderBlockSize + 3*ChunkSize + 100,
		HeaderBlockSize + batchChunks*ChunkSize,
		HeaderBlockSize + batchChunks*ChunkSize - 1,
		HeaderBlockSize + batchChunks*ChunkSize + 1,
		HeaderBlockSize + (batchChunks+1)*ChunkSize,
		HeaderBlockSize + readPiece,
		HeaderBlockSize + readPiece + 1,
		HeaderBlockSize + batchChunks*ChunkSize + readPiece - 1,
	}
	type outcome struct {
		evs []Event
		st  Stats
		err string
	}
	read := func(in io.Reader, w int) outcome {
		r := NewReader(in)
		r.Path = "x.evtx"
		r.Workers = w
		defer r.Close()
		var o outcome
		for {
			ev, err := r.Read()
			if err != nil {
				if err != io.EOF {
					o.err = err.Error()
				}
				break
			}
			e := *ev
			e.Data = append([]string(nil), ev.Data...)
			o.evs = append(o.evs, e)
		}
		o.st = r.Stats()
		return o
	}
	for _, cut := range cuts {
		for _, how := range []string{"cut", "failing reader", "failing file"} {
			fails := how != "cut"
			mk := func() io.Reader {
				switch how {
				case "failing reader":
					return &failingReader{r: bytes.NewReader(b), n: cut}
				case "failing file":
					return &failingFile{Reader: bytes.NewReader(b), n: int64(cut)}
				}
				return bytes.NewReader(b[:cut])
			}
			want := read(mk(), 1)
			if fails && want.err == "" {
				t.Errorf("cut %d: %s gave no error", cut, how)
			}
			for _, w := range []int{2, 3} {
				got := read(mk(), w)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("cut %d, %s, workers=%d: %d events, err %q, stats %+v; workers=1: %d events, err %q, stats %+v",
						cut, how, w, len(got.evs), got.err, got.st, len(want.evs), want.err, want.st)
				}
			}
		}
	}
}
