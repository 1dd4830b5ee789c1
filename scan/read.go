package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/input"
	"github.com/evtxscan/evtxscan/parser"
)

// ReadOptions say how the inputs are read.
type ReadOptions struct {
	// All keeps every event, not only those of the writeback sources.
	All bool
	// Workers is the number of goroutines decoding the chunks of one file;
	// 0 means 1.
	Workers int
	// Limits bound what is read from zips (input.DefaultLimits when zero).
	Limits input.Limits
	// NeedData and SampleData, when set, choose the events whose data
	// strings are decoded (parser.Reader.NeedData and SampleData).
	NeedData, SampleData func(provider string, id uint16) bool
	// Stdin is read for the input "-" (an .evtx or a .zip); nil when
	// standard input is not to be read.
	Stdin io.Reader
	// NDJSON has each event carry its NDJSON line (parser.Reader.NDJSON).
	NDJSON bool
	// Prepare is run on each event by the decoders
	// (parser.Reader.Prepare).
	Prepare func(ev *parser.Event) any
	// Skip names the System fields not decoded (parser.Reader.Skip).
	Skip parser.Field
	// Pool, when set, is the pool of decoders the files are read with
	// (a batch over many inputs passes one for all of them); else Read
	// makes one of Workers for the run.
	Pool *parser.Pool
}

// An Input is what reading one EVTX stream found: its counters and its
// damage.
type Input struct {
	Tenant       string   `json:"tenant"`
	Servers      []string `json:"servers"` // the servers (Computer) whose records it holds
	Path         string   `json:"path"`
	Size         int64    `json:"size"`
	Records      int      `json:"records"`         // record structures found
	Events       int      `json:"events"`          // events kept
	Filtered     int      `json:"filtered"`        // records of other sources, not decoded
	Skipped      int      `json:"skipped"`         // records or areas that could not be read
	Chunks       int      `json:"chunks"`          // chunk slots read
	Dirty        bool     `json:"dirty"`           // header flagged dirty
	DamagedCount int      `json:"damaged_chunks"`  // chunks with damage
	Damage       []string `json:"damage"`          // never nil in a Report
	Error        string   `json:"error,omitempty"` // the file could not be read (to the end)

	arg     int  // index of the input argument it was found in
	stopped bool // the context ended while it was read: read in part
	damage  []*parser.ParseError
	// first and last are the span of record write times (every record,
	// filtered ones included); chunkSpans the times of the first and last
	// event kept from each chunk, to place damaged chunks in time.
	first, last time.Time
	chunkSpans  map[int][2]time.Time
}

// damageSpans returns, for each damaged chunk, the time of the last event
// kept before it and of the first kept after it (zero when none). It takes
// time linear in the chunks (and the damage), after sorting the chunk
// numbers once: a log whose every chunk is damaged has as many damage
// entries as chunks.
func (f *Input) damageSpans() map[int][2]time.Time {
	out := map[int][2]time.Time{}
	if len(f.damage) == 0 {
		return out
	}
	chunks := make([]int, 0, len(f.chunkSpans))
	for c := range f.chunkSpans {
		chunks = append(chunks, c)
	}
	slices.Sort(chunks)
	// before[i]: the latest end of chunks[:i]; after[i]: the earliest
	// start of chunks[i:].
	before := make([]time.Time, len(chunks)+1)
	for i, c := range chunks {
		before[i+1] = before[i]
		if end := f.chunkSpans[c][1]; before[i+1].IsZero() || end.After(before[i+1]) {
			before[i+1] = end
		}
	}
	after := make([]time.Time, len(chunks)+1)
	for i := len(chunks) - 1; i >= 0; i-- {
		after[i] = after[i+1]
		if start := f.chunkSpans[chunks[i]][0]; after[i].IsZero() || start.Before(after[i]) {
			after[i] = start
		}
	}
	for _, d := range f.damage {
		if d.Chunk < 0 {
			continue
		}
		if _, done := out[d.Chunk]; done {
			continue
		}
		i, found := slices.BinarySearch(chunks, d.Chunk) // chunks[:i] are before it
		j := i
		if found {
			j = i + 1 // chunks[j:] are after it
		}
		out[d.Chunk] = f.withOwnEvents(d.Chunk, before[i], after[j])
	}
	return out
}

