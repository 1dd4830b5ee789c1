package lake

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/evtxscan/evtxscan/lake/duckdbtest"
)

func TestEscapeValue(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"contoso", "contoso"},
		{"", DefaultPartition},
		{"a/b", "a%2Fb"},
		{"x=y", "x%3Dy"},
		{"100%", "100%25"},
		{"two words", "two words"},
		{"../up", "..%2Fup"},
		{`q"#'*:?[\]^{}<>|`, "q%22%23%27%2A%3A%3F%5B%5C%5D%5E%7B%7D%3C%3E%7C"},
		{"tab\tnl\n\x7f", "tab%09nl%0A%7F"},
		{"Zürich-Ω", "Zürich-Ω"},
	} {
		got := EscapeValue(tc.in)
		if got != tc.want {
			t.Errorf("EscapeValue(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.ContainsAny(got, "/=") {
			t.Errorf("EscapeValue(%q) = %q keeps a separator", tc.in, got)
		}
		back, err := UnescapeValue(got)
		if err != nil || back != tc.in {
			t.Errorf("UnescapeValue(%q) = %q, %v; want %q", got, back, err, tc.in)
		}
	}
	if _, err := UnescapeValue("bad%2"); err == nil {
		t.Error("UnescapeValue accepted a cut escape")
	}
}

