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
// With Workers > 1 the Reader decodes chunks on that many goroutines; it
// holds at most 2×Workers chunks in flight. The goroutines end when Read
// returns an error (io.EOF included) or when Close is called.
//
// The fields may be set after NewReader and before the first call to Read.
type Reader struct {
	// Path names the input in events and errors.
	Path string
	// Workers is the number of chunk decoders; 0 means GOMAXPROCS. With 1,
	// chunks are decoded by the goroutine calling Read.
	Workers int
	// Keep, when set, selects records by provider name (or event source
	// name) before the rest of the record is decoded.
	Keep func(provider string) bool

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
	results  chan chunkResult
	tokens   chan struct{}
	pending  map[int]chunkResult
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
// call to Read.
func (r *Reader) Read() (*Event, error) {
	if err := r.start(); err != nil {
		return nil, err
	}
	for r.curIdx >= len(r.cur.events) {
		if r.fatal != nil {
			return nil, r.fatal
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
	}
	off := r.offset
	b, err := r.readChunk(r.buf)
	if b == nil && err == nil {
		return chunkResult{}, false
	}
	res := decodeChunk(b, r.seq, off, r.Path, r.used(r.seq), r.stats.Header.Dirty(), r.Keep)
	res.err = err
	r.seq++
	return res, true
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

type job struct {
	seq  int
	off  int64
	b    []byte
	err  error
	used bool
}

func (r *Reader) startWorkers() {
	w := r.Workers
	r.done = make(chan struct{})
	r.tokens = make(chan struct{}, 2*w)
	r.results = make(chan chunkResult, 2*w)
	r.pending = make(map[int]chunkResult)
	jobs := make(chan job, w)
	free := make(chan []byte, 2*w+1)
	path, keep, dirty := r.Path, r.Keep, r.stats.Header.Dirty()

	r.wg.Add(1)
	go func() { // feeder: reads chunks in order
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
				buf = make([]byte, ChunkSize)
			}
			off := r.offset
			b, err := r.readChunk(buf)
			if b == nil && err == nil {
				<-r.tokens
				return
			}
			select {
			case jobs <- job{seq: seq, off: off, b: b, err: err, used: r.used(seq)}:
			case <-r.done:
				return
			}
			if err != nil || len(b) < ChunkSize {
				return
			}
		}
	}()

	var workers sync.WaitGroup
	workers.Add(w)
	for i := 0; i < w; i++ {
		go func() {
			defer workers.Done()
			for j := range jobs {
				res := decodeChunk(j.b, j.seq, j.off, path, j.used, dirty, keep)
				res.err = j.err
				if cap(j.b) == ChunkSize {
					select {
					case free <- j.b[:ChunkSize]:
					default:
					}
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

func (r *Reader) nextConcurrent() (chunkResult, bool) {
	for {
		if res, ok := r.pending[r.next]; ok {
			delete(r.pending, r.next)
			r.next++
			<-r.tokens
			return res, true
		}
		select {
		case res, ok := <-r.results:
			if !ok {
				return chunkResult{}, false
			}
			r.pending[res.seq] = res
		case <-r.done:
			return chunkResult{}, false
		}
	}
}
