// Package evtxwriter writes Windows XML Event Log (EVTX) files the way Windows
// writes the records of classic event sources (sources registered with
// EventLog.CreateEventSource or a message file, such as ADSync or
// PasswordResetService): a 4 KiB file header, 64 KiB chunks with a string
// table and a template table, and records made of a BinXML template instance
// whose template is defined once per chunk and referenced by offset after.
//
// It exists to produce test files: fixtures with known content, deliberately
// damaged files and benchmark-size logs. A Writer is not safe for concurrent
// use.
//
// The System block of every record has the shape Windows gives classic
// sources:
//
//	<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
//	  <System>
//	    <Provider Name="ADSync"/>
//	    <EventID Qualifiers="0">6329</EventID>
//	    <Level>2</Level>
//	    <Task>3</Task>
//	    <Keywords>0x80000000000000</Keywords>
//	    <TimeCreated SystemTime="…"/>
//	    <EventRecordID>42</EventRecordID>
//	    <Channel>Application</Channel>
//	    <Computer>AADC01.contoso.local</Computer>
//	    <Security UserID="S-1-5-18"/>
//	  </System>
//	  <EventData><Data>…</Data></EventData>
//	</Event>
//
// Provider name, channel and computer are static text of the template, so a
// chunk holds one template per (provider, channel, computer) combination;
// the other values are typed substitutions. The data strings are one string
// array value (type 0x81) in a single <Data> element by default, as Windows
// stores them; see DataLayout for the alternative.
package evtxwriter

