package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/internal/jsonstr"
	"github.com/evtxscan/evtxscan/internal/scenario"
	"github.com/evtxscan/evtxscan/scan"
)

// generatedLogs writes small logs of internal/scenario's generator into a
// temporary folder: both source mixes with attempts, and one of open
// resets only (attempts with no result).
func generatedLogs(t testing.TB) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i, opts := range []scenario.LogOptions{
		{Size: 3 << 20, Seed: 1, Writeback: 0.05, Mix: scenario.EntraMix()},
		{Size: 1 << 20, Seed: 2, Writeback: 0.02, Mix: scenario.MemberMix()},
		{Size: 1 << 20, Seed: 3, Open: 300},
	} {
		p := filepath.Join(dir, fmt.Sprintf("gen%d.evtx", i))
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = scenario.GenerateLog(context.Background(), f, opts)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// sameBytes fails t when got differs from want, showing where.
func sameBytes(t *testing.T, name string, want, got []byte) {
	t.Helper()
	if bytes.Equal(want, got) {
		return
	}
	i := firstDiff(string(want), string(got))
	lo := max(i-120, 0)
	t.Errorf("%s: differs from encoding/json at byte %d (len %d, want %d)%s\nwant …%s…\ngot  …%s…",
		name, i, len(got), len(want), describeDiff(want, got),
		want[lo:min(i+120, len(want))], got[lo:min(i+120, len(got))])
}

// describeDiff names the first member where two JSON documents differ
// (": attempts[0].events[0].join: missing"), "" when either is not one
// document.
func describeDiff(want, got []byte) string {
	var w, g any
	if json.Unmarshal(want, &w) != nil || json.Unmarshal(got, &g) != nil {
		return ""
	}
	if d := valueDiff("", w, g); d != "" {
		return ": " + d
	}
	return ": the same values in another order"
}

func valueDiff(path string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path + ": not an object"
		}
		for _, k := range slices.Sorted(maps.Keys(w)) {
			if _, ok := g[k]; !ok {
				return path + "." + k + ": missing"
			}
		}
		for _, k := range slices.Sorted(maps.Keys(g)) {
			if _, ok := w[k]; !ok {
				return path + "." + k + ": written, but encoding/json leaves it out"
			}
			if d := valueDiff(path+"."+k, w[k], g[k]); d != "" {
				return d
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: %v, want %d elements", path, got, len(w))
		}
		for i := range w {
			if d := valueDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
	default:
		if !reflect.DeepEqual(want, got) {
			return fmt.Sprintf("%s: %v, want %v", path, got, want)
		}
	}
	return ""
}

// checkReport compares JSON and NDJSON of rep with the encoding/json
// writers they replace.
func checkReport(t *testing.T, name string, rep *scan.Report) {
	t.Helper()
	var want, got bytes.Buffer
	if err := referenceJSON(&want, rep); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := JSON(&got, rep); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	sameBytes(t, name+" JSON", want.Bytes(), got.Bytes())
	want.Reset()
	got.Reset()
	if err := referenceNDJSON(&want, rep); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := NDJSON(&got, rep); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	sameBytes(t, name+" NDJSON", want.Bytes(), got.Bytes())
}

// The single-pass writers write the bytes of the encoding/json ones for
// every fixture (the committed ones, the report fixtures with markup and
// wide names, all the tenants in one run) and for generated logs.
func TestJSONSameAsReference(t *testing.T) {
	runs := [][]string{}
	for _, p := range fixturePaths(t) {
		runs = append(runs, []string{p})
	}
	all, _ := filepath.Glob(filepath.Join("..", "testdata", "evtx", "*.zip"))
	runs = append(runs, all)
	for _, p := range generatedLogs(t) {
		runs = append(runs, []string{p})
	}
	for _, paths := range runs {
		checkReport(t, fmt.Sprint(paths), analyze(t, paths...))
	}
	checkReport(t, "zero Report", &scan.Report{})
}

// TestJSONEveryField is the drift guard: it fills every exported field of
// every type in a Report by reflection, once with every field set and then
// at random (zero or not, nil, empty or full slices), and compares with
// encoding/json. A field added to a type of correlate or scan that the
// writers of jsontypes.go do not write fails here.
func TestJSONEveryField(t *testing.T) {
	for seed := range uint64(300) {
		f := filler{r: rand.New(rand.NewPCG(seed, 16)), full: seed == 0, strings: fillStrings()}
		var rep scan.Report
		f.fill(t, reflect.ValueOf(&rep).Elem(), "Report")
		name := fmt.Sprintf("seed %d", seed)
		if f.full {
			name = "every field set"
		}
		checkReport(t, name, &rep)
		if t.Failed() {
			return // one diff says what is missing; more only repeat it
		}
	}
}

// A filler sets values by reflection: non-zero everywhere when full, else
// zero or not at random.
type filler struct {
	r       *rand.Rand
	full    bool
	strings []string // fillStrings
}

var (
	timeType        = reflect.TypeFor[correlate.Time]()
	attemptListType = reflect.TypeFor[correlate.AttemptList]()
	marshalerType   = reflect.TypeFor[json.Marshaler]()
)

// fillStrings returns what a string field gets: text that needs escaping,
// wide text, invalid UTF-8, and text that must stay as it is.
func fillStrings() []string {
	return []string{
		"plain", `<script>&"quote"\back`, "tab\there\nline\r\x00\x1f\x7f", "\u2028\u2029",
		"bad\xff\xfe utf-8 \xe2\x82", "日本語 José Ñúñez 🙂", "\b\f",
	}
}

func (f *filler) zero() bool { return !f.full && f.r.IntN(3) == 0 }

func (f *filler) fill(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	if v.Type() == timeType {
		if f.zero() {
			return
		}
		zone := time.FixedZone("z", (f.r.IntN(27)-12)*3600)
		sec := f.r.Int64N(9000 * 365 * 24 * 3600)
		year1000 := time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		tm := time.Unix(year1000+sec, f.r.Int64N(1e9)).In(zone)
		v.Set(reflect.ValueOf(correlate.Time{Time: tm}))
		return
	}
	if v.Type() == attemptListType {
		var list []correlate.Attempt
		f.fill(t, reflect.ValueOf(&list).Elem(), path)
		v.Set(reflect.ValueOf(correlate.AttemptsOf(list...)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if !f.zero() {
			v.SetString(f.strings[f.r.IntN(len(f.strings))])
		}
	case reflect.Int, reflect.Int64:
		if !f.zero() {
			v.SetInt(f.r.Int64N(1<<40) - 1<<39 | 1)
		}
	case reflect.Uint64, reflect.Uint32:
		if !f.zero() {
			v.SetUint(f.r.Uint64()>>(64-v.Type().Bits()) | 1)
		}
	case reflect.Bool:
		v.SetBool(f.full || f.r.IntN(2) == 0)
	case reflect.Struct:
		if v.Type().Implements(marshalerType) || reflect.PointerTo(v.Type()).Implements(marshalerType) {
			// Its exported fields, if any, are not what it writes.
			t.Fatalf("%s: %s marshals itself: teach the filler to fill it", path, v.Type())
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(t, v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		}
	case reflect.Slice:
		n := 1 + f.r.IntN(3)
		if !f.full {
			switch f.r.IntN(4) {
			case 0:
				return // nil
			case 1:
				n = 0
			}
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(t, s.Index(i), path+"[]")
		}
		v.Set(s)
	case reflect.Pointer:
		if f.zero() {
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(t, p.Elem(), path)
		v.Set(p)
	default:
		t.Fatalf("%s: the filler knows no %s: teach it (and the JSON writer) this kind", path, v.Kind())
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `""`},
		{"plain text", `"plain text"`},
		{`<a href="x">&amp;</a>`, `"<a href=\"x\">&amp;</a>"`},
		{`back\slash`, `"back\\slash"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f\""},
		{"sep\u2028par\u2029", `"sep\u2028par\u2029"`},
		{"bad\xff\xfe", `"bad\ufffd\ufffd"`},
		{"cut\xe2\x82", `"cut\ufffd\ufffd"`},
		{"\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`}, // a surrogate is not UTF-8
		{"José 日本 🙂 \ufffd", "\"José 日本 🙂 \ufffd\""},
	} {
		if got := string(jsonstr.AppendQuoted(nil, c.in)); got != c.want {
			t.Errorf("AppendQuoted(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// jsonString is encoding/json's encoding of s as the writers used it.
func jsonString(t *testing.T, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func FuzzJSONString(f *testing.F) {
	for _, s := range fillStrings() {
		f.Add(s)
	}
	f.Add("ERR_: MMS(5012): admaexport.cpp(3026): ldap_modify_s failed on CN=José Ñúñez,OU=Madrid")
	f.Fuzz(func(t *testing.T, s string) {
		want := jsonString(t, s)
		if got := jsonstr.AppendQuoted(nil, s); !bytes.Equal(got, want) {
			t.Errorf("AppendQuoted(%q) = %s, encoding/json %s", s, got, want)
		}
		if got := jsonstr.AppendQuoted(nil, []byte(s)); !bytes.Equal(got, want) {
			t.Errorf("AppendQuoted([]byte(%q)) = %s, encoding/json %s", s, got, want)
		}
	})
}

// failWriter fails every write after the first n bytes, and counts the
// writes it failed.
type failWriter struct{ n, failed int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		w.failed++
		return 0, fmt.Errorf("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

// An error of the writer is returned, whether it comes while the buffer is
// flushed between elements or at the end, and nothing is written after it.
func TestJSONWriteError(t *testing.T) {
	paths := generatedLogs(t)
	rep := analyze(t, paths[0])
	var buf bytes.Buffer
	if err := JSON(&buf, rep); err != nil {
		t.Fatal(err)
	}
	if buf.Len() <= 2*flushAt {
		t.Fatalf("the report of %s is %d bytes, too small to flush between elements", paths[0], buf.Len())
	}
	for _, n := range []int{0, flushAt + 10, buf.Len() - 1} {
		for name, write := range map[string]func(io.Writer, *scan.Report) error{"JSON": JSON, "NDJSON": NDJSON} {
			w := &failWriter{n: n}
			err := write(w, rep)
			if n >= buf.Len()/2 && name == "NDJSON" {
				continue // NDJSON is shorter: it may fit
			}
			if err == nil || w.failed != 1 {
				t.Errorf("%s to a writer that fails after %d bytes: error %v after %d failed writes, want an error after 1", name, n, err, w.failed)
			}
		}
	}
}

// TestJSONBatches checks the attempts written by batches on several
// goroutines (writeBatches): the bytes of encoding/json for a list of
// stores and plain attempts whatever GOMAXPROCS, and an error of the
// writer returned after one failed write.
func TestJSONBatches(t *testing.T) {
	path := filepath.Join(t.TempDir(), "open.evtx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = scenario.GenerateLog(context.Background(), f, scenario.LogOptions{Size: 64 << 20, Seed: 7, Open: 3*attemptBatch + 17})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	rep := analyze(t, path, generatedLogs(t)[0])
	mixed := *rep
	mixed.Attempts = correlate.AttemptsOf(rep.Attempts.Slice(0, 5).List()...).Append(rep.Attempts)
	if n := mixed.Attempts.Len(); n < 2*attemptBatch {
		t.Fatalf("%d attempts: too few for batches", n)
	}
	var want bytes.Buffer
	if err := referenceJSON(&want, &mixed); err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		var got bytes.Buffer
		if err := JSON(&got, &mixed); err != nil {
			t.Fatal(err)
		}
		sameBytes(t, fmt.Sprintf("GOMAXPROCS %d", procs), want.Bytes(), got.Bytes())
		for _, n := range []int{0, flushAt + 10, want.Len() / 2, want.Len() - 1} {
			w := &failWriter{n: n}
			if err := JSON(w, &mixed); err == nil || w.failed != 1 {
				t.Errorf("GOMAXPROCS %d, a writer that fails after %d bytes: error %v after %d failed writes, want an error after 1", procs, n, err, w.failed)
			}
		}
	}
}

// BenchmarkJSON writes the JSON and NDJSON of one report to io.Discard
// with the single-pass writers and with the encoding/json ones they
// replace: the report of $EVTXSCAN_BENCH_FILE when set (e.g. a 1 GiB
// member log of internal/cmd/genlog), else of a generated 4 MiB log.
//
// On a 1 GiB member log (genlog -size 1GiB -seed 1 -mix member; 89.5 MB
// of JSON), 2-core machine under load (noisy: compare the pairs of one run):
// json 266 ms/op and 2 allocs/op against json-encoding 1544 ms/op and
// 497,076 allocs/op (0.17×); ndjson 125 ms/op, 2 allocs/op against
// ndjson-encoding 380 ms/op, 551,410 allocs/op (0.33×). Since attempts are
// a correlate.AttemptList, whose At builds each Attempt, both sides also
// pay for those: json 260–486 ms/op, 119,156 allocs/op (all At's) against
// 1593–3242 ms/op, 671,401 allocs/op; ndjson 371 ms/op against 1514.
func BenchmarkJSON(b *testing.B) {
	path := os.Getenv("EVTXSCAN_BENCH_FILE")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.evtx")
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		_, err = scenario.GenerateLog(context.Background(), f, scenario.LogOptions{Size: 4 << 20, Seed: 1, Writeback: 0.02, Mix: scenario.MemberMix()})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	rep, err := scan.Analyze(context.Background(), []string{path}, scan.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []struct {
		name  string
		write func(io.Writer, *scan.Report) error
	}{
		{"json", JSON},
		{"json-encoding", referenceJSON},
		{"ndjson", NDJSON},
		{"ndjson-encoding", referenceNDJSON},
	} {
		b.Run(w.name, func(b *testing.B) {
			var out bytes.Buffer
			if err := w.write(&out, rep); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(out.Len()))
			b.ReportAllocs()
			for b.Loop() {
				if err := w.write(io.Discard, rep); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// appendTime writes what correlate.Time.MarshalJSON writes, inside the
// quotes, for the years it formats itself, at their edges and beyond.
func TestAppendTime(t *testing.T) {
	east := time.FixedZone("east", 14*3600)
	for _, tm := range []time.Time{
		time.Date(2024, 3, 20, 9, 14, 20, 400_000_000, time.UTC),
		time.Date(2024, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2025, 1, 1, 0, 0, 0, 99, east), // 2024 in UTC; 99 ns round down
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_900, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Unix(0, 0),
	} {
		want, err := correlate.Time{Time: tm}.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		got := append(append([]byte{'"'}, appendTime(nil, tm)...), '"')
		if !bytes.Equal(got, want) {
			t.Errorf("appendTime(%v) = %s, want %s", tm, got, want)
		}
	}
}
