package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/internal/scenario"
	"github.com/evtxscan/evtxscan/internal/testenv"
	"github.com/evtxscan/evtxscan/lake"
	"github.com/evtxscan/evtxscan/lake/arrowtest"
	"github.com/evtxscan/evtxscan/lake/duckdbtest"
	"github.com/evtxscan/evtxscan/parser"
	"github.com/evtxscan/evtxscan/pseudonym"
	"github.com/evtxscan/evtxscan/scan"
)

// batchRun runs evtxscan scan --format parquet in process.
func batchRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"scan", "--format", "parquet", "--progress", "never"}, args...), &out, &errb)
	return code, errb.String()
}

// batchFixtureInputs are the fixtures, each a tenant: the .evtx files and
// the customer bundle.
func batchFixtureInputs(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "evtx")
	paths, _ := filepath.Glob(filepath.Join(dir, "*.evtx"))
	paths = append(paths, filepath.Join(dir, "customer-bundle.zip"))
	slices.Sort(paths)
	if len(paths) < 3 {
		t.Fatal("fixtures missing in testdata/evtx")
	}
	return paths
}

// batchScanJSON analyses one input as evtxscan scan --format json does.
func batchScanJSON(t *testing.T, input string) scan.Report {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"scan", "--format", "json", input}, &out, &errb)
	var rep scan.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("scan --format json %s: exit %d: %v\n%s", input, code, err, errb.String())
	}
	return rep
}

// tableSQL is read_parquet over every part of a table of the lake in dir.
func tableSQL(dir, table string) string {
	return "read_parquet(" + duckdbtest.Quote(filepath.Join(dir, table, "**", "*.parquet")) + ", hive_partitioning = true)"
}

// lines turns query rows into sorted "a|b|c" lines of the named columns.
func lines(rows duckdbtest.Rows, cols ...string) []string {
	var out []string
	for _, r := range rows {
		var parts []string
		for _, c := range cols {
			parts = append(parts, fmt.Sprint(r[c]))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	slices.Sort(out)
	return out
}

func diffLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("%s: first difference at line %d:\n got %s\nwant %s", what, i, g, w)
			break
		}
	}
	t.Errorf("%s: %d lines, want %d", what, len(got), len(want))
}

