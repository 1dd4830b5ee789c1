package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/evtxscan/evtxscan/internal/jsonstr"
)

// refEvent is Event as the NDJSON line writes it, for encoding/json to
// write the reference: the same members, with the time in JSONTimeLayout and
// the keywords as a hexadecimal string.
type refEvent struct {
	Path       string   `json:"path"`
	Chunk      int      `json:"chunk"`
	Offset     int64    `json:"offset"`
	RecordID   uint64   `json:"record_id"`
	Time       string   `json:"time"`
	Provider   string   `json:"provider"`
	EventID    uint16   `json:"event_id"`
	Qualifiers uint16   `json:"qualifiers"`
	Level      uint8    `json:"level"`
	Task       uint16   `json:"task"`
	Keywords   string   `json:"keywords"`
	Channel    string   `json:"channel"`
	Computer   string   `json:"computer"`
	UserSID    string   `json:"user_sid,omitempty"`
	Data       []string `json:"data"`
}

// refLine is the line encoding/json writes for ev.
func refLine(t testing.TB, ev *Event) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(refEvent{
		Path: ev.Path, Chunk: ev.Chunk, Offset: ev.Offset, RecordID: ev.RecordID,
		Time: ev.Time.UTC().Format(JSONTimeLayout), Provider: ev.Provider, EventID: ev.EventID,
		Qualifiers: ev.Qualifiers, Level: ev.Level, Task: ev.Task,
		Keywords: "0x" + strconv.FormatUint(ev.Keywords, 16),
		Channel:  ev.Channel, Computer: ev.Computer, UserSID: ev.UserSID, Data: ev.Data,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ndjsonInputs are the files the NDJSON encoder is checked on: the fixtures
// and, when present, every sample.
func ndjsonInputs(t *testing.T) []string {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "evtx", "*.evtx"))
	samples, _ := filepath.Glob(filepath.Join("..", "..", "shared", "evtx-samples", "*", "*.evtx"))
	if len(samples) == 0 {
		t.Log("no ../shared/evtx-samples: checking the fixtures only")
	}
	return append(paths, samples...)
}

// The NDJSON line of every event is byte for byte what encoding/json writes
// for the event decoded without NDJSON, with 1 and 2 workers; the events
// are otherwise the same, but for Data, left nil.
func TestNDJSONSameAsEncodingJSON(t *testing.T) {
	paths := ndjsonInputs(t)
	if len(paths) == 0 {
		t.Fatal("no fixtures")
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// A path that needs escaping: quote, backslash, control
		// character, invalid UTF-8, HTML characters, U+2028.
		name := "dir\\\"<a&b>\x01\xff\u2028/" + filepath.Base(p)
		want, _, _ := readBytesOpts(t, b, 1, func(r *Reader) { r.Path = name })
		for _, w := range []int{1, 2} {
			r := NewReader(bytes.NewReader(b))
			r.Path = name
			r.Workers = w
			r.NDJSON = true
			i := 0
			for ; ; i++ {
				ev, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					break // the same error ends want (checked by the count)
				}
				if i >= len(want) {
					t.Fatalf("%s w%d: more events than without NDJSON", p, w)
				}
				if ev.Data != nil {
					t.Fatalf("%s w%d: event %d has Data in NDJSON mode", p, w, i)
				}
				if ref := refLine(t, &want[i]); !bytes.Equal(ev.JSON, ref) {
					t.Fatalf("%s w%d: event %d (record %d):\n got %s\nwant %s", p, w, i, ev.RecordID, ev.JSON, ref)
				}
				if e := want[i]; e.RecordID != ev.RecordID || e.Offset != ev.Offset || !e.Time.Equal(ev.Time) || e.Provider != ev.Provider {
					t.Fatalf("%s w%d: event %d differs in its System fields", p, w, i)
				}
			}
			r.Close()
			if i != len(want) {
				t.Fatalf("%s w%d: %d events, want %d", p, w, i, len(want))
			}
		}
	}
}

