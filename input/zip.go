package input

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/evtxscan/evtxscan/internal/inflate"
)

// A budget counts what one zip on disk has cost so far, its nested
// archives included.
type budget struct {
	disk      int64  // size of the zip on disk (or in memory, for stdin)
	entries   int    // entries listed
	declared  uint64 // uncompressed sizes declared by the archives opened
	bytes     int64  // bytes inflated
	exhausted bool   // bytes went over the limit: read no more
}

// newZipReader opens the archive r of size bytes. Entry names are checked
// one by one as the entries are visited, so zip.ErrInsecurePath (returned
// under GODEBUG=zipinsecurepath=0) is not an error here. Deflated entries
// are inflated by internal/inflate, registered on zr alone.
func newZipReader(r io.ReaderAt, size int64) (*zip.Reader, error) {
	zr, err := zip.NewReader(r, size)
	if errors.Is(err, zip.ErrInsecurePath) && zr != nil {
		err = nil
	}
	if zr != nil {
		inflate.Register(zr)
	}
	return zr, err
}

// zip visits the entries of zr, the archive named chain, in central
// directory order. depth is 1 for a zip on disk. It returns an error only
// to stop the walk.
func (wk *walk) zip(zr *zip.Reader, chain string, depth int, b *budget) error {
	if len(zr.File) == 0 {
		wk.skip(chain, "empty archive")
		return nil
	}
	if err := wk.lim.countEntries(b, len(zr.File), depth); err != nil {
		wk.fail(&Error{Path: chain, Err: err})
		return nil
	}
	if err := overlapping(zr); err != nil {
		wk.fail(&Error{Path: chain, Err: err})
		return nil
	}
	if err := wk.lim.chargeDeclared(zr, b, depth); err != nil {
		wk.fail(&Error{Path: chain, Err: err})
		return nil
	}
	names := make(map[string]bool, len(zr.File))
	for _, f := range zr.File {
		if err := wk.ctx.Err(); err != nil {
			return err
		}
		if b.exhausted {
			break // reported with the entry that went over
		}
		if names[f.Name] {
			// Open could not tell it from the first one.
			wk.skip(chain+"!"+f.Name, "duplicate entry name")
			continue
		}
		names[f.Name] = true
		if err := wk.entry(f, chain, depth, b); err != nil {
			return err
		}
	}
	return nil
}

// entry visits entry f of the archive chain. It returns an error only to
// stop the walk.
func (wk *walk) entry(f *zip.File, chain string, depth int, b *budget) error {
	name := chain + "!" + f.Name
	if unsafeName(f.Name) {
		wk.fail(&Error{Path: chain, Entry: f.Name, Err: ErrUnsafeName})
	}
	if isDir(f) {
		wk.skip(name, "directory")
		return nil
	}
	if f.UncompressedSize64 == 0 {
		wk.skip(name, "empty")
		return nil
	}
	er, head, err := openEntry(wk.ctx, &wk.lim, f, chain, b)
	if err != nil {
		return wk.entryError(err)
	}
	defer er.Close()

	switch kind(head) {
	case kindEVTX:
		if err := wk.lim.checkTotal(f, b, len(head)); err != nil {
			wk.fail(&Error{Path: chain, Entry: f.Name, Err: err})
			return nil
		}
		wk.rep.Items++
		it := Item{Path: name, Size: entrySize(f), ModTime: f.Modified}
		var body io.Reader = er
		if entrySize(f) >= raMinSize {
			// Inflated ahead on a goroutine of its own (readahead.go),
			// stopped before er is looked at again.
			ra := newReadahead(er)
			body = ra
			defer ra.Close()
		}
		ferr := wk.fn(it, io.MultiReader(bytes.NewReader(head), body))
		if ra, ok := body.(*readahead); ok {
			ra.Close()
		}
		if err := wk.ctx.Err(); err != nil {
			return err
		}
		ie, _ := er.err.(*Error)
		if ferr != nil && (ie == nil || !errors.Is(ferr, ie)) {
			return ferr
		}
		if ferr == nil && wk.drain && er.err == nil {
			if _, err := io.Copy(io.Discard, er); err != nil {
				if err := wk.ctx.Err(); err != nil {
					return err
				}
			}
			ie, _ = er.err.(*Error)
		}
		if ie != nil {
			wk.fail(ie)
		}
		return nil

	case kindZip:
		if err := wk.lim.checkNested(f, b, len(head), depth); err != nil {
			wk.fail(&Error{Path: chain, Entry: f.Name, Err: err})
			return nil
		}
		buf, err := readNested(er, head, f)
		if err != nil {
			return wk.entryError(err)
		}
		er.Close()
		zr := wk.openZip(bytes.NewReader(buf), int64(len(buf)), name)
		if zr == nil {
			return nil
		}
		return wk.zip(zr, name, depth+1, b)

	default:
		wk.skip(name, reason(head))
		return nil
	}
}

// entryError records err, an *Error about an entry, and goes on; any other
// error (the context's) stops the walk.
func (wk *walk) entryError(err error) error {
	if e, ok := err.(*Error); ok {
		wk.fail(e)
		return nil
	}
	return err
}

