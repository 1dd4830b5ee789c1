package parser

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"
)

// Token values of BinXML used by the decoder's own reading.
const (
	tokFragmentHeader   = 0x0f
	tokTemplateInstance = 0x0c
	recordHeaderSize    = 24
)

// value is one substitution value: its type, and where its bytes are in the
// chunk. It holds no pointer, so that filling a record's values is cheap.
type value struct {
	off  uint32 // offset of the value's bytes in the chunk
	size uint16
	typ  byte
}

// bytes returns the bytes of a value of chunk c.
func (v value) bytes(c []byte) []byte { return c[v.off : v.off+uint32(v.size)] }

// decodeOptions is what every chunk decoder of a Reader shares.
type decodeOptions struct {
	path       string
	keep       func(provider string) bool
	needData   func(provider string, eventID uint16) bool
	sampleData func(provider string, eventID uint16) bool
	cache      *planCache   // plans shared across chunks; nil for none
	stop       *atomic.Bool // set when the Reader is stopped; nil for never
	ndjson     bool         // encode each event's NDJSON line (Reader.NDJSON)
	prepare    func(*Event) any
	skip       Field  // System fields not decoded (Reader.Skip)
	jsonPrefix []byte // the start of every line: {"path":...,"chunk":
}

// sampleKey is a provider and event id sampled in the current chunk, and
// how many of its events were given data.
type sampleKey struct {
	provider string
	id       uint16
	n        int
}

// SampleSize is how many events of each chunk with a given provider and id
// SampleData gives data to.
const SampleSize = 4

// maxInterned bounds the strings a chunkDecoder keeps to hand out again.
const (
	maxInterned   = 4096
	maxInternSize = 256
)

// A chunkDecoder decodes records, one chunk at a time. A Reader has one per
// goroutine that decodes; it keeps its buffers from chunk to chunk, so that
// a record that is skipped costs no allocation. Template plans are kept per
// chunk, keyed by the template definition's offset, and shared across
// chunks through the options' planCache.
type chunkDecoder struct {
	opts     *decodeOptions
	data     []byte
	plans    map[int]*plan
	planErrs map[int]error

	vals     []value           // substitution values: the record's, then nested ones
	sbuf     []byte            // System field text
	dbuf     []byte            // data strings of one record, back to back
	ends     []int             // end of each data string in dbuf
	intern   map[string]string // System field strings handed out before
	raw      map[string]string // the same, by value type and bytes
	kbuf     []byte            // key for raw
	work     int               // nested value bytes expanded for the record (see maxRecordBytes)
	events   int               // events of the last chunk, to size the next
	recent   [8]recentPlan     // plans looked up last in the chunk, by key
	kept     [4]keepMemo       // Keep's answers for provider strings handed out
	nextKept int
	outLen   int          // NDJSON bytes of the last chunk, to size the next
	sampled  []sampleKey  // SampleData events given data in this chunk
	wants    [16]wantMemo // NeedData's and SampleData's answers in this chunk, by event id

	// NDJSON mode (ndjson.go)
	out      []byte     // the lines of the chunk's events
	recStart int        // where the current record's line starts in out
	jsonEnds []int      // end of each event's line in out
	jsonMode bool       // collecting data strings as JSON
	nJSON    int        // data strings written for the current record
	tbuf     []byte     // scratch text of one value
	tends    []int      // ends of the elements of an array value in tbuf
	jsonStrs [4]jsonStr // provider, channel, computer, user SID last written

	keys keyer // template keys for opts.cache
}

func newChunkDecoder(opts *decodeOptions) *chunkDecoder {
	return &chunkDecoder{
		opts:     opts,
		plans:    map[int]*plan{},
		planErrs: map[int]error{},
		intern:   map[string]string{},
		raw:      map[string]string{},
	}
}

// reset starts a new chunk.
func (d *chunkDecoder) reset(data []byte) {
	d.data = data
	clear(d.plans)
	clear(d.planErrs)
	d.recent = [8]recentPlan{}
	d.kept = [4]keepMemo{}
	d.sampled = d.sampled[:0]
	d.wants = [16]wantMemo{}
}

// A wantMemo is what NeedData and SampleData said of a provider and event
// id: the records of a chunk have a few of them, and a comparison costs
// less than asking again.
type wantMemo struct {
	provider string
	id       uint16
	set      bool
	need     bool  // NeedData said yes (or is not set)
	sample   bool  // SampleData said yes
	si       int32 // 1 + the index of the sample's count in d.sampled; 0 until looked up
}

