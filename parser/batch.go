package parser

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Decoding with Workers > 1.
//
// The input is cut into batches of batchChunks chunks (fewer in a small
// file, see batchSize). Each worker goroutine takes the next batch from the
// input, in file order, and decodes it. From an io.Reader it copies the
// batch's bytes into a buffer of its own, and decodes them while they are
// still in its core's cache; the input is read by one worker at a time
// while the others decode. An input that can be read at an offset is read
// by the workers at once, a chunk at a time (see source). Read puts the
// batches back in file order.
//
// A token is held for each batch taken from the input and not yet returned
// by Read; there are tokensPerWorker×Workers of them. They bound the memory
// in flight, and keep the event slices the workers fill few enough to stay
// in cache until Read returns their events. An event slice goes back to the
// worker that filled it, so that a worker keeps writing to memory its core
// has written before.

// batchChunks is the number of chunks read and decoded as one unit of work
// with Workers > 1. Handing work between goroutines costs microseconds, as
// much as decoding a chunk whose records are mostly skipped; a batch of
// chunks makes that cost small. 16 chunks (1 MiB) measured best on the
// benchmark logs (bench/scan.sh): batches of 8 are handed over twice as
// often, batches of 32 leave the cache.
const batchChunks = 16

// minBatchChunks is the fewest chunks of a batch: a file whose chunks
// would make fewer than batchesPerWorker batches of batchChunks per worker
// is cut into smaller ones, down to this, so that its chunks are shared
// among the workers rather than decoded by one while the other waits.
const (
	minBatchChunks   = 4
	batchesPerWorker = 4
)

// minParallelChunks is the most chunks of a file decoded by the goroutine
// calling Read whatever the number of workers: below that, handing the
// batches over and the event slices in flight for each goroutine cost more
// than the second core saves (scan of 2,000 files of 17 chunks, paired
// whole-process runs on the loaded 2-core machine: 1.1x the wall time of
// one worker with two, medians of 3; in-process Command/scan of one
// 48-chunk sample: 0.84x, medians of 7).
const minParallelChunks = 2 * batchChunks

// batchSize returns the chunks per batch for a file of chunks chunks
// decoded by workers goroutines.
func batchSize(chunks, workers int) int {
	per := (chunks + batchesPerWorker*workers - 1) / (batchesPerWorker * workers)
	return min(max(per, minBatchChunks), batchChunks)
}

// tokensPerWorker is the number of batches in flight per worker. More
// tokens let the workers run further ahead of Read, but then the event
// slices they fill have left the cache when Read gets to them; one token
// per worker measured best. Two were measured again on the 1 GiB Entra
// log (scan --workers 2, paired whole-process runs, n=25, on the loaded
// 2-core machine): 1.05x the CPU and 1.15x the wall time of one, although
// execution traces show the goroutines idle less often with two.
const tokensPerWorker = 1

// ndjsonBatchesPerWorker is how many batches each decoding goroutine must
// get for a file to be decoded on several in NDJSON mode (dump), where the
// goroutine calling Read has nothing to do but write the lines: below
// that, a batch buffer and the lines of a whole batch per goroutine, the
// hand-overs and the garbage collection they bring cost more than the
// second core saves. Measured on the three largest samples (3.2 MB, 49
// chunks, whole dump --all processes, paired runs on the loaded 2-core
// machine): one goroutine took 0.69-0.73x the CPU and 0.64-0.67x the wall
// time of two.
const ndjsonBatchesPerWorker = 2

// readPiece is the most one read call asks of the input. Reading a whole
// batch (1 MiB) from the page cache in one system call takes long enough
// for the Go runtime to hand the worker's processor to another thread in
// the meantime, which costs more than the calls saved.
const readPiece = 128 << 10

// A job is a batch of chunks taken from the input: the bytes of up to
// batchChunks chunks, and the read error that ended them, if any.
type job struct {
	seq int   // index of the batch; its first chunk is seq*source.batch
	off int64 // input offset of the first chunk
	buf []byte
	n   int   // bytes read into buf
	err error // read error after the n bytes (not io.EOF)
	at  bool  // nothing read yet: the chunks are read with ReadAt (source.ra)
}

// A batch is the result of a job: one chunkResult for each chunk slot.
type batch struct {
	seq int
	res []chunkResult
}

// A source hands out the input in batches, in file order, to several
// goroutines. From an io.Reader it reads each batch itself, one at a time,
// into the buffer of the goroutine that takes it. From an input that can
// be read at an offset (ra set: a file), it only hands out the place of
// each batch: the goroutine that takes it reads the batch's chunks with
// ReadAt, one after another, each while it decodes none, so that the
// goroutines read at the same time and each chunk is decoded while its
// bytes are still in the cache of the core that read them.
type source struct {
	mu    sync.Mutex
	r     io.Reader
	off   int64 // input offset of the next batch
	seq   int   // index of the next batch
	end   bool  // the input is exhausted or failed
	batch int   // chunks per batch

	ra   io.ReaderAt // when set, batches are read with ReadAt
	base int64       // offset in ra of input offset 0

	// The goroutine that claims the source decodes the first batch
	// before the others start (see serve); ready is closed when it has.
	claimed   atomic.Bool
	ready     chan struct{}
	readyOnce sync.Once
}

