// Package input finds the EVTX logs in files, directories and zip archives,
// nested zips included, and streams them to a consumer without extracting
// anything to disk.
//
// Use. [Walker.Walk] visits the inputs and hands each EVTX item to a
// function, with a reader streaming its bytes, and returns a [Report]: the
// number of items, the files and entries skipped with the reason, and the
// errors, each an [*Error] naming the file, archive and entry at fault.
// For a pool of workers, [Walker.List] lists the items without reading
// them and [Walker.Open] opens one again by its name, concurrently.
// [Limits], with [DefaultLimits], bound what a hostile archive can cost.
//
// Inputs. An input is a path on disk: a file, whatever its name, or a
// directory, walked recursively (symlinks are followed; a file or directory
// reached a second time, by a symlink loop or named twice, is skipped and
// listed as the same as the first). A file is recognised by its first bytes, not
// by its extension: "ElfFile\x00" is an EVTX log, "PK\x03\x04" or
// "PK\x05\x06" (an empty archive) is a zip archive. Anything else is
// skipped and listed with the reason ("not EVTX (text)", "not EVTX",
// "empty", ...); skipping is never silent. An input that is a bucket URL
// ([IsURL]: azblob://container/prefix, s3://bucket/prefix, file:///dir)
// is read through [Walker.Bucket] as a folder of its objects, in key
// order, each object a stream like standard input's (a zip held in memory
// within MaxNestedZipBytes), named by the URL without its query, "/" and
// the key.
//
// Order. Inputs are visited in the order given; the entries of a directory
// in lexical (byte-wise) order of their names, depth first; the entries of a
// zip archive in the order of its central directory, which is the order
// in which the archive lists them (zipinfo, unzip -l), not necessarily the
// order of names. The order is therefore the same on every run.
//
// Names. An Item is named by its path: the input path for a plain file, the
// path joined with the directory entries for files found in a directory,
// and for an entry of an archive the archive's name followed by the entry
// names, joined with "!":
//
//	bundle.zip!logs/inner.zip!Application.evtx
//
// [Walker.Open] accepts such a name to open the item again later.
//
// Streaming. A zip on disk is read in place through its *os.File. An EVTX
// entry is streamed from the zip entry to the consumer, never buffered
// whole. A zip inside a zip cannot be read without random access, so it is
// read into memory (at most [Limits].MaxNestedZipBytes; with MaxDepth d,
// at most d-1 such buffers are held at once) and opened there. Nothing is
// ever written to disk. A plain EVTX file is handed over as its *os.File.
//
// Hostile archives. Every archive on disk gets a budget: the bytes inflated
// from it (nested archives included) are counted as they are read and
// bounded by MaxTotalBytes, the entries of it and its nested archives by
// MaxEntries; the compression ratio of each entry is bounded by MaxRatio,
// both as declared by the archive and as actually read; archives nest at
// most MaxDepth levels deep. An entry or archive over a limit is refused
// with an [*Error] naming it, and the walk goes on with the next one;
// once MaxTotalBytes is reached, the rest of that archive is not read (the
// error says so).
// Encrypted entries and unsupported compression methods are refused the
// same way. An entry whose name is absolute or climbs out with ".." is
// reported (ErrUnsafeName) and then read like any other: nothing is
// extracted, so the name is harmless.
//
// A central directory that points two entries at the same compressed bytes
// (overlapping entries: one local header inflated over and over) makes the
// archive refused before anything is inflated, and so does a nested
// archive when the sizes declared by the archives opened from one zip on
// disk come to more than MaxRatio times its size or more than
// MaxTotalBytes: nesting multiplies the ratio each level allows.
//
// Damage. A broken archive (truncated, bad central directory) is an error
// naming the file; its entries are then read from their local headers as
// far as they are whole ([ErrRecovered] says so). An entry whose data fails
// its CRC check, or whose size is not the one declared, is only known to
// be bad once it has been read to the end: the consumer's reader returns
// every byte the entry holds, then the error, and the walk records it in
// the [Report].
package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/evtxscan/evtxscan/internal/bucket"
)

