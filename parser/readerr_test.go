package parser

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/input"
	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// manyRecords returns n records that fill several chunks.
func manyRecords(n int) []evtxwriter.Record {
	recs := make([]evtxwriter.Record, n)
	for i := range recs {
		recs[i] = hostileRecord("ADSync", i)
		recs[i].Data = append(recs[i].Data, fmt.Sprintf("%0200d", i))
	}
	return recs
}

// stickyErr reads b, then fails with err for ever, as an inflater does
// whose stream was cut.
type stickyErr struct {
	r   *bytes.Reader
	err error
}

func (s *stickyErr) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		return n, s.err
	}
	return n, err
}

// readWithDeadline reads r to its end (or error) on another goroutine and
// fails the test if that takes longer than d.
func readWithDeadline(t *testing.T, rd *Reader, d time.Duration) (events int, err error) {
	t.Helper()
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n := 0
		for {
			_, err := rd.Read()
			if err != nil {
				done <- result{n, err}
				return
			}
			n++
		}
	}()
	select {
	case res := <-done:
		return res.n, res.err
	case <-time.After(d):
		t.Fatalf("Read did not end within %v: a hang", d)
	}
	return 0, nil
}

// A read error ends the serial and the parallel path the same way: the
// events of the chunks read before it, then a *ParseError that wraps it and
// names the chunk and offset, and never an endless run of empty chunks.
func TestReadErrorEndsBothPaths(t *testing.T) {
	b := writeLog(t, evtxwriter.Options{}, manyRecords(1500))
	if len(b) < HeaderBlockSize+3*ChunkSize {
		t.Fatalf("fixture has %d bytes, want 3 chunks or more", len(b))
	}
	for _, cut := range []int{HeaderBlockSize + ChunkSize, HeaderBlockSize + ChunkSize + 1000, HeaderBlockSize + 2*ChunkSize - 1} {
		for _, cause := range []error{io.ErrUnexpectedEOF, errors.New("disk on fire")} {
			var want string
			var wantEvents int
			var wantStats Stats
			for _, workers := range []int{1, 2} {
				rd := NewReader(&stickyErr{bytes.NewReader(b[:cut]), cause})
				rd.Path = "cut.evtx"
				rd.Workers = workers
				n, err := readWithDeadline(t, rd, 20*time.Second)
				var pe *ParseError
				if !errors.As(err, &pe) || !errors.Is(err, cause) {
					t.Fatalf("cut %d, workers %d: error %v, want a ParseError wrapping %v", cut, workers, err, cause)
				}
				if pe.Path != "cut.evtx" || pe.Offset != int64(cut) || pe.Chunk != (cut-HeaderBlockSize)/ChunkSize {
					t.Errorf("cut %d, workers %d: error at chunk %d offset %d", cut, workers, pe.Chunk, pe.Offset)
				}
				st := rd.Stats()
				if workers == 1 {
					want, wantEvents, wantStats = err.Error(), n, st
					continue
				}
				if err.Error() != want || n != wantEvents || st.Records != wantStats.Records || st.Chunks != wantStats.Chunks ||
					st.Skipped != wantStats.Skipped || len(st.Damage) != len(wantStats.Damage) {
					t.Errorf("cut %d: workers 2 ended with %q after %d events %+v; workers 1 with %q after %d %+v",
						cut, err, n, st, want, wantEvents, wantStats)
				}
			}
		}
	}
}