// openEntry opens entry f of the archive chain for reading through the
// limits, the bytes counted in b, and reads its first bytes. Errors are
// *Error, except the context's.
func openEntry(ctx context.Context, lim *Limits, f *zip.File, chain string, b *budget) (*entryReader, []byte, error) {
	if f.Flags&0x1 != 0 || f.Method == 99 { // traditional PKWARE, or WinZip AES
		return nil, nil, &Error{Path: chain, Entry: f.Name, Err: ErrEncrypted}
	}
	if err := lim.checkRatio(f); err != nil {
		return nil, nil, &Error{Path: chain, Entry: f.Name, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	rc, err := openData(f)
	if err != nil {
		if errors.Is(err, zip.ErrAlgorithm) {
			err = fmt.Errorf("%w: method %d%s", err, f.Method, methodName(f.Method))
		}
		return nil, nil, &Error{Path: chain, Entry: f.Name, Op: "open", Err: err}
	}
	er := &entryReader{ctx: ctx, rc: rc, lim: lim, b: b, f: f, chain: chain}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(er, head)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	if e, ok := er.err.(*Error); ok && err == nil {
		err = e // io.ReadFull drops an error that comes with the last bytes
	}
	if err != nil {
		er.Close()
		return nil, nil, err
	}
	return er, head[:n], nil
}

// readNested reads the rest of the nested archive f, whose first bytes
// head have been read from er, into memory. checkNested has bounded its
// declared size, which archive/zip enforces. The entry is read to its end,
// so that its CRC is checked.
func readNested(er *entryReader, head []byte, f *zip.File) ([]byte, error) {
	buf := make([]byte, f.UncompressedSize64)
	n := copy(buf, head)
	if _, err := io.ReadFull(er, buf[n:]); err != nil {
		return nil, er.wrap(err)
	}
	var one [1]byte
	for {
		m, err := er.Read(one[:])
		if m > 0 {
			return nil, er.wrap(errors.New("zip: entry longer than declared"))
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// An entryReader reads an entry of an archive, checking the context and
// counting the bytes against the limits. Its errors are sticky; they are
// io.EOF, the context's, or an *Error naming the entry.
type entryReader struct {
	ctx   context.Context
	rc    io.ReadCloser
	lim   *Limits
	b     *budget
	f     *zip.File
	chain string
	n     int64 // bytes inflated from the entry
	err   error
}

func (r *entryReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if err := r.ctx.Err(); err != nil {
		return 0, err // not sticky: not the entry's fault
	}
	n, err := r.rc.Read(p)
	r.n += int64(n)
	r.b.bytes += int64(n)
	switch {
	case r.b.bytes > r.lim.MaxTotalBytes:
		r.b.exhausted = true
		r.err = &Error{Path: r.chain, Entry: r.f.Name,
			Err: over(ErrZipBomb, "more than %d bytes inflated from the archive; the rest of it is not read",
				r.lim.MaxTotalBytes)}
	case float64(r.n) > r.lim.MaxRatio*float64(r.f.CompressedSize64):
		r.err = &Error{Path: r.chain, Entry: r.f.Name,
			Err: over(ErrZipBomb, "compression ratio over %g: %d bytes inflated from %d",
				r.lim.MaxRatio, r.n, r.f.CompressedSize64)}
	case err == io.EOF:
		r.err = io.EOF
	case err != nil:
		r.err = r.wrap(err)
	}
	return n, r.err
}

// wrap makes err, met reading the entry, an *Error naming the entry.
func (r *entryReader) wrap(err error) error {
	if _, ok := err.(*Error); ok || err == r.ctx.Err() {
		return err
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &Error{Path: r.chain, Entry: r.f.Name, Op: "read", Err: err}
}

// Close closes the entry; it may be called more than once.
func (r *entryReader) Close() error {
	if r.rc == nil {
		return nil
	}
	err := r.rc.Close()
	r.rc = nil
	if r.err == nil {
		r.err = errClosed
	}
	return err
}

var errClosed = errors.New("input: read after the item was closed")

// countEntries adds the n entries of an archive at depth to b and refuses
// the archive if they are too many.
func (l *Limits) countEntries(b *budget, n, depth int) error {
	b.entries += n
	if b.entries <= l.MaxEntries {
		return nil
	}
	if depth == 1 {
		return over(ErrTooManyEntries, "%d > %d", n, l.MaxEntries)
	}
	return over(ErrTooManyEntries, "%d, %d with those of the enclosing archives > %d",
		n, b.entries, l.MaxEntries)
}

// overlapping refuses an archive two of whose entries share compressed
// bytes: a central directory can point many entries at one local header,
// and each would be inflated in turn (a zip bomb made of one entry). No
// tool writes such an archive.
func overlapping(zr *zip.Reader) error {
	type span struct {
		start, end int64
		name       string
	}
	spans := make([]span, 0, len(zr.File))
	for _, f := range zr.File {
		if f.CompressedSize64 == 0 {
			continue
		}
		off, err := f.DataOffset()
		if err != nil || f.CompressedSize64 > math.MaxInt64-uint64(off) {
			continue // the entry fails when it is opened, and says why
		}
		spans = append(spans, span{off, off + int64(f.CompressedSize64), f.Name})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return over(ErrZipBomb, "entries %q and %q share compressed bytes (overlapping entries); the archive is not read",
				spans[i-1].name, spans[i].name)
		}
	}
	return nil
}

// chargeDeclared adds the uncompressed sizes the archive zr declares to b,
// before any of it is inflated, and refuses the archive when those of all
// the archives opened from one zip on disk, nested ones included, come to
// more than MaxRatio times its size or more than MaxTotalBytes: a zip
// nested in a zip multiplies the ratio each level allows.
//
// The entries of a zip on disk are bounded one by one (checkRatio, and the
// bytes on disk); the charge starts with the archives nested in it.
// Entries refused by their own ratio are not charged.
func (l *Limits) chargeDeclared(zr *zip.Reader, b *budget, depth int) error {
	if depth == 1 {
		return nil
	}
	var sum uint64
	for _, f := range zr.File {
		if l.checkRatio(f) != nil {
			continue
		}
		sum += min(f.UncompressedSize64, math.MaxUint64/4)
		if sum > math.MaxUint64/4 {
			break
		}
	}
	b.declared += sum
	if b.declared > uint64(l.MaxTotalBytes) {
		return over(ErrZipBomb, "the archives of this zip declare %d bytes in all, more than %d; the rest is not read",
			b.declared, l.MaxTotalBytes)
	}
	if b.disk > 0 && float64(b.declared) > l.MaxRatio*float64(b.disk) {
		return over(ErrZipBomb, "the archives of this zip declare %d bytes in all from %d on disk, a ratio over %g; the rest is not read",
			b.declared, b.disk, l.MaxRatio)
	}
	return nil
}

// checkRatio refuses an entry whose declared sizes give a compression
// ratio over the limit.
func (l *Limits) checkRatio(f *zip.File) error {
	u, c := f.UncompressedSize64, f.CompressedSize64
	switch {
	case u == 0:
		return nil
	case c == 0:
		return over(ErrZipBomb, "%d bytes declared from no compressed bytes", u)
	}
	if r := float64(u) / float64(c); r > l.MaxRatio {
		return over(ErrZipBomb, "declared compression ratio %.0f > %g", r, l.MaxRatio)
	}
	return nil
}

// checkTotal refuses an entry whose declared size would take the bytes
// inflated from the archive on disk over the limit. The sniffed bytes of
// the entry are already counted in b.
func (l *Limits) checkTotal(f *zip.File, b *budget, sniffed int) error {
	left := l.MaxTotalBytes - b.bytes
	if left < 0 || f.UncompressedSize64-uint64(sniffed) > uint64(left) {
		return over(ErrZipBomb, "declared size %d would take the bytes inflated from the archive over %d",
			f.UncompressedSize64, l.MaxTotalBytes)
	}
	return nil
}

// checkNested refuses the nested archive f, at depth+1, if it is too deep
// or too large.
func (l *Limits) checkNested(f *zip.File, b *budget, sniffed, depth int) error {
	if depth+1 > l.MaxDepth {
		return over(ErrTooDeep, "depth %d > %d", depth+1, l.MaxDepth)
	}
	if f.UncompressedSize64 > uint64(l.MaxNestedZipBytes) {
		return over(ErrTooLarge, "%d bytes > %d", f.UncompressedSize64, l.MaxNestedZipBytes)
	}
	return l.checkTotal(f, b, sniffed)
}

func isDir(f *zip.File) bool {
	return strings.HasSuffix(f.Name, "/") || f.Mode().IsDir()
}

// unsafeName reports whether an entry named name would land outside the
// destination if extracted: an absolute name, a drive letter, a ".."
// element. Backslashes count as separators, as Windows tools write them.
func unsafeName(name string) bool {
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") {
		return true
	}
	if len(n) >= 2 && n[1] == ':' && ('a' <= n[0] && n[0] <= 'z' || 'A' <= n[0] && n[0] <= 'Z') {
		return true
	}
	for _, el := range strings.Split(n, "/") {
		if el == ".." {
			return true
		}
	}
	return false
}

// entrySize returns the uncompressed size of f, -1 if it does not fit.
func entrySize(f *zip.File) int64 {
	if f.UncompressedSize64 > math.MaxInt64 {
		return -1
	}
	return int64(f.UncompressedSize64)
}

// methodName names the compression methods archive/zip does not
// decompress, for error messages.
func methodName(m uint16) string {
	switch m {
	case 1:
		return " (Shrink)"
	case 6:
		return " (Implode)"
	case 9:
		return " (Deflate64)"
	case 12:
		return " (bzip2)"
	case 14:
		return " (LZMA)"
	case 93:
		return " (Zstandard)"
	case 95:
		return " (XZ)"
	case 98:
		return " (PPMd)"
	}
	return ""
}
