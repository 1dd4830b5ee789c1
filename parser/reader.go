package parser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	Damage      []*ParseError // the problems found, in file order: the first MaxDamage
	// MoreDamage counts the problems found past the first MaxDamage, which
	// are not kept: a hostile file can hold a broken record every few bytes.
	MoreDamage int
	// First and Last are the earliest and latest times records were
	// written, over every record found, the filtered ones included: the
	// span the log covers.
	First, Last time.Time
}

// Damaged reports whether any damage was found.
func (s *Stats) Damaged() bool { return len(s.Damage) > 0 }

// MaxDamage is how many problems Stats keeps per file; the rest are counted
// in MoreDamage.
const MaxDamage = 1000

// addDamage keeps d, or counts it once MaxDamage are kept.
func (s *Stats) addDamage(d ...*ParseError) {
	keep := min(len(d), max(MaxDamage-len(s.Damage), 0))
	s.Damage = append(s.Damage, d[:keep]...)
	s.MoreDamage += len(d) - keep
}

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
// With Workers > 1 the Reader decodes on Workers goroutines of its own, each
// of which takes the next batch of up to 16 chunks (1 MiB; fewer in a small
// file, so that each goroutine gets some) of the input in turn and decodes
// it while the others read or decode theirs; it holds at most Workers such
// batches in flight, and Read returns their events in file order. An input
// that can be read at an offset (an io.ReaderAt and io.Seeker, as a file)
// is read by the goroutines at once, each reading its batch with ReadAt a
// chunk at a time, from the input's offset at the first Read; any other
// (a zip entry, standard input) one batch at a time, reading or inflating
// overlapping the decoding. The goroutines end when Read returns an error
// (io.EOF included) or when Close is called.
//
// The fields may be set after NewReader and before the first call to Read.
type Reader struct {
	// Path names the input in events and errors.
	Path string
	// Workers is the number of chunk decoders; 0 means GOMAXPROCS. With 1,
	// chunks are decoded by the goroutine calling Read.
	Workers int
	// Keep, when set, selects records by provider name (or event source
	// name) before the rest of the record is decoded. Its answer must
	// depend on the name only: a decoder tells it again for a name it
	// asked about before in the chunk, instead of asking per record. With Workers > 1 it is called from several
	// goroutines at once.
	Keep func(provider string) bool
	// NeedData, when set, tells for each event Keep kept whether its data
	// strings are wanted, from its provider (as in Event.Provider) and event
	// id. When it returns false, Event.Data is left nil and the strings are
	// not decoded; the System fields are filled all the same. A record that
	// Keep leaves out or whose data is not wanted costs no allocation. Its
	// answer must depend on its arguments only: a decoder tells it again
	// for a provider and id it asked about before in the chunk. With
	// Workers > 1 it is called from several goroutines at once.
	NeedData func(provider string, eventID uint16) bool
	// SampleData, when set, names the events whose data strings are wanted
	// for a sample only, where NeedData declines them: the first
	// SampleSize events of each chunk with a given provider and id get
	// their Data, the others not. The sample does not depend on the number
	// of workers. As NeedData's, its answer must depend on its arguments
	// only. With Workers > 1 it is called from several goroutines at once.
	SampleData func(provider string, eventID uint16) bool
	// NDJSON, when set, has the decoding goroutines encode each event kept
	// as one line of NDJSON into Event.JSON, straight from the record's
	// bytes; Event.Data is then left nil (its strings are in the line). The
	// line holds the members of Event as encoding/json writes them with
	// HTML escaping off, but for "time", written with seven fractional
	// digits (JSONTimeLayout), and "keywords", a hexadecimal string
	// ("0x80000000000000"). The data strings are those Event.Data would
	// hold, and "data" is null when it would be nil.
	NDJSON bool
	// Prepare, when set, is run on each event kept, on the goroutine that
	// decoded it, once its fields are filled; what it returns rides on the
	// event as Event.Prepared. It moves per-event work of the consumer
	// (field extraction, say) off the goroutine calling Read, onto the
	// decoders. With Workers > 1 it is called from several goroutines at
	// once; it must not keep ev.
	Prepare func(ev *Event) any
	// Skip names System fields the consumer does not read: they are not
	// decoded, and are left zero in the events. The NDJSON lines hold
	// every field whatever Skip says.
	Skip Field
	// Pool, when set, is the pool of decoding goroutines, buffers and
	// template plans the Reader shares with the other Readers of a run; its
	// size takes the place of Workers. Without one, a Reader with Workers > 1
	// makes a pool of its own, which Close stops.
	Pool *Pool
	// Context, when set, stops the Reader once it is done: Read returns
	// its error, within a record of the chunk being decoded.
	Context context.Context

	// noPlanCache turns off the sharing of template plans across chunks
	// (for tests).
	noPlanCache bool
	opts        *decodeOptions
	self        *worker // sequential mode: the decoder of the goroutine calling Read

	r        io.Reader
	started  bool
	fatal    error
	stats    Stats
	offset   int64 // bytes consumed by the chunk loop (sequential mode)
	inputEnd bool  // the input has ended (sequential mode)
	inOff    int64 // end of the chunk of the last event returned
	cur      chunkResult
	curIdx   int
	batch    int // chunks per batch (concurrent mode)
	seq      int // next chunk (sequential mode)

	pool  *Pool // Pool, or the Reader's own
	own   *Pool // the Reader's own pool, or nil
	dirty bool  // the file header is flagged dirty

	// concurrent mode: see batch.go
	active   atomic.Int32 // pool goroutines serving the Reader, or asked for
	src      *source
	done     chan struct{}
	results  chan batch
	tokens   chan struct{}
	pending  map[int]batch
	curBatch []chunkResult
	next     int
	ended    bool // the last chunk returned ended the input
	wg       sync.WaitGroup
	closeOne sync.Once
	life     sync.Mutex  // held by start and Close: either runs first
	stopped  atomic.Bool // Close was called or Context is done
	unhook   func() bool // undoes the Context's hook
}

