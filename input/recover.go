package input

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A zip whose central directory is damaged or cut off (a download that
// stopped, a disk that filled) still holds its entries one after another,
// each behind a local file header. recoverZip reads those headers from the
// start of the archive as far as they are whole, writes a central directory
// for the entries found, and opens the archive with it: the bytes of the
// archive, up to the end of the last whole entry, followed by the new
// directory in memory.

// ErrRecovered says an archive's central directory could not be read and
// its entries were found from their local headers.
var ErrRecovered = errors.New("central directory damaged or missing: entries read from their local headers")

const (
	localHeaderLen = 30
	maxRecovered   = 1 << 16 // entries a recovered directory may hold
)

// recoverZip opens r (size bytes) from its local headers. It returns the
// number of whole entries found; none is an error.
func recoverZip(r io.ReaderAt, size int64) (*zip.Reader, int, error) {
	le := binary.LittleEndian
	var cd bytes.Buffer
	n := 0
	off := int64(0)
	var hdr [localHeaderLen]byte
	for n < maxRecovered {
		if off+localHeaderLen > size {
			break
		}
		if _, err := r.ReadAt(hdr[:], off); err != nil || !bytes.Equal(hdr[:4], zipMagic) {
			break
		}
		flags, method := le.Uint16(hdr[6:]), le.Uint16(hdr[8:])
		crc, csize, usize := le.Uint32(hdr[14:]), le.Uint32(hdr[18:]), le.Uint32(hdr[22:])
		nlen, xlen := int64(le.Uint16(hdr[26:])), int64(le.Uint16(hdr[28:]))
		data := off + localHeaderLen + nlen + xlen
		if data > size {
			break
		}
		name := make([]byte, nlen)
		if _, err := r.ReadAt(name, off+localHeaderLen); err != nil {
			break
		}
		end := data + int64(csize)
		if flags&0x8 != 0 {
			// Sizes and CRC follow the data, in a data descriptor: find
			// the one whose compressed size is the distance to it.
			var ok bool
			crc, csize, usize, end, ok = findDescriptor(r, data, size)
			if !ok {
				break
			}
		}
		if end > size || csize == 0xffffffff || usize == 0xffffffff {
			break // cut inside the entry, or Zip64 (not recovered)
		}
		var h [46]byte
		copy(h[:], "PK\x01\x02")
		le.PutUint16(h[4:], 20)
		copy(h[6:], hdr[4:14]) // version needed, flags, method, time, date
		le.PutUint16(h[8:], flags)
		le.PutUint16(h[10:], method)
		le.PutUint32(h[16:], crc)
		le.PutUint32(h[20:], csize)
		le.PutUint32(h[24:], usize)
		le.PutUint16(h[28:], uint16(nlen))
		le.PutUint32(h[42:], uint32(off))
		cd.Write(h[:])
		cd.Write(name)
		n++
		off = end
	}
	if n == 0 {
		return nil, 0, errors.New("zip: no whole entry behind a local header")
	}
	var eocd [22]byte
	copy(eocd[:], "PK\x05\x06")
	le.PutUint16(eocd[8:], uint16(n))
	le.PutUint16(eocd[10:], uint16(n))
	le.PutUint32(eocd[12:], uint32(cd.Len()))
	le.PutUint32(eocd[16:], uint32(off))
	cd.Write(eocd[:])
	tail := cd.Bytes()
	zr, err := newZipReader(&joined{r, off, tail}, off+int64(len(tail)))
	if err != nil {
		return nil, 0, fmt.Errorf("zip: recovered directory: %w", err)
	}
	return zr, n, nil
}

// openZip opens the archive r of size bytes, from its local headers when
// its central directory cannot be read. recovered is the number of entries
// found that way, 0 when the directory was read; err is the directory's
// error when nothing could be recovered.
func openZip(r io.ReaderAt, size int64) (zr *zip.Reader, recovered int, err error) {
	zr, err = newZipReader(r, size)
	if err == nil {
		return zr, 0, nil
	}
	if rz, n, rerr := recoverZip(r, size); rerr == nil {
		return rz, n, err
	}
	return nil, 0, err
}

// openZip opens an archive for the walk, and reports its failure, or the
// recovery of its entries, as an error about path.
func (wk *walk) openZip(r io.ReaderAt, size int64, path string) *zip.Reader {
	zr, n, err := openZip(r, size)
	switch {
	case zr == nil:
		wk.fail(newError(path, "", "open", err))
	case n > 0:
		wk.fail(&Error{Path: path, Op: "open", Err: fmt.Errorf("%w; %w: %d found", err, ErrRecovered, n)})
	}
	return zr
}

// findDescriptor looks after data for a data descriptor ("PK\x07\x08",
// CRC, compressed and uncompressed size) whose compressed size is its
// distance from data, and returns its fields and the offset after it.
func findDescriptor(r io.ReaderAt, data, size int64) (crc, csize, usize uint32, end int64, ok bool) {
	const window = 64 << 10
	buf := make([]byte, window+16)
	for pos := data; pos < size && pos-data <= 0xffffffff; pos += window {
		n, _ := r.ReadAt(buf, pos)
		b := buf[:n]
		for i := 0; ; {
			j := bytes.Index(b[i:], []byte("PK\x07\x08"))
			if j < 0 || i+j+16 > len(b) {
				break
			}
			at := pos + int64(i+j)
			d := b[i+j:]
			if c := binary.LittleEndian.Uint32(d[8:]); int64(c) == at-data {
				return binary.LittleEndian.Uint32(d[4:]), c, binary.LittleEndian.Uint32(d[12:]), at + 16, true
			}
			i += j + 1
		}
		if n < len(buf) {
			break
		}
	}
	return 0, 0, 0, 0, false
}

// joined reads as the first n bytes of r followed by tail.
type joined struct {
	r    io.ReaderAt
	n    int64
	tail []byte
}

func (j *joined) ReadAt(p []byte, off int64) (int, error) {
	done := 0
	if off < j.n {
		k := int(min(int64(len(p)), j.n-off))
		m, err := j.r.ReadAt(p[:k], off)
		done += m
		if m < k {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return done, err
		}
		off += int64(k)
	}
	if done == len(p) {
		return done, nil
	}
	t := off - j.n
	if t >= int64(len(j.tail)) {
		return done, io.EOF
	}
	m := copy(p[done:], j.tail[t:])
	done += m
	if done < len(p) {
		return done, io.EOF
	}
	return done, nil
}