// A recentPlan is a plan the decoder looked up in the chunk at hand, and
// whether Keep keeps its records when their provider is the template's own
// text (keepUnknown until asked): the records of a chunk use a few
// templates, most of them written before, and a look-up in a small array
// costs less than one in the chunk's map.
type recentPlan struct {
	key  int
	p    *plan
	keep int8
}

// Answers of Keep in recentPlan.keep.
const (
	keepUnknown = iota
	keepYes
	keepNo
)

// A keepMemo is what Keep said of a provider string. The decoder hands out
// the same string for the same text (str), so one comparison of pointers
// tells the answer again; it is kept for the chunk at hand only, as the
// decoder may serve another Reader, with another Keep, in the next.
type keepMemo struct {
	s    string
	keep bool
}

// keeps calls the Keep filter, or tells its answer again.
func (d *chunkDecoder) keeps(keep func(string) bool, s string) bool {
	p := unsafe.StringData(s)
	for i := range d.kept {
		if m := &d.kept[i]; unsafe.StringData(m.s) == p && len(m.s) == len(s) && p != nil {
			return m.keep
		}
	}
	k := keep(s)
	d.kept[d.nextKept] = keepMemo{s, k}
	d.nextKept = (d.nextKept + 1) % len(d.kept)
	return k
}

// wantData tells whether an event's data strings are decoded (see
// Reader.NeedData and Reader.SampleData).
func (d *chunkDecoder) wantData(provider string, id uint16) bool {
	m := &d.wants[id%uint16(len(d.wants))]
	if !m.set || m.id != id || !sameString(m.provider, provider) {
		nd, sd := d.opts.needData, d.opts.sampleData
		need := nd == nil || nd(provider, id)
		*m = wantMemo{provider: provider, id: id, set: true, need: need,
			sample: !need && sd != nil && sd(provider, id)}
	}
	if m.need {
		return true
	}
	if !m.sample {
		return false
	}
	if m.si == 0 {
		// The memo is new (or was taken by another id): find the count
		// the chunk keeps for this provider and id, or start it.
		i := slices.IndexFunc(d.sampled, func(k sampleKey) bool { return k.id == id && k.provider == provider })
		if i < 0 {
			i = len(d.sampled)
			d.sampled = append(d.sampled, sampleKey{provider, id, 0})
		}
		m.si = int32(i + 1)
	}
	k := &d.sampled[m.si-1]
	if k.n == SampleSize {
		return false
	}
	k.n++
	return true
}