// readBytesOpts reads b with a Reader set up by setup, copying the events.
func readBytesOpts(t testing.TB, b []byte, workers int, setup func(*Reader)) ([]Event, Stats, error) {
	t.Helper()
	r := NewReader(bytes.NewReader(b))
	r.Workers = workers
	setup(r)
	defer r.Close()
	var evs []Event
	for {
		ev, err := r.Read()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return evs, r.Stats(), err
		}
		e := *ev
		e.Data = append([]string(nil), ev.Data...)
		if ev.Data == nil {
			e.Data = nil
		}
		e.JSON = append([]byte(nil), ev.JSON...)
		evs = append(evs, e)
	}
}

// jsonOf is what encoding/json writes for s, without the quotes.
func jsonOf(t testing.TB, s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	out := b.Bytes()
	return out[1 : len(out)-2]
}

// appendUTF16JSON writes what encoding/json writes for the string
// decodeUTF16 makes, and reads as many bytes.
func TestAppendUTF16JSON(t *testing.T) {
	cases := []struct {
		name  string
		units []uint16
	}{
		{"empty", nil},
		{"ascii", utf16.Encode([]rune("Password writeback: TrackingId 1234"))},
		{"quote and backslash", utf16.Encode([]rune(`a"b\c"d\\e"fgh`))},
		{"control characters", utf16.Encode([]rune("a\x01\x08\x09\x0a\x0c\x0d\x1f\x7fb"))},
		{"html", utf16.Encode([]rune("<script>&amp;</script>"))},
		{"line separators", utf16.Encode([]rune("x\u2028y\u2029z\u202a"))},
		{"non-ASCII", utf16.Encode([]rune("Zürich — 東京 ✓"))},
		{"surrogate pair", utf16.Encode([]rune("a😀b"))},
		{"lone high surrogate", []uint16{'a', 0xd83d, 'b', 'c', 'd', 'e'}},
		{"lone high at end", []uint16{'a', 'b', 'c', 'd', 0xd83d}},
		{"lone low surrogate", []uint16{'a', 0xde00, 'b'}},
		{"high then high", []uint16{0xd83d, 0xd83d, 0xde00}},
		{"NUL ends", []uint16{'a', 'b', 'c', 'd', 'e', 0, 'x', 'y'}},
		{"NUL in the fast path", []uint16{'a', 'b', 0, 'c', 'd', 'e', 'f', 'g'}},
		{"U+FFFD", []uint16{0xfffd, 'a'}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check(t, utf16Bytes(c.units))
		})
	}
	rng := rand.New(rand.NewSource(1))
	pick := []uint16{0, 1, 0x1f, ' ', '"', '\\', '<', '&', 'a', 'Z', 0x7f, 0x80, 0xe9, 0x2028, 0x2029, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfffd, 0xffff}
	for i := 0; i < 5000; i++ {
		units := make([]uint16, rng.Intn(24))
		for k := range units {
			if rng.Intn(3) == 0 {
				units[k] = pick[rng.Intn(len(pick))]
			} else {
				units[k] = uint16('a' + rng.Intn(26))
			}
		}
		b := utf16Bytes(units)
		if rng.Intn(4) == 0 {
			b = append(b, 'x') // an odd byte at the end
		}
		check(t, b)
	}
}

func check(t *testing.T, b []byte) {
	t.Helper()
	s, wantN, _ := decodeUTF16(nil, b)
	got, n := appendUTF16JSON([]byte("pre"), b)
	if want := append([]byte("pre"), jsonOf(t, string(s))...); !bytes.Equal(got, want) || n != wantN {
		t.Fatalf("% x: got %q (%d bytes read), want %q (%d)", b, got, n, want, wantN)
	}
}

// BenchmarkAppendUTF16JSON escapes text like the PowerShell script blocks
// of the largest samples, where appendUTF16JSON is most of dump's work:
// ASCII with a quote or a line break every 20 characters or so.
func BenchmarkAppendUTF16JSON(b *testing.B) {
	var line []rune
	for len(line) < 64<<10 {
		line = append(line, []rune("$ExecutionContext.InvokeCommand(\"Get-Item\")  | % { $_.Name }\r\n\t'x'")...)
	}
	src := utf16Bytes(utf16.Encode(line))
	dst := make([]byte, 0, 2*len(src))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		dst, _ = appendUTF16JSON(dst[:0], src)
	}
}