// Limits bound the work a hostile archive can cause. A zero or negative
// field stands for its default, given by [DefaultLimits].
type Limits struct {
	// MaxDepth is how deeply archives may nest: a zip on disk is at
	// depth 1, a zip inside it at depth 2, and so on. Default 4.
	MaxDepth int
	// MaxEntries bounds the number of entries of one zip on disk, the
	// entries of the archives nested in it included. Default 10000.
	MaxEntries int
	// MaxTotalBytes bounds the bytes inflated from one zip on disk, the
	// bytes of nested archives and of their entries included.
	// Default 64 GiB.
	MaxTotalBytes int64
	// MaxRatio bounds the compression ratio (uncompressed size divided by
	// compressed size) of any entry. Default 1000; DEFLATE cannot do much
	// better than 1030, so only near-empty data comes close.
	MaxRatio float64
	// MaxNestedZipBytes bounds the size of an archive nested in another,
	// which must be held in memory to be read. Default 512 MiB.
	MaxNestedZipBytes int64
}

// DefaultLimits returns the default limits.
func DefaultLimits() Limits {
	return Limits{
		MaxDepth:          4,
		MaxEntries:        10000,
		MaxTotalBytes:     64 << 30,
		MaxRatio:          1000,
		MaxNestedZipBytes: 512 << 20,
	}
}

// withDefaults returns l with every unset field set to its default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if !(l.MaxRatio > 0) { // NaN too
		l.MaxRatio = d.MaxRatio
	}
	if l.MaxNestedZipBytes <= 0 {
		l.MaxNestedZipBytes = d.MaxNestedZipBytes
	}
	return l
}

// An Item is one EVTX stream found in the inputs.
type Item struct {
	// Path names the item: "logs/Application.evtx",
	// "bundle.zip!inner.zip!Application.evtx".
	Path string
	// Size is the uncompressed size in bytes when known, else -1.
	Size int64
	// ModTime is the modification time, the zero Time when unknown.
	ModTime time.Time
}

// A Skipped file or entry was not read as EVTX.
type Skipped struct {
	Path   string // named like Item.Path
	Reason string // "not EVTX (text)", "not EVTX", "directory", "empty", ...
}

// A Report sums up a walk.
type Report struct {
	Items   int       // EVTX items handed to the consumer
	Skipped []Skipped // files and entries not read as EVTX, in walk order
	Errors  []error   // each an *Error, in walk order
}

// Errors for the conditions the package detects itself. They are wrapped
// in an *Error with the details; test for them with errors.Is.
var (
	ErrZipBomb        = errors.New("zip bomb")                 // ratio or total size over the limit
	ErrTooManyEntries = errors.New("too many entries")         // MaxEntries exceeded
	ErrTooDeep        = errors.New("archives nested too deep") // MaxDepth exceeded
	ErrTooLarge       = errors.New("nested archive too large") // MaxNestedZipBytes exceeded
	ErrEncrypted      = errors.New("encrypted entry")          // password-protected; not read
	ErrUnsafeName     = errors.New("unsafe entry name")        // absolute, or climbs out with ".."
	ErrNotEVTX        = errors.New("not EVTX")                 // Open of something that is not EVTX

	errNoStdin = errors.New("standard input is not available")
)

// An Error records a failure about one input: a file, an archive or an
// entry of an archive.
type Error struct {
	// Path is the file, or the archive holding Entry, named like
	// Item.Path ("bundle.zip!inner.zip").
	Path string
	// Entry is the entry of the archive at Path the error is about, ""
	// when it is about Path itself. The entry's full name is
	// Path + "!" + Entry, as in Item.Path.
	Entry string
	// Op is the failed operation ("stat", "readdir", "open", "read"),
	// "" when a limit or a rule refused the input.
	Op  string
	Err error
}

func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	s := e.Path
	if e.Entry != "" {
		s += ": entry " + e.Entry
	}
	if e.Op != "" {
		s += ": " + opWords(e.Op)
	}
	if e.Err == nil {
		return s + ": <nil>"
	}
	return s + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// opWords names an operation for a person: "open" for a stat, not the
