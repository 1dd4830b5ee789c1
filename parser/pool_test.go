package parser

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// goroutinesBack waits for the number of goroutines to come back to n.
func goroutinesBack(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > n {
		t.Errorf("%d goroutines left running (before: %d)", got, n)
	}
}

// Files read one after another on one Pool give the events they give alone;
// the pool starts no more goroutines than its size, for all of them, and
// compiles each template once for the run.
func TestPoolAcrossFiles(t *testing.T) {
	big := sample(t, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	files := [][]byte{big, big[:HeaderBlockSize+3*ChunkSize], big}
	var want [][]Event
	for _, b := range files {
		evs, _, err := readBytes(t, b, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, evs)
	}
	before := runtime.NumGoroutine()
	pool := NewPool(2)
	misses := 0
	for i, b := range files {
		got, _, err := readBytesOpts(t, b, 0, func(r *Reader) {
			r.Path = "test.evtx"
			r.Pool = pool
		})
		if err != nil {
			t.Fatal(err)
		}
		for k := range got {
			got[k].JSON = nil
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("file %d: events differ from a Reader of its own", i)
		}
		if n := runtime.NumGoroutine(); n > before+2 {
			t.Errorf("file %d: %d goroutines, pool of 2 started from %d", i, n, before)
		}
		pool.cache.mu.Lock()
		if i == 0 {
			misses = pool.cache.misses
			if misses == 0 {
				t.Error("first file: no template compiled")
			}
		} else if pool.cache.misses != misses {
			t.Errorf("file %d: %d templates compiled again", i, pool.cache.misses-misses)
		}
		pool.cache.mu.Unlock()
	}
	pool.Close()
	goroutinesBack(t, before)
}

// A small file (one batch) is decoded by the goroutine calling Read: the
// pool starts no goroutine for it.
func TestPoolSmallFileNoGoroutine(t *testing.T) {
	big := sample(t, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	small := append([]byte(nil), big[:HeaderBlockSize+2*ChunkSize]...)
	// The header's chunk count says 2.
	small[42], small[43] = 2, 0
	binary.LittleEndian.PutUint32(small[124:], crc32.ChecksumIEEE(small[:120]))
	pool := NewPool(4)
	defer pool.Close()
	r := NewReader(bytes.NewReader(small))
	r.Pool = pool
	for {
		if _, err := r.Read(); err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
	}
	r.Close()
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.running != 0 {
		t.Errorf("%d goroutines started for a file of 2 chunks", pool.running)
	}
}

// A file is decoded on the pool's goroutines when it has a batch for
// each and more than minParallelChunks chunks (a small file is cut into
// batches of down to minBatchChunks), and in NDJSON
// mode (dump) when it has ndjsonBatchesPerWorker batches of batchChunks
// for each; else by the goroutine calling Read.
func TestPoolGoroutinesForFileSize(t *testing.T) {
	big := sample(t, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	have := (len(big) - HeaderBlockSize) / ChunkSize
	file := func(chunks int) []byte {
		b := append([]byte(nil), big[:HeaderBlockSize]...)
		for i := 0; i < chunks; i++ {
			off := HeaderBlockSize + i%have*ChunkSize
			b = append(b, big[off:off+ChunkSize]...)
		}
		binary.LittleEndian.PutUint16(b[42:], uint16(chunks))
		binary.LittleEndian.PutUint32(b[124:], crc32.ChecksumIEEE(b[:120]))
		return b
	}
	cases := []struct {
		chunks      int
		ndjson      bool
		wantRunning int
	}{
		{minParallelChunks, false, 0},
		{minParallelChunks + 1, false, 2},
		{48, false, 2},
		{2*ndjsonBatchesPerWorker*batchChunks - 1, true, 0},
		{ndjsonBatchesPerWorker*batchChunks - 1, true, 0},
		{2 * ndjsonBatchesPerWorker * batchChunks, true, 2},
	}
	for _, c := range cases {
		pool := NewPool(2)
		r := NewReader(bytes.NewReader(file(c.chunks)))
		r.Pool = pool
		r.NDJSON = c.ndjson
		n := 0
		for {
			if _, err := r.Read(); err != nil {
				if err != io.EOF {
					t.Fatal(err)
				}
				break
			}
			n++
		}
		r.Close()
		pool.mu.Lock()
		running := pool.running
		pool.mu.Unlock()
		pool.Close()
		if running != c.wantRunning || n == 0 {
			t.Errorf("%d chunks, NDJSON %v: %d goroutines started (want %d), %d events", c.chunks, c.ndjson, running, c.wantRunning, n)
		}
	}
}

// Readers on several goroutines share a Pool; each gets its own events.
func TestPoolConcurrentReaders(t *testing.T) {
	big := sample(t, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	want, _, err := readBytes(t, big, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	pool := NewPool(2)
	defer pool.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, _, err := readBytesOpts(t, big, 0, func(r *Reader) {
				r.Path = "test.evtx"
				r.Pool = pool
			})
			for k := range got {
				got[k].JSON = nil
			}
			if err == nil && !reflect.DeepEqual(got, want) {
				err = errors.New("events differ")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Closing the Pool under a Reader makes Read fail with ErrClosed, not end
// as if the file were read; no goroutine stays.
func TestPoolClosedUnderReader(t *testing.T) {
	one := sample(t, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	// Its chunks 20 times over: more batches than the pool holds in flight.
	big := append([]byte(nil), one[:HeaderBlockSize]...)
	for i := 0; i < 20; i++ {
		big = append(big, one[HeaderBlockSize:]...)
	}
	// The header counts them all, so that they are decoded on the pool.
	binary.LittleEndian.PutUint16(big[42:], uint16((len(big)-HeaderBlockSize)/ChunkSize))
	binary.LittleEndian.PutUint32(big[124:], crc32.ChecksumIEEE(big[:120]))
	before := runtime.NumGoroutine()
	pool := NewPool(2)
	r := NewReader(bytes.NewReader(big))
	r.Pool = pool
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	var err error
	for err == nil {
		_, err = r.Read()
	}
	if !errors.Is(err, ErrClosed) {
		t.Errorf("Read after the pool's Close: %v, want ErrClosed", err)
	}
	r.Close()
	goroutinesBack(t, before)
	// A Reader started on a closed pool fails at once.
	r = NewReader(bytes.NewReader(big))
	r.Pool = pool
	if _, err := r.Read(); !errors.Is(err, ErrClosed) {
		t.Errorf("Read on a closed pool: %v, want ErrClosed", err)
	}
}

// Prepare runs on every event kept, with 1 and 2 workers, and its result
// rides on the event; events left out by Keep are not prepared.
func TestPrepare(t *testing.T) {
	b := sample(t, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	for _, w := range []int{1, 2} {
		var calls atomic.Int64
		kept := 0
		r := NewReader(bytes.NewReader(b))
		r.Workers = w
		r.Keep = func(p string) bool { return len(p)%2 == 0 }
		r.Prepare = func(ev *Event) any {
			calls.Add(1)
			return ev.RecordID * 3
		}
		for {
			ev, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			kept++
			if got, ok := ev.Prepared.(uint64); !ok || got != ev.RecordID*3 {
				t.Fatalf("w%d: record %d: Prepared = %v", w, ev.RecordID, ev.Prepared)
			}
		}
		if kept == 0 || calls.Load() != int64(kept) {
			t.Errorf("w%d: Prepare called %d times for %d events kept", w, calls.Load(), kept)
		}
	}
}

// BenchmarkPerFile is the cost of one file of a run over many: a Reader of
// its own (goroutines, batch buffers, plan cache made for the file) against
// a Reader on the run's Pool. One op reads the file once, writeback sources
// only, as scan does.
func BenchmarkPerFile(b *testing.B) {
	data := sample(b, "hayabusa/DeepBlueCLI_many-events-application.evtx")
	read := func(b *testing.B, pool *Pool, workers int) {
		r := NewReader(bytes.NewReader(data))
		r.Workers = workers
		r.Pool = pool
		r.Keep = Writeback
		for {
			if _, err := r.Read(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
		r.Close()
	}
	for _, w := range []int{1, 2} {
		b.Run("own/workers="+strconv.Itoa(w), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				read(b, nil, w)
			}
		})
		b.Run("pool/workers="+strconv.Itoa(w), func(b *testing.B) {
			pool := NewPool(w)
			defer pool.Close()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				read(b, pool, 0)
			}
		})
	}
}