// micro formats a time as DuckDB's strftime '%Y-%m-%dT%H:%M:%S.%f' does:
// microseconds, the 100 ns digit dropped.
func micro(t time.Time) string {
	if t.IsZero() {
		return "<nil>"
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000")
}

// The lake holds the same attempts, outcomes, causes, findings and input
// counters as the JSON output of each fixture, with typed columns.
func TestBatchMatchesJSON(t *testing.T) {
	db := duckdbtest.New(t)
	inputs := batchFixtureInputs(t)
	out := t.TempDir()
	code, stderr := batchRun(t, append([]string{"--out", out}, inputs...)...)
	if code != exitDamaged { // the bundle is damaged on purpose
		t.Fatalf("exit %d, want %d\n%s", code, exitDamaged, stderr)
	}
	if !strings.Contains(stderr, fmt.Sprintf("evtxscan scan: %d tenants", len(inputs))) || !strings.Contains(stderr, "0 failed, 1 damaged") {
		t.Errorf("summary:\n%s", stderr)
	}

	var wantAtt, wantFind, wantIn, wantEv, wantTen, wantSvc []string
	for _, in := range inputs {
		rep := batchScanJSON(t, in)
		events := 0
		for _, a := range rep.Attempts.All() {
			ids := make([]string, len(a.EventIDs))
			for i, id := range a.EventIDs {
				ids[i] = fmt.Sprint(id)
			}
			hr := ""
			if a.HResult != 0 {
				hr = a.HResult.String()
			}
			wantAtt = append(wantAtt, strings.Join([]string{rep.Tenants[0].Name, a.TrackingID, a.Operation, a.Outcome, a.Cause, hr,
				a.UPN, a.CloudAnchor, micro(a.Start.Time), micro(a.End.Time), "[" + strings.Join(ids, " ") + "]", fmt.Sprint(len(a.Events))}, "|"))
		}
		for _, f := range rep.Findings {
			wantFind = append(wantFind, strings.Join([]string{rep.Tenants[0].Name, f.Cause, f.Scope, f.Severity, fmt.Sprint(f.Count),
				fmt.Sprint(f.EvidenceTotal), micro(f.FirstSeen.Time), fmt.Sprint(len(f.Evidence))}, "|"))
		}
		for _, f := range rep.Inputs {
			wantIn = append(wantIn, strings.Join([]string{rep.Tenants[0].Name, lake.RelPath([]string{in}, f.Path), fmt.Sprint(f.Records), fmt.Sprint(f.Events),
				fmt.Sprint(f.Skipped), fmt.Sprint(f.DamagedCount), fmt.Sprint(f.Dirty)}, "|"))
			events += f.Events
		}
		wantEv = append(wantEv, fmt.Sprintf("%s|%d", rep.Tenants[0].Name, events))
		wantTen = append(wantTen, fmt.Sprintf("%s|%s|%d|%d", rep.Tenants[0].Name, rep.Tenants[0].Verdict, rep.Counts.Attempts, rep.Counts.Failed))
		for _, s := range rep.Service {
			v := ""
			if n := len(s.SyncVersions); n > 0 {
				v = s.SyncVersions[n-1]
			}
			wantSvc = append(wantSvc, fmt.Sprintf("%s|%d|%d|%s|%d", s.Tenant, s.Heartbeats, len(s.HeartbeatGaps), v, len(s.SyncVersionSpans)))
		}
	}
	for _, l := range [][]string{wantAtt, wantFind, wantIn, wantEv, wantTen, wantSvc} {
		slices.Sort(l)
	}
	if len(wantAtt) < 20 || len(wantFind) < 5 {
		t.Fatalf("fixtures give only %d attempts and %d findings", len(wantAtt), len(wantFind))
	}

	ts := "'%Y-%m-%dT%H:%M:%S.%f'"
	res := db.Query(t,
		`SELECT tenant, tracking_id, operation, outcome, coalesce(cause, '') AS cause, coalesce(hresult, '') AS hresult,
			coalesce(upn, '') AS upn, coalesce(cloud_anchor, '') AS cloud_anchor, strftime(start, `+ts+`) AS start,
			strftime("end", `+ts+`) AS "end", '[' || array_to_string(event_ids, ' ') || ']' AS ids, len(events) AS n
		 FROM `+tableSQL(out, "attempts"),
		`SELECT tenant, cause, scope, severity, count, evidence_total, strftime(first_seen, `+ts+`) AS first_seen, len(evidence) AS n
		 FROM `+tableSQL(out, "findings"),
		`SELECT tenant, path, records, events, skipped, damaged_chunks, dirty FROM `+tableSQL(out, "inputs")+` WHERE kind = 'evtx'`,
		`SELECT tenant, count(*) AS n FROM `+tableSQL(out, "events")+` GROUP BY tenant`,
		`SELECT DISTINCT 'events.time ' || typeof(time) AS ty FROM `+tableSQL(out, "events")+`
		 UNION SELECT DISTINCT 'attempts.start ' || typeof(start) FROM `+tableSQL(out, "attempts")+`
		 UNION SELECT DISTINCT 'attempts.end ' || typeof("end") FROM `+tableSQL(out, "attempts")+`
		 UNION SELECT DISTINCT 'findings.first_seen ' || typeof(first_seen) FROM `+tableSQL(out, "findings")+`
		 UNION SELECT DISTINCT 'inputs.first_record ' || typeof(first_record) FROM `+tableSQL(out, "inputs")+`
		 UNION SELECT DISTINCT 'attempts.event_ids ' || typeof(event_ids) FROM `+tableSQL(out, "attempts")+`
		 UNION SELECT DISTINCT 'events.record_id ' || typeof(record_id) FROM `+tableSQL(out, "events")+`
		 UNION SELECT DISTINCT 'events.keywords ' || typeof(keywords) FROM `+tableSQL(out, "events")+`
		 UNION SELECT DISTINCT 'events.time_ticks ' || typeof(time_ticks) FROM `+tableSQL(out, "events")+`
		 UNION SELECT DISTINCT 'service.log_from ' || typeof(log_from) FROM `+tableSQL(out, "service")+`
		 UNION SELECT DISTINCT 'service.heartbeat_gaps ' || typeof(heartbeat_gaps) FROM `+tableSQL(out, "service")+`
		 UNION SELECT DISTINCT 'tenants.verdict ' || typeof(verdict) FROM `+tableSQL(out, "tenants"),
		// Every column chunk of every file: its encodings and the
		// created_by of the file.
		`SELECT DISTINCT encodings FROM parquet_metadata(`+duckdbtest.Quote(filepath.Join(out, "*", "**", "*.parquet"))+`)`,
		`SELECT DISTINCT created_by FROM parquet_file_metadata(`+duckdbtest.Quote(filepath.Join(out, "*", "**", "*.parquet"))+`)`,
		`SELECT tenant, verdict, attempts, failed FROM `+tableSQL(out, "tenants"),
		`SELECT tenant, heartbeats, len(heartbeat_gaps) AS gaps, coalesce(sync_version, '') AS v, len(sync_version_spans) AS spans FROM `+tableSQL(out, "service"),
	)
	diffLines(t, "attempts", lines(res[0], "tenant", "tracking_id", "operation", "outcome", "cause", "hresult", "upn", "cloud_anchor", "start", "end", "ids", "n"), wantAtt)
	diffLines(t, "findings", lines(res[1], "tenant", "cause", "scope", "severity", "count", "evidence_total", "first_seen", "n"), wantFind)
	diffLines(t, "inputs", lines(res[2], "tenant", "path", "records", "events", "skipped", "damaged_chunks", "dirty"), wantIn)
	diffLines(t, "events per tenant", lines(res[3], "tenant", "n"), wantEv)
	diffLines(t, "types", lines(res[4], "ty"), []string{
		"attempts.end TIMESTAMP WITH TIME ZONE",
		"attempts.event_ids INTEGER[]",
		"attempts.start TIMESTAMP WITH TIME ZONE",
		"events.keywords BIGINT",
		"events.record_id BIGINT",
		"events.time TIMESTAMP WITH TIME ZONE",
		"events.time_ticks BIGINT",
		"findings.first_seen TIMESTAMP WITH TIME ZONE",
		"inputs.first_record TIMESTAMP WITH TIME ZONE",
		"service.heartbeat_gaps STRUCT(start_time TIMESTAMP WITH TIME ZONE, end_time TIMESTAMP WITH TIME ZONE, duration_seconds BIGINT, from_log_start BOOLEAN, to_log_end BOOLEAN, note VARCHAR)[]",
		"service.log_from TIMESTAMP WITH TIME ZONE",
		"tenants.verdict VARCHAR",
	})
	for _, r := range res[5] {
		for _, e := range strings.Split(fmt.Sprint(r["encodings"]), ", ") {
			if e != "PLAIN" && e != "RLE" && e != "RLE_DICTIONARY" {
				t.Errorf("DuckDB sees encodings %v", r["encodings"])
			}
		}
	}
	for _, r := range res[6] {
		if !strings.HasPrefix(fmt.Sprint(r["created_by"]), "evtxscan version ") {
			t.Errorf("created_by %v", r["created_by"])
		}
	}
	diffLines(t, "tenants", lines(res[7], "tenant", "verdict", "attempts", "failed"), wantTen)
	diffLines(t, "service", lines(res[8], "tenant", "heartbeats", "gaps", "v", "spans"), wantSvc)
}

// writeTenantZip writes dir/<name>.zip holding one generated Application
// log of about size bytes.
func writeTenantZip(t testing.TB, dir, name string, size int64, seed uint64, start time.Time) string {
	t.Helper()
	tmp, err := os.CreateTemp(t.TempDir(), "gen-*.evtx")
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	if _, err := scenario.GenerateLog(context.Background(), tmp, scenario.LogOptions{Size: size, Seed: seed, Writeback: 0.05, Start: start}); err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "Application.evtx", Method: zip.Deflate, Modified: start})
	if err == nil {
		_, err = tmp.WriteTo(w)
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// genTenants writes n tenant zips in a new folder and returns it. Five
// distinct logs are generated and copied round: tenants differ by name.
func genTenants(t testing.TB, n int, size int64) string {
	t.Helper()
	src := t.TempDir()
	var logs [][]byte
	for i := range min(n, 5) {
		p := writeTenantZip(t, src, fmt.Sprint(i), size, uint64(100+i), time.Date(2024, 1, 1+i, 22, 0, 0, 0, time.UTC))
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, b)
	}
	dir := t.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("tenant-%02d.zip", i)), logs[i%len(logs)], 0o666); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fingerprint sums up every row of every table: a count and a sum of row