// firstDone lets the other goroutines start.
func (s *source) firstDone() { s.readyOnce.Do(func() { close(s.ready) }) }

// take reads the next batch into buf (from an io.Reader), or hands out its
// place (from an io.ReaderAt). It returns false when the input has no more
// bytes.
func (s *source) take(buf []byte) (job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.end {
		return job{}, false
	}
	if s.ra != nil {
		j := job{seq: s.seq, off: s.off, at: true}
		s.off += int64(s.batch) * ChunkSize
		s.seq++
		return j, true
	}
	n, end, err := readFull(s.r, buf[:s.batch*ChunkSize])
	j := job{seq: s.seq, off: s.off, buf: buf, n: n, err: err}
	s.off += int64(n)
	s.seq++
	s.end = end
	if n == 0 && j.err == nil {
		return job{}, false
	}
	return j, true
}

// ended marks the input as exhausted: a ReadAt of a batch has met its end
// or failed, so no batch after it is handed out.
func (s *source) ended() {
	s.mu.Lock()
	s.end = true
	s.mu.Unlock()
}

// readFullAt reads len(buf) bytes at offset off of ra, as readFull reads
// from an io.Reader: end reports that the input ended there, at io.EOF
// (err nil) or at another error (returned).
func readFullAt(ra io.ReaderAt, buf []byte, off int64) (n int, end bool, err error) {
	return readFull(&offsetReader{ra: ra, off: off}, buf)
}

// An offsetReader reads ra from off on, as an io.Reader.
type offsetReader struct {
	ra  io.ReaderAt
	off int64
}

func (r *offsetReader) Read(p []byte) (int, error) {
	n, err := r.ra.ReadAt(p, r.off)
	r.off += int64(n)
	return n, err
}

// A worker decodes chunks: its decoder, its buffer for the bytes it reads,
// and the event slices of chunks it decoded that Read is done with.
type worker struct {
	dec  *chunkDecoder
	buf  []byte // made when first needed (buffer)
	free chan slot
}

// buffer returns the worker's buffer, of at least n bytes.
func (w *worker) buffer(n int) []byte {
	if len(w.buf) < n {
		w.buf = make([]byte, n)
	}
	return w.buf[:n]
}

// A slot is what a chunk is decoded into: an event slice and, in NDJSON
// mode, the buffer of the events' lines. Both go back to the worker that
// filled them once Read is done with the chunk.
type slot struct {
	events []Event
	out    []byte
}

// newWorker returns a worker with a buffer of size bytes (none yet when
// size is 0) that keeps up to slices event slices for reuse.
func newWorker(opts *decodeOptions, size, slices int) *worker {
	w := &worker{dec: newChunkDecoder(opts), free: make(chan slot, slices)}
	if size > 0 {
		w.buf = make([]byte, size)
	}
	return w
}

// decodeChunk decodes one chunk into an event slice of the worker's. A
// panic (a record's is damage, see decodeRecord; any other is a bug) ends
// the read with ErrInternal, instead of the process when on a worker
// goroutine.
func (w *worker) decodeChunk(b []byte, seq int, off int64, used, dirty bool) (res chunkResult) {
	defer func() {
		if v := recover(); v != nil {
			res = chunkResult{seq: seq, offset: off, end: off + int64(len(b)),
				err: fmt.Errorf("%w: %v\n%s", ErrInternal, v, debug.Stack())}
		}
	}()
	var sl slot
	select {
	case sl = <-w.free:
		// Cleared here rather than by the goroutine calling Read, which
		// has the events of every worker to go through: what the events
		// pointed to (data strings, prepared fields) is let go now.
		clear(sl.events)
		sl.events = sl.events[:0]
	default:
	}
	res = w.dec.decodeChunk(b, seq, off, used, dirty, sl)
	res.free = w.free
	return res
}

// decodeJob decodes the chunks of a job. A read error belongs to the chunk
// it cut short, which may hold no bytes at all.
func (w *worker) decodeJob(j job, src *source, dirty bool, used func(int) bool, stop *atomic.Bool) batch {
	out := batch{seq: j.seq, res: make([]chunkResult, 0, src.batch)}
	if j.at {
		return w.readAtJob(j, src, dirty, used, stop, out)
	}
	for i := 0; i*ChunkSize < j.n || (i*ChunkSize == j.n && j.err != nil); i++ {
		seq := j.seq*src.batch + i
		b := j.buf[i*ChunkSize : min((i+1)*ChunkSize, j.n)]
		off := j.off + int64(i*ChunkSize)
		res := chunkResult{seq: seq, offset: off, end: off}
		if len(b) > 0 {
			res = w.decodeChunk(b, seq, off, used(seq), dirty)
		}
		if len(b) < ChunkSize {
			res.err = j.err
		}
		out.res = append(out.res, res)
	}
	return out
}