// jsonstr.AppendQuoted writes what encoding/json writes, invalid UTF-8
// included.
func TestAppendJSONString(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	pick := []string{"\x00", "\x1f", "\"", "\\", "<", ">", "&", "\u2028", "\u2029", "é", "東", "😀", "\xff", "\xe2\x80", "\xed\xa0\x80", "a", "b"}
	for i := 0; i < 5000; i++ {
		var s string
		for k := rng.Intn(12); k > 0; k-- {
			s += pick[rng.Intn(len(pick))]
		}
		want := append(append([]byte{'"'}, jsonOf(t, s)...), '"')
		if got := jsonstr.AppendQuoted(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
		if got := jsonstr.AppendQuoted(nil, []byte(s)); !bytes.Equal(got, want) {
			t.Fatalf("%q as bytes: got %s, want %s", s, got, want)
		}
	}
}

// appendJSONTime writes what time.Format writes, over the years FILETIME
// covers.
func TestAppendJSONTime(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	times := []time.Time{
		fileTime(0), fileTime(1), fileTime(^uint64(0)),
		time.Date(1969, 12, 31, 23, 59, 59, 999999900, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 2, 29, 12, 0, 0, 100, time.UTC),
		time.Date(2100, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i := 0; i < 20000; i++ {
		times = append(times, fileTime(rng.Uint64()>>uint(rng.Intn(8))))
	}
	for _, tm := range times {
		want := tm.UTC().Format(JSONTimeLayout)
		if got := string(appendJSONTime(nil, tm)); got != want {
			t.Fatalf("%v: got %s, want %s", tm, got, want)
		}
	}
}

// Read in NDJSON mode costs no allocation per event once the buffers are
// sized: the lines are written into buffers the workers reuse.
func BenchmarkNDJSON(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run("workers="+strconv.Itoa(w), func(b *testing.B) {
			benchReadOpts(b, w, func(r *Reader) { r.NDJSON = true })
		})
	}
}

// The cache of escaped System strings gives each string its own encoding,
// the empty string and strings that alternate included.
func TestJSONStrCache(t *testing.T) {
	var c jsonStr
	strs := []string{"", "ADSync", "PasswordResetService", "", "a\"b", "Directory Synchronization", "x", "y", "ADSync", ""}
	for round := 0; round < 3; round++ {
		for _, s := range strs {
			if got, want := string(c.append(nil, s)), string(jsonstr.AppendQuoted(nil, s)); got != want {
				t.Fatalf("%q: got %s, want %s", s, got, want)
			}
		}
	}
}

// The record budget holds in NDJSON mode too: a record whose nested values
// fan out is refused, and its partial line is not kept.
func TestNDJSONBudget(t *testing.T) {
	d := newChunkDecoder(&decodeOptions{ndjson: true, jsonPrefix: jsonPrefix("x")})
	res := d.decodeChunk(fanoutChunk(t, 8, 8), 0, HeaderBlockSize, true, false, slot{})
	if res.skipped != 1 || len(res.damage) != 1 || !errors.Is(res.damage[0], ErrBudget) {
		t.Fatalf("skipped %d, damage %v", res.skipped, res.damage)
	}
	if len(res.out) != 0 || len(res.events) != 0 {
		t.Errorf("%d bytes of lines, %d events kept from a refused record", len(res.out), len(res.events))
	}
}

// collectJSON writes the scalar values other than strings without
// escaping them: what appendValue makes of any bytes of those types must
// be what jsonstr.AppendChars leaves as it is.
func TestScalarValuesNeedNoEscape(t *testing.T) {
	types := []byte{typeNull, typeInt8, typeUint8, typeInt16, typeUint16, typeInt32, typeUint32,
		typeInt64, typeUint64, typeReal32, typeReal64, typeBool, typeBinary, typeGUID, typeSizeT,
		typeFileTime, typeSysTime, typeSID, typeHex32, typeHex64, 0x16, 0x7f}
	rng := rand.New(rand.NewSource(1))
	for _, typ := range types {
		for i := 0; i < 2000; i++ {
			b := make([]byte, rng.Intn(40))
			rng.Read(b)
			if i%3 == 0 {
				for k := range b {
					b[k] = 0xff // extremes: NaN, negative, the largest counts
				}
			}
			got := appendValue(nil, typ, b)
			if esc := jsonstr.AppendChars(nil, got); !bytes.Equal(esc, got) {
				t.Fatalf("type %#x, % x: %q needs escaping (%q)", typ, b, got, esc)
			}
		}
	}
}