// hashes per table, which equal between two lakes exactly when they hold
// the same rows (up to hash collisions), duplicates included.
func fingerprint(t *testing.T, db *duckdbtest.DB, dir string) []string {
	t.Helper()
	var sql []string
	for _, tb := range lake.Tables() {
		sql = append(sql, fmt.Sprintf("SELECT '%s' AS t, count(*) AS n, CAST(sum(hash(r)::HUGEINT) AS VARCHAR) AS h FROM %s r", tb, tableSQL(dir, tb)))
	}
	var out []string
	for _, rows := range db.Query(t, sql...) {
		out = append(out, lines(rows, "t", "n", "h")...)
	}
	return out
}

// tempFiles lists the temporary files left anywhere under dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tmp") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// A rerun and a run split in three shards leave exactly the rows of one
// plain run; a rerun on a changed input replaces the tenant's rows, even
// when its dates moved.
func TestBatchRerunAndShards(t *testing.T) {
	db := duckdbtest.New(t)
	tenants := genTenants(t, 6, 128<<10)
	plain := t.TempDir()
	if code, stderr := batchRun(t, "--out", plain, "--jobs", "2", tenants); code != exitOK {
		t.Fatalf("plain run: exit %d\n%s", code, stderr)
	}
	want := fingerprint(t, db, plain)
	if !strings.HasPrefix(want[0], "events|") || strings.HasPrefix(want[0], "events|0|") {
		t.Fatalf("no events: %v", want)
	}

	// Rerun in place.
	if code, stderr := batchRun(t, "--out", plain, tenants); code != exitOK {
		t.Fatalf("rerun: exit %d\n%s", code, stderr)
	}
	diffLines(t, "rerun", fingerprint(t, db, plain), want)

	// Three shards into one lake.
	sharded := t.TempDir()
	written := 0
	for i := 1; i <= 3; i++ {
		code, stderr := batchRun(t, "--out", sharded, "--shard", fmt.Sprintf("%d/3", i), tenants)
		if code != exitOK {
			t.Fatalf("shard %d: exit %d\n%s", i, code, stderr)
		}
		var n, total int
		if _, err := fmt.Sscanf(stderr[strings.Index(stderr, "evtxscan scan: "):], "evtxscan scan: %d tenants (shard %d/3 of %d,", &n, new(int), &total); err != nil || total != 6 {
			t.Fatalf("shard %d summary: %v\n%s", i, err, stderr)
		}
		written += n
	}
	if written != 6 {
		t.Errorf("shards wrote %d tenants, want 6", written)
	}
	diffLines(t, "shards", fingerprint(t, db, sharded), want)

	// A Kubernetes Indexed Job of three completions: --shard auto takes
	// the index from JOB_COMPLETION_INDEX, the count from JOB_COMPLETIONS.
	indexed := t.TempDir()
	t.Setenv("JOB_COMPLETIONS", "3")
	for i := range 3 {
		t.Setenv("JOB_COMPLETION_INDEX", fmt.Sprint(i))
		code, stderr := batchRun(t, "--out", indexed, "--shard", "auto", tenants)
		if code != exitOK || !strings.Contains(stderr, fmt.Sprintf("(shard %d/3 of 6, from JOB_COMPLETION_INDEX)", i+1)) {
			t.Fatalf("index %d: exit %d\n%s", i, code, stderr)
		}
	}
	diffLines(t, "JOB_COMPLETION_INDEX 0..2 of 3", fingerprint(t, db, indexed), want)
	t.Setenv("JOB_COMPLETION_INDEX", "")
	t.Setenv("JOB_COMPLETIONS", "")

	// The input of one tenant changes, and its dates with it.
	one := filepath.Join(tenants, "tenant-03.zip")
	writeTenantZip(t, tenants, "tenant-03", 128<<10, 999, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	if code, stderr := batchRun(t, "--out", plain, tenants); code != exitOK {
		t.Fatalf("run after change: exit %d\n%s", code, stderr)
	}
	fresh := t.TempDir()
	if code, stderr := batchRun(t, "--out", fresh, tenants); code != exitOK {
		t.Fatalf("fresh run: exit %d\n%s", code, stderr)
	}
	diffLines(t, "rerun after a change", fingerprint(t, db, plain), fingerprint(t, db, fresh))
	res := db.Query(t, "SELECT count(DISTINCT part_id) AS ids, CAST(min(month) AS VARCHAR) AS d FROM "+tableSQL(plain, "events")+" WHERE tenant = 'tenant-03'")
	if r := res[0][0]; fmt.Sprint(r["ids"]) != "1" || r["d"] != "2025-06" {
		t.Errorf("tenant-03 after its change (%s): %v", one, r)
	}
	if tmp := tempFiles(t, plain); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// buildEvtxscan builds the command into a temporary folder, as README.md
// builds it to ship: static, -trimpath.
func buildEvtxscan(t *testing.T) string {
	t.Helper()
	goBin := testenv.Need(t, "go", "the go command", "golang-go")
	bin := filepath.Join(t.TempDir(), "evtxscan")
	cmd := exec.Command(goBin, "build", "-trimpath", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// completeManifests counts the tenants whose manifest says complete.
func completeManifests(dir string) int {
	paths, _ := filepath.Glob(filepath.Join(dir, "_evtxscan", "manifests", "*.json"))
	n := 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		var m lake.Manifest
		if err == nil && json.Unmarshal(b, &m) == nil && m.Complete {
			n++
		}
	}
	return n
}

// resume runs a resumed batch of n tenants and checks that it skipped at
// least done of them.
func resume(t *testing.T, cmd *exec.Cmd, n, done int) {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	}
	head := fmt.Sprintf("evtxscan scan: %d tenants", n)
	i := bytes.Index(out, []byte(head))
	if i < 0 {
		t.Fatalf("no summary %q:\n%s", head, out)
	}
	summary := string(out[i:])
	var skipped int
	if j := strings.Index(summary, " written, "); j < 0 {
		t.Fatalf("summary: %s", summary)
	} else if _, err := fmt.Sscanf(summary[j+len(" written, "):], "%d skipped by --resume", &skipped); err != nil || skipped < done {
		t.Errorf("resume skipped %d tenants (%v), want at least %d: %s", skipped, err, done, summary)
	}
}

// killWhen starts cmd and kills it with SIGKILL as soon as cond, polled
// every poll, holds; it reports whether it killed it (false: the command
// ended first).
func killWhen(t *testing.T, cmd *exec.Cmd, poll time.Duration, cond func() bool) bool {
	t.Helper()
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(120 * time.Second)
	for {
		select {
		case <-exited:
			return false
		case <-deadline:
			cmd.Process.Kill()
			<-exited
			t.Fatalf("the batch did not end:\n%s", errb.String())
		case <-time.After(poll):
			if cond() {
				cmd.Process.Signal(syscall.SIGKILL)
				<-exited
				return true
			}
		}
	}
}

// A batch killed with SIGKILL and resumed ends with the rows of one plain
// run, and no temporary file is left.
func TestBatchKillResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the command")
	}
	db := duckdbtest.New(t)
	bin := buildEvtxscan(t)
	tenants := genTenants(t, 30, 512<<10)
	args := func(out string, extra ...string) []string {
		return append([]string{"scan", "--format", "parquet", "--out", out, "--jobs", "1", "--workers", "1"}, append(extra, tenants)...)
	}
	plain := t.TempDir()
	if out, err := exec.Command(bin, args(plain)...).CombinedOutput(); err != nil {
		t.Fatalf("plain run: %v\n%s", err, out)
	}
	want := fingerprint(t, db, plain)

	lk := t.TempDir()
	// Kill while a tenant is being written, after a few.
	killed := killWhen(t, exec.Command(bin, args(lk)...), 2*time.Millisecond, func() bool {
		n := completeManifests(lk)
		return n >= 3 && len(tempFiles(t, lk)) > 0 || n >= 10
	})
	done := completeManifests(lk)
	if !killed || done >= 30 {
		t.Skipf("the batch ended before it could be killed (%d tenants written)", done)
	}
	t.Logf("killed after %d of 30 tenants; %d temporary files left", done, len(tempFiles(t, lk)))

	resume(t, exec.Command(bin, args(lk, "--resume")...), 30, done)
	diffLines(t, "resumed", fingerprint(t, db, lk), want)
	if tmp := tempFiles(t, lk); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	if n := completeManifests(lk); n != 30 {
		t.Errorf("%d complete manifests, want 30", n)
	}
}

