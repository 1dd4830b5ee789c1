package parser

import (
	"encoding/binary"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/evtxscan/evtxscan/internal/jsonstr"
)

// NDJSON encoding of events, done by the goroutines that decode.
//
// With Reader.NDJSON set, every event Read returns carries its line in
// Event.JSON: a JSON object with the members of Event in its field order,
// written the way encoding/json writes them (SetEscapeHTML(false)), except
// for two members:
//
//   - "time" is RFC 3339 in UTC with exactly seven fractional digits (the
//     100 ns resolution of the format), as scan writes times:
//     "2024-03-18T08:41:07.1234560Z";
//   - "keywords" is a hexadecimal string as Event Viewer shows it:
//     "0x80000000000000".
//
// Data strings are escaped straight from their UTF-16 bytes into the
// decoder's output buffer: no string is made for them, and Event.Data is
// left nil.

// appendUTF16JSON appends little-endian UTF-16 bytes, up to the first NUL,
// escaped for a JSON string (without quotes): what jsonstr.AppendChars makes of
// what decodeUTF16 makes of them. It returns the number of bytes of b read,
// the NUL included.
func appendUTF16JSON(dst []byte, b []byte) ([]byte, int) {
	n := len(b) &^ 1
	i := 0
	for i < n {
		// Printable ASCII and its short escapes (a quote, a backslash, a
		// line break...): asciiRun; the last characters four at a time
		// while they are plain (a call costs more than it saves on a
		// short string).
		if n-i >= 16 {
			if cap(dst)-len(dst) < n-i {
				dst = slices.Grow(dst, n-i)
			}
			l := len(dst)
			nd, ns := asciiRun(dst[l:cap(dst)], b[i:n])
			dst = dst[:l+nd]
			i += ns
		} else {
			for i+8 <= n {
				x := binary.LittleEndian.Uint64(b[i:])
				if x&0xff80ff80ff80ff80 != 0 || hasBelow16(x, 0x20) ||
					hasZero16(x^0x0022002200220022) || hasZero16(x^0x005c005c005c005c) {
					break
				}
				dst = append(dst, byte(x), byte(x>>16), byte(x>>32), byte(x>>48))
				i += 8
			}
		}
		if i >= n {
			break
		}
		u := rune(b[i]) | rune(b[i+1])<<8
		i += 2
		switch {
		case u == 0:
			return dst, i
		case u < utf8.RuneSelf:
			if jsonstr.Safe(byte(u)) {
				dst = append(dst, byte(u))
			} else {
				dst = jsonstr.AppendEscape(dst, byte(u))
			}
		case u == '\u2028' || u == '\u2029':
			dst = jsonstr.AppendLineSep(dst, u)
		case u < 0xd800 || u >= 0xe000:
			dst = utf8.AppendRune(dst, u)
		case u < 0xdc00 && i+2 <= n:
			u2 := rune(b[i]) | rune(b[i+1])<<8
			if u2 >= 0xdc00 && u2 < 0xe000 {
				dst = utf8.AppendRune(dst, (u-0xd800)<<10|(u2-0xdc00)+0x10000)
				i += 2
				continue
			}
			dst = utf8.AppendRune(dst, utf8.RuneError)
		default:
			dst = utf8.AppendRune(dst, utf8.RuneError)
		}
	}
	return dst, i
}

// JSONTimeLayout is how Event.JSON writes times: RFC 3339 in UTC with
// seven fractional digits.
const JSONTimeLayout = "2006-01-02T15:04:05.0000000Z"

// appendJSONTime appends t (UTC) in JSONTimeLayout, without quotes.
func appendJSONTime(dst []byte, t time.Time) []byte {
	sec := t.Unix()
	days := sec / 86400
	rem := sec % 86400
	if rem < 0 {
		rem += 86400
		days--
	}
	y, m, d := civil(days)
	if y < 1000 || y > 9999 {
		return t.UTC().AppendFormat(dst, JSONTimeLayout)
	}
	var b [28]byte
	put2 := func(i int, v int) { b[i], b[i+1] = byte('0'+v/10), byte('0'+v%10) }
	put2(0, y/100)
	put2(2, y%100)
	b[4] = '-'
	put2(5, m)
	b[7] = '-'
	put2(8, d)
	b[10] = 'T'
	h, mi, s := int(rem/3600), int(rem/60%60), int(rem%60)
	put2(11, h)
	b[13] = ':'
	put2(14, mi)
	b[16] = ':'
	put2(17, s)
	b[19] = '.'
	f := t.Nanosecond() / 100
	for i := 26; i >= 20; i-- {
		b[i] = byte('0' + f%10)
		f /= 10
	}
	b[27] = 'Z'
	return append(dst, b[:]...)
}

// civil returns the proleptic Gregorian date of a day number counted from
// 1970-01-01.
func civil(days int64) (year, month, day int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return int(y), int(m), int(d)
}

// jsonPrefix is the start of every line of a file: `{"path":"...","chunk":`.
func jsonPrefix(path string) []byte {
	b := append([]byte(nil), `{"path":`...)
	b = jsonstr.AppendQuoted(b, path)
	return append(b, `,"chunk":`...)
}

// A jsonStr is the last strings a System member was written for, and how
// they were written. The decoder hands out the same string for the same
// text (chunkDecoder.str), so that one comparison of pointers saves
// escaping it again; a few are kept, for the providers of a log that
// alternate.
type jsonStr struct {
	e    [4]jsonStrEntry
	next int
}

type jsonStrEntry struct {
	p   *byte
	n   int
	enc []byte
}