// sameString reports whether a and b are equal, telling it without a
// comparison of their bytes when they are the same string (the decoder
// hands out the same string for the same text).
func sameString(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

// errFiltered reports a record left out by the provider filter.
var errFiltered = errors.New("filtered")

// instance locates the template instance at offset p: the template
// definition's offset and the substitution values. The values are appended
// to d.vals; the slice returned is valid until the next record.
func (d *chunkDecoder) instance(p int, limit int) (defOff int, vals []value, err error) {
	defOff, q, n, err := d.instanceHead(p, limit)
	if err != nil {
		return 0, nil, err
	}
	return defOff, d.values(q, n), nil
}

// instanceHead checks the template instance at offset p, as instance
// does, without making its values: it returns the template definition's
// offset, and the offset and number of the value descriptors (for values).
func (d *chunkDecoder) instanceHead(p int, limit int) (defOff, q, n int, err error) {
	c := d.data
	if p+10 > limit || c[p] != tokTemplateInstance {
		return 0, 0, 0, fmt.Errorf("no template instance at chunk offset %#x", p)
	}
	defOff = int(binary.LittleEndian.Uint32(c[p+6:]))
	q = p + 10
	if defOff == q {
		if q+24 > limit {
			return 0, 0, 0, fmt.Errorf("template definition at %#x: %w", q, ErrTruncated)
		}
		size := int(binary.LittleEndian.Uint32(c[q+20:]))
		q += 24 + size
	}
	if defOff <= 0 || defOff >= len(c) {
		return 0, 0, 0, fmt.Errorf("template definition offset %#x out of chunk", defOff)
	}
	if defOff != p+10 {
		// A definition elsewhere was written with an earlier record (or an
		// earlier value of this one): it lies wholly before the instance.
		if defOff < chunkHeaderSize || defOff > p-28 || int(binary.LittleEndian.Uint32(c[defOff+20:])) > p-defOff-24 {
			return 0, 0, 0, fmt.Errorf("template definition offset %#x: %w: not before its instance at %#x", defOff, ErrBudget, p)
		}
	}
	if q < 0 || q+4 > limit {
		return 0, 0, 0, fmt.Errorf("substitution values at %#x: %w", q, ErrTruncated)
	}
	n = int(binary.LittleEndian.Uint32(c[q:]))
	q += 4
	if n < 0 || n > (limit-q)/4 {
		return 0, 0, 0, fmt.Errorf("substitution count %d at %#x: %w", n, q-4, ErrTruncated)
	}
	vp := q + 4*n
	desc := c[q : q+4*n]
	for i := 0; i < len(desc); i += 4 {
		vp += int(desc[i]) | int(desc[i+1])<<8
	}
	if vp > limit {
		// Sizes are not negative: some value runs past the record. Name
		// the first.
		vp = q + 4*n
		for i := 0; i < n; i++ {
			size := int(desc[4*i]) | int(desc[4*i+1])<<8
			if vp+size > limit {
				return 0, 0, 0, fmt.Errorf("substitution %d (%d bytes) at %#x: %w", i, size, vp, ErrTruncated)
			}
			vp += size
		}
	}
	return defOff, q, n, nil
}

// values appends to d.vals the n values whose descriptors instanceHead
// found at q, and returns them.
func (d *chunkDecoder) values(q, n int) []value {
	start := len(d.vals)
	d.vals = slices.Grow(d.vals, n)[:start+n]
	vals := d.vals[start:]
	vp := uint32(q + 4*n)
	desc := d.data[q : q+4*n]
	for i := range vals {
		if len(desc) < 4 {
			break // never: it tells the compiler the reads below are in bounds
		}
		e := binary.LittleEndian.Uint32(desc)
		desc = desc[4:]
		vals[i] = value{off: vp, size: uint16(e), typ: byte(e >> 16)}
		vp += e & 0xffff
	}
	return vals
}

// plan returns the compiled plan of the template definition at defOff.
func (d *chunkDecoder) plan(defOff int, dataOnly bool) (*plan, error) {
	rp, err := d.recentPlan(defOff, dataOnly)
	if err != nil {
		return nil, err
	}
	return rp.p, nil
}

// recentPlan returns the plan of the template definition at defOff, as
// plan does, in its slot of d.recent.
func (d *chunkDecoder) recentPlan(defOff int, dataOnly bool) (*recentPlan, error) {
	key := defOff
	if dataOnly {
		key = -defOff
	}
	rp := &d.recent[uint(key)%uint(len(d.recent))]
	if rp.p != nil && rp.key == key {
		return rp, nil
	}
	p, err := d.lookupPlan(key, defOff, dataOnly)
	if err != nil {
		return nil, err
	}
	*rp = recentPlan{key: key, p: p}
	return rp, nil
}

// lookupPlan finds or compiles the plan of the definition at defOff: in
// the chunk's map, in the plan cache, or parsed.
func (d *chunkDecoder) lookupPlan(key, defOff int, dataOnly bool) (*plan, error) {
	if p, ok := d.plans[key]; ok {
		return p, nil
	}
	if err, ok := d.planErrs[key]; ok {
		return nil, err
	}
	var ck []byte
	if c := d.opts.cache; c != nil {
		var ok bool
		if ck, ok = d.keys.key(d.data, defOff); ok {
			if p := c.get(ck, dataOnly); p != nil {
				d.plans[key] = p
				return p, nil
			}
		}
	}
	p, shareable, err := parseTemplate(d.data, defOff, dataOnly)
	if err != nil {
		d.planErrs[key] = err
		return nil, err
	}
	if c := d.opts.cache; c != nil && ck != nil && shareable {
		c.put(ck, dataOnly, p)
	}
	d.plans[key] = p
	return p, nil
}

// appendField appends the text of a field whose values are in chunk c.
func appendField(dst []byte, c []byte, f field, vals []value) []byte {
	for _, p := range f {
		switch {
		case p.sub < 0:
			dst = append(dst, p.text...)
		case p.sub < len(vals):
			v := vals[p.sub]
			dst = appendValue(dst, v.typ, v.bytes(c))
		}
	}
	return dst
}

// text renders a field whose values are in chunk c.
func text(c []byte, f field, vals []value) string {
	if len(f) == 1 && f[0].sub < 0 {
		return f[0].text
	}
	return string(appendField(nil, c, f, vals))
}

// str renders a System field. Static text is the plan's own string; other
// text is handed out again when the decoder has made the same string before,
// so that a record costs no allocation for it.
func (d *chunkDecoder) str(f field, vals []value) string {
	switch {
	case len(f) == 0:
		return ""
	case len(f) == 1 && f[0].sub < 0:
		return f[0].text
	}
	// One substitution: look the value up by its type and bytes, before
	// rendering it.
	if i, ok := f.single(); ok && i < len(vals) && vals[i].size <= maxInternSize {
		v := vals[i]
		d.kbuf = append(append(d.kbuf[:0], v.typ), v.bytes(d.data)...)
		if s, ok := d.raw[string(d.kbuf)]; ok {
			return s
		}
		s := d.internBytes(appendValue(d.sbuf[:0], v.typ, v.bytes(d.data)))
		if len(d.raw) < maxInterned {
			d.raw[string(d.kbuf)] = s
		}
		return s
	}
	return d.internBytes(appendField(d.sbuf[:0], d.data, f, vals))
}

// internBytes returns b as a string, the same string as before when the
// decoder has made it before.
func (d *chunkDecoder) internBytes(b []byte) string {
	d.sbuf = b
	if s, ok := d.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.intern) < maxInterned && len(s) <= maxInternSize {
		d.intern[s] = s
	}
	return s
}