// NewReader returns a Reader reading EVTX data from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r}
}

// Providers returns a Keep filter that keeps the events of the named
// providers (sources), whose names Windows compares without regard to case.
// The names are compared byte for byte first, as most logs spell them as
// registered; case is folded only for a name of the same length.
func Providers(names ...string) func(provider string) bool {
	names = slices.Clone(names)
	return func(provider string) bool {
		for _, n := range names {
			if provider == n {
				return true
			}
		}
		for _, n := range names {
			if len(provider) == len(n) && strings.EqualFold(provider, n) {
				return true
			}
		}
		return false
	}
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
		r.stats.addDamage(&ParseError{Path: r.Path, Chunk: -1, Offset: 124, Err: ErrHeaderCRC})
	}
	if n < HeaderBlockSize {
		r.stats.addDamage(&ParseError{Path: r.Path, Chunk: -1, Offset: int64(n),
			Err: fmt.Errorf("%w: file ends inside the header block", ErrTruncated)})
		r.fatal = io.EOF
		return nil
	}
	if r.Workers <= 0 {
		r.Workers = runtime.GOMAXPROCS(0)
	}
	r.dirty = h.Dirty()
	r.opts = &decodeOptions{path: r.Path, keep: r.Keep, needData: r.NeedData, sampleData: r.SampleData, stop: &r.stopped,
		ndjson: r.NDJSON, prepare: r.Prepare, skip: r.Skip}
	if r.NDJSON {
		r.opts.skip = 0 // the lines hold every field
	}
	if r.NDJSON {
		r.opts.jsonPrefix = jsonPrefix(r.Path)
	}
	r.pool = r.Pool
	if r.pool == nil && r.Workers > 1 {
		r.own = newPool(r.Workers, nil)
		r.pool = r.own
	}
	if !r.noPlanCache {
		if r.Pool != nil {
			r.opts.cache = r.Pool.cache // shared across the files of the run
		} else {
			r.opts.cache = newPlanCache()
		}
	}
	// As many goroutines as the file has batches, when the header tells:
	// a file of one batch is decoded by the goroutine calling Read. In
	// NDJSON mode, where that goroutine only writes the lines out, each
	// goroutine must have ndjsonBatchesPerWorker batches to decode.
	workers := 0
	r.batch = batchChunks
	if r.pool != nil {
		workers = r.pool.workers
		if c := int(h.ChunkCount); c > 0 {
			r.batch = batchSize(c, workers)
			batches := (c + r.batch - 1) / r.batch
			if r.Pool != nil && c <= minParallelChunks {
				// A small file of a run (of many, maybe): see
				// minParallelChunks. A Reader asked for Workers of its
				// own gets them.
				batches = 1
			}
			if r.NDJSON {
				r.batch = batchChunks
				batches = c / (ndjsonBatchesPerWorker * batchChunks)
			}
			workers = min(workers, batches)
		}
	}
	r.life.Lock()
	defer r.life.Unlock()
	if r.stopped.Load() {
		r.fatal = r.stopErr()
		return r.fatal
	}
	if r.Context != nil {
		r.unhook = context.AfterFunc(r.Context, func() { r.Close() })
	}
	switch {
	case workers > 1:
		if !r.startWorkers(r.pool, workers) {
			r.fatal = &ParseError{Path: r.Path, Chunk: -1, Offset: r.offset, Err: ErrClosed}
			return r.fatal
		}
	case r.pool != nil:
		r.self = r.pool.seqWorker(r.opts)
	default:
		r.self = newWorker(r.opts, ChunkSize, 1)
	}
	return nil
}

// stopErr is what Read returns once the Reader is stopped.
func (r *Reader) stopErr() error {
	if r.Context != nil && r.Context.Err() != nil {
		return r.Context.Err()
	}
	return ErrClosed
}