// A zip entry whose deflate stream ends early, or whose declared size is
// larger than its data, or with flipped bytes, ends with an error under
// --workers 1 as under 2.
func TestBrokenZipEntryEnds(t *testing.T) {
	log := writeLog(t, evtxwriter.Options{}, manyRecords(1500))
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "Application.evtx", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(log)
	zw.Close()
	good := zbuf.Bytes()
	// The entry's data starts after its local header (30 bytes and the name).
	data := 30 + len("Application.evtx")
	cdir := bytes.LastIndex(good, []byte("PK\x01\x02"))

	cases := map[string][]byte{}
	{ // deflate stream cut in the middle, the directory kept
		b := append(bytes.Clone(good[:data+(cdir-data)/2]), good[cdir:]...)
		// fix the central directory offset in the end record
		eocd := bytes.LastIndex(b, []byte("PK\x05\x06"))
		putU32(b[eocd+16:], uint32(data+(cdir-data)/2))
		cases["cut-stream"] = b
	}
	{ // declared size larger than the data
		b := bytes.Clone(good)
		putU32(b[cdir+24:], uint32(len(log)+5*ChunkSize))
		cases["lying-size"] = b
	}
	{ // two flipped bytes inside the stream
		b := bytes.Clone(good)
		b[data+(cdir-data)/3] ^= 0xff
		b[data+(cdir-data)/3+1] ^= 0x55
		cases["flipped"] = b
	}
	for name, zb := range cases {
		path := filepath.Join(t.TempDir(), name+".zip")
		if err := os.WriteFile(path, zb, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{1, 2} {
			t.Run(name+"/w"+strconv.Itoa(workers), func(t *testing.T) {
				var readErr error
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				rep, err := input.NewWalker(input.Limits{}).Walk(ctx, []string{path}, func(it input.Item, r io.Reader) error {
					rd := NewReader(r)
					rd.Path = it.Path
					rd.Workers = workers
					_, readErr = readWithDeadline(t, rd, 20*time.Second)
					rd.Close()
					if readErr == io.EOF {
						return nil
					}
					return readErr
				})
				if err != nil {
					t.Fatalf("walk: %v", err)
				}
				if readErr == io.EOF && len(rep.Errors) == 0 {
					t.Fatalf("read cleanly, no error in the report")
				}
			})
		}
	}
}

func putU32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// Close from another goroutine, and the Context's end, stop a Reader within
// a record of the chunk being decoded, on both paths: once stopped, each
// decoder finishes at most the record at hand.
func TestStopWithinChunk(t *testing.T) {
	b := writeLog(t, evtxwriter.Options{}, manyRecords(1500))
	for _, workers := range []int{1, 2} {
		for _, how := range []string{"close", "context"} {
			ctx, cancel := context.WithCancel(context.Background())
			rd := NewReader(bytes.NewReader(b))
			rd.Workers = workers
			rd.Context = ctx
			var calls, after atomic.Int32
			// Prepare runs once per record decoded (Keep's answers are
			// remembered per provider).
			rd.Prepare = func(*Event) any {
				if rd.stopped.Load() {
					after.Add(1)
				}
				if calls.Add(1) == 10 {
					if how == "context" {
						cancel()
					} else if workers == 1 {
						rd.Close()
					} else {
						go rd.Close()
					}
					for !rd.stopped.Load() {
						runtime.Gosched()
					}
				}
				return nil
			}
			n, err := readWithDeadline(t, rd, 10*time.Second)
			want := ErrClosed
			if how == "context" {
				want = context.Canceled
			}
			if !errors.Is(err, want) {
				t.Errorf("workers %d, %s: Read ended with %v after %d events, want %v", workers, how, err, n, want)
			}
			if a := after.Load(); a > int32(workers) {
				t.Errorf("workers %d, %s: %d records decoded after the stop", workers, how, a)
			}
			if n >= 10 {
				t.Errorf("workers %d, %s: %d events returned, the stop came at the tenth record", workers, how, n)
			}
			rd.Close()
			cancel()
		}
	}
}

// A panic while a chunk is decoded (a bug: here a worker without options)
// ends the read with ErrInternal naming the chunk, on a worker goroutine
// as on the caller's, instead of killing the process.
func TestPanicInChunkIsInternal(t *testing.T) {
	w := newWorker(&decodeOptions{}, ChunkSize, 1)
	w.dec.opts = nil // every chunk now panics
	c := make([]byte, ChunkSize)
	copy(c, chunkMagic)
	res := w.decodeChunk(c, 3, HeaderBlockSize+3*ChunkSize, true, false)
	if !errors.Is(res.err, ErrInternal) || res.seq != 3 || res.offset != HeaderBlockSize+3*ChunkSize {
		t.Fatalf("result %+v", res)
	}
}
