package parser

import (
	"errors"
	"fmt"
)

// Errors wrapped by a ParseError.
var (
	ErrNotEVTX     = errors.New("not an EVTX file (bad file magic)")
	ErrHeaderCRC   = errors.New("file header checksum mismatch")
	ErrChunkMagic  = errors.New("bad chunk magic")
	ErrChunkCRC    = errors.New("chunk header checksum mismatch")
	ErrRecordsCRC  = errors.New("event records checksum mismatch")
	ErrTruncated   = errors.New("truncated")
	ErrBadRecord   = errors.New("invalid record")
	ErrUndecodable = errors.New("undecodable record")
	ErrZeroedChunk = errors.New("zeroed chunk inside the used range")
	ErrClosed      = errors.New("parser: Reader closed")
	// ErrInternal is the cause of a panic recovered while a chunk was
	// decoded: a bug, not damage. It ends the read like an input error.
	ErrInternal = errors.New("internal error (a bug in evtxscan)")
)

// A ParseError reports damage found in an EVTX file: where it is (file, chunk,
// byte offset in the file, and the record id when known) and what is wrong.
// Chunk is -1 for damage to the file header.
type ParseError struct {
	Path     string // name of the input, as in Event.Path
	Chunk    int    // zero-based chunk index, -1 for the file header
	Offset   int64  // byte offset in the file
	RecordID uint64 // record id when known, else 0
	// More counts the further records of the same chunk that failed for
	// the same cause after this one (records that share a broken template).
	More int
	Err  error // the cause
}

func (e *ParseError) Error() string {
	where := e.Path
	if where == "" {
		where = "evtx"
	}
	if e.Chunk >= 0 {
		where = fmt.Sprintf("%s: chunk %d", where, e.Chunk)
	}
	where = fmt.Sprintf("%s: offset %#x", where, e.Offset)
	if e.RecordID != 0 {
		where = fmt.Sprintf("%s: record %d", where, e.RecordID)
	}
	s := where + ": " + e.Err.Error()
	if e.More > 0 {
		s += fmt.Sprintf(" (and %d more records)", e.More)
	}
	return s
}

func (e *ParseError) Unwrap() error { return e.Err }