import (
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Sizes of the structures of an EVTX file.
const (
	FileHeaderSize  = 4096  // bytes of the file header block
	ChunkSize       = 65536 // bytes of a chunk
	chunkHeaderSize = 512   // chunk header with string and template tables
	recordHeaderLen = 24
)

// Keywords value Windows gives classic events (Event Viewer: "Classic").
const ClassicKeywords uint64 = 0x80000000000000

// Event levels.
const (
	LevelCritical    uint8 = 1
	LevelError       uint8 = 2
	LevelWarning     uint8 = 3
	LevelInformation uint8 = 4
)

// A Record is one event to write.
type Record struct {
	Provider   string    // event source, e.g. "ADSync"
	EventID    uint16    // low 16 bits of the event identifier
	Qualifiers uint16    // high 16 bits of the event identifier (severity bits)
	Level      uint8     // LevelError, LevelInformation, ...
	Task       uint16    // task category; 0 for none
	Keywords   uint64    // ClassicKeywords for classic sources
	Time       time.Time // TimeCreated, also the record's written time; 100 ns precision
	Channel    string    // "Application" when empty
	Computer   string    // computer name
	UserSID    string    // e.g. "S-1-5-18"; empty writes <Security/>
	Data       []string  // EventData strings in order; empty strings allowed
}

// DataLayout selects how the data strings of a record are stored.
type DataLayout int

const (
	// StringArray stores all data strings as one string array value
	// (type 0x81, each string NUL-terminated) in a single <Data> element, as
	// Windows does for classic sources. Readers expand it into one <Data>
	// element per string.
	StringArray DataLayout = iota
	// SeparateData stores one <Data> element per string, each a substitution
	// of type string (0x01). The template then depends on the number of
	// strings.
	SeparateData
)

// DamageKind names a way to damage a chunk.
type DamageKind int

const (
	// BadChunkMagic overwrites the chunk signature "ElfChnk\x00" (the header
	// checksum, computed before, no longer matches either).
	BadChunkMagic DamageKind = iota + 1
	// BadHeaderCRC stores a wrong chunk header checksum.
	BadHeaderCRC
	// BadRecordsCRC stores a wrong event records checksum; the header
	// checksum is valid for the header as written.
	BadRecordsCRC
)

func (k DamageKind) String() string {
	switch k {
	case BadChunkMagic:
		return "bad-chunk-magic"
	case BadHeaderCRC:
		return "bad-header-crc"
	case BadRecordsCRC:
		return "bad-records-crc"
	}
	return fmt.Sprintf("DamageKind(%d)", int(k))
}

// Damage asks for chunk number Chunk (0-based) to be damaged.
type Damage struct {
	Chunk int
	Kind  DamageKind
}

// Options control the layout and the deliberate defects of a file.
// The zero value writes a clean file whose first record id is 1.
type Options struct {
	// FirstRecordID is the id of the first record; 0 means 1.
	FirstRecordID uint64
	// DataLayout selects how data strings are stored.
	DataLayout DataLayout
	// ProviderSubstitution makes <Provider Name> a string substitution
	// instead of static text of the template, so one template serves every
	// provider.
	ProviderSubstitution bool
	// Dirty sets the file header's dirty flag (0x1) and leaves its chunk
	// count, last chunk number and next record id stale, describing the file
	// before its last chunk, as Windows leaves a log that was not closed.
	Dirty bool
	// Damage lists chunks to damage.
	Damage []Damage
	// MaxChunks, if positive, caps the file at this many chunks: a record
	// that would need one more is refused with ErrFull and the header gets
	// the "full" flag (0x2), as when a log reaches its maximum size.
	MaxChunks int
	// TruncateAt, if positive, cuts the file at this many bytes: nothing is
	// written past it. The header is still written, so TruncateAt should be
	// at least FileHeaderSize.
	TruncateAt int64
}

// Errors returned by Write.
var (
	ErrClosed         = errors.New("evtxwriter: write to closed writer")
	ErrFull           = errors.New("evtxwriter: file has reached MaxChunks")
	ErrRecordTooLarge = errors.New("evtxwriter: record does not fit in a chunk")
	ErrValueTooLarge  = errors.New("evtxwriter: value larger than 65535 bytes")
)

// A Writer writes records to an EVTX file.
type Writer struct {
	out  io.WriteSeeker
	opts Options
	err  error // sticky error

	nextID     uint64 // id of the next record
	chunks     int    // chunks flushed so far
	lastChunk1 uint64 // first record id of the last flushed chunk (for Dirty)
	full       bool   // a record was refused with ErrFull

	// current chunk
	buf        []byte // ChunkSize bytes
	free       int    // free space offset
	lastRec    int    // offset of the last record
	nrec       int    // records in the chunk
	firstID    uint64 // id of the first record in the chunk
	names      map[string]uint32
	templates  map[templateKey]uint32
	strBuckets [64]uint32
	tplBuckets [32]uint32

	// scratch space reused for every record
	rec      []byte
	sid      [68]byte
	frag     []byte
	undo     []string
	tplStack []int
	values   []value
}

type templateKey struct {
	provider string // "" when ProviderSubstitution
	channel  string
	computer string
	ndata    int // number of <Data> elements; -1 for a string array
}

// NewWriter returns a Writer that writes an EVTX file to out, which must be
// positioned at its start (offset 0). A placeholder file header is written
// with the first chunk and the real one at Close, which seeks back to offset
// 0; chunks are streamed, so memory use does not grow with the file.
func NewWriter(out io.WriteSeeker, opts Options) *Writer {
	if opts.FirstRecordID == 0 {
		opts.FirstRecordID = 1
	}
	if opts.TruncateAt > 0 {
		out = &limitWriteSeeker{w: out, limit: opts.TruncateAt}
	}
	w := &Writer{
		out:       out,
		opts:      opts,
		nextID:    opts.FirstRecordID,
		buf:       make([]byte, ChunkSize),
		names:     make(map[string]uint32, 32),
		templates: make(map[templateKey]uint32, 8),
	}
	w.resetChunk()
	return w
}

// NextRecordID returns the id the next written record gets.
func (w *Writer) NextRecordID() uint64 { return w.nextID }

// Chunk returns the 0-based number of the chunk the last written record went
// to, or -1 before the first record.
func (w *Writer) Chunk() int {
	if w.nrec == 0 {
		return w.chunks - 1
	}
	return w.chunks
}

// Write appends one record. Records are written in call order with
// increasing record ids; times need not increase.
func (w *Writer) Write(r Record) error {
	if w.err != nil {
		return w.err
	}
	if w.buf == nil {
		return ErrClosed
	}
	for attempt := 0; attempt < 2; attempt++ {
		n, err := w.encode(&r)
		if err != nil {
			return fmt.Errorf("evtxwriter: record %d (%s %d): %w", w.nextID, r.Provider, r.EventID, err)
		}
		if n > 0 {
			w.nextID++
			return nil
		}
		if w.nrec == 0 {
			return fmt.Errorf("%w: record %d (%s %d) needs more than %d bytes", ErrRecordTooLarge, w.nextID, r.Provider, r.EventID, ChunkSize-chunkHeaderSize)
		}
		if w.opts.MaxChunks > 0 && w.chunks+1 >= w.opts.MaxChunks {
			w.full = true
			return ErrFull
		}
		if err := w.flushChunk(); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: record %d", ErrRecordTooLarge, w.nextID)
}

// Close flushes the last chunk and writes the final file header. It does not
// close the underlying writer.
func (w *Writer) Close() error {
	if w.buf == nil {
		return w.err
	}
	if w.err == nil && w.nrec > 0 {
		w.err = w.flushChunk()
	}
	if w.err == nil {
		w.err = w.writeHeader(true)
	}
	w.buf = nil
	if w.err != nil {
		return w.err
	}
	w.err = ErrClosed
	return nil
}

// ---- chunk management ----

func (w *Writer) resetChunk() {
	clear(w.buf)
	clear(w.names)
	clear(w.templates)
	w.strBuckets = [64]uint32{}
	w.tplBuckets = [32]uint32{}
	w.free = chunkHeaderSize
	w.lastRec = 0
	w.nrec = 0
	w.firstID = w.nextID
}

func (w *Writer) damage(chunk int) DamageKind {
	for _, d := range w.opts.Damage {
		if d.Chunk == chunk {
			return d.Kind
		}
	}
	return 0
}

func (w *Writer) flushChunk() error {
	if w.chunks == 0 {
		// Reserve the file header block; the real one is written at Close.
		if err := w.writeHeader(false); err != nil {
			w.err = err
			return err
		}
	}
	b := w.buf
	le := binary.LittleEndian
	lastID := w.nextID - 1
	copy(b[0:8], "ElfChnk\x00")
	le.PutUint64(b[8:], w.firstID)
	le.PutUint64(b[16:], lastID)
	le.PutUint64(b[24:], w.firstID)
	le.PutUint64(b[32:], lastID)
	le.PutUint32(b[40:], 128)
	le.PutUint32(b[44:], uint32(w.lastRec))
	le.PutUint32(b[48:], uint32(w.free))
	for i, off := range w.strBuckets {
		le.PutUint32(b[128+4*i:], off)
	}
	for i, off := range w.tplBuckets {
		le.PutUint32(b[384+4*i:], off)
	}
	kind := w.damage(w.chunks)
	recCRC := crc32.ChecksumIEEE(b[chunkHeaderSize:w.free])
	if kind == BadRecordsCRC {
		recCRC = ^recCRC
	}
	le.PutUint32(b[52:], recCRC)
	hcrc := crc32.Update(crc32.ChecksumIEEE(b[0:120]), crc32.IEEETable, b[128:chunkHeaderSize])
	if kind == BadHeaderCRC {
		hcrc = ^hcrc
	}
	le.PutUint32(b[124:], hcrc)
	if kind == BadChunkMagic {
		copy(b[0:8], "ElfChnX\x00")
	}
	if _, err := w.out.Write(b); err != nil {
		w.err = fmt.Errorf("evtxwriter: writing chunk %d: %w", w.chunks, err)
		return w.err
	}
	w.lastChunk1 = w.firstID
	w.chunks++
	w.resetChunk()
	return nil
}

// writeHeader writes the file header at the start of the file. When final is
// false it writes the header of an empty file, to reserve the space.
func (w *Writer) writeHeader(final bool) error {
	var h [FileHeaderSize]byte
	le := binary.LittleEndian
	chunks := uint64(w.chunks)
	next := w.nextID
	var flags uint32
	if final && w.full {
		flags |= 2
	}
	if final && w.opts.Dirty {
		flags |= 1
		if chunks > 0 {
			chunks--
			next = w.lastChunk1
		}
	}
	if !final {
		chunks, next = 0, w.opts.FirstRecordID
	}
	copy(h[0:8], "ElfFile\x00")
	le.PutUint64(h[8:], 0)
	if chunks > 0 {
		le.PutUint64(h[16:], chunks-1)
	}
	le.PutUint64(h[24:], next)
	le.PutUint32(h[32:], 128)
	le.PutUint16(h[36:], 1) // minor version
	le.PutUint16(h[38:], 3) // major version
	le.PutUint16(h[40:], FileHeaderSize)
	le.PutUint16(h[42:], uint16(chunks))
	le.PutUint32(h[120:], flags)
	le.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))

	if final {
		if _, err := w.out.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("evtxwriter: seeking to the file header: %w", err)
		}
	}
	if _, err := w.out.Write(h[:]); err != nil {
		return fmt.Errorf("evtxwriter: writing the file header: %w", err)
	}
	if final {
		end := int64(FileHeaderSize) + int64(w.chunks)*ChunkSize
		if _, err := w.out.Seek(end, io.SeekStart); err != nil {
			return fmt.Errorf("evtxwriter: seeking to the end: %w", err)
		}
	}
	return nil
}

