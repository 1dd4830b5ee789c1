package input

import (
	"archive/zip"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	"github.com/evtxscan/evtxscan/internal/inflate"
)

// openData opens the data of entry f, decompressed and checked against the
// sizes and CRC the central directory declares. It is archive/zip's
// File.Open but for what an entry that lies about its size delivers:
// archive/zip drops the bytes of the last read when the entry turns out
// shorter or longer than declared; here they are returned, and the error
// after them. Methods other than Store and Deflate go to File.Open.
func openData(f *zip.File) (io.ReadCloser, error) {
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return f.Open()
	}
	raw, err := f.OpenRaw()
	if err != nil {
		return nil, err
	}
	c := &checkedData{f: f, crc: crc32.NewIEEE()}
	if f.Method == zip.Deflate {
		c.dec = inflate.NewReader(raw)
		c.r = c.dec
	} else {
		c.r = raw
	}
	return c, nil
}

// checkedData reads an entry's data, counting it and its CRC.
type checkedData struct {
	f   *zip.File
	r   io.Reader
	dec io.ReadCloser // the inflater, nil for stored data
	crc hash.Hash32
	n   uint64
	err error
}

func (c *checkedData) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.crc.Write(p[:n])
	c.n += uint64(n)
	want := c.f.UncompressedSize64
	switch {
	case c.n > want:
		c.err = fmt.Errorf("zip: entry longer than the %d bytes declared", want)
	case err == io.EOF && c.n < want:
		c.err = fmt.Errorf("zip: entry ends after %d of the %d bytes declared: %w", c.n, want, io.ErrUnexpectedEOF)
	case err == io.EOF && c.f.CRC32 != 0 && c.crc.Sum32() != c.f.CRC32:
		c.err = zip.ErrChecksum
	case err != nil:
		c.err = err
	}
	return n, c.err
}

func (c *checkedData) Close() error {
	if c.dec != nil {
		return c.dec.Close()
	}
	return nil
}
