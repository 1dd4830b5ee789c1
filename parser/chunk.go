package parser

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"
)

// Sizes of the EVTX format.
const (
	HeaderBlockSize = 4096  // the file header block before the first chunk
	ChunkSize       = 65536 // every chunk
	chunkHeaderSize = 512   // chunk header, string and template tables
)

// recordMagic is the first four bytes of a record, "**\x00\x00", as a
// little-endian number.
const recordMagic = 0x00002a2a

// minOutSize is the least a chunk's NDJSON buffer starts with.
const minOutSize = 16 << 10

var (
	chunkMagic = []byte("ElfChnk\x00")
)

// chunkResult is what decoding one chunk yields.
type chunkResult struct {
	seq      int   // chunk index in the file
	offset   int64 // file offset of the chunk
	end      int64 // file offset after the chunk's bytes
	events   []Event
	out      []byte // the events' NDJSON lines (Reader.NDJSON), which Event.JSON slices
	damage   []*ParseError
	records  int // record structures found
	skipped  int // records (or damaged areas) that could not be decoded
	filtered int // records left out by the filter
	empty    bool
	first    uint64    // earliest and latest written time (FILETIME) of the
	last     uint64    // records found, the filtered ones included
	err      error     // a fatal read error after this chunk
	final    bool      // the input ended with this chunk (read at an offset): no later chunk is returned
	free     chan slot // the worker its event slice and output buffer go back to, or nil
}