// withOwnEvents widens the span from–to of damaged chunk c to the events
// read from c itself, if any.
func (f *Input) withOwnEvents(c int, from, to time.Time) [2]time.Time {
	if sp, ok := f.chunkSpans[c]; ok {
		if from.IsZero() || sp[0].Before(from) {
			from = sp[0]
		}
		if sp[1].After(to) {
			to = sp[1]
		}
	}
	return [2]time.Time{from, to}
}

// Span returns the write times of the first and the last record of the
// stream (every record, filtered ones included).
func (f *Input) Span() (first, last time.Time) { return f.first, f.last }

// A ReadSummary sums up a whole read of the inputs.
type ReadSummary struct {
	Files   []Input
	Skipped []input.Skipped
	Errors  []error // input errors (broken archives, unreadable files)

	// stopped: the context ended during the read, in the argument
	// stopArg (Interrupted tells which inputs were read).
	stopped bool
	stopArg int
}

// Damaged reports whether anything was damaged or could not be read.
func (r *ReadSummary) Damaged() bool {
	if len(r.Errors) > 0 {
		return true
	}
	for _, f := range r.Files {
		if len(f.damage) > 0 || f.Error != "" {
			return true
		}
	}
	return false
}

// Read reads every EVTX stream in paths and calls fn with each event kept,
// in file order, one file after another. An error from fn stops the read and
// is returned. The summary is returned with any error: when ctx ends, it
// counts what was read up to then (the stream at hand included) and the
// error is ctx.Err().
func Read(ctx context.Context, paths []string, rf ReadOptions, fn func(ev *parser.Event) error) (*ReadSummary, error) {
	return readArgs(ctx, paths, rf, func(_ int, ev *parser.Event) error { return fn(ev) })
}