// ---- record encoding ----

// BinXML tokens and value types used here.
const (
	tokEOF           = 0x00
	tokOpenStart     = 0x01
	tokOpenStartAttr = 0x41
	tokCloseStart    = 0x02
	tokCloseEmpty    = 0x03
	tokEnd           = 0x04
	tokValue         = 0x05
	tokAttr          = 0x06
	tokAttrMore      = 0x46
	tokTemplate      = 0x0c
	tokNormalSubst   = 0x0d
	tokOptionalSubst = 0x0e

	typeNull     = 0x00
	typeString   = 0x01
	typeUInt8    = 0x04
	typeUInt16   = 0x06
	typeUInt64   = 0x0a
	typeFileTime = 0x11
	typeSID      = 0x13
	typeHexInt64 = 0x15
	typeStrArray = 0x81
)

// Substitution indexes of the System block.
const (
	subLevel = iota
	subTask
	subEventID
	subQualifiers
	subKeywords
	subTime
	subRecordID
	subUserID
	subProvider // only with ProviderSubstitution
)

type value struct {
	typ  byte
	u    uint64
	s    string
	strs []string
}

// encode writes record r into the current chunk. It returns the record size,
// or 0 if the record does not fit (the chunk is left unchanged).
func (w *Writer) encode(r *Record) (int, error) {
	channel := r.Channel
	if channel == "" {
		channel = "Application"
	}
	key := templateKey{channel: channel, computer: r.Computer, ndata: -1}
	if !w.opts.ProviderSubstitution {
		key.provider = r.Provider
	}
	if w.opts.DataLayout == SeparateData {
		key.ndata = len(r.Data)
	}

	// Values.
	vals := w.values[:0]
	vals = append(vals,
		value{typ: typeUInt8, u: uint64(r.Level)},
		value{typ: typeUInt16, u: uint64(r.Task)},
		value{typ: typeUInt16, u: uint64(r.EventID)},
		value{typ: typeUInt16, u: uint64(r.Qualifiers)},
		value{typ: typeHexInt64, u: r.Keywords},
		value{typ: typeFileTime, u: fileTime(r.Time)},
		value{typ: typeUInt64, u: w.nextID},
	)
	sidLen := 0
	if r.UserSID != "" {
		n, err := encodeSID(w.sid[:], r.UserSID)
		if err != nil {
			return 0, err
		}
		sidLen = n
		vals = append(vals, value{typ: typeSID})
	} else {
		vals = append(vals, value{typ: typeNull})
	}
	if w.opts.ProviderSubstitution {
		vals = append(vals, value{typ: typeString, s: r.Provider})
	}
	if key.ndata < 0 {
		vals = append(vals, value{typ: typeStrArray, strs: r.Data})
	} else {
		for _, s := range r.Data {
			vals = append(vals, value{typ: typeString, s: s})
		}
	}
	w.values = vals

	base := w.free
	rec := w.rec[:0]
	// Record header: magic, size (patched), id, written time.
	rec = append(rec, 0x2a, 0x2a, 0, 0, 0, 0, 0, 0)
	rec = binary.LittleEndian.AppendUint64(rec, w.nextID)
	rec = binary.LittleEndian.AppendUint64(rec, fileTime(r.Time))
	// Fragment header and template instance.
	rec = append(rec, 0x0f, 0x01, 0x01, 0x00, tokTemplate, 0x01)

	defOff, have := w.templates[key]
	var undo *tableState
	if !have {
		st := w.saveTables()
		undo = &st
		defOff = uint32(base + len(rec) + 8)
		w.frag = w.buildTemplate(w.frag[:0], key, r.Provider, channel, r.Computer, int(defOff)+24)
		sum := md5.Sum(w.frag)
		sum[6] = sum[6]&0x0f | 0x40 // a version 4 GUID look
		sum[8] = sum[8]&0x3f | 0x80
		id := binary.LittleEndian.Uint32(sum[0:4])
		rec = binary.LittleEndian.AppendUint32(rec, id)
		rec = binary.LittleEndian.AppendUint32(rec, defOff)
		// Template definition data: next definition in the bucket, GUID,
		// fragment size, fragment.
		bucket := id % 32
		rec = binary.LittleEndian.AppendUint32(rec, w.tplBuckets[bucket])
		rec = append(rec, sum[:]...)
		rec = binary.LittleEndian.AppendUint32(rec, uint32(len(w.frag)))
		rec = append(rec, w.frag...)
		w.tplBuckets[bucket] = defOff
		w.templates[key] = defOff
	} else {
		// Reference: the template id is the first four bytes of its GUID.
		id := binary.LittleEndian.Uint32(w.buf[defOff+4:])
		rec = binary.LittleEndian.AppendUint32(rec, id)
		rec = binary.LittleEndian.AppendUint32(rec, defOff)
	}

	// Template instance data: count, descriptors, values.
	rec = binary.LittleEndian.AppendUint32(rec, uint32(len(vals)))
	descAt := len(rec)
	rec = append(rec, make([]byte, 4*len(vals))...)
	for i := range vals {
		v := &vals[i]
		start := len(rec)
		le := binary.LittleEndian
		switch v.typ {
		case typeNull:
		case typeUInt8:
			rec = append(rec, byte(v.u))
		case typeUInt16:
			rec = le.AppendUint16(rec, uint16(v.u))
		case typeUInt64, typeHexInt64, typeFileTime:
			rec = le.AppendUint64(rec, v.u)
		case typeSID:
			rec = append(rec, w.sid[:sidLen]...)
		case typeString:
			rec = appendUTF16(rec, v.s)
		case typeStrArray:
			for _, s := range v.strs {
				rec = appendUTF16(rec, s)
				rec = append(rec, 0, 0)
			}
		}
		n := len(rec) - start
		if n > 0xffff {
			if undo != nil {
				w.restoreTables(*undo)
			}
			w.rec = rec
			return 0, fmt.Errorf("%w: value %d is %d bytes", ErrValueTooLarge, i, n)
		}
		le.PutUint16(rec[descAt+4*i:], uint16(n))
		rec[descAt+4*i+2] = v.typ
	}
	// End of the fragment, then the size copy.
	rec = append(rec, tokEOF)
	size := len(rec) + 4
	binary.LittleEndian.PutUint32(rec[4:], uint32(size))
	rec = binary.LittleEndian.AppendUint32(rec, uint32(size))
	w.rec = rec

	// The last 4 bytes of a chunk stay free: libyal (20181227) drops a
	// record that ends within them (measured: free space offsets 65533 to
	// 65536 lose the chunk's last record).
	if base+size > ChunkSize-4 {
		if undo != nil {
			w.restoreTables(*undo)
		}
		return 0, nil
	}
	copy(w.buf[base:], rec)
	w.lastRec = base
	w.free = base + size
	w.nrec++
	return size, nil
}

