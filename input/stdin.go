package input

import (
	"bufio"
	"bytes"
	"io"
	"time"
)

// StdinName is the input that stands for standard input, and the name its
// items take ("-" for an EVTX stream, "-!Application.evtx" for an entry of
// a zip read from it).
const StdinName = "-"

// stdin visits Walker.Stdin, named "-" in the inputs.
func (wk *walk) stdin() error {
	if wk.stdinRead {
		wk.skip(StdinName, "standard input named twice")
		return nil
	}
	wk.stdinRead = true
	if wk.in == nil {
		wk.fail(newError(StdinName, "", "", errNoStdin))
		return nil
	}
	return wk.stream(StdinName, wk.in, 0, time.Time{}, "a zip on standard input is held in memory, at most %d bytes (--max-nested-bytes); name the file instead")
}

// stream visits a stream without random access (standard input, an
// object of a bucket) named name. An EVTX stream is handed over as it
// comes, never buffered whole; a zip needs random access, so it is read
// into memory like a nested zip, within MaxNestedZipBytes (tooLarge, with
// the limit, says so when it is over); anything else is skipped.
func (wk *walk) stream(name string, r io.Reader, size int64, mod time.Time, tooLarge string) error {
	br := bufio.NewReaderSize(r, sniffLen)
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		wk.fail(newError(name, "", "read", err))
		return nil
	}
	switch kind(head) {
	case kindEVTX:
		wk.rep.Items++
		if err := wk.fn(Item{Path: name, Size: size, ModTime: mod}, br); err != nil {
			return err
		}
		return wk.ctx.Err()
	case kindZip:
		lim := wk.lim.MaxNestedZipBytes
		b, err := io.ReadAll(io.LimitReader(br, lim+1))
		if err != nil {
			wk.fail(newError(name, "", "read", err))
			return nil
		}
		if int64(len(b)) > lim {
			wk.fail(&Error{Path: name, Err: over(ErrTooLarge, tooLarge, lim)})
			return nil
		}
		zr := wk.openZip(bytes.NewReader(b), int64(len(b)), name)
		if zr == nil {
			return nil
		}
		return wk.zip(zr, name, 1, &budget{disk: int64(len(b))})
	default:
		wk.skip(name, reason(head))
		return nil
	}
}
