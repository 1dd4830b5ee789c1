package report

import (
	"io"
	"strconv"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/internal/jsonstr"
)

// flushAt is the size at which a jsonWriter hands its buffer to the
// io.Writer: about 1,400 writes for the 89.5 MB report of a 1 GiB member
// log, from one buffer reused throughout (not tuned: the writes are not
// where the time goes).
const flushAt = 64 << 10

// A jsonWriter appends JSON to a reused buffer in one pass, indented as
// encoding/json's Encoder with SetIndent("", "  ") writes it, or compact,
// and hands the buffer to w whenever it passes flushAt. The first error of
// w is kept and everything after it is dropped.
//
// Members are written by key (the object's fields) or elem (an array's
// elements), each followed by one value; open and close bracket a
// container. first says the innermost open container has no member yet,
// which is all the state indentation needs: a container closed with no
// member stays "[]" or "{}", as encoding/json writes it.
type jsonWriter struct {
	w       io.Writer
	buf     []byte
	err     error
	compact bool // one line, no space after ':' (NDJSON)
	depth   int
	first   bool
}

func newJSONWriter(w io.Writer, compact bool) *jsonWriter {
	return &jsonWriter{w: w, buf: make([]byte, 0, flushAt+flushAt/4), compact: compact}
}

// flushIfFull writes the buffer out once it holds flushAt bytes.
func (e *jsonWriter) flushIfFull() {
	if len(e.buf) >= flushAt {
		e.flush()
	}
}

// flush writes the buffer out and returns the first error of w.
func (e *jsonWriter) flush() error {
	if e.err == nil && len(e.buf) > 0 {
		_, e.err = e.w.Write(e.buf)
	}
	e.buf = e.buf[:0]
	return e.err
}

// member starts the next member of the innermost container: a comma after
// the one before, then, indented, a new line at the container's depth.
func (e *jsonWriter) member() {
	if !e.first {
		e.buf = append(e.buf, ',')
	}
	e.first = false
	if !e.compact {
		e.newline(e.depth)
	}
}

// newline starts a line indented by two spaces per depth.
func (e *jsonWriter) newline(depth int) {
	const line = "\n                                " // 16 levels
	if n := 1 + 2*depth; n <= len(line) {
		e.buf = append(e.buf, line[:n]...)
		return
	}
	e.buf = append(e.buf, line...)
	for range depth - (len(line)-1)/2 {
		e.buf = append(e.buf, ' ', ' ')
	}
}

// key starts the member of an object named k (a name that needs no
// escaping: every key is a constant of this package).
func (e *jsonWriter) key(k string) {
	e.member()
	e.buf = append(e.buf, '"')
	e.buf = append(e.buf, k...)
	if e.compact {
		e.buf = append(e.buf, '"', ':')
	} else {
		e.buf = append(e.buf, '"', ':', ' ')
	}
}

// elem starts the next element of an array.
func (e *jsonWriter) elem() { e.member() }

func (e *jsonWriter) open(bracket byte) {
	e.buf = append(e.buf, bracket)
	e.depth++
	e.first = true
}

func (e *jsonWriter) close(bracket byte) {
	e.depth--
	if !e.first && !e.compact {
		e.newline(e.depth)
	}
	e.buf = append(e.buf, bracket)
	e.first = false
}

// Values.

func (e *jsonWriter) str(s string) { e.buf = jsonstr.AppendQuoted(e.buf, s) }

func (e *jsonWriter) int(n int) { e.buf = strconv.AppendInt(e.buf, int64(n), 10) }

func (e *jsonWriter) null() { e.buf = append(e.buf, "null"...) }

// time writes t as correlate.Time.MarshalJSON does: null when zero.
func (e *jsonWriter) time(t correlate.Time) {
	if t.IsZero() {
		e.null()
		return
	}
	e.buf = append(e.buf, '"')
	e.buf = appendTime(e.buf, t.Time)
	e.buf = append(e.buf, '"')
}