type tableState struct {
	str [64]uint32
	tpl [32]uint32
}

func (w *Writer) saveTables() tableState {
	w.undo = w.undo[:0]
	return tableState{str: w.strBuckets, tpl: w.tplBuckets}
}

func (w *Writer) restoreTables(st tableState) {
	w.strBuckets = st.str
	w.tplBuckets = st.tpl
	for _, n := range w.undo {
		delete(w.names, n)
	}
	w.undo = w.undo[:0]
	// Templates added by the failed attempt are only ever the current key,
	// which is added after the last possible failure point of buildTemplate;
	// remove any template defined at or after the free offset.
	for k, off := range w.templates {
		if int(off) >= w.free {
			delete(w.templates, k)
		}
	}
}

// fileTime converts t to a FILETIME: 100 ns intervals since 1601-01-01 UTC.
func fileTime(t time.Time) uint64 {
	const epochDelta = 11644473600 // seconds from 1601 to 1970
	return uint64(t.Unix()+epochDelta)*10_000_000 + uint64(t.Nanosecond()/100)
}

// appendUTF16 appends s as UTF-16LE without terminator. Invalid UTF-8 is
// written as U+FFFD.
func appendUTF16(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, c, 0)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			b = append(b, byte(r1), byte(r1>>8), byte(r2), byte(r2>>8))
			continue
		}
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