// With a key, no UPN, anchor, SID, computer name or DN is left in any
// table, and the tokens are the keyed ones, so tables still join.
func TestBatchPseudonymize(t *testing.T) {
	db := duckdbtest.New(t)
	inputs := batchFixtureInputs(t)
	keyFile := filepath.Join(t.TempDir(), "key")
	key := "a test key of more than sixteen bytes"
	os.WriteFile(keyFile, []byte(key+"\n"), 0o600)
	out := t.TempDir()
	if code, stderr := batchRun(t, append([]string{"--out", out, "--pseudonymize-key", keyFile}, inputs...)...); code != exitDamaged {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	ps := pseudonym.New([]byte(key))

	// The personal values of the fixtures, as the analysis and the events
	// show them.
	secrets := map[string]bool{}
	var wantUPN []string
	for _, in := range inputs {
		rep := batchScanJSON(t, in)
		for _, a := range rep.Attempts.All() {
			for _, v := range []string{a.UPN, a.AdminUPN, a.CloudAnchor, a.SourceAnchor} {
				if v != "" {
					secrets[v] = true
				}
			}
			if a.UPN != "" {
				wantUPN = append(wantUPN, rep.Tenants[0].Name+"|"+a.TrackingID+"|"+ps.Token(pseudonym.KindUPN, a.UPN))
			}
		}
		_, err := scan.Analyze(context.Background(), []string{in}, scan.Options{Tenant: "x", ReadOptions: scan.ReadOptions{Workers: 1}, Each: func(ev *parser.Event) error {
			secrets[ev.Computer] = true
			if i := strings.IndexByte(ev.Computer, '.'); i > 0 {
				secrets[ev.Computer[:i]] = true
			}
			for _, d := range ev.Data {
				for _, dn := range dnsIn(d) {
					secrets[dn] = true
				}
			}
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	delete(secrets, "")
	if len(secrets) < 20 {
		t.Fatalf("only %d personal values in the fixtures", len(secrets))
	}
	var conds []string
	for s := range secrets {
		conds = append(conds, "contains(lower(CAST(r AS VARCHAR)), "+duckdbtest.Quote(strings.ToLower(s))+")")
	}
	var sql []string
	for _, tb := range lake.Tables() {
		sql = append(sql, "SELECT '"+tb+"' AS t, count(*) AS n, list(CAST(r AS VARCHAR))[1] AS example FROM "+tableSQL(out, tb)+" r WHERE "+strings.Join(conds, " OR "))
	}
	sql = append(sql,
		"SELECT tenant, tracking_id, upn FROM "+tableSQL(out, "attempts")+" WHERE upn IS NOT NULL",
		// Events of an attempt found by its UPN token.
		"SELECT count(*) AS n FROM "+tableSQL(out, "attempts")+" a JOIN "+tableSQL(out, "events")+" e USING (tenant, tracking_id) WHERE e.upn = a.upn",
		"SELECT count(*) AS n FROM "+tableSQL(out, "events")+" WHERE NOT starts_with(computer, 'computer:')",
		"SELECT count(*) AS n FROM "+tableSQL(out, "events")+" WHERE list_contains(list_transform(data, s -> contains(s, 'upn:')), true)",
	)
	res := db.Query(t, sql...)
	for i, tb := range lake.Tables() {
		if r := res[i][0]; fmt.Sprint(r["n"]) != "0" {
			t.Errorf("%s: %v rows hold a personal value, e.g. %v", tb, r["n"], r["example"])
		}
	}
	res = res[len(lake.Tables()):]
	slices.Sort(wantUPN)
	diffLines(t, "attempt UPN tokens", lines(res[0], "tenant", "tracking_id", "upn"), wantUPN)
	if n := fmt.Sprint(res[1][0]["n"]); n == "0" {
		t.Error("no event joins its attempt by UPN token")
	}
	if n := fmt.Sprint(res[2][0]["n"]); n != "0" {
		t.Errorf("%s events with a computer name that is not a token", n)
	}
	if n := fmt.Sprint(res[3][0]["n"]); n == "0" {
		t.Error("no UPN token in any event's data")
	}
}

// dnsIn returns the values after "Dn :" or "Dn:" in s, to the end of the
// DN (the first ", " not followed by an RDN type), as a reader of the
// Directory Synchronization events sees them.
func dnsIn(s string) []string {
	var out []string
	for _, key := range []string{"Dn : ", "Dn: "} {
		rest := s
		for {
			i := strings.Index(rest, key)
			if i < 0 {
				break
			}
			rest = rest[i+len(key):]
			end := len(rest)
			for j := 0; j+2 < len(rest); j++ {
				if rest[j] == ',' && rest[j+1] == ' ' {
					end = j
					break
				}
				if rest[j] == '\r' || rest[j] == '\n' {
					end = j
					break
				}
			}
			out = append(out, rest[:end])
		}
	}
	return out
}

// A bad input is reported and the others are written; usage errors.
func TestBatchBadInputAndUsage(t *testing.T) {
	dir := t.TempDir()
	good := writeTenantZip(t, dir, "good", 64<<10, 7, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC))
	broken := filepath.Join(dir, "broken.zip")
	os.WriteFile(broken, []byte("PK\x03\x04 this is not a zip"), 0o666)
	missing := filepath.Join(dir, "missing.zip")
	out := t.TempDir()
	code, stderr := batchRun(t, "--out", out, broken, missing, good)
	if code != exitFatal {
		t.Errorf("exit %d, want %d (one input could not be read)", code, exitFatal)
	}
	for _, want := range []string{"evtxscan scan: missing: ", "3 tenants", "2 written, 0 skipped by --resume, 1 failed, 1 damaged"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	l, _ := lake.Open(out, lake.Options{})
	for _, tc := range []struct {
		tenant string
		ok     bool
	}{{"good", true}, {"broken", true}, {"missing", false}} {
		m, err := l.Manifest(tc.tenant)
		if (err == nil && m.Complete) != tc.ok {
			t.Errorf("tenant %s: manifest %v, %v", tc.tenant, m, err)
		}
	}

	short := filepath.Join(dir, "short.key")
	os.WriteFile(short, []byte("tiny\n"), 0o600)
	for _, args := range [][]string{
		{good}, // no --out
		{"--out", out, "--partition", "date", good}, // bad layout
		{"--out", out, "--shard", "4/3", good},      // bad shard
		{"--out", out, "--shard", "x", good},        // bad shard
		{"--out", out, "--jobs", "0", good},         // no job
		{"--out", out, "--pseudonymize-key", short, good},
	} {
		if code, stderr := batchRun(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", args, code, exitUsage, stderr)
		}
	}
}

// The batch ends with its summary line on stderr, and draws no escape
// sequences when stderr is not a terminal (the progress itself:
// progress_test.go).
func TestBatchProgress(t *testing.T) {
	dir := t.TempDir()
	good := writeTenantZip(t, dir, "good", 64<<10, 7, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC))
	var errb bytes.Buffer
	code := run(context.Background(), []string{"scan", "--format", "parquet", "--out", t.TempDir(), "--progress", "always", good}, &bytes.Buffer{}, &errb)
	if code != exitOK || !strings.Contains(errb.String(), "evtxscan scan: 1 tenants") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	code, stderr := batchRun(t, "--out", t.TempDir(), good)
	if code != exitOK || strings.Contains(stderr, "\x1b") {
		t.Errorf("no terminal: exit %d, stderr %q", code, stderr)
	}
}

// Apache Arrow's Go reader reads every table of the lake with no options:
// V1 data pages, PLAIN/RLE_DICTIONARY (RLE for levels) only, no unsigned
// type, times as timestamp[us, tz=UTC], created_by with the version; the
// row counts and the values equal the JSON output, the exact times in the
// *_ticks columns to 100 ns.
func TestBatchArrowReadsLake(t *testing.T) {
	inputs := batchFixtureInputs(t)
	out := t.TempDir()
	if code, stderr := batchRun(t, append([]string{"--out", out}, inputs...)...); code != exitDamaged {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	files := arrowtest.Read(t, out)
	rows := map[string]int64{} // table|tenant
	var gotAtt, gotTen []string
	tables := map[string]bool{}
	timeCols := map[string]bool{"time": true, "start": true, "end": true, "first_seen": true, "last_seen": true,
		"first_record": true, "last_record": true, "log_from": true, "log_to": true, "first_heartbeat": true, "last_heartbeat": true}
	for _, f := range files {
		tables[f.Table] = true
		for _, pt := range f.PageTypes {
			if pt != "DATA_PAGE" && pt != "DICTIONARY_PAGE" {
				t.Errorf("%s: page type %s", f.Path, pt)
			}
		}
		for _, e := range f.Encodings {
			if e != "PLAIN" && e != "RLE" && e != "RLE_DICTIONARY" {
				t.Errorf("%s: encoding %s", f.Path, e)
			}
		}
		if !strings.HasPrefix(f.CreatedBy, "evtxscan version ") {
			t.Errorf("%s: created_by %q", f.Path, f.CreatedBy)
		}
		for col, ty := range f.Types {
			if strings.Contains(ty, "uint") || strings.Contains(ty, "timestamp[ns") || strings.Contains(ty, "decimal") {
				t.Errorf("%s: %s is %s", f.Path, col, ty)
			}
			if timeCols[col] && ty != "timestamp[us, tz=UTC]" {
				t.Errorf("%s: %s is %s, want timestamp[us, tz=UTC]", f.Path, col, ty)
			}
		}
		for _, r := range f.Records {
			rows[f.Table+"|"+fmt.Sprint(r["tenant"])]++
			switch f.Table {
			case lake.TableAttempts:
				ticks, _ := r["start_ticks"].(json.Number).Int64()
				gotAtt = append(gotAtt, fmt.Sprintf("%v|%v|%v|%v|%s", r["tenant"], r["tracking_id"], r["outcome"], r["start"],
					lake.FromTicks(ticks).Format(time.RFC3339Nano)))
			case lake.TableTenants:
				gotTen = append(gotTen, fmt.Sprintf("%v|%v|%v|%v", r["tenant"], r["verdict"], r["attempts"], r["failed"]))
			case lake.TableEvents:
				if r["keywords_hex"] == nil || !strings.HasPrefix(r["keywords_hex"].(string), "0x") {
					t.Errorf("%s: keywords_hex %v", f.Path, r["keywords_hex"])
				}
			}
		}
	}
	for _, tb := range lake.Tables() {
		if !tables[tb] {
			t.Errorf("no part of table %s", tb)
		}
	}
	var wantAtt, wantTen []string
	for _, in := range inputs {
		rep := batchScanJSON(t, in)
		events := 0
		for _, f := range rep.Inputs {
			events += f.Events
		}
		for tb, n := range map[string]int{lake.TableEvents: events, lake.TableAttempts: rep.Attempts.Len(), lake.TableFindings: len(rep.Findings),
			lake.TableService: len(rep.Service), lake.TableTenants: 1} {
			if got := rows[tb+"|"+rep.Tenants[0].Name]; got != int64(n) {
				t.Errorf("%s of %s: %d rows, want %d", tb, rep.Tenants[0].Name, got, n)
			}
		}
		for _, a := range rep.Attempts.All() {
			start := "<nil>"
			exact := lake.FromTicks(0).Format(time.RFC3339Nano)
			if !a.Start.IsZero() {
				start = a.Start.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.999999Z")
				exact = a.Start.UTC().Format(time.RFC3339Nano)
			}
			wantAtt = append(wantAtt, fmt.Sprintf("%s|%s|%s|%s|%s", rep.Tenants[0].Name, a.TrackingID, a.Outcome, start, exact))
		}
		wantTen = append(wantTen, fmt.Sprintf("%s|%s|%d|%d", rep.Tenants[0].Name, rep.Tenants[0].Verdict, rep.Counts.Attempts, rep.Counts.Failed))
	}
	slices.Sort(gotAtt)
	slices.Sort(wantAtt)
	slices.Sort(gotTen)
	slices.Sort(wantTen)
	diffLines(t, "attempts (Arrow)", gotAtt, wantAtt)
	diffLines(t, "tenants (Arrow)", gotTen, wantTen)
}