// number reads a field as an unsigned integer: from the value's bytes when
// the field is one integer substitution, else from its text.
func (d *chunkDecoder) number(f field, vals []value) (uint64, bool) {
	if len(f) == 0 {
		return 0, false
	}
	if i, ok := f.single(); ok && i < len(vals) {
		v := vals[i]
		b := v.bytes(d.data)
		switch v.typ {
		case typeUint8, typeInt8:
			if len(b) >= 1 {
				return uint64(b[0]), true
			}
		case typeUint16, typeInt16:
			if len(b) >= 2 {
				return uint64(binary.LittleEndian.Uint16(b)), true
			}
		case typeUint32, typeInt32, typeHex32:
			if len(b) >= 4 {
				return uint64(binary.LittleEndian.Uint32(b)), true
			}
		case typeUint64, typeInt64, typeHex64:
			if len(b) >= 8 {
				return binary.LittleEndian.Uint64(b), true
			}
		case typeNull:
			return 0, false
		}
	}
	var s string
	if len(f) == 1 && f[0].sub < 0 {
		s = f[0].text
	} else {
		d.sbuf = appendField(d.sbuf[:0], d.data, f, vals)
		s = string(d.sbuf) // does not escape: parsed below
	}
	return parseNumber(s)
}

// parseNumber parses decimal or 0x-prefixed hexadecimal text, allowing
// white space around it.
func parseNumber(s string) (uint64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	var n uint64
	var err error
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		n, err = strconv.ParseUint(s[2:], 16, 64)
	} else {
		n, err = strconv.ParseUint(s, 10, 64)
	}
	return n, err == nil
}

func (d *chunkDecoder) timeOf(f field, vals []value) (time.Time, bool) {
	if len(f) == 0 {
		return time.Time{}, false
	}
	if i, ok := f.single(); ok && i < len(vals) {
		v := vals[i]
		if v.typ == typeFileTime && v.size >= 8 {
			return fileTime(binary.LittleEndian.Uint64(v.bytes(d.data))), true
		}
	}
	t, err := time.Parse(time.RFC3339Nano, text(d.data, f, vals))
	return t.UTC(), err == nil
}

