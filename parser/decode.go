package parser

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Token values of BinXML used by the decoder's own reading.
const (
	tokFragmentHeader   = 0x0f
	tokTemplateInstance = 0x0c
	recordHeaderSize    = 24
)

// value is one substitution value: its type and bytes (a slice of the chunk).
type value struct {
	typ byte
	b   []byte
	off int // offset of the value's bytes in the chunk
}

// chunkDecoder decodes the records of one chunk. Template plans are cached
// per chunk, keyed by the template definition's offset.
type chunkDecoder struct {
	data      []byte
	plans     map[int]*plan
	planErrs  map[int]error
	keep      func(provider string) bool
	valuesBuf []value
}

func newChunkDecoder(data []byte, keep func(string) bool) *chunkDecoder {
	return &chunkDecoder{data: data, keep: keep, plans: map[int]*plan{}, planErrs: map[int]error{}}
}

// errFiltered reports a record left out by the provider filter.
var errFiltered = errors.New("filtered")

// instance locates the template instance at offset p: the template
// definition's offset and the substitution values.
func (d *chunkDecoder) instance(p int, limit int) (defOff int, vals []value, err error) {
	c := d.data
	if p+10 > limit || c[p] != tokTemplateInstance {
		return 0, nil, fmt.Errorf("no template instance at chunk offset %#x", p)
	}
	defOff = int(binary.LittleEndian.Uint32(c[p+6:]))
	q := p + 10
	if defOff == q {
		if q+24 > limit {
			return 0, nil, fmt.Errorf("template definition at %#x: %w", q, ErrTruncated)
		}
		size := int(binary.LittleEndian.Uint32(c[q+20:]))
		q += 24 + size
	}
	if defOff <= 0 || defOff >= len(c) {
		return 0, nil, fmt.Errorf("template definition offset %#x out of chunk", defOff)
	}
	if q+4 > limit {
		return 0, nil, fmt.Errorf("substitution values at %#x: %w", q, ErrTruncated)
	}
	n := int(binary.LittleEndian.Uint32(c[q:]))
	q += 4
	if n < 0 || q+4*n > limit {
		return 0, nil, fmt.Errorf("substitution count %d at %#x: %w", n, q-4, ErrTruncated)
	}
	vals = make([]value, n)
	vp := q + 4*n
	for i := 0; i < n; i++ {
		size := int(binary.LittleEndian.Uint16(c[q+4*i:]))
		typ := c[q+4*i+2]
		if vp+size > limit {
			return 0, nil, fmt.Errorf("substitution %d (%d bytes) at %#x: %w", i, size, vp, ErrTruncated)
		}
		vals[i] = value{typ: typ, b: c[vp : vp+size], off: vp}
		vp += size
	}
	return defOff, vals, nil
}

func (d *chunkDecoder) plan(defOff int, dataOnly bool) (*plan, error) {
	key := defOff
	if dataOnly {
		key = -defOff
	}
	if p, ok := d.plans[key]; ok {
		return p, nil
	}
	if err, ok := d.planErrs[key]; ok {
		return nil, err
	}
	p, err := parseTemplate(d.data, defOff, dataOnly)
	if err != nil {
		d.planErrs[key] = err
		return nil, err
	}
	d.plans[key] = p
	return p, nil
}

// text renders a field.
func text(f field, vals []value) string {
	if len(f) == 1 {
		return partText(f[0], vals)
	}
	var sb strings.Builder
	for _, p := range f {
		sb.WriteString(partText(p, vals))
	}
	return sb.String()
}

func partText(p part, vals []value) string {
	if p.sub < 0 {
		return p.text
	}
	if p.sub >= len(vals) {
		return ""
	}
	v := vals[p.sub]
	return renderValue(v.typ, v.b)
}

// number reads a field as an unsigned integer: from the value's bytes when
// the field is one integer substitution, else from its text.
func number(f field, vals []value) (uint64, bool) {
	if i, ok := f.single(); ok && i < len(vals) {
		v := vals[i]
		switch v.typ {
		case typeUint8, typeInt8:
			if len(v.b) >= 1 {
				return uint64(v.b[0]), true
			}
		case typeUint16, typeInt16:
			if len(v.b) >= 2 {
				return uint64(binary.LittleEndian.Uint16(v.b)), true
			}
		case typeUint32, typeInt32, typeHex32:
			if len(v.b) >= 4 {
				return uint64(binary.LittleEndian.Uint32(v.b)), true
			}
		case typeUint64, typeInt64, typeHex64:
			if len(v.b) >= 8 {
				return binary.LittleEndian.Uint64(v.b), true
			}
		case typeNull:
			return 0, false
		}
	}
	if len(f) == 0 {
		return 0, false
	}
	s := strings.TrimSpace(text(f, vals))
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

func timeOf(f field, vals []value) (time.Time, bool) {
	if i, ok := f.single(); ok && i < len(vals) {
		v := vals[i]
		if v.typ == typeFileTime && len(v.b) >= 8 {
			return fileTime(binary.LittleEndian.Uint64(v.b)), true
		}
	}
	if len(f) == 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, text(f, vals))
	return t.UTC(), err == nil
}