// readAtJob reads the chunks of a job from src.ra one at a time, each
// decoded before the next is read, and ends the source at the end of the
// input or at a read error, which belong to the chunk they cut short as
// in decodeJob. A stopped Reader reads no further chunk.
func (w *worker) readAtJob(j job, src *source, dirty bool, used func(int) bool, stop *atomic.Bool, out batch) batch {
	buf := w.buffer(ChunkSize)
	for i := 0; i < src.batch; i++ {
		if stop.Load() {
			src.ended()
			break
		}
		seq := j.seq*src.batch + i
		off := j.off + int64(i*ChunkSize)
		n, end, err := readFullAt(src.ra, buf, src.base+off)
		if n == 0 && err == nil {
			src.ended()
			break
		}
		res := chunkResult{seq: seq, offset: off, end: off}
		if n > 0 {
			res = w.decodeChunk(buf[:n], seq, off, used(seq), dirty)
		}
		res.err, res.final = err, end
		out.res = append(out.res, res)
		if end {
			src.ended()
			break
		}
	}
	return out
}

// release hands the result's event slice back to the worker that filled it.
func (res *chunkResult) release() {
	if res.free != nil && res.events != nil {
		// The worker clears the events when it takes the slice again
		// (worker.decodeChunk): a few chunks' worth of them wait there.
		select {
		case res.free <- slot{res.events, res.out[:0]}:
		default:
		}
	}
	res.events, res.out = nil, nil
}

// startWorkers asks pool for n goroutines to decode the input. It reports
// false when the pool is closed.
func (r *Reader) startWorkers(pool *Pool, n int) bool {
	tokens := tokensPerWorker * pool.workers
	r.done = make(chan struct{})
	r.src = &source{r: r.r, off: r.offset, batch: r.batch, ready: make(chan struct{})}
	if ra, base, ok := readerAt(r.r); ok {
		r.src.ra, r.src.base = ra, base-r.offset
	}
	r.tokens = make(chan struct{}, tokens)
	r.results = make(chan batch, tokens) // a send never blocks: each batch holds a token
	r.pending = make(map[int]batch)
	return pool.submit(r, n)
}

// serve decodes batches of r's input on a pool goroutine, with its worker
// w, until the input ends or r or the pool is closed.
func (r *Reader) serve(w *worker, quit chan struct{}) {
	defer r.ticketDone()
	w.dec.opts = r.opts
	defer func() { w.dec.opts = nil }()
	first := r.src.claimed.CompareAndSwap(false, true)
	if first {
		defer r.src.firstDone()
	} else {
		// One goroutine decodes the first batch alone: the templates it
		// compiles go to the plan cache, where the others then find
		// them, instead of each compiling them again for its own first
		// batch (the most of the work in a small file).
		select {
		case <-r.src.ready:
		case <-r.done:
			return
		case <-quit:
			return
		}
	}
	for {
		select {
		case r.tokens <- struct{}{}:
		case <-r.done:
			return
		case <-quit:
			return
		}
		var buf []byte
		if r.src.ra == nil {
			buf = w.buffer(r.src.batch * ChunkSize)
		}
		j, ok := r.src.take(buf)
		if !ok {
			<-r.tokens
			return
		}
		r.results <- w.decodeJob(j, r.src, r.dirty, r.used, &r.stopped)
		if first {
			r.src.firstDone()
			first = false
		}
		// The goroutine calling Read may have been waiting for this
		// batch; it is now ready to run on this processor. Let it run
		// rather than make it wait for the next batch.
		runtime.Gosched()
	}
}

// readerAt returns the input as an io.ReaderAt, and the offset in it that
// reading goes on from, when it can be read at an offset: it is an
// io.ReaderAt and an io.Seeker (a file, a bytes.Reader) whose offset can
// be told. Pipes and terminals, which cannot seek, are read in order.
func readerAt(r io.Reader) (io.ReaderAt, int64, bool) {
	ra, ok := r.(io.ReaderAt)
	sk, ok2 := r.(io.Seeker)
	if !ok || !ok2 {
		return nil, 0, false
	}
	pos, err := sk.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, 0, false
	}
	return ra, pos, true
}

// exhausted reports whether the source has handed out all of its input.
func (s *source) exhausted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.end
}

// nextConcurrent returns the next chunk's result in file order.
func (r *Reader) nextConcurrent() (chunkResult, bool) {
	if r.ended {
		// The input ended with the last chunk returned: a batch read
		// after it (of a file that grew) is not.
		return chunkResult{}, false
	}
	for len(r.curBatch) == 0 {
		if b, ok := r.pending[r.next]; ok {
			delete(r.pending, r.next)
			r.next++
			<-r.tokens
			r.curBatch = b.res
			continue
		}
		select {
		case b, ok := <-r.results:
			if !ok {
				if !r.src.exhausted() && r.fatal == nil {
					r.fatal = ErrClosed // the pool was closed under the Reader
				}
				return chunkResult{}, false
			}
			r.pending[b.seq] = b
		case <-r.done:
			return chunkResult{}, false
		}
	}
	res := r.curBatch[0]
	r.curBatch[0] = chunkResult{}
	r.curBatch = r.curBatch[1:]
	r.ended = res.final
	return res, true
}
