package parser

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Stats counts what a Reader found in its input.
type Stats struct {
	Header      FileHeader
	Chunks      int           // chunk slots read, empty ones included
	EmptyChunks int           // chunks that were all zero (unused space)
	Records     int           // record structures found
	Events      int           // events returned by Read
	Filtered    int           // records left out by Keep
	Skipped     int           // records or damaged areas that could not be read
	Damage      []*ParseError // every problem found, in file order
	// First and Last are the earliest and latest times records were
	// written, over every record found, the filtered ones included: the
	// span the log covers.
	First, Last time.Time
}

// Damaged reports whether any damage was found.
func (s *Stats) Damaged() bool { return len(s.Damage) > 0 }

// A Reader reads the events of an EVTX file from an io.Reader that need not
// seek. It reads the file header, then the 64 KiB chunks one after another,
// and returns their events in file order. Damage (bad checksums, bad magic,
// broken records, a truncated file) does not stop it: every record that can
// be read is returned, and the rest is counted in Stats.
//
// A template definition is compiled once per file, not once per chunk:
// identical definitions in later chunks reuse the first one's compiled form
// when the names it refers to are the same there too.
//
// With Workers > 1 the Reader reads the input on a goroutine of its own, in
// batches of 8 chunks (512 KiB), and decodes the batches on Workers
// goroutines; it holds at most 2×Workers batches in flight. Reading, or
// inflating when the input is a zip entry, overlaps decoding. The
// goroutines end when Read returns an error (io.EOF included) or when Close
// is called.
//
// The fields may be set after NewReader and before the first call to Read.
type Reader struct {
	// Path names the input in events and errors.
	Path string
	// Workers is the number of chunk decoders; 0 means GOMAXPROCS. With 1,
	// chunks are decoded by the goroutine calling Read.
	Workers int
	// Keep, when set, selects records by provider name (or event source
	// name) before the rest of the record is decoded. With Workers > 1 it
	// is called from several goroutines at once.
	Keep func(provider string) bool
	// NeedData, when set, tells for each event Keep kept whether its data
	// strings are wanted, from its provider (as in Event.Provider) and event
	// id. When it returns false, Event.Data is left nil and the strings are
	// not decoded; the System fields are filled all the same. A record that
	// Keep leaves out or whose data is not wanted costs no allocation. With
	// Workers > 1 it is called from several goroutines at once.
	NeedData func(provider string, eventID uint16) bool
	// SampleData, when set, names the events whose data strings are wanted
	// for a sample only, where NeedData declines them: the first
	// SampleSize events of each chunk with a given provider and id get
	// their Data, the others not. The sample does not depend on the number of workers. With
	// Workers > 1 it is called from several goroutines at once.
	SampleData func(provider string, eventID uint16) bool

	// noPlanCache turns off the sharing of template plans across chunks
	// (for tests).
	noPlanCache bool
	opts        *decodeOptions
	dec         *chunkDecoder // sequential mode
	evFree      chan []Event  // event slices of chunks read, to reuse

	r       io.Reader
	started bool
	fatal   error
	stats   Stats
	offset  int64 // bytes consumed by the chunk loop
	inOff   int64 // end of the chunk of the last event returned
	cur     chunkResult
	curIdx  int

	// sequential mode
	seq int
	buf []byte

	// concurrent mode
	done     chan struct{}
	results  chan batch
	tokens   chan struct{}
	pending  map[int]batch
	curBatch []chunkResult
	next     int
	wg       sync.WaitGroup
	closeOne sync.Once
}

// NewReader returns a Reader reading EVTX data from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r}
}

// Writeback reports whether a provider is one of the sources that password
// writeback logs to: PasswordResetService, ADSync, Directory Synchronization.
func Writeback(provider string) bool {
	switch len(provider) {
	case len("PasswordResetService"), len("ADSync"), len("Directory Synchronization"):
		return strings.EqualFold(provider, "PasswordResetService") ||
			strings.EqualFold(provider, "ADSync") ||
			strings.EqualFold(provider, "Directory Synchronization")
	}
	return false
}

// Header returns the file header, reading it if Read has not yet been called.
func (r *Reader) Header() (FileHeader, error) {
	if err := r.start(); err != nil {
		return FileHeader{}, err
	}
	return r.stats.Header, nil
}

// Stats returns the counters so far. After Read has returned io.EOF they
// cover the whole input.
func (r *Reader) Stats() Stats {
	s := r.stats
	s.Damage = append([]*ParseError(nil), r.stats.Damage...)
	return s
}