// utf16Len returns the number of UTF-16 code units of s.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// encodeSID writes the binary form of a SID string ("S-1-5-21-…") into dst
// and returns its length.
func encodeSID(dst []byte, s string) (int, error) {
	bad := func() (int, error) { return 0, fmt.Errorf("evtxwriter: malformed SID %q", s) }
	if len(s) < 4 || (s[0] != 'S' && s[0] != 's') || s[1] != '-' {
		return bad()
	}
	var parts [17]uint64
	np := 0
	cur, digits := uint64(0), 0
	for i := 2; i <= len(s); i++ {
		if i == len(s) || s[i] == '-' {
			if digits == 0 || np == len(parts) {
				return bad()
			}
			parts[np] = cur
			np++
			cur, digits = 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return bad()
		}
		cur = cur*10 + uint64(c-'0')
		digits++
		if cur > 1<<48 {
			return bad()
		}
	}
	if np < 2 || parts[0] != 1 || parts[1] >= 1<<48 {
		return bad()
	}
	nsub := np - 2
	if nsub > 15 {
		return bad()
	}
	dst[0] = 1
	dst[1] = byte(nsub)
	auth := parts[1]
	for i := 0; i < 6; i++ {
		dst[2+i] = byte(auth >> (8 * (5 - i)))
	}
	for i := 0; i < nsub; i++ {
		if parts[2+i] > 0xffffffff {
			return bad()
		}
		binary.LittleEndian.PutUint32(dst[8+4*i:], uint32(parts[2+i]))
	}
	return 8 + 4*nsub, nil
}

// limitWriteSeeker discards bytes written past limit.
type limitWriteSeeker struct {
	w     io.WriteSeeker
	pos   int64
	limit int64
}

func (l *limitWriteSeeker) Write(p []byte) (int, error) {
	n := len(p)
	if l.pos < l.limit {
		keep := p
		if int64(len(keep)) > l.limit-l.pos {
			keep = keep[:l.limit-l.pos]
		}
		if _, err := l.w.Write(keep); err != nil {
			return 0, err
		}
	}
	l.pos += int64(n)
	return n, nil
}

func (l *limitWriteSeeker) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekStart {
		return 0, errors.New("evtxwriter: unsupported seek")
	}
	l.pos = off
	target := min(off, l.limit)
	if _, err := l.w.Seek(target, io.SeekStart); err != nil {
		return 0, err
	}
	return off, nil
}