func TestParsePartitioning(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Partitioning
		ok   bool
	}{
		{"tenant,month", ByTenantMonth, true},
		{"", ByTenantMonth, true},
		{"tenant,date", ByTenantDate, true},
		{"tenant, date", ByTenantDate, true},
		{"tenant", ByTenant, true},
		{"none", Flat, true},
		{"date", 0, false},
	} {
		got, err := ParsePartitioning(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParsePartitioning(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok {
			if back, _ := ParsePartitioning(got.String()); back != got {
				t.Errorf("%v does not round-trip", got)
			}
		}
	}
}

var day1 = time.Date(2024, 3, 1, 23, 59, 59, 123456700, time.UTC)

func event(tenant, id string, n int, at time.Time) EventRow {
	return EventRow{
		SchemaVersion: SchemaVersion, Tenant: tenant, PartID: id,
		Path: "x.zip!Application.evtx", RecordID: int64(n), Time: Micros(at),
		TimeTicks: Ticks(at), Provider: "PasswordResetService", EventID: 31001, Keywords: -0x7fffffffffffffff, KeywordsHex: KeywordsHex(0x8000000000000001),
		Channel: "Application", Computer: "AADC01", Data: []string{fmt.Sprint("record ", n), ""},
	}
}

// listParts returns the files under dir, relative and with "/", sorted.
func listParts(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// writeTenant writes events at the given times, one attempt and one input,
// and commits.
func writeTenant(t *testing.T, l *Lake, tenant, id string, times ...time.Time) {
	t.Helper()
	w, err := l.Create(tenant, id, map[string]string{"evtxscan.test": "yes"})
	if err != nil {
		t.Fatal(err)
	}
	for i, at := range times {
		r := event(tenant, id, i+1, at)
		if err := w.WriteEvent(&r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteAttempts([]AttemptRow{{SchemaVersion: SchemaVersion, Tenant: tenant, PartID: id, TrackingID: "t1",
		Operation: "reset", Outcome: "failure", Start: Micros(times[0]), EventIDs: []int32{31001, 33004},
		Events: []AttemptEvent{{Path: "p", RecordID: 1, Time: Micros(times[0]), EventID: 31001, Message: "m"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteInputs([]InputRow{{SchemaVersion: SchemaVersion, Tenant: tenant, PartID: id, Kind: InputError, Path: "broken.zip", Error: "bad"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(Manifest{Inputs: []string{tenant + ".zip"}, ContentSHA256: "c"}); err != nil {
		t.Fatal(err)
	}
}

// The layout: one file per table and partition, named by the part id;
// the manifest lists them; rows read back equal to what was written, times
// to the nanosecond.
func TestLayoutAndRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		p    Partitioning
		want []string
	}{
		{ByTenantMonth, []string{
			"_evtxscan/lake.json",
			"_evtxscan/manifests/tenant=a%2Fb c.json",
			"attempts/tenant=a%2Fb c/month=2024-03/part-0a.parquet",
			"events/tenant=a%2Fb c/month=2024-03/part-0a.parquet",
			"inputs/tenant=a%2Fb c/part-0a.parquet",
		}},
		{ByTenantDate, []string{
			"_evtxscan/lake.json",
			"_evtxscan/manifests/tenant=a%2Fb c.json",
			"attempts/tenant=a%2Fb c/date=2024-03-01/part-0a.parquet",
			"events/tenant=a%2Fb c/date=2024-03-01/part-0a.parquet",
			"events/tenant=a%2Fb c/date=2024-03-02/part-0a.parquet",
			"inputs/tenant=a%2Fb c/part-0a.parquet",
		}},
		{ByTenant, []string{
			"_evtxscan/lake.json",
			"_evtxscan/manifests/tenant=a%2Fb c.json",
			"attempts/tenant=a%2Fb c/part-0a.parquet",
			"events/tenant=a%2Fb c/part-0a.parquet",
			"inputs/tenant=a%2Fb c/part-0a.parquet",
		}},
		{Flat, []string{
			"_evtxscan/lake.json",
			"_evtxscan/manifests/tenant=a%2Fb c.json",
			"attempts/part-0a.parquet",
			"events/part-0a.parquet",
			"inputs/part-0a.parquet",
		}},
	} {
		t.Run(tc.p.String(), func(t *testing.T) {
			dir := t.TempDir()
			l, err := Open(dir, Options{Partitioning: tc.p})
			if err != nil {
				t.Fatal(err)
			}
			times := []time.Time{day1, day1.Add(time.Second), day1.Add(-time.Hour)}
			writeTenant(t, l, "a/b c", "0a", times...)
			if got := listParts(t, dir); !slices.Equal(got, tc.want) {
				t.Fatalf("files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			m, err := l.Manifest("a/b c")
			if err != nil {
				t.Fatal(err)
			}
			if !m.Complete || m.Rows[TableEvents] != 3 || m.Rows[TableAttempts] != 1 || m.Rows[TableFindings] != 0 || len(m.Files) != len(tc.want)-2 || m.Partitioning != tc.p.String() {
				t.Errorf("manifest %+v", m)
			}
			var got []EventRow
			for _, f := range m.Files {
				if strings.HasPrefix(f, "events/") {
					rows, err := parquet.ReadFile[EventRow](filepath.Join(dir, f))
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, rows...)
				}
			}
			slices.SortFunc(got, func(a, b EventRow) int { return int(a.RecordID - b.RecordID) })
			for i, at := range times {
				if want := event("a/b c", "0a", i+1, at); !equalEvent(got[i], want) {
					t.Errorf("row %d: got %+v, want %+v", i, got[i], want)
				}
			}
		})
	}
}

func equalEvent(a, b EventRow) bool {
	return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b)
}

// The physical schema: nanosecond UTC timestamps, zstd, dictionaries,
// lists, the metadata.
func TestParquetSchema(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, Options{Partitioning: Flat})
	writeTenant(t, l, "t", "0b", day1)
	f, err := os.Open(filepath.Join(dir, "events", "part-0b.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"evtxscan.schema": Schema, "evtxscan.table": "events", "evtxscan.tenant": "t", "evtxscan.part_id": "0b", "evtxscan.test": "yes"} {
		if v, ok := pf.Lookup(k); !ok || v != want {
			t.Errorf("metadata %s = %q, want %q", k, v, want)
		}
	}
	var timeOK bool
	for _, el := range pf.Metadata().Schema {
		if el.Name == "time" {
			ts, ok := el.LogicalType.Value.(*format.TimestampType)
			timeOK = ok && ts.IsAdjustedToUTC && strings.Contains(ts.Unit.String(), "MICROS")
		}
		if _, ok := el.LogicalType.Value.(*format.ListType); el.Name == "data" && !ok {
			t.Errorf("data is not a LIST")
		}
		if it, ok := el.LogicalType.Value.(*format.IntType); ok && !it.IsSigned {
			t.Errorf("%s is unsigned", el.Name)
		}
	}
	if !timeOK {
		t.Error("time is not TIMESTAMP(MICROS, isAdjustedToUTC)")
	}
	if v, _ := pf.Lookup("evtxscan.version"); v == "" || !strings.Contains(pf.Metadata().CreatedBy, "evtxscan version "+v) {
		t.Errorf("created_by %q, version %q", pf.Metadata().CreatedBy, v)
	}
	for _, cc := range pf.Metadata().RowGroups[0].Columns {
		md := cc.MetaData
		if md.Codec != format.Zstd {
			t.Errorf("column %v: codec %v", md.PathInSchema, md.Codec)
		}
		if strings.Join(md.PathInSchema, ".") == "provider" && !slices.Contains(md.Encoding, format.RLEDictionary) {
			t.Errorf("provider encodings %v, want a dictionary", md.Encoding)
		}
		for _, e := range md.Encoding {
			if e != format.Plain && e != format.RLEDictionary && e != format.RLE {
				t.Errorf("column %v: encoding %v", md.PathInSchema, e)
			}
		}
	}
	for _, pages := range pageTypes(t, f, pf) {
		if pages != "DATA_PAGE" {
			t.Errorf("page types %s, want only DATA_PAGE (V1)", pages)
		}
	}
}

// A rerun with another part id and other dates leaves only its own files;
// other tenants are untouched.
func TestRerunReplaces(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, Options{Partitioning: ByTenantDate})
	writeTenant(t, l, "other", "99", day1)
	writeTenant(t, l, "t", "01", day1, day1.AddDate(0, 0, 1))
	writeTenant(t, l, "t", "02", day1.AddDate(0, 0, 5))
	var tFiles []string
	for _, f := range listParts(t, dir) {
		if strings.Contains(f, "tenant=t/") {
			tFiles = append(tFiles, f)
		}
	}
	want := []string{
		"attempts/tenant=t/date=2024-03-06/part-02.parquet",
		"events/tenant=t/date=2024-03-06/part-02.parquet",
		"inputs/tenant=t/part-02.parquet",
	}
	if !slices.Equal(tFiles, want) {
		t.Errorf("files of t after rerun:\n%s", strings.Join(tFiles, "\n"))
	}
	if _, err := os.Stat(filepath.Join(dir, "events", "tenant=t", "date=2024-03-01")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty partition folder left: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "events", "tenant=other", "date=2024-03-01", "part-99.parquet")); err != nil {
		t.Errorf("other tenant's part: %v", err)
	}
	// A lake holds one layout: another is refused.
	if _, err := Open(dir, Options{Partitioning: Flat}); !errors.Is(err, ErrLayout) || !strings.Contains(err.Error(), `partitioned by "tenant,date"`) {
		t.Errorf("Open with another partitioning: %v", err)
	}
	if _, err := Open(dir, Options{Partitioning: ByTenantDate}); err != nil {
		t.Errorf("Open with the same partitioning: %v", err)
	}
}

// A crash after the intent manifest was written: files of the crashed run
// in place but not in a complete manifest are removed by the next commit.
func TestCommitAfterCrash(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, Options{})
	writeTenant(t, l, "t", "01", day1)
	// Simulate the state after step 2 of a run with part id 07: its file
	// renamed into place, the manifest still pending.
	stray := "events/tenant=t/month=2024-04/part-07.parquet"
	os.MkdirAll(filepath.Join(dir, filepath.Dir(stray)), 0o777)
	os.WriteFile(filepath.Join(dir, stray), []byte("PAR1"), 0o666)
	m, _ := l.Manifest("t")
	m.Complete = false
	m.Files = append(m.Files, stray)
	w, _ := l.Create("t", "01", nil)
	w.writeManifest(m)
	w.Abort()

	writeTenant(t, l, "t", "03", day1)
	for _, f := range listParts(t, dir) {
		if strings.Contains(f, "part-07") || strings.Contains(f, "part-01") {
			t.Errorf("left behind: %s", f)
		}
	}
	if m, _ := l.Manifest("t"); !m.Complete || m.PartID != "03" {
		t.Errorf("manifest %+v", m)
	}
}

// With one open file per table, rows of a partition met again go to a new
// file, and Commit merges the files of each partition into one (before
// any is put in place); no row is lost, their order is kept, no temporary
// file is left.
func TestMaxOpenFiles(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, Options{MaxOpenFiles: 1, RowGroupRows: 2, Partitioning: ByTenantDate})
	d2 := day1.AddDate(0, 0, 1)
	writeTenant(t, l, "t", "0c", day1, d2, day1, day1, d2, day1, day1)
	var files, ids []string
	for _, f := range listParts(t, dir) {
		if strings.HasSuffix(f, ".tmp") {
			t.Errorf("temporary file left: %s", f)
		}
		if strings.HasPrefix(f, "events/") {
			files = append(files, f)
			rows, err := parquet.ReadFile[EventRow](filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				ids = append(ids, fmt.Sprint(r.RecordID))
			}
		}
	}
	want := []string{
		"events/tenant=t/date=2024-03-01/part-0c.parquet",
		"events/tenant=t/date=2024-03-02/part-0c.parquet",
	}
	if !slices.Equal(files, want) || strings.Join(ids, " ") != "1 3 4 6 7 2 5" {
		t.Errorf("rows %v in\n%s", ids, strings.Join(files, "\n"))
	}
	if m, _ := l.Manifest("t"); m == nil || m.Rows[TableEvents] != 7 || len(m.Files) != 4 {
		t.Errorf("manifest %+v", m)
	}
	if partNumber("a/part-0c-12.parquet") != 12 || partNumber("a/part-0c.parquet") != 0 || cmpPartName("part-0c-2.parquet", "part-0c-10.parquet") >= 0 {
		t.Error("part numbers")
	}
}

// Abort removes the temporary files and leaves the previous parts;
// RemoveTemp removes only the named tenants' leftovers.
func TestAbortAndRemoveTemp(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, Options{})
	writeTenant(t, l, "t", "01", day1)
	before := listParts(t, dir)
	w, _ := l.Create("t", "02", nil)
	r := event("t", "02", 1, day1.AddDate(1, 0, 0))
	w.WriteEvent(&r)
	if len(listParts(t, dir)) == len(before) {
		t.Fatal("no temporary file while writing")
	}
	w.Abort()
	if got := listParts(t, dir); !slices.Equal(got, before) {
		t.Errorf("after Abort:\n%s", strings.Join(got, "\n"))
	}
	if err := w.WriteEvent(&r); err == nil {
		t.Error("WriteEvent after Abort succeeded")
	}

	// Leftovers of killed writers of t and u.
	for _, tenant := range []string{"t", "u"} {
		w, _ := l.Create(tenant, "05", nil)
		r := event(tenant, "05", 1, day1)
		w.WriteEvent(&r)
		w.events.open[w.events.lru[0]].tmp.(*localTemp).File.Close() // "killed": never closed
	}
	n, err := l.RemoveTemp([]string{"t"})
	if err != nil || n != 1 {
		t.Errorf("RemoveTemp = %d, %v; want 1", n, err)
	}
	var tmp []string
	for _, f := range listParts(t, dir) {
		if strings.HasSuffix(f, ".tmp") {
			tmp = append(tmp, f)
		}
	}
	if len(tmp) != 1 || !strings.Contains(tmp[0], "tenant=u/") {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestContentHash(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o777)
		if err := os.WriteFile(p, []byte(data), 0o666); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()
	hash := func(paths ...string) string {
		h, err := ContentHash(ctx, paths)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a := write("a.zip", "PK content")
	b := write("b.zip", "PK content")
	c := write("c.zip", "PK content!")
	write("t1/logs/App.evtx", "ElfFile one")
	write("t1/Sys.evtx", "ElfFile two")
	write("t2/logs/App.evtx", "ElfFile one")
	write("t2/Sys.evtx", "ElfFile two")
	write("t3/logs/App.evtx", "ElfFile one")
	write("t3/Sys.evtx", "ElfFile 2")
	for _, tc := range []struct {
		name string
		x, y string
		same bool
	}{
		{"same bytes, other name", hash(a), hash(b), true},
		{"one byte more", hash(a), hash(c), false},
		{"same tree", hash(filepath.Join(dir, "t1")), hash(filepath.Join(dir, "t2")), true},
		{"tree with a changed file", hash(filepath.Join(dir, "t1")), hash(filepath.Join(dir, "t3")), false},
		{"order of inputs", hash(a, c), hash(c, a), false},
		{"file vs folder", hash(a), hash(filepath.Join(dir, "t1")), false},
	} {
		if (tc.x == tc.y) != tc.same {
			t.Errorf("%s: %s vs %s", tc.name, tc.x, tc.y)
		}
	}
	if _, err := ContentHash(ctx, []string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("no error for a missing input")
	}
	if PartID("t", "h") == PartID("u", "h") || PartID("t", "h") != PartID("t", string([]byte("h"))) || len(PartID("t", "h")) != 16 {
		t.Error("PartID")
	}
}

// DuckDB reads the partitions as columns, decodes escaped tenant names,
// types the times as timestamps and the lists as lists.
func TestDuckDBReadsLake(t *testing.T) {
	db := duckdbtest.New(t)
	dir := t.TempDir()
	l, _ := Open(dir, Options{})
	writeTenant(t, l, "a/b c=%", "0a", day1, day1.Add(-time.Minute))
	writeTenant(t, l, "plain", "0b", day1.AddDate(0, 0, 1))
	glob := func(table string) string {
		return "read_parquet(" + duckdbtest.Quote(filepath.Join(dir, table, "**", "*.parquet")) + ", hive_partitioning = true)"
	}
	res := db.Query(t,
		"SELECT tenant, CAST(month AS VARCHAR) AS d, count(*) AS n, min(typeof(time)) AS ty, bool_and(time_ticks // 10 - 11644473600000000 = epoch_us(time)) AS ticks_ok, min(keywords) AS kw, min(keywords_hex) AS kwh FROM "+glob("events")+" GROUP BY ALL ORDER BY tenant, d",
		"SELECT typeof(start) AS ty, typeof(event_ids) AS ids, typeof(events) AS ev, strftime(start, '%Y-%m-%dT%H:%M:%S.%f') AS s FROM "+glob("attempts")+" WHERE tenant = 'plain'",
		"SELECT tenant, error FROM "+glob("inputs")+" ORDER BY tenant",
	)
	want := []string{"a/b c=%|2024-03|2|TIMESTAMP WITH TIME ZONE|true|-9223372036854775807|0x8000000000000001",
		"plain|2024-03|1|TIMESTAMP WITH TIME ZONE|true|-9223372036854775807|0x8000000000000001"}
	for i, r := range res[0] {
		if got := fmt.Sprintf("%v|%v|%v|%v|%v|%v|%v", r["tenant"], r["d"], r["n"], r["ty"], r["ticks_ok"], r["kw"], r["kwh"]); i >= len(want) || got != want[i] {
			t.Errorf("events row %d: %s", i, got)
		}
	}
	if len(res[0]) != len(want) {
		t.Errorf("events: %d groups", len(res[0]))
	}
	a := res[1][0]
	if a["ty"] != "TIMESTAMP WITH TIME ZONE" || a["ids"] != "INTEGER[]" || !strings.HasPrefix(a["ev"].(string), "STRUCT(") || a["s"] != "2024-03-02T23:59:59.123456" {
		t.Errorf("attempts: %v", a)
	}
	if len(res[2]) != 2 || res[2][0]["error"] != "bad" {
		t.Errorf("inputs: %v", res[2])
	}
}

// pageTypes returns, for each column chunk of the first row group, the
// distinct types of its data pages joined with "," (dictionary pages left
// out), read from the page headers in the file.
func pageTypes(t *testing.T, f *os.File, pf *parquet.File) []string {
	t.Helper()
	var out []string
	for _, cc := range pf.Metadata().RowGroups[0].Columns {
		md := cc.MetaData
		start := md.DataPageOffset
		if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < start {
			start = md.DictionaryPageOffset
		}
		sr := io.NewSectionReader(f, start, md.TotalCompressedSize)
		br := bufio.NewReader(sr)
		var types []string
		for {
			var h format.PageHeader
			if err := thrift.NewDecoder(new(thrift.CompactProtocol).NewReader(br)).Decode(&h); err != nil {
				if err != io.EOF {
					t.Fatalf("column %v: page header: %v", md.PathInSchema, err)
				}
				break
			}
			if h.Type != format.DictionaryPage && !slices.Contains(types, h.Type.String()) {
				types = append(types, h.Type.String())
			}
			if _, err := br.Discard(int(h.CompressedPageSize)); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, strings.Join(types, ","))
	}
	return out
}

// A file:// URL is a local folder; a path is not a URL.
func TestOpenURLFile(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenURL(context.Background(), "file://"+filepath.ToSlash(dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	writeTenant(t, l, "t", "0d", day1)
	if _, err := os.Stat(filepath.Join(dir, "_evtxscan", "lake.json")); err != nil {
		t.Error(err)
	}
	if m, err := l.Manifest("t"); err != nil || !m.Complete || m.Tool == "" || !l.Current(m, "0d", "c", "") {
		t.Errorf("manifest %+v, %v", m, err)
	}
	if l.Current(&Manifest{}, "0d", "c", "") {
		t.Error("an empty manifest is current")
	}
	for _, tc := range []struct {
		s   string
		url bool
	}{{"lake", false}, {"/data/lake", false}, {`C:\lake`, false}, {"azblob://c/p", true}, {"s3://b", true}, {"file:///x", true}} {
		if IsURL(tc.s) != tc.url {
			t.Errorf("IsURL(%q) = %v", tc.s, !tc.url)
		}
	}
}

// The data strings are dictionary-encoded until a row group's distinct
// strings pass dictionaryMaxBytes, then PLAIN: both kinds of pages in one
// column chunk, every string read back as written, by parquet-go and by
// DuckDB.
func TestDataDictionaryFallback(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, Options{Partitioning: Flat})
	w, err := l.Create("t", "0f", nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000
	// About 2.6 KB each, all distinct.
	text := func(i int) string {
		return fmt.Sprintf("%05d %s", i, strings.Repeat(fmt.Sprintf("message %d ", i*7919), 200))
	}
	total := 0
	for i := range n {
		r := event("t", "0f", i+1, day1)
		r.Data = []string{text(i), "repeated"}
		total += len(r.Data[0])
		if err := w.WriteEvent(&r); err != nil {
			t.Fatal(err)
		}
	}
	if total <= dictionaryMaxBytes {
		t.Fatalf("%d bytes of distinct strings do not pass the limit %d", total, dictionaryMaxBytes)
	}
	if err := w.Commit(Manifest{Inputs: []string{"t.zip"}, ContentSHA256: "c"}); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "events", "part-0f.parquet")
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	for _, cc := range pf.Metadata().RowGroups[0].Columns {
		md := cc.MetaData
		if strings.Join(md.PathInSchema, ".") == "data.list.element" &&
			(!slices.Contains(md.Encoding, format.RLEDictionary) || !slices.Contains(md.Encoding, format.Plain)) {
			t.Errorf("data encodings %v, want a dictionary and, past the limit, PLAIN", md.Encoding)
		}
	}
	rows, err := parquet.ReadFile[EventRow](name)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
	for i, r := range rows {
		if len(r.Data) != 2 || r.Data[0] != text(i) || r.Data[1] != "repeated" {
			t.Fatalf("row %d: data %.40q…", i, r.Data)
		}
	}
	db := duckdbtest.New(t)
	res := db.Query(t, "SELECT count(*) AS n, sum(length(data[1])) AS size, count(DISTINCT data[1]) AS distinct_texts FROM read_parquet("+duckdbtest.Quote(name)+")")
	if got, want := fmt.Sprintf("%v|%v|%v", res[0][0]["n"], res[0][0]["size"], res[0][0]["distinct_texts"]), fmt.Sprintf("%d|%d|%d", n, total, n); got != want {
		t.Errorf("DuckDB: %s, want %s", got, want)
	}
}