// InputOffset returns the offset in the input of the end of the chunk that
// holds the last event returned by Read.
func (r *Reader) InputOffset() int64 { return r.inOff }

func (r *Reader) start() error {
	if r.started {
		return r.fatal
	}
	r.started = true
	hb := make([]byte, HeaderBlockSize)
	n, err := io.ReadFull(r.r, hb)
	r.offset = int64(n)
	if n < 128 {
		if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = ErrTruncated
			if n >= 8 && string(hb[:8]) != string(fileMagic) || n == 0 {
				err = ErrNotEVTX
			}
		}
		r.fatal = &ParseError{Path: r.Path, Chunk: -1, Offset: int64(n), Err: err}
		return r.fatal
	}
	h, ok := parseFileHeader(hb[:n])
	if !ok {
		r.fatal = &ParseError{Path: r.Path, Chunk: -1, Offset: 0, Err: ErrNotEVTX}
		return r.fatal
	}
	r.stats.Header = h
	if !h.ChecksumOK {
		r.stats.Damage = append(r.stats.Damage, &ParseError{Path: r.Path, Chunk: -1, Offset: 124, Err: ErrHeaderCRC})
	}
	if n < HeaderBlockSize {
		r.stats.Damage = append(r.stats.Damage, &ParseError{Path: r.Path, Chunk: -1, Offset: int64(n),
			Err: fmt.Errorf("%w: file ends inside the header block", ErrTruncated)})
		r.fatal = io.EOF
		return nil
	}
	if r.Workers <= 0 {
		r.Workers = runtime.GOMAXPROCS(0)
	}
	r.opts = &decodeOptions{path: r.Path, keep: r.Keep, needData: r.NeedData, sampleData: r.SampleData}
	r.evFree = make(chan []Event, 2*(r.Workers+1)*batchChunks)
	if !r.noPlanCache {
		r.opts.cache = newPlanCache()
	}
	if r.Workers > 1 {
		r.startWorkers()
	}
	return nil
}

// readChunk reads the next chunk slot. It returns a nil slice at the end.
func (r *Reader) readChunk(buf []byte) ([]byte, error) {
	n, err := io.ReadFull(r.r, buf)
	r.offset += int64(n)
	switch {
	case n == 0 && (err == io.EOF || err == nil):
		return nil, nil
	case errors.Is(err, io.ErrUnexpectedEOF):
		return buf[:n], nil
	case err != nil:
		return buf[:n], err
	}
	return buf, nil
}

func (r *Reader) used(seq int) bool {
	return seq < int(r.stats.Header.ChunkCount)
}

// Read returns the next event. It returns io.EOF at the end of the input,
// and an error for input that is not EVTX or cannot be read; damage inside
// the file is not an error (see Stats). The Event is valid until the next
// call to Read, which may reuse it: copy what is kept. Its strings and its
// Data slice are not reused and may be kept.
func (r *Reader) Read() (*Event, error) {
	if err := r.start(); err != nil {
		return nil, err
	}
	for r.curIdx >= len(r.cur.events) {
		if r.fatal != nil {
			return nil, r.fatal
		}
		if r.cur.events != nil {
			// Every event of the chunk has been returned; the next call
			// to Read ends their validity, so the slice can be reused.
			select {
			case r.evFree <- r.cur.events[:0]:
			default:
			}
			r.cur.events = nil
		}
		res, ok := r.nextChunk()
		if !ok {
			if r.fatal == nil {
				r.fatal = io.EOF
			}
			r.Close()
			return nil, r.fatal
		}
		r.account(res)
	}
	ev := &r.cur.events[r.curIdx]
	r.curIdx++
	r.stats.Events++
	r.inOff = r.cur.end
	return ev, nil
}

func (r *Reader) account(res chunkResult) {
	r.cur, r.curIdx = res, 0
	if res.err != nil {
		r.fatal = &ParseError{Path: r.Path, Chunk: res.seq, Offset: res.end, Err: res.err}
	}
	if res.end > res.offset {
		r.stats.Chunks++
	}
	if res.empty {
		r.stats.EmptyChunks++
	}
	r.stats.Records += res.records
	r.stats.Skipped += res.skipped
	r.stats.Filtered += res.filtered
	r.stats.Damage = append(r.stats.Damage, res.damage...)
	if res.first != 0 {
		if t := fileTime(res.first); r.stats.First.IsZero() || t.Before(r.stats.First) {
			r.stats.First = t
		}
		if t := fileTime(res.last); t.After(r.stats.Last) {
			r.stats.Last = t
		}
	}
}

