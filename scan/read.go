package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/spf13/pflag"

	"github.com/evtxscan/evtxscan/input"
	"github.com/evtxscan/evtxscan/parser"
)

// readFlags are the flags of every command that reads logs.
type readFlags struct {
	all     bool
	workers int
	limits  input.Limits

	// needData and sampleData, when set, choose the events whose data
	// strings are decoded (parser.Reader.NeedData and SampleData).
	needData, sampleData func(provider string, id uint16) bool
}

func (rf *readFlags) register(fs *pflag.FlagSet) {
	d := input.DefaultLimits()
	fs.BoolVar(&rf.all, "all", false, "keep every event, not only the writeback sources (PasswordResetService, ADSync, Directory Synchronization)")
	fs.IntVar(&rf.workers, "workers", runtime.GOMAXPROCS(0), "goroutines decoding chunks of one file")
	fs.IntVar(&rf.limits.MaxDepth, "max-depth", d.MaxDepth, "how deeply zips may nest")
	fs.IntVar(&rf.limits.MaxEntries, "max-entries", d.MaxEntries, "most entries read from one zip, nested ones included")
	fs.Int64Var(&rf.limits.MaxTotalBytes, "max-total-bytes", d.MaxTotalBytes, "most bytes inflated from one zip")
	fs.Float64Var(&rf.limits.MaxRatio, "max-ratio", d.MaxRatio, "highest compression ratio accepted for a zip entry")
	fs.Int64Var(&rf.limits.MaxNestedZipBytes, "max-nested-bytes", d.MaxNestedZipBytes, "largest zip nested in a zip (held in memory to be read)")
}

// fileSummary is what reading one EVTX stream found: its counters and the
// damage, for the report of every command.
type fileSummary struct {
	Path         string   `json:"path"`
	Size         int64    `json:"size"`
	Records      int      `json:"records"`        // record structures found
	Events       int      `json:"events"`         // events kept
	Filtered     int      `json:"filtered"`       // records of other sources, not decoded
	Skipped      int      `json:"skipped"`        // records or areas that could not be read
	Chunks       int      `json:"chunks"`         // chunk slots read
	Dirty        bool     `json:"dirty"`          // header flagged dirty
	DamagedCount int      `json:"damaged_chunks"` // chunks with damage
	Damage       []string `json:"damage,omitempty"`
	Error        string   `json:"error,omitempty"` // the file could not be read (to the end)

	damage []*parser.ParseError
	// first and last are the span of record write times (every record,
	// filtered ones included); chunkSpans the times of the first and last
	// event kept from each chunk, to place damaged chunks in time.
	first, last time.Time
	chunkSpans  map[int][2]time.Time
}

// damageSpans returns, for each damaged chunk, the time of the last event
// kept before it and of the first kept after it (zero when none).
func (f *fileSummary) damageSpans() map[int][2]time.Time {
	out := map[int][2]time.Time{}
	for _, d := range f.damage {
		if d.Chunk < 0 {
			continue
		}
		var from, to time.Time
		for c, sp := range f.chunkSpans {
			if c < d.Chunk && (from.IsZero() || sp[1].After(from)) {
				from = sp[1]
			}
			if c > d.Chunk && (to.IsZero() || sp[0].Before(to)) {
				to = sp[0]
			}
		}
		if sp, ok := f.chunkSpans[d.Chunk]; ok {
			// Some records of the chunk itself were read.
			if from.IsZero() || sp[0].Before(from) {
				from = sp[0]
			}
			if sp[1].After(to) {
				to = sp[1]
			}
		}
		out[d.Chunk] = [2]time.Time{from, to}
	}
	return out
}

// readResult sums up a whole read of the inputs.
type readResult struct {
	Files   []fileSummary
	Skipped []input.Skipped
	Errors  []error // input errors (broken archives, unreadable files)
}

// damaged reports whether anything was damaged or could not be read.
func (r *readResult) damaged() bool {
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

// readInputs reads every EVTX stream in paths and calls fn with each event
// kept, in file order, one file after another. An error from fn stops the
// read and is returned.
func readInputs(ctx context.Context, paths []string, rf readFlags, fn func(ev *parser.Event) error) (*readResult, error) {
	res := &readResult{}
	w := input.NewWalker(rf.limits)
	var keep func(string) bool
	if !rf.all {
		keep = parser.Writeback
	}
	rep, err := w.Walk(ctx, paths, func(it input.Item, r io.Reader) error {
		fs, err := readOne(ctx, it, r, rf, keep, fn)
		res.Files = append(res.Files, fs)
		return err
	})
	res.Skipped = rep.Skipped
	res.Errors = rep.Errors
	return res, err
}

// errConsumer wraps an error of the event consumer, which stops the read.
type errConsumer struct{ err error }

func (e errConsumer) Error() string { return e.err.Error() }
func (e errConsumer) Unwrap() error { return e.err }

func readOne(ctx context.Context, it input.Item, r io.Reader, rf readFlags, keep func(string) bool, fn func(*parser.Event) error) (fileSummary, error) {
	fs := fileSummary{Path: it.Path, Size: it.Size, chunkSpans: map[int][2]time.Time{}}
	pr := parser.NewReader(r)
	pr.Path = it.Path
	pr.Workers = rf.workers
	pr.Keep = keep
	pr.NeedData = rf.needData
	pr.SampleData = rf.sampleData
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
		if err := ctx.Err(); err != nil {
			return fs, err
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
	fs.DamagedCount = len(chunks)
	if readErr != nil {
		fs.Error = readErr.Error()
		// An archive entry that failed (CRC, limits) is reported by the
		// walker; so is a context cancel.
		var ie *input.Error
		if errors.As(readErr, &ie) {
			return fs, readErr
		}
		if ctx.Err() != nil {
			return fs, ctx.Err()
		}
	}
	return fs, nil
}

// reportDamage writes what was damaged or skipped to w, one line each.
func reportDamage(w io.Writer, res *readResult) {
	for _, f := range res.Files {
		for _, d := range f.Damage {
			fmt.Fprintf(w, "evtxscan: damage: %s\n", d)
		}
		if f.Error != "" {
			fmt.Fprintf(w, "evtxscan: error: %s\n", f.Error)
		}
		if f.Skipped > 0 {
			fmt.Fprintf(w, "evtxscan: %s: %d records or areas could not be read\n", f.Path, f.Skipped)
		}
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "evtxscan: skipped %s: %s\n", s.Path, s.Reason)
	}
	for _, e := range res.Errors {
		fmt.Fprintf(w, "evtxscan: error: %v\n", e)
	}
}

// readStatus is the exit status of a command that read res: fatal when no
// EVTX file could be read at all, damaged when anything was damaged or
// unreadable, else clean.
func readStatus(stderr io.Writer, cmd string, res *readResult) int {
	if len(res.Files) == 0 {
		fmt.Fprintf(stderr, "evtxscan %s: no EVTX file could be read from the inputs\n", cmd)
		return exitFatal
	}
	if res.damaged() {
		return exitDamaged
	}
	return exitOK
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
