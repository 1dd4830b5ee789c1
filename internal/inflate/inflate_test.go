package inflate

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"math/rand/v2"
	"testing"
)

// deflate compresses b with the standard library's writer, as zip tools do.
func deflate(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sample returns n bytes that compress some but not all the way: text with
// random runs.
func sample(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 0, n)
	for len(b) < n {
		if r.IntN(2) == 0 {
			b = append(b, "PasswordResetService ADSync "...)
		} else {
			b = append(b, byte(r.IntN(256)))
		}
	}
	return b[:n]
}

// NewReader gives back the bytes deflated, whatever the size of the stream
// against the read buffer, and its sized buffer follows the reader's Size.
func TestNewReader(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
	}{
		{"empty", 0},
		{"small", 100},
		{"buffer", bufSize},
		{"over the buffer", 5*bufSize + 17},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := sample(tc.n)
			z := deflate(t, want)
			for _, src := range []io.Reader{
				io.NewSectionReader(bytes.NewReader(z), 0, int64(len(z))),
				struct{ io.Reader }{bytes.NewReader(z)}, // no Size
			} {
				rc := NewReader(src)
				got, err := io.ReadAll(rc)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%T: %d bytes, %v; want %d", src, len(got), err, len(want))
				}
				if err := rc.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}
		})
	}
}

// A stream cut short fails with io.ErrUnexpectedEOF, not a silent end.
func TestNewReaderCut(t *testing.T) {
	z := deflate(t, sample(3*bufSize))
	rc := NewReader(io.NewSectionReader(bytes.NewReader(z), 0, int64(len(z)/2)))
	_, err := io.ReadAll(rc)
	if err != io.ErrUnexpectedEOF {
		t.Errorf("cut stream: %v; want %v", err, io.ErrUnexpectedEOF)
	}
}

func TestBufferSize(t *testing.T) {
	for _, tc := range []struct {
		r    io.Reader
		want int
	}{
		{io.NewSectionReader(bytes.NewReader(nil), 0, 0), 16},
		{io.NewSectionReader(bytes.NewReader(nil), 0, 1000), 1000},
		{io.NewSectionReader(bytes.NewReader(nil), 0, 1<<30), bufSize},
		{bytes.NewBufferString("no Size method"), bufSize},
	} {
		if got := bufferSize(tc.r); got != tc.want {
			t.Errorf("bufferSize(%T) = %d, want %d", tc.r, got, tc.want)
		}
	}
}

// Register sets the decompressor of one zip.Reader: its deflated entries
// read back, checked against their CRC by archive/zip.
func TestRegister(t *testing.T) {
	want := sample(2*bufSize + 5)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("a.evtx")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(want)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	Register(zr)
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("entry: %d bytes, %v; want %d", len(got), err, len(want))
	}
}