// readChunk reads the next chunk slot. It returns a nil slice and a nil
// error at the end of the input; a read error comes with the bytes read
// before it (possibly none), and ends the input.
func (r *Reader) readChunk(buf []byte) ([]byte, error) {
	if r.inputEnd {
		return nil, nil
	}
	n, end, err := readFull(r.r, buf)
	r.offset += int64(n)
	r.inputEnd = end
	if n == 0 && err == nil {
		return nil, nil
	}
	return buf[:n], err
}

// maxEmptyReads is how many reads in a row may return nothing before the
// input is taken to be stuck (as bufio does).
const maxEmptyReads = 100

// readFull reads from r into buf, in calls of at most readPiece bytes,
// until buf is full or the input ends. end reports that it ended: at
// io.EOF, with err nil, or at any other error, which is returned as it is
// (an inflater's io.ErrUnexpectedEOF, for a stream cut short, included:
// that is a read error, not the end of the file).
func readFull(r io.Reader, buf []byte) (n int, end bool, err error) {
	empty := 0
	for n < len(buf) {
		k, err := r.Read(buf[n:min(n+readPiece, len(buf))])
		n += k
		switch {
		case err == io.EOF:
			return n, true, nil
		case err != nil:
			return n, true, err
		case k == 0:
			if empty++; empty >= maxEmptyReads {
				return n, true, io.ErrNoProgress
			}
		default:
			empty = 0
		}
	}
	return n, false, nil
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
	// start only once: afterwards r.fatal may be a read error that came
	// with the last chunk, whose events are still to be returned (the
	// loop below returns r.fatal once they are).
	if !r.started {
		if err := r.start(); err != nil {
			return nil, err
		}
	}
	if r.stopped.Load() {
		if r.fatal == nil {
			r.fatal = r.stopErr()
		}
		return nil, r.fatal
	}
	for r.curIdx >= len(r.cur.events) {
		if r.fatal != nil {
			return nil, r.fatal
		}
		if r.cur.events != nil {
			// Every event of the chunk has been returned; the next call
			// to Read ends their validity, so the slice can be reused.
			r.cur.release()
		}
		res, ok := r.nextChunk()
		if !ok {
			if r.fatal == nil && r.stopped.Load() {
				r.fatal = r.stopErr()
			}
			if r.fatal == nil {
				r.fatal = io.EOF
				r.checkChunkCount()
			}
			if r.self != nil && r.pool != nil {
				// The sequential decoder goes back to the pool for the
				// next file (here, where no other goroutine uses it).
				r.pool.putSeqWorker(r.self)
				r.self = nil
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

// checkChunkCount reports, at the end of the input, the chunks a valid
// file header counts that the file does not hold: a log cut at a chunk
// boundary reads cleanly otherwise.
func (r *Reader) checkChunkCount() {
	h := &r.stats.Header
	if !h.ChecksumOK || r.stats.Chunks >= int(h.ChunkCount) {
		return
	}
	have, want := r.stats.Chunks, int(h.ChunkCount)
	missing := fmt.Sprintf("chunk %d", have)
	if want-have > 1 {
		missing = fmt.Sprintf("chunks %d-%d", have, want-1)
	}
	r.stats.addDamage(&ParseError{Path: r.Path, Chunk: have,
		Offset: HeaderBlockSize + int64(have)*ChunkSize,
		Err:    fmt.Errorf("%w: the file header counts %d chunks, the file holds %d: %s missing", ErrTruncated, want, have, missing)})
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
	r.stats.addDamage(res.damage...)
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
	if r.self == nil {
		return r.nextConcurrent()
	}
	if r.stopped.Load() {
		// Stopped: no further chunk is read (the rest of an endless or
		// slow input included); Read returns why.
		return chunkResult{}, false
	}
	off := r.offset
	b, err := r.readChunk(r.self.buf)
	if b == nil && err == nil {
		return chunkResult{}, false
	}
	var res chunkResult
	if len(b) > 0 {
		res = r.self.decodeChunk(b, r.seq, off, r.used(r.seq), r.stats.Header.Dirty())
	} else {
		res = chunkResult{seq: r.seq, offset: off, end: off}
	}
	res.err = err
	r.seq++
	return res, true
}

// Close stops the Reader: its goroutines end, and Read returns ErrClosed
// (or the Context's error) from then on, within a record of the chunk
// being decoded. It may be called from any goroutine, more than once. It
// does not close the io.Reader.
func (r *Reader) Close() error {
	r.closeOne.Do(func() {
		r.stopped.Store(true)
		r.life.Lock()
		defer r.life.Unlock()
		if r.unhook != nil {
			r.unhook()
		}
		if r.done != nil {
			close(r.done)
			r.pool.withdraw(r)
			r.wg.Wait()
		}
		if r.own != nil {
			r.own.Close()
		}
	})
	return nil
}
