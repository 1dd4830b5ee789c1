package report

import (
	"io"
	"runtime"
	"strconv"
	"sync"
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
// and hands the buffer to w whenever it passes flushAt (when w is nil, the
// buffer holds everything written). The first error of w is kept and
// everything after it is dropped.
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

// flushIfFull writes the buffer out once it holds flushAt bytes; a writer
// without w (a batch of writeBatches) keeps it all.
func (e *jsonWriter) flushIfFull() {
	if len(e.buf) >= flushAt && e.w != nil {
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
// correlate.AttemptList: [] when empty), each built as it is written. A
// long list is written by batches of attemptBatch attempts that
// GOMAXPROCS goroutines build and encode at once (writeBatches): the
// million attempts of a log whose resets never end make a JSON document of
// 870 MB.
func writeAttempts(e *jsonWriter, l correlate.AttemptList) {
	e.open('[')
	if workers := runtime.GOMAXPROCS(0); workers > 1 && l.Len() >= 2*attemptBatch {
		writeBatches(e, l, workers)
	} else {
		for _, a := range l.Range(0, l.Len()) {
			e.elem()
			writeAttempt(e, a)
			e.flushIfFull()
			if e.err != nil {
				break
			}
		}
	}
	e.close(']')
}

// attemptBatch is how many attempts one goroutine of writeBatches encodes
// at a time: about 900 KB of JSON for the open attempts of genlog -open,
// small enough that the batches in flight (2 per goroutine) stay a few MB.
const attemptBatch = 1024

// writeBatches writes the elements of the attempts array l (opened in e)
// as writeAttempts does one by one: workers goroutines encode batches of
// attemptBatch attempts into buffers of their own, each with the state e
// has at its first element (depth, and first only for batch 0), and the
// buffers are handed to e.w in order. Once e.w has failed no batch is
// started and the error is kept, as in e.flush.
func writeBatches(e *jsonWriter, l correlate.AttemptList, workers int) {
	n := l.Len()
	batches := (n + attemptBatch - 1) / attemptBatch
	inflight := 2 * workers
	// Batch k goes to done[k%inflight]: a batch is started only once the
	// one inflight before it was written, so a slot holds one at most.
	done := make([]chan []byte, inflight)
	for i := range done {
		done[i] = make(chan []byte, 1)
	}
	todo := make(chan int, inflight)
	free := make(chan []byte, inflight)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range todo {
				var buf []byte
				select {
				case buf = <-free:
				default:
				}
				b := jsonWriter{buf: buf[:0], compact: e.compact, depth: e.depth, first: k == 0 && e.first}
				for _, a := range l.Range(k*attemptBatch, min(n, (k+1)*attemptBatch)) {
					b.elem()
					writeAttempt(&b, a)
				}
				done[k%inflight] <- b.buf
			}
		}()
	}
	started := 0
	for ; started < min(batches, inflight); started++ {
		todo <- started
	}
	e.flush()
	for k := 0; k < started; k++ {
		buf := <-done[k%inflight]
		if e.err == nil {
			_, e.err = e.w.Write(buf)
		}
		select {
		case free <- buf:
		default:
		}
		if e.err == nil && started < batches {
			todo <- started
			started++
		}
	}
	close(todo)
	wg.Wait()
	e.first = false
}