func (r *Reader) nextChunk() (chunkResult, bool) {
	if r.Workers > 1 {
		return r.nextConcurrent()
	}
	if r.buf == nil {
		r.buf = make([]byte, ChunkSize)
		r.dec = newChunkDecoder(r.opts)
	}
	off := r.offset
	b, err := r.readChunk(r.buf)
	if b == nil && err == nil {
		return chunkResult{}, false
	}
	res := r.dec.decodeChunk(b, r.seq, off, r.used(r.seq), r.stats.Header.Dirty(), r.freeEvents())
	res.err = err
	r.seq++
	return res, true
}

// freeEvents returns an event slice to reuse, or nil.
func (r *Reader) freeEvents() []Event {
	select {
	case evs := <-r.evFree:
		return evs
	default:
		return nil
	}
}

// Close stops the Reader's goroutines. It does not close the io.Reader.
func (r *Reader) Close() error {
	r.closeOne.Do(func() {
		if r.done != nil {
			close(r.done)
			r.wg.Wait()
		}
		if r.fatal == nil {
			r.fatal = ErrClosed
		}
	})
	return nil
}

// batchChunks is the number of chunks read and decoded as one unit of work
// with Workers > 1. Handing work between goroutines costs a few
// microseconds, as much as decoding a chunk whose records are mostly
// skipped; a batch of chunks makes that cost small.
const batchChunks = 8

// A job is a batch of chunks read by the feeder: the bytes of up to
// batchChunks chunks, and the read error that ended them, if any.
type job struct {
	seq int   // index of the batch; its first chunk is seq*batchChunks
	off int64 // file offset of the first chunk
	buf []byte
	n   int   // bytes read into buf
	err error // read error after the n bytes (not io.EOF)
}

// A batch is the result of a job: one chunkResult for each chunk slot.
type batch struct {
	seq int
	res []chunkResult
}

// decodeJob decodes the chunks of a job. A read error belongs to the chunk
// it cut short, which may hold no bytes at all.
func decodeJob(dec *chunkDecoder, j job, dirty bool, used func(int) bool, evs func() []Event) batch {
	out := batch{seq: j.seq}
	for i := 0; i*ChunkSize < j.n || (i*ChunkSize == j.n && j.err != nil); i++ {
		seq := j.seq*batchChunks + i
		b := j.buf[i*ChunkSize : min((i+1)*ChunkSize, j.n)]
		res := dec.decodeChunk(b, seq, j.off+int64(i*ChunkSize), used(seq), dirty, evs())
		if len(b) < ChunkSize {
			res.err = j.err
		}
		out.res = append(out.res, res)
	}
	return out
}

// startWorkers starts the feeder, which reads batches of chunks in file
// order, and the workers, which decode them; Read puts the batches back in
// order.
func (r *Reader) startWorkers() {
	w := r.Workers
	r.done = make(chan struct{})
	r.tokens = make(chan struct{}, 2*w)
	r.results = make(chan batch, 2*w)
	r.pending = make(map[int]batch)
	jobs := make(chan job, w)
	free := make(chan []byte, 2*w+1)
	opts, dirty := r.opts, r.stats.Header.Dirty()

	r.wg.Add(1)
	go func() { // feeder: reads batches of chunks in order
		defer r.wg.Done()
		defer close(jobs)
		for seq := 0; ; seq++ {
			select {
			case r.tokens <- struct{}{}:
			case <-r.done:
				return
			}
			var buf []byte
			select {
			case buf = <-free:
			default:
				buf = make([]byte, batchChunks*ChunkSize)
			}
			off := r.offset
			n, err := io.ReadFull(r.r, buf)
			r.offset += int64(n)
			last := err != nil
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				err = nil
			}
			if n == 0 && err == nil {
				<-r.tokens
				return
			}
			select {
			case jobs <- job{seq: seq, off: off, buf: buf, n: n, err: err}:
			case <-r.done:
				return
			}
			if last {
				return
			}
		}
	}()

	var workers sync.WaitGroup
	workers.Add(w)
	for i := 0; i < w; i++ {
		go func() {
			defer workers.Done()
			dec := newChunkDecoder(opts)
			for j := range jobs {
				res := decodeJob(dec, j, dirty, r.used, r.freeEvents)
				select {
				case free <- j.buf:
				default:
				}
				select {
				case r.results <- res:
				case <-r.done:
					return
				}
			}
		}()
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		workers.Wait()
		close(r.results)
	}()
}

// nextConcurrent returns the next chunk's result in file order.
func (r *Reader) nextConcurrent() (chunkResult, bool) {
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
	return res, true
}
