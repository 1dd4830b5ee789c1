package lake

import (
	"errors"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// zstdEncoder is the zstd encoder of a Lake, shared by its Writers.
// parquet-go's own codec keeps its encoders in a sync.Pool, which the
// garbage collector empties, so a busy writer keeps allocating new
// encoders (megabytes of history each); this one is made once, with an
// encoder per processor, and serves every file of every tenant. EncodeAll
// is safe for concurrent use, and its output depends on the input alone.
type zstdEncoder struct {
	once sync.Once
	enc  *zstd.Encoder
	err  error
}

func (e *zstdEncoder) encode(dst, src []byte) ([]byte, error) {
	e.once.Do(func() {
		e.enc, e.err = zstd.NewWriter(nil,
			zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)),
			zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithZeroFrames(true),
			zstd.WithEncoderCRC(false),
			zstd.WithWindowSize(1<<20))
	})
	if e.err != nil {
		return dst[:0], e.err
	}
	if e.enc == nil {
		return dst[:0], errClosed
	}
	return e.enc.EncodeAll(src, dst[:0]), nil
}

var errClosed = errors.New("lake: the lake is closed")

// close releases the encoders' memory.
func (e *zstdEncoder) close() {
	e.once.Do(func() {}) // no encoder made after close
	if e.enc != nil {
		e.enc.Close()
	}
}

// zstdCodec is the zstd codec of one Writer: it encodes with its Lake's
// encoder and decodes with its own decoder (made when a file is read back,
// see table.merge). It is safe for concurrent use, as parquet.Codec asks.
type zstdCodec struct {
	enc     *zstdEncoder
	decOnce sync.Once
	dec     *zstd.Decoder
	decErr  error
}

func (c *zstdCodec) String() string                            { return "ZSTD" }
func (c *zstdCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *zstdCodec) Encode(dst, src []byte) ([]byte, error) { return c.enc.encode(dst, src) }

func (c *zstdCodec) Decode(dst, src []byte) ([]byte, error) {
	c.decOnce.Do(func() {
		c.dec, c.decErr = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	})
	if c.decErr != nil {
		return dst[:0], c.decErr
	}
	return c.dec.DecodeAll(src, dst[:0])
}

// close releases the decoder's goroutines and memory.
func (c *zstdCodec) close() {
	c.decOnce.Do(func() {}) // no decoder made after close
	if c.dec != nil {
		c.dec.Close()
	}
}