func (c *jsonStr) append(dst []byte, s string) []byte {
	p := unsafe.StringData(s)
	for i := range c.e {
		if e := &c.e[i]; e.p == p && e.n == len(s) && e.enc != nil {
			return append(dst, e.enc...)
		}
	}
	e := &c.e[c.next]
	c.next = (c.next + 1) % len(c.e)
	e.p, e.n = p, len(s)
	e.enc = jsonstr.AppendQuoted(e.enc[:0], s)
	return append(dst, e.enc...)
}

// appendEventJSON appends the System members of ev, from "path" to
// "user_sid", and the start of "data".
func (d *chunkDecoder) appendEventJSON(dst []byte, ev *Event) []byte {
	dst = append(dst, d.opts.jsonPrefix...)
	dst = strconv.AppendInt(dst, int64(ev.Chunk), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, ev.Offset, 10)
	dst = append(dst, `,"record_id":`...)
	dst = strconv.AppendUint(dst, ev.RecordID, 10)
	dst = append(dst, `,"time":"`...)
	dst = appendJSONTime(dst, ev.Time)
	dst = append(dst, `","provider":`...)
	dst = d.jsonStrs[0].append(dst, ev.Provider)
	dst = append(dst, `,"event_id":`...)
	dst = strconv.AppendUint(dst, uint64(ev.EventID), 10)
	dst = append(dst, `,"qualifiers":`...)
	dst = strconv.AppendUint(dst, uint64(ev.Qualifiers), 10)
	dst = append(dst, `,"level":`...)
	dst = strconv.AppendUint(dst, uint64(ev.Level), 10)
	dst = append(dst, `,"task":`...)
	dst = strconv.AppendUint(dst, uint64(ev.Task), 10)
	dst = append(dst, `,"keywords":"0x`...)
	dst = strconv.AppendUint(dst, ev.Keywords, 16)
	dst = append(dst, `","channel":`...)
	dst = d.jsonStrs[1].append(dst, ev.Channel)
	dst = append(dst, `,"computer":`...)
	dst = d.jsonStrs[2].append(dst, ev.Computer)
	if ev.UserSID != "" {
		dst = append(dst, `,"user_sid":`...)
		dst = d.jsonStrs[3].append(dst, ev.UserSID)
	}
	return append(dst, `,"data":`...)
}

// encodeRecord writes the NDJSON line of a decoded event to d.out: its
// System members, then its data strings when wanted. The record budget
// (maxRecordBytes) applies to the line.
func (d *chunkDecoder) encodeRecord(pl *plan, vals []value, limit int, ev *Event, data bool) error {
	d.out = d.appendEventJSON(d.out, ev)
	if data {
		open := len(d.out)
		d.out = append(d.out, '[')
		d.nJSON, d.work = 0, 0
		if err := d.collectJSON(pl, vals, limit, 0); err != nil {
			return err
		}
		if d.nJSON > 0 {
			d.out = append(d.out, "]}\n"...)
			return nil
		}
		d.out = d.out[:open]
	}
	d.out = append(d.out, "null}\n"...)
	return nil
}

// openElem starts a data string in d.out.
func (d *chunkDecoder) openElem() {
	if d.nJSON > 0 {
		d.out = append(d.out, ',', '"')
	} else {
		d.out = append(d.out, '"')
	}
	d.nJSON++
}

// elem writes one data string given as UTF-8.
func (d *chunkDecoder) elem(s []byte) {
	d.openElem()
	d.out = jsonstr.AppendChars(d.out, s)
	d.out = append(d.out, '"')
}

// collectJSON writes the data strings of a plan to d.out: what collect
// makes of them, encoded.
func (d *chunkDecoder) collectJSON(pl *plan, vals []value, limit, depth int) error {
	for _, it := range pl.data {
		if err := d.overBudget(); err != nil {
			return err
		}
		i, ok := it.f.single()
		if !ok || i >= len(vals) {
			d.tbuf = appendField(d.tbuf[:0], d.data, it.f, vals)
			if len(d.tbuf) > 0 || !it.container {
				d.elem(d.tbuf)
			}
			continue
		}
		v := vals[i]
		switch {
		case v.typ == typeNull && (it.container || it.f[0].optional):
		case v.size == 0 && it.container:
		case v.typ == typeBinXML:
			if err := d.nested(v, depth); err != nil {
				return err
			}
		case v.typ&typeArray != 0 && v.size == 0:
			d.elem(nil)
		case v.typ == typeString:
			d.openElem()
			d.out, _ = appendUTF16JSON(d.out, v.bytes(d.data))
			d.out = append(d.out, '"')
		case v.typ == typeString|typeArray:
			b := v.bytes(d.data)
			b = b[:len(b)&^1]
			for len(b) > 0 {
				var k int
				d.openElem()
				d.out, k = appendUTF16JSON(d.out, b)
				d.out = append(d.out, '"')
				b = b[k:]
			}
		case v.typ&typeArray != 0:
			d.tbuf, d.tends = appendValues(d.tbuf[:0], d.tends[:0], v.typ, v.bytes(d.data))
			prev := 0
			for _, e := range d.tends {
				d.elem(d.tbuf[prev:e])
				prev = e
			}
		case v.typ == typeAnsi:
			d.tbuf = appendValue(d.tbuf[:0], v.typ, v.bytes(d.data))
			d.elem(d.tbuf)
		default:
			// Numbers, hexadecimal, GUIDs, SIDs and times are ASCII
			// with nothing to escape: written in place.
			d.openElem()
			d.out = appendValue(d.out, v.typ, v.bytes(d.data))
			d.out = append(d.out, '"')
		}
	}
	return d.overBudget()
}