// decodeRecord decodes the record at chunk offset off (size bytes long) into
// ev. It returns errFiltered when the provider filter leaves it out.
func (d *chunkDecoder) decodeRecord(off, size int, ev *Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrUndecodable, r)
		}
		d.jsonMode = false
	}()
	c := d.data
	limit := off + size - 4
	ev.RecordID = binary.LittleEndian.Uint64(c[off+8:])
	written := binary.LittleEndian.Uint64(c[off+16:])
	p := off + recordHeaderSize
	if p+4 > limit || c[p] != tokFragmentHeader {
		return fmt.Errorf("%w: no BinXML fragment header", ErrUndecodable)
	}
	p += 4
	var pl *plan
	var rp *recentPlan
	var vals []value
	d.vals = d.vals[:0]
	if c[p] == tokTemplateInstance {
		defOff, q, n, err := d.instanceHead(p, limit)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUndecodable, err)
		}
		if rp, err = d.recentPlan(defOff, false); err != nil {
			return fmt.Errorf("%w: %v", ErrUndecodable, err)
		}
		if d.opts.keep != nil && rp.keep == keepNo {
			// Left out by its template's provider, which Keep was asked
			// about already: its values are not needed.
			return errFiltered
		}
		pl = rp.p
		vals = d.values(q, n)
	} else {
		if pl, err = parseFragment(c, p, limit, false); err != nil {
			return fmt.Errorf("%w: %v", ErrUndecodable, err)
		}
	}
	name := d.str(pl.provider, vals)
	source := d.str(pl.sourceName, vals)
	if keep := d.opts.keep; keep != nil {
		if rp != nil && rp.keep != keepUnknown {
			if rp.keep == keepNo {
				return errFiltered
			}
		} else {
			kept := d.keeps(keep, name) || source != "" && d.keeps(keep, source)
			if rp != nil && pl.staticProvider() {
				rp.keep = keepNo
				if kept {
					rp.keep = keepYes
				}
			}
			if !kept {
				return errFiltered
			}
		}
	}
	ev.Provider = name
	if ev.Provider == "" {
		ev.Provider = source
	}
	d.fill(pl, vals, ev, written)
	want := d.wantData(ev.Provider, ev.EventID)
	if d.opts.ndjson {
		d.jsonMode = true
		if err := d.encodeRecord(pl, vals, limit, ev, want); err != nil {
			return fmt.Errorf("%w: %w", ErrUndecodable, err)
		}
		return nil
	}
	if want {
		if ev.Data, err = d.dataStrings(pl, vals, limit); err != nil {
			return fmt.Errorf("%w: %w", ErrUndecodable, err)
		}
	}
	return nil
}

// fill decodes the System fields, but for those of Reader.Skip.
func (d *chunkDecoder) fill(pl *plan, vals []value, ev *Event, written uint64) {
	skip := d.opts.skip
	if n, ok := d.number(pl.eventID, vals); ok {
		ev.EventID = uint16(n)
	}
	if skip&FieldQualifiers == 0 {
		if n, ok := d.number(pl.qualifiers, vals); ok {
			ev.Qualifiers = uint16(n)
		}
	}
	if skip&FieldLevel == 0 {
		if n, ok := d.number(pl.level, vals); ok {
			ev.Level = uint8(n)
		}
	}
	if skip&FieldTask == 0 {
		if n, ok := d.number(pl.task, vals); ok {
			ev.Task = uint16(n)
		}
	}
	if skip&FieldKeywords == 0 {
		if n, ok := d.number(pl.keywords, vals); ok {
			ev.Keywords = n
		}
	}
	if n, ok := d.number(pl.recordID, vals); ok && n != 0 {
		ev.RecordID = n
	}
	if t, ok := d.timeOf(pl.timeCreated, vals); ok {
		ev.Time = t
	} else {
		ev.Time = fileTime(written)
	}
	ev.Channel = d.str(pl.channel, vals)
	ev.Computer = d.str(pl.computer, vals)
	if skip&FieldUserSID == 0 {
		ev.UserSID = d.str(pl.userID, vals)
	}
}

// maxNesting bounds BinXML values nested in BinXML values.
const maxNesting = 8

// The record budget: what the data strings of one record may expand to. A
// record is at most a chunk (64 KiB); its values, each rendered once, make
// at most a few times that in text. A hostile record can refer to one
// nested BinXML value many times per level, so that N references over 8
// levels make N^8 strings; such a record is refused when it goes over.
const (
	maxRecordBytes   = 4 << 20 // bytes of data strings, and of nested values expanded
	maxRecordStrings = 1 << 16 // data strings
)