// system call's name.
func opWords(op string) string {
	switch op {
	case "stat", "lstat":
		return "open"
	case "readdir", "readdirent":
		return "list folder"
	}
	return op
}

// newError makes an *Error for path and entry. An *fs.PathError from the os
// package is unwrapped, its Op kept, so the path is not named twice.
func newError(path, entry, op string, err error) *Error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if op == "" {
			op = pe.Op
		}
		err = pe.Err
	}
	return &Error{Path: path, Entry: entry, Op: op, Err: err}
}

// A Walker finds the EVTX items in files, directories and archives.
// Its methods may be called concurrently.
type Walker struct {
	// Limits bound what a hostile archive can cost; unset fields take
	// their defaults.
	Limits Limits
	// Stdin is read for the input named "-" (StdinName); nil means that
	// standard input is not available.
	Stdin io.Reader
	// Bucket opens an input that is a bucket URL ([IsURL]), whose objects
	// are then read as the files of a folder; nil means that such inputs
	// are errors (no network). [OpenBucket] opens azblob://, s3:// and
	// file:// URLs. [Walker.Open] does not reopen the items of a bucket.
	Bucket func(ctx context.Context, location string) (bucket.Bucket, error)
}

// NewWalker returns a Walker with limits l.
func NewWalker(l Limits) *Walker { return &Walker{Limits: l} }

// Walk visits every EVTX item in paths, in the order described in the
// package documentation, and calls fn with it.
//
// r is valid only during the call. For a plain file r is the *os.File,
// positioned at its start (a consumer may use it as an io.ReaderAt or an
// io.Seeker); reads from it do not check ctx. For an entry of an archive r
// streams the entry, returns ctx.Err() once ctx is done, and returns an
// *Error when the entry is damaged (a CRC mismatch at its end) or goes over
// a limit. If fn returns without reading an archive entry to its end, Walk
// reads the rest itself so as to check its CRC.
//
// If fn returns an error that wraps the *Error its reader returned, Walk
// records it and goes on. Any other error returned by fn stops the walk,
// and Walk returns it. Errors about one input (an unreadable file, a
// hostile or broken archive, a damaged entry) do not stop the walk: they
// are collected in the Report, and Walk goes on with the next input. When
// ctx is done Walk stops and returns ctx.Err(). The Report holds what was
// found up to the return, in every case.
func (w *Walker) Walk(ctx context.Context, paths []string, fn func(it Item, r io.Reader) error) (Report, error) {
	wk := &walk{ctx: ctx, lim: w.Limits.withDefaults(), fn: fn, drain: true, in: w.Stdin, open: w.Bucket}
	err := wk.run(paths)
	return wk.rep, err
}

// List returns the EVTX items in paths, in walk order, without reading
// them: an EVTX entry of an archive is only sniffed, so its CRC is not
// checked (nested archives are read whole, theirs are). The items can then
// be read with [Walker.Open], concurrently if need be.
func (w *Walker) List(ctx context.Context, paths []string) ([]Item, Report, error) {
	var items []Item
	fn := func(it Item, _ io.Reader) error {
		items = append(items, it)
		return nil
	}
	wk := &walk{ctx: ctx, lim: w.Limits.withDefaults(), fn: fn, in: w.Stdin, open: w.Bucket}
	err := wk.run(paths)
	return items, wk.rep, err
}

// walk is the state of one call of Walk or List.
type walk struct {
	ctx       context.Context
	lim       Limits
	fn        func(Item, io.Reader) error
	drain     bool // read archive entries to their end after fn, for the CRC
	rep       Report
	seen      seen
	in        io.Reader                                            // Walker.Stdin
	stdinRead bool                                                 // "-" was visited
	open      func(context.Context, string) (bucket.Bucket, error) // Walker.Bucket
}

