// Package inflate is the one deflate decompressor evtxscan reads zip
// entries with: the input package registers it on each zip.Reader it opens,
// and bench/crc32, the floor the zip scan is measured against, registers
// the same one, so that the floor inflates exactly as evtxscan does.
//
// It is github.com/klauspost/compress/flate in place of compress/flate,
// fed through a read buffer of its own. Inflating the entry of the 1 GiB
// generated member log's zip (internal/cmd/genlog -size 1GiB -seed 1 -mix
// member -zip; 170 MB deflated) and CRC-ing it, paired runs, medians of 5
// on 2 cores: klauspost v1.20.4 takes 0.81× the CPU of v1.17.9 (its
// bufio.Reader path peeks whole buffers instead of calling ReadByte for
// each byte), v1.17.9 was 16% faster than compress/flate
// (bench/zipflate_test.go), and the read buffer below halves the system
// time (0.16 s to 0.09 s).
//
// The read buffer: given a reader that is not an io.ByteReader (the
// io.SectionReader of an entry, over an *os.File), the flate reader wraps
// it in a bufio.Reader of 4 KiB, which costs a pread system call every
// 4 KiB of compressed data. A buffer of bufSize costs one every bufSize.
package inflate

import (
	"archive/zip"
	"bufio"
	"io"

	"github.com/klauspost/compress/flate"
)

// bufSize is the read buffer for the compressed bytes of one entry: 40,000
// system calls for the 170 MB of the member log's zip at 4 KiB, 650 at
// 256 KiB. An entry smaller than that gets a buffer of its size.
const bufSize = 256 << 10

// NewReader returns a reader of the deflated stream r. Its Close does not
// close r. It is a zip.Decompressor.
func NewReader(r io.Reader) io.ReadCloser {
	return flate.NewReader(bufio.NewReaderSize(r, bufferSize(r)))
}

// bufferSize is the size of the read buffer for r: bufSize, or less when r
// tells its size (an io.SectionReader does) and it is smaller.
func bufferSize(r io.Reader) int {
	if s, ok := r.(interface{ Size() int64 }); ok && s.Size() < bufSize {
		return max(int(s.Size()), 16) // bufio's least
	}
	return bufSize
}

// Register makes NewReader the decompressor of zr's deflated entries; it
// changes zr alone, not the process (zip.RegisterDecompressor would).
func Register(zr *zip.Reader) {
	zr.RegisterDecompressor(zip.Deflate, NewReader)
}