// dataStrings returns the data strings of a record. They are rendered back
// to back into one buffer and made into one string, which the data strings
// are slices of: two allocations for a record, whatever its number of
// strings. It returns nil when the record has none.
func (d *chunkDecoder) dataStrings(pl *plan, vals []value, limit int) ([]string, error) {
	d.dbuf, d.ends = d.dbuf[:0], d.ends[:0]
	d.work = 0
	if err := d.collect(pl, vals, limit, 0); err != nil {
		if cap(d.dbuf) > maxRecordBytes {
			d.dbuf = nil // do not keep a hostile record's buffer
		}
		return nil, err
	}
	if len(d.ends) == 0 {
		return nil, nil
	}
	all := string(d.dbuf)
	out := make([]string, len(d.ends))
	prev := 0
	for i, e := range d.ends {
		out[i] = all[prev:e]
		prev = e
	}
	return out, nil
}

// overBudget reports an error when the record's data strings have gone
// over the record budget.
func (d *chunkDecoder) overBudget() error {
	size, n := len(d.dbuf), len(d.ends)
	if d.jsonMode {
		// The line so far (escaped text: a little more than the strings).
		size, n = len(d.out)-d.recStart, d.nJSON
	}
	if size+d.work > maxRecordBytes || n > maxRecordStrings {
		return fmt.Errorf("%w: the record expands to more than %d bytes or %d data strings",
			ErrBudget, maxRecordBytes, maxRecordStrings)
	}
	return nil
}

// collect appends the data strings of a plan to d.dbuf and d.ends.
func (d *chunkDecoder) collect(pl *plan, vals []value, limit, depth int) error {
	for _, it := range pl.data {
		if err := d.overBudget(); err != nil {
			return err
		}
		i, ok := it.f.single()
		if !ok || i >= len(vals) {
			start := len(d.dbuf)
			d.dbuf = appendField(d.dbuf, d.data, it.f, vals)
			if len(d.dbuf) > start || !it.container {
				d.ends = append(d.ends, len(d.dbuf))
			}
			continue
		}
		v := vals[i]
		switch {
		case v.typ == typeNull && (it.container || it.f[0].optional):
			// A null optional substitution removes its element.
		case v.size == 0 && it.container:
		case v.typ == typeBinXML:
			if err := d.nested(v, depth); err != nil {
				return err
			}
		case v.typ&typeArray != 0 && v.size == 0:
			d.ends = append(d.ends, len(d.dbuf))
		case v.typ&typeArray != 0:
			d.dbuf, d.ends = appendValues(d.dbuf, d.ends, v.typ, v.bytes(d.data))
		default:
			d.dbuf = appendValue(d.dbuf, v.typ, v.bytes(d.data))
			d.ends = append(d.ends, len(d.dbuf))
		}
	}
	return d.overBudget()
}

// nested collects the data strings of a BinXML value (UserData and the
// like). The value holds a template instance, with or without a fragment
// header before it, or a plain element tree. Its bytes count against the
// record budget each time it is expanded.
func (d *chunkDecoder) nested(v value, depth int) error {
	if depth >= maxNesting || v.size < 2 {
		return nil
	}
	d.work += int(v.size)
	if err := d.overBudget(); err != nil {
		return err
	}
	p := int(v.off)
	end := p + int(v.size)
	if d.data[p] == tokFragmentHeader && v.size > 4 {
		p += 4
	}
	if d.data[p] == tokTemplateInstance {
		mark := len(d.vals)
		defOff, vals, err := d.instance(p, end)
		if err != nil {
			return fmt.Errorf("nested value at chunk offset %#x: %v", v.off, err)
		}
		pl, err := d.plan(defOff, true)
		if err != nil {
			return fmt.Errorf("nested value at chunk offset %#x: %v", v.off, err)
		}
		err = d.collectAny(pl, vals, end, depth+1)
		d.vals = d.vals[:mark] // the nested values are done with
		return err
	}
	pl, err := parseFragment(d.data, int(v.off), end, true)
	if err != nil {
		return fmt.Errorf("nested value at chunk offset %#x: %v", v.off, err)
	}
	return d.collectAny(pl, nil, end, depth+1)
}

// collectAny collects data strings as strings or as JSON, as the record
// at hand is decoded.
func (d *chunkDecoder) collectAny(pl *plan, vals []value, limit, depth int) error {
	if d.jsonMode {
		return d.collectJSON(pl, vals, limit, depth)
	}
	return d.collect(pl, vals, limit, depth)
}