func (wk *walk) fail(e *Error) { wk.rep.Errors = append(wk.rep.Errors, e) }
func (wk *walk) skip(path, reason string) {
	wk.rep.Skipped = append(wk.rep.Skipped, Skipped{path, reason})
}
func (wk *walk) skipSame(path, prev string) { wk.skip(path, "same file as "+prev) }

func (wk *walk) run(paths []string) error {
	for _, p := range paths {
		if err := wk.ctx.Err(); err != nil {
			return err
		}
		if p == StdinName {
			if err := wk.stdin(); err != nil {
				return err
			}
			continue
		}
		if IsURL(p) {
			if err := wk.bucket(p); err != nil {
				return err
			}
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			wk.fail(newError(p, "", "stat", err))
			continue
		}
		if err := wk.path(p, fi); err != nil {
			return err
		}
	}
	return wk.ctx.Err()
}

// path visits the file or directory p, whose (symlink-followed) FileInfo is
// fi. It returns an error only to stop the walk.
func (wk *walk) path(p string, fi fs.FileInfo) error {
	switch {
	case fi.IsDir():
		if prev, ok := wk.seen.add(p, fi); !ok {
			wk.skip(p, "same directory as "+prev)
			return nil
		}
		return wk.dir(p)
	case fi.Mode().IsRegular():
		if prev, ok := wk.seen.add(p, fi); !ok {
			wk.skipSame(p, prev)
			return nil
		}
		return wk.file(p, fi)
	default:
		wk.skip(p, "not a regular file")
		return nil
	}
}

// dir visits the entries of directory p in lexical order.
func (wk *walk) dir(p string) error {
	ents, err := os.ReadDir(p) // sorted by name; on error, what could be read
	if err != nil {
		wk.fail(newError(p, "", "readdir", err))
	}
	for _, de := range ents {
		if err := wk.ctx.Err(); err != nil {
			return err
		}
		cp := filepath.Join(p, de.Name())
		fi, err := os.Stat(cp) // follows symlinks; loops are caught by seen
		if err != nil {
			wk.fail(newError(cp, "", "stat", err))
			continue
		}
		if err := wk.path(cp, fi); err != nil {
			return err
		}
	}
	return nil
}

// file visits the regular file p.
func (wk *walk) file(p string, fi fs.FileInfo) error {
	f, err := os.Open(p)
	if err != nil {
		wk.fail(newError(p, "", "open", err))
		return nil
	}
	defer f.Close()
	head := make([]byte, sniffLen)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		wk.fail(newError(p, "", "read", err))
		return nil
	}
	head = head[:n]
	switch kind(head) {
	case kindEVTX:
		wk.rep.Items++
		it := Item{Path: p, Size: fi.Size(), ModTime: fi.ModTime()}
		if err := wk.fn(it, f); err != nil {
			return err
		}
		return wk.ctx.Err()
	case kindZip:
		zr := wk.openZip(f, fi.Size(), p)
		if zr == nil {
			return nil
		}
		return wk.zip(zr, p, 1, &budget{disk: fi.Size()})
	default:
		wk.skip(p, reason(head))
		return nil
	}
}

// seen remembers the files and directories visited, so that a file reached
// twice (named twice, hard-linked, symlinked) is read once and a symlink
// loop is not followed.
type seen struct {
	m map[seenKey][]seenFile
}

type seenKey struct {
	dir  bool
	size int64
	mod  int64
}

type seenFile struct {
	fi   fs.FileInfo
	path string
}

// add records fi, found at path, and reports true; if the same file was
// already seen, it reports false and the path it was seen at.
func (s *seen) add(path string, fi fs.FileInfo) (prev string, ok bool) {
	k := seenKey{fi.IsDir(), fi.Size(), fi.ModTime().UnixNano()}
	for _, sf := range s.m[k] {
		if os.SameFile(sf.fi, fi) {
			return sf.path, false
		}
	}
	if s.m == nil {
		s.m = make(map[seenKey][]seenFile)
	}
	s.m[k] = append(s.m[k], seenFile{fi, path})
	return "", true
}

// over wraps sentinel with the details of a refusal.
func over(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