// allZero reports whether b holds only zero bytes.
func allZero(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// chunkHeaderCRC is the checksum Windows stores at offset 124 of a chunk:
// CRC32 of bytes 0–119 and 128–511.
func chunkHeaderCRC(b []byte) uint32 {
	return crc32.Update(crc32.ChecksumIEEE(b[:120]), crc32.IEEETable, b[128:chunkHeaderSize])
}

// validRecord reports whether a record starts at off: magic, a plausible
// size, and the size repeated at the record's end.
func validRecord(b []byte, off int) (size int, ok bool) {
	if off+recordHeaderSize+4 > len(b) || binary.LittleEndian.Uint32(b[off:]) != recordMagic {
		return 0, false
	}
	size = int(binary.LittleEndian.Uint32(b[off+4:]))
	if size < recordHeaderSize+8 || off+size > len(b) {
		return 0, false
	}
	if int(binary.LittleEndian.Uint32(b[off+size-4:])) != size {
		return 0, false
	}
	return size, true
}

// decodeChunk reads every record of one chunk that can be read. b holds the
// chunk's bytes (a full chunk, or less at the end of a truncated file).
// used tells whether the file header counts this chunk as in use; dirty,
// whether the file header is flagged dirty. Records past the chunk's free
// space offset are read only in a dirty file, where the chunk header may not
// have been updated after the last records were written; in a clean file
// they are slack left over from earlier use of the chunk.
//
// The events are appended to sl.events[:0], a slice to reuse whose
// elements up to its capacity are zero (worker.decodeChunk clears them), or nil; in
// NDJSON mode their lines to sl.out[:0].
func (d *chunkDecoder) decodeChunk(b []byte, seq int, offset int64, used, dirty bool, sl slot) chunkResult {
	evs := sl.events
	path := d.opts.path
	res := chunkResult{seq: seq, offset: offset, end: offset + int64(len(b))}
	damage := func(off int, rec uint64, err error) {
		res.damage = append(res.damage, &ParseError{Path: path, Chunk: seq, Offset: offset + int64(off), RecordID: rec, Err: err})
	}
	if allZero(b) {
		res.empty = true
		if used {
			damage(0, 0, ErrZeroedChunk)
		}
		return res
	}
	if len(b) < ChunkSize {
		damage(len(b), 0, fmt.Errorf("%w: chunk has %d of %d bytes", ErrTruncated, len(b), ChunkSize))
	}
	if len(b) < chunkHeaderSize {
		return res
	}
	headerOK := bytes.Equal(b[:8], chunkMagic)
	scanTo := len(b) // where damaged areas are searched for records
	// past tells whether records after the free space offset are read:
	// in a dirty file, and when the records checksum fails, as then the
	// offset may be stale (records written after it was last updated).
	past := dirty
	if !headerOK {
		damage(0, 0, fmt.Errorf("%w: %q", ErrChunkMagic, b[:8]))
	} else {
		if got, want := chunkHeaderCRC(b), binary.LittleEndian.Uint32(b[124:]); got != want {
			damage(124, 0, fmt.Errorf("%w: stored %#08x, computed %#08x", ErrChunkCRC, want, got))
		}
		free := int(binary.LittleEndian.Uint32(b[48:]))
		if free >= chunkHeaderSize && free <= len(b) {
			scanTo = free
			if got, want := crc32.ChecksumIEEE(b[chunkHeaderSize:free]), binary.LittleEndian.Uint32(b[52:]); got != want {
				damage(52, 0, fmt.Errorf("%w: stored %#08x, computed %#08x", ErrRecordsCRC, want, got))
				past = true
			}
		} else if free > len(b) && len(b) == ChunkSize {
			damage(48, 0, fmt.Errorf("%w: free space offset %#x", ErrBadRecord, free))
		}
	}

	d.reset(b)
	defer d.reset(nil) // hold no reference to the chunk's bytes
	res.events = evs[:0]
	if res.events == nil {
		res.events = make([]Event, 0, d.events+d.events/8+4)
	}
	off := chunkHeaderSize
	lastCause := "" // cause of the last undecodable record, to fold repeats
	stop := d.opts.stop
	ndjson := d.opts.ndjson
	if ndjson {
		d.out = sl.out[:0]
		if d.out == nil {
			// Sized from the chunk before: a buffer of the largest size
			// lines can take would make a Pool's workers, which fill
			// one per chunk of a batch, allocate megabytes per file.
			d.out = make([]byte, 0, max(d.outLen+d.outLen/8, minOutSize))
		}
		d.jsonEnds = d.jsonEnds[:0]
	}
	for off+recordHeaderSize <= len(b) {
		if off >= scanTo && headerOK && !past {
			break
		}
		if stop != nil && stop.Load() {
			break // the Reader is stopped: Read says so
		}
		size, ok := validRecord(b, off)
		if !ok {
			if off >= scanTo || allZero(b[off:scanTo]) {
				break // past the used area: the end of the chunk's records
			}
			// A damaged area inside the used range: look for the next record
			// on an 8-byte boundary.
			start := off
			off = (off + 8) &^ 7
			for off < scanTo {
				if _, ok := validRecord(b, off); ok {
					break
				}
				off += 8
			}
			res.skipped++
			lastCause = ""
			if !headerOK && start == chunkHeaderSize && off >= scanTo {
				// Not a chunk at all: the bad magic says it already.
				continue
			}
			damage(start, 0, fmt.Errorf("%w: %d bytes unreadable", ErrBadRecord, off-start))
			continue
		}
		res.records++
		if wt := binary.LittleEndian.Uint64(b[off+16:]); wt != 0 {
			if res.first == 0 || wt < res.first {
				res.first = wt
			}
			if wt > res.last {
				res.last = wt
			}
		}
		// The slots past the slice's length are zero (see release): a
		// record's is set where it needs to be, and put back to zero
		// when the record is not kept.
		if len(res.events) == cap(res.events) {
			res.events = slices.Grow(res.events, 1)
		}
		res.events = res.events[:len(res.events)+1]
		ev := &res.events[len(res.events)-1]
		ev.Path, ev.Chunk, ev.Offset = path, seq, offset+int64(off)
		mark := len(d.out)
		d.recStart = mark
		err := d.decodeRecord(off, size, ev)
		if ndjson {
			if err == nil {
				d.jsonEnds = append(d.jsonEnds, len(d.out))
			} else {
				d.out = d.out[:mark]
			}
		}
		switch {
		case err == nil:
			if p := d.opts.prepare; p != nil {
				ev.Prepared = p(ev)
			}
		case err == errFiltered: // never wrapped (decodeRecord)
			// decodeRecord set no other field of a record it leaves out.
			ev.Path, ev.Chunk, ev.Offset, ev.RecordID = "", 0, 0, 0
			res.filtered++
			res.events = res.events[:len(res.events)-1]
		default:
			res.skipped++
			rec := ev.RecordID
			*ev = Event{}
			res.events = res.events[:len(res.events)-1]
			if cause := err.Error(); cause == lastCause {
				res.damage[len(res.damage)-1].More++
			} else {
				lastCause = cause
				damage(off, rec, err)
			}
		}
		if err == nil {
			lastCause = ""
		}
		off += size
	}
	d.events = len(res.events)
	if ndjson {
		d.outLen = len(d.out)
		res.out = d.out
		d.out = nil
		prev := 0
		for i, e := range d.jsonEnds {
			res.events[i].JSON = res.out[prev:e:e]
			prev = e
		}
	}
	return res
}
