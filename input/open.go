package input

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
)

var errNotZip = errors.New("not a zip archive")

// Open opens the EVTX item named name, an Item.Path found by Walk or List,
// so that items can be read later, or by a pool of workers: Open keeps no
// state between calls and may be called concurrently.
//
// A file on disk is opened as it is, and the *os.File returned. For an
// entry of an archive, the archive on disk is opened again, every nested
// archive on the way read into memory again, and the entry streamed, under
// the same limits as in a walk, the bytes counted afresh for this item. ctx
// governs the reads from the entry: once it is done, they return ctx.Err().
// Reading the entry to its end checks its CRC. The caller must Close the
// returned reader.
//
// A name is split at "!" as Walk joined it. A file on disk whose name
// holds "!" is found too: the longest prefix naming a file on disk wins,
// and within an archive an entry named exactly by the rest of the name
// wins over a nested archive. Among entries of the same name the first in
// the central directory is opened, the one Walk reads. Open fails with an
// *Error wrapping ErrNotEVTX if the item is not EVTX, and one wrapping
// fs.ErrNotExist if it is not there.
func (w *Walker) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lim := w.Limits.withDefaults()
	fi, err := os.Stat(name)
	if err == nil {
		return openFile(name, fi)
	}
	if !strings.Contains(name, "!") {
		return nil, newError(name, "", "open", err)
	}
	for i := strings.LastIndex(name, "!"); i >= 0; i = strings.LastIndex(name[:i], "!") {
		disk := name[:i]
		if fi, err := os.Stat(disk); err == nil && fi.Mode().IsRegular() {
			return openArchived(ctx, &lim, disk, fi, name[i+1:])
		}
	}
	return nil, &Error{Path: name, Op: "open", Err: fs.ErrNotExist}
}

// openFile opens the EVTX file name on disk.
func openFile(name string, fi fs.FileInfo) (io.ReadCloser, error) {
	if !fi.Mode().IsRegular() {
		return nil, &Error{Path: name, Op: "open", Err: ErrNotEVTX}
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, newError(name, "", "open", err)
	}
	head := make([]byte, len(evtxMagic))
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, newError(name, "", "read", err)
	}
	if kind(head[:n]) != kindEVTX {
		f.Close()
		return nil, &Error{Path: name, Op: "open", Err: ErrNotEVTX}
	}
	return f, nil
}

// openArchived opens the entry rest of the zip archive disk.
func openArchived(ctx context.Context, lim *Limits, disk string, fi fs.FileInfo, rest string) (io.ReadCloser, error) {
	f, err := os.Open(disk)
	if err != nil {
		return nil, newError(disk, "", "open", err)
	}
	zr, _, err := openZip(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, &Error{Path: disk, Op: "open", Err: err}
	}
	r, er, err := openChain(ctx, lim, zr, disk, rest, 1, &budget{})
	if err != nil {
		f.Close()
		return nil, err
	}
	return &itemReader{Reader: r, entry: er, file: f}, nil
}

// openChain opens the entry rest of zr, the archive named chain at depth,
// following nested archives.
func openChain(ctx context.Context, lim *Limits, zr *zip.Reader, chain, rest string, depth int, b *budget) (io.Reader, *entryReader, error) {
	if err := lim.countEntries(b, len(zr.File), depth); err != nil {
		return nil, nil, &Error{Path: chain, Err: err}
	}
	if f := lookup(zr, rest); f != nil {
		if isDir(f) {
			return nil, nil, &Error{Path: chain, Entry: f.Name, Op: "open", Err: ErrNotEVTX}
		}
		er, head, err := openEntry(ctx, lim, f, chain, b)
		if err != nil {
			return nil, nil, err
		}
		if kind(head) != kindEVTX {
			er.Close()
			return nil, nil, &Error{Path: chain, Entry: f.Name, Op: "open", Err: ErrNotEVTX}
		}
		if err := lim.checkTotal(f, b, len(head)); err != nil {
			er.Close()
			return nil, nil, &Error{Path: chain, Entry: f.Name, Err: err}
		}
		return io.MultiReader(bytes.NewReader(head), er), er, nil
	}
	for i := strings.LastIndex(rest, "!"); i >= 0; i = strings.LastIndex(rest[:i], "!") {
		f := lookup(zr, rest[:i])
		if f == nil || isDir(f) {
			continue
		}
		er, head, err := openEntry(ctx, lim, f, chain, b)
		if err != nil {
			return nil, nil, err
		}
		if kind(head) != kindZip {
			er.Close()
			return nil, nil, &Error{Path: chain, Entry: f.Name, Op: "open", Err: errNotZip}
		}
		if err := lim.checkNested(f, b, len(head), depth); err != nil {
			er.Close()
			return nil, nil, &Error{Path: chain, Entry: f.Name, Err: err}
		}
		buf, err := readNested(er, head, f)
		er.Close()
		if err != nil {
			return nil, nil, err
		}
		name := chain + "!" + f.Name
		inner, _, err := openZip(bytes.NewReader(buf), int64(len(buf)))
		if err != nil {
			return nil, nil, &Error{Path: name, Op: "open", Err: err}
		}
		return openChain(ctx, lim, inner, name, rest[i+1:], depth+1, b)
	}
	return nil, nil, &Error{Path: chain, Entry: rest, Op: "open", Err: fs.ErrNotExist}
}

// lookup returns the first entry of zr named name, or nil.
func lookup(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// An itemReader reads an entry of an archive opened by Open.
type itemReader struct {
	io.Reader
	entry *entryReader
	file  *os.File
}

func (r *itemReader) Close() error {
	err := r.entry.Close()
	if err1 := r.file.Close(); err == nil {
		err = err1
	}
	return err
}