// providerOf renders the provider of a plan, Name or else EventSourceName.
func providerOf(p *plan, vals []value) (name, source string) {
	if len(p.provider) > 0 {
		name = text(p.provider, vals)
	}
	if len(p.sourceName) > 0 {
		source = text(p.sourceName, vals)
	}
	return name, source
}

// decodeRecord decodes the record at chunk offset off (size bytes long) into
// ev. It returns errFiltered when the provider filter leaves it out.
func (d *chunkDecoder) decodeRecord(off, size int, ev *Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrUndecodable, r)
		}
	}()
	c := d.data
	limit := off + size - 4
	ev.RecordID = binary.LittleEndian.Uint64(c[off+8:])
	written := fileTime(binary.LittleEndian.Uint64(c[off+16:]))
	p := off + recordHeaderSize
	if p+4 > limit || c[p] != tokFragmentHeader {
		return fmt.Errorf("%w: no BinXML fragment header", ErrUndecodable)
	}
	p += 4
	var pl *plan
	var vals []value
	if c[p] == tokTemplateInstance {
		defOff, vs, err := d.instance(p, limit)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUndecodable, err)
		}
		vals = vs
		if pl, err = d.plan(defOff, false); err != nil {
			return fmt.Errorf("%w: %v", ErrUndecodable, err)
		}
	} else {
		if pl, err = parseFragment(c, p, limit, false); err != nil {
			return fmt.Errorf("%w: %v", ErrUndecodable, err)
		}
	}
	name, source := providerOf(pl, vals)
	if d.keep != nil && !d.keep(name) && (source == "" || !d.keep(source)) {
		return errFiltered
	}
	ev.Provider = name
	if ev.Provider == "" {
		ev.Provider = source
	}
	d.fill(pl, vals, ev, written, limit)
	return nil
}

func (d *chunkDecoder) fill(pl *plan, vals []value, ev *Event, written time.Time, limit int) {
	if n, ok := number(pl.eventID, vals); ok {
		ev.EventID = uint16(n)
	}
	if n, ok := number(pl.qualifiers, vals); ok {
		ev.Qualifiers = uint16(n)
	}
	if n, ok := number(pl.level, vals); ok {
		ev.Level = uint8(n)
	}
	if n, ok := number(pl.task, vals); ok {
		ev.Task = uint16(n)
	}
	if n, ok := number(pl.keywords, vals); ok {
		ev.Keywords = n
	}
	if n, ok := number(pl.recordID, vals); ok && n != 0 {
		ev.RecordID = n
	}
	if t, ok := timeOf(pl.timeCreated, vals); ok {
		ev.Time = t
	} else {
		ev.Time = written
	}
	ev.Channel = text(pl.channel, vals)
	ev.Computer = text(pl.computer, vals)
	ev.UserSID = text(pl.userID, vals)
	ev.Data = d.dataStrings(pl, vals, ev.Data[:0], limit, 0)
}

// maxNesting bounds BinXML values nested in BinXML values.
const maxNesting = 8

// dataStrings appends the data strings of a plan.
func (d *chunkDecoder) dataStrings(pl *plan, vals []value, out []string, limit, depth int) []string {
	for _, it := range pl.data {
		i, ok := it.f.single()
		if !ok || i >= len(vals) {
			if s := text(it.f, vals); s != "" || !it.container {
				out = append(out, s)
			}
			continue
		}
		v := vals[i]
		switch {
		case v.typ == typeNull && (it.container || it.f[0].optional):
			// A null optional substitution removes its element.
		case len(v.b) == 0 && it.container:
		case v.typ == typeBinXML:
			out = d.nested(v, out, depth)
		case v.typ&typeArray != 0 && len(v.b) == 0:
			out = append(out, "")
		case v.typ&typeArray != 0:
			out = append(out, renderValues(v.typ, v.b)...)
		default:
			out = append(out, renderValue(v.typ, v.b))
		}
	}
	return out
}

// nested appends the data strings of a BinXML value (UserData and the like).
// The value holds a template instance, with or without a fragment header
// before it, or a plain element tree.
func (d *chunkDecoder) nested(v value, out []string, depth int) []string {
	if depth >= maxNesting || len(v.b) < 2 {
		return out
	}
	end := v.off + len(v.b)
	p := v.off
	if d.data[p] == tokFragmentHeader && len(v.b) > 4 {
		p += 4
	}
	if d.data[p] == tokTemplateInstance {
		defOff, vals, err := d.instance(p, end)
		if err != nil {
			panic(fmt.Sprintf("nested value at chunk offset %#x: %v", v.off, err))
		}
		pl, err := d.plan(defOff, true)
		if err != nil {
			panic(fmt.Sprintf("nested value at chunk offset %#x: %v", v.off, err))
		}
		return d.dataStrings(pl, vals, out, end, depth+1)
	}
	pl, err := parseFragment(d.data, v.off, end, true)
	if err != nil {
		panic(fmt.Sprintf("nested value at chunk offset %#x: %v", v.off, err))
	}
	return d.dataStrings(pl, nil, out, end, depth+1)
}