// readArgs is Read telling fn the index of the argument each event was
// found in. The arguments are walked one after another.
func readArgs(ctx context.Context, paths []string, rf ReadOptions, fn func(arg int, ev *parser.Event) error) (*ReadSummary, error) {
	res := &ReadSummary{}
	lim := rf.Limits
	if lim == (input.Limits{}) {
		lim = input.DefaultLimits()
	}
	w := input.NewWalker(lim)
	w.Stdin = rf.Stdin
	w.Bucket = input.OpenBucket // URL arguments: the only network is the URL named
	var keep func(string) bool
	if !rf.All {
		keep = parser.Providers(catalog.WritebackSources()...)
	}
	if rf.Pool == nil {
		// One pool for the run: the files share its goroutines,
		// buffers and template plans.
		rf.Pool = parser.NewPool(max(rf.Workers, 1))
		defer rf.Pool.Close()
	}
	for i, p := range paths {
		each := func(ev *parser.Event) error { return fn(i, ev) }
		rep, err := w.Walk(ctx, []string{p}, func(it input.Item, r io.Reader) error {
			fs, err := readOne(ctx, it, r, rf, keep, each)
			fs.arg = i
			res.Files = append(res.Files, fs)
			return err
		})
		res.Skipped = append(res.Skipped, rep.Skipped...)
		res.Errors = append(res.Errors, rep.Errors...)
		if err != nil && ctx.Err() != nil && !errors.As(err, new(*InternalError)) {
			res.stopped, res.stopArg = true, i
			return res, ctx.Err()
		}
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// An InternalError is a panic recovered while an input was read: a bug in
// evtxscan, not damage to the input. It names the input and where in it
// the reading was (the chunk and offset of the event at hand, -1 and 0
// when none). It stops the analysis.
type InternalError struct {
	Path   string
	Chunk  int
	Offset int64
	Value  any    // what was panicked with
	Stack  string // the goroutine's stack at the panic
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("internal error (a bug in evtxscan): %s: chunk %d: offset %#x: %v", e.Path, e.Chunk, e.Offset, e.Value)
}

// errConsumer wraps an error of the event consumer, which stops the read.
type errConsumer struct{ err error }

func (e errConsumer) Error() string { return e.err.Error() }
func (e errConsumer) Unwrap() error { return e.err }

func readOne(ctx context.Context, it input.Item, r io.Reader, rf ReadOptions, keep func(string) bool, fn func(*parser.Event) error) (fs Input, err error) {
	fs = Input{Path: it.Path, Size: it.Size, chunkSpans: map[int][2]time.Time{}}
	chunk, offset := -1, int64(0) // where the event at hand is
	defer func() {
		if v := recover(); v != nil {
			err = &InternalError{Path: it.Path, Chunk: chunk, Offset: offset, Value: v, Stack: string(debug.Stack())}
			fs.Error = err.Error()
		}
	}()
	pr := parser.NewReader(r)
	pr.Path = it.Path
	pr.Context = ctx // stops within a record of the chunk at hand
	pr.Workers = max(rf.Workers, 1)
	pr.Keep = keep
	pr.NeedData = rf.NeedData
	pr.SampleData = rf.SampleData
	pr.NDJSON = rf.NDJSON
	pr.Prepare = rf.Prepare
	pr.Skip = rf.Skip
	pr.Pool = rf.Pool
	defer pr.Close()
	cur, span := -1, [2]time.Time{}
	flush := func() {
		if cur < 0 {
			return
		}
		if sp, ok := fs.chunkSpans[cur]; ok {
			span[0], span[1] = minTime(span[0], sp[0]), maxTime(span[1], sp[1])
		}
		fs.chunkSpans[cur] = span
	}
	var readErr error
	for {
		if ctx.Err() != nil {
			break // stopped: what was read is counted below
		}
		ev, err := pr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		// Events come chunk by chunk: the span of the current chunk is kept
		// aside and stored when the next chunk begins.
		if ev.Chunk != cur {
			flush()
			cur, span = ev.Chunk, [2]time.Time{ev.Time, ev.Time}
		} else if ev.Time.Before(span[0]) {
			span[0] = ev.Time
		} else if ev.Time.After(span[1]) {
			span[1] = ev.Time
		}
		chunk, offset = ev.Chunk, ev.Offset
		if err := fn(ev); err != nil {
			return fs, errConsumer{err}
		}
	}
	flush()
	st := pr.Stats()
	fs.Records, fs.Events, fs.Filtered, fs.Skipped = st.Records, st.Events, st.Filtered, st.Skipped
	fs.Chunks, fs.Dirty = st.Chunks, st.Header.Dirty()
	fs.damage = st.Damage
	fs.first, fs.last = st.First, st.Last
	chunks := map[int]bool{}
	for _, d := range st.Damage {
		fs.Damage = append(fs.Damage, d.Error())
		chunks[d.Chunk] = true
	}
	if st.MoreDamage > 0 {
		fs.Damage = append(fs.Damage, fmt.Sprintf("%s: %d more problems, not listed", it.Path, st.MoreDamage))
	}
	fs.DamagedCount = len(chunks)
	if readErr != nil && errors.Is(readErr, parser.ErrInternal) {
		// A panic in the parser, recovered: a bug, which stops the analysis.
		ie := &InternalError{Path: it.Path, Chunk: -1}
		var pe *parser.ParseError
		if errors.As(readErr, &pe) {
			ie.Chunk, ie.Offset = pe.Chunk, pe.Offset
			readErr = pe.Err
		}
		msg, stack, _ := strings.Cut(readErr.Error(), "\n")
		ie.Value, ie.Stack = strings.TrimPrefix(msg, parser.ErrInternal.Error()+": "), stack
		fs.Error = ie.Error()
		return fs, ie
	}
	if ctx.Err() != nil {
		// Stopped (a signal): the stream was read in part, which is not
		// damage; Report.Interrupted names it.
		fs.stopped = true
		return fs, ctx.Err()
	}
	if readErr != nil {
		fs.Error = readErr.Error()
		// An archive entry that failed (CRC, limits) is reported by the
		// walker, with its path; so is a context cancel. Here it is only
		// said where the reading stopped.
		var ie *input.Error
		if errors.As(readErr, &ie) {
			fs.Error = "stopped by the archive's error (listed with the input errors)"
			var pe *parser.ParseError
			if errors.As(readErr, &pe) {
				fs.Error = fmt.Sprintf("chunk %d: offset %#x: stopped by the archive's error (listed with the input errors)", pe.Chunk, pe.Offset)
			}
			return fs, readErr
		}
	}
	return fs, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