// appendTime appends t in UTC as t.UTC().AppendFormat(dst,
// correlate.TimeLayout) does ("2006-01-02T15:04:05.0000000Z"), digit by
// digit for the years 0 to 9999 and by AppendFormat for the others.
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, correlate.TimeLayout)
	}
	hour, minute, sec := t.Clock()
	frac := t.Nanosecond() / 100
	var b [28]byte
	digits(b[0:4], year)
	b[4] = '-'
	digits(b[5:7], int(month))
	b[7] = '-'
	digits(b[8:10], day)
	b[10] = 'T'
	digits(b[11:13], hour)
	b[13] = ':'
	digits(b[14:16], minute)
	b[16] = ':'
	digits(b[17:19], sec)
	b[19] = '.'
	digits(b[20:27], frac)
	b[27] = 'Z'
	return append(dst, b[:]...)
}

// digits writes n in decimal into b, zero-padded to len(b).
func digits(b []byte, n int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}

// Fields, one call per struct field, named after the field's tag: Omit
// for omitempty, Omitzero for omitzero.

func (e *jsonWriter) stringField(k, s string) {
	e.key(k)
	e.str(s)
}

func (e *jsonWriter) stringOmit(k, s string) {
	if s != "" {
		e.stringField(k, s)
	}
}

func (e *jsonWriter) intField(k string, n int) {
	e.key(k)
	e.int(n)
}

func (e *jsonWriter) int64Field(k string, n int64) {
	e.key(k)
	e.buf = strconv.AppendInt(e.buf, n, 10)
}

func (e *jsonWriter) uint64Field(k string, n uint64) {
	e.key(k)
	e.buf = strconv.AppendUint(e.buf, n, 10)
}

func (e *jsonWriter) boolField(k string, b bool) {
	e.key(k)
	e.buf = strconv.AppendBool(e.buf, b)
}

func (e *jsonWriter) timeOmitzero(k string, t correlate.Time) {
	if !t.IsZero() {
		e.key(k)
		e.time(t)
	}
}

// hresultOmit writes h as correlate.HResult.MarshalJSON does; omitempty
// drops the zero code.
func (e *jsonWriter) hresultOmit(k string, h correlate.HResult) {
	if h == 0 {
		return
	}
	e.key(k)
	const digits = "0123456789ABCDEF"
	e.buf = append(e.buf, '"', '0', 'x')
	for shift := 28; shift >= 0; shift -= 4 {
		e.buf = append(e.buf, digits[(h>>shift)&0xF])
	}
	e.buf = append(e.buf, '"')
}

func (e *jsonWriter) stringsField(k string, list []string) {
	e.key(k)
	writeList(e, list, func(e *jsonWriter, s *string) { e.str(*s) })
}

func (e *jsonWriter) stringsOmit(k string, list []string) {
	if len(list) > 0 {
		e.stringsField(k, list)
	}
}

func (e *jsonWriter) intsField(k string, list []int) {
	e.key(k)
	writeList(e, list, func(e *jsonWriter, n *int) { e.int(*n) })
}

func (e *jsonWriter) timesField(k string, list []correlate.Time) {
	e.key(k)
	writeList(e, list, func(e *jsonWriter, t *correlate.Time) { e.time(*t) })
}

// listField writes the field k holding list, each element with one.
func listField[T any](e *jsonWriter, k string, list []T, one func(*jsonWriter, *T)) {
	e.key(k)
	writeList(e, list, one)
}

// writeList writes list as an array, each element with one: null for a nil
// slice, [] for an empty one, as encoding/json does. The buffer is flushed
// between elements, so a long list never sits in memory whole; once w has
// failed the rest of the list is not written (it would be dropped).
func writeList[T any](e *jsonWriter, list []T, one func(*jsonWriter, *T)) {
	if list == nil {
		e.null()
		return
	}
	e.open('[')
	for i := range list {
		e.elem()
		one(e, &list[i])
		e.flushIfFull()
		if e.err != nil {
			break
		}
	}
	e.close(']')
}

// writeAttempts writes the attempts as an array (as encoding/json writes
// correlate.AttemptList: [] when empty), each built as it is written.
func writeAttempts(e *jsonWriter, l correlate.AttemptList) {
	e.open('[')
	for i := range l.Len() {
		a := l.At(i)
		e.elem()
		writeAttempt(e, &a)
		e.flushIfFull()
		if e.err != nil {
			break
		}
	}
	e.close(']')
}
