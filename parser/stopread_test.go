package parser

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// endless is a log that never ends: its header, then its chunks over and
// over (standard input fed by a program that keeps writing). It counts the
// bytes read.
type endless struct {
	header, chunks []byte
	off            int64
	read           atomic.Int64
}

func (e *endless) Read(p []byte) (int, error) {
	var n int
	for n < len(p) {
		var src []byte
		if h := int64(len(e.header)); e.off < h {
			src = e.header[e.off:]
		} else {
			src = e.chunks[(e.off-h)%int64(len(e.chunks)):]
		}
		k := copy(p[n:], src)
		n += k
		e.off += int64(k)
	}
	e.read.Add(int64(n))
	return n, nil
}

// Once stopped (Close or the Context's end), a Reader reads no further
// chunk of its input, on the serial path as on the concurrent one: an
// endless standard input does not keep it busy. (The serial path used to
// go on reading and skipping chunks until the input ended when the chunk
// at hand had no event to return: a signal during a read of standard
// input let the process run to the one-second cap.)
func TestStopReadsNoMoreInput(t *testing.T) {
	b := writeLog(t, evtxwriter.Options{}, manyRecords(1500))
	h, _ := parseFileHeader(b)
	// The header of the endless log counts the most chunks it can, so
	// that two workers do decode it concurrently.
	header := append([]byte(nil), b[:HeaderBlockSize]...)
	binary.LittleEndian.PutUint16(header[42:], 0xffff)
	binary.LittleEndian.PutUint32(header[124:], crc32.ChecksumIEEE(header[:120]))
	for _, tc := range []struct {
		name    string
		workers int
		how     string
	}{
		{"serial/context", 1, "context"},
		{"serial/close", 1, "close"},
		{"concurrent/context", 2, "context"},
		{"concurrent/close", 2, "close"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src := &endless{header: header, chunks: b[HeaderBlockSize : HeaderBlockSize+int(h.ChunkCount)*ChunkSize]}
			rd := NewReader(src)
			rd.Workers = tc.workers
			rd.Context = ctx
			defer rd.Close()
			var atStop atomic.Int64
			var calls atomic.Int32
			rd.Keep = func(string) bool {
				if calls.Add(1) == 10 {
					atStop.Store(src.read.Load())
					if tc.how == "context" {
						cancel()
					} else {
						go rd.Close()
					}
					for !rd.stopped.Load() {
						time.Sleep(time.Millisecond)
					}
				}
				// Nothing is kept (a log of other sources): the chunk
				// being decoded at the stop has no event to return.
				return false
			}
			_, err := readWithDeadline(t, rd, 10*time.Second)
			want := ErrClosed
			if tc.how == "context" {
				want = context.Canceled
			}
			if !errors.Is(err, want) {
				t.Fatalf("Read ended with %v, want %v", err, want)
			}
			// The workers may have a batch of chunks in hand; nothing
			// reads on after the stop.
			limit := int64(2*batchChunks*tc.workers) * ChunkSize
			if more := src.read.Load() - atStop.Load(); more > limit {
				t.Errorf("%d bytes (%d chunks) read after the stop, want at most %d chunks", more, more/ChunkSize, limit/ChunkSize)
			}
			t.Logf("%d chunks read after the stop", (src.read.Load()-atStop.Load())/ChunkSize)
		})
	}
}
