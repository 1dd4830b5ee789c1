package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/internal/golden"
	"github.com/evtxscan/evtxscan/lake/duckdbtest"
)

// tenantFixtures are three customers' bundles, one server each.
var tenantFixtures = []string{"tenant-a-contoso.zip", "tenant-b-fabrikam.zip", "tenant-c-woodgrove.zip"}

func readWant(t *testing.T, path string) want {
	t.Helper()
	b, err := os.ReadFile(path + ".want.json")
	if err != nil {
		t.Fatal(err)
	}
	var w want
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// Three customers' zips in one command line are three tenants, each with
// its own server, attempts and findings, and nothing of one counted in
// another; text, JSON, NDJSON and Parquet name the same tenants.
func TestScanThreeTenants(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "evtx")
	var inputs []string
	wantTenant := map[string]string{} // tracking id → tenant
	wantServer := map[string]string{} // tenant → the computer of its logs
	var names []string
	for _, f := range tenantFixtures {
		p := filepath.Join(dir, f)
		inputs = append(inputs, p)
		w := readWant(t, p)
		name := strings.TrimSuffix(f, ".zip")
		names = append(names, name)
		for _, a := range w.Attempts {
			wantTenant[a.TrackingID] = name
		}
		wantServer[name] = w.Files[0].Computer
	}

	rep, _, code := scanJSON(t, inputs...)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var got []string
	for _, tn := range rep.Tenants {
		got = append(got, tn.Name)
		if len(tn.Servers) != 1 || tn.Servers[0].Name != wantServer[tn.Name] {
			t.Errorf("tenant %s: servers %+v, want %s", tn.Name, tn.Servers, wantServer[tn.Name])
		}
	}
	if !slices.Equal(got, names) {
		t.Fatalf("tenants %v, want %v", got, names)
	}
	if rep.Attempts.Len() != len(wantTenant) {
		t.Errorf("%d attempts, want %d", rep.Attempts.Len(), len(wantTenant))
	}
	for _, a := range rep.Attempts.All() {
		if a.Tenant != wantTenant[a.TrackingID] || a.Server != wantServer[a.Tenant] {
			t.Errorf("attempt %s of %s/%s, want %s", a.TrackingID, a.Tenant, a.Server, wantTenant[a.TrackingID])
		}
	}
	// Each tenant's counts and findings are those of its zip alone.
	for i, in := range inputs {
		alone, _, _ := scanJSON(t, in)
		tn := rep.Tenants[i]
		if tn.Servers[0].Counts != alone.Counts {
			t.Errorf("%s: counts %+v, alone %+v", tn.Name, tn.Servers[0].Counts, alone.Counts)
		}
		var f1, f2 []string
		for _, f := range rep.Findings {
			if f.Tenant == tn.Name {
				f1 = append(f1, fmt.Sprintf("%s/%d/%s", f.Cause, f.Count, f.Server))
			}
		}
		for _, f := range alone.Findings {
			f2 = append(f2, fmt.Sprintf("%s/%d/%s", f.Cause, f.Count, f.Server))
		}
		if !slices.Equal(f1, f2) {
			t.Errorf("%s: findings %v, alone %v", tn.Name, f1, f2)
		}
		for _, sv := range rep.Service {
			if sv.Tenant == tn.Name && sv.Heartbeats != alone.Service[0].Heartbeats {
				t.Errorf("%s: %d heartbeats, alone %d", tn.Name, sv.Heartbeats, alone.Service[0].Heartbeats)
			}
		}
	}

	// NDJSON: the same tenant on each line as in the document.
	var out, errb bytes.Buffer
	run(context.Background(), append([]string{"scan", "--format", "ndjson"}, inputs...), &out, &errb)
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<24)
	n := 0
	for sc.Scan() {
		var line struct{ Kind, Tenant, Server, TrackingID string }
		var raw map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		line.Kind, _ = raw["kind"].(string)
		line.Tenant, _ = raw["tenant"].(string)
		line.Server, _ = raw["server"].(string)
		line.TrackingID, _ = raw["tracking_id"].(string)
		if line.Kind == "attempt" && line.Tenant != wantTenant[line.TrackingID] {
			t.Errorf("ndjson attempt %s of %s", line.TrackingID, line.Tenant)
		}
		if !slices.Contains(names, line.Tenant) || line.Server != wantServer[line.Tenant] {
			t.Errorf("ndjson line of %s/%s", line.Tenant, line.Server)
		}
		n++
	}
	if want := rep.Attempts.Len() + len(rep.Findings) + len(rep.Unattributed); n != want {
		t.Errorf("%d ndjson lines, want %d", n, want)
	}

	// Text: one part per tenant, headed by the tenant and its server.
	out.Reset()
	run(context.Background(), append([]string{"scan"}, inputs...), &out, &errb)
	text := out.String()
	for _, name := range names {
		if c := strings.Count(text, "\n"+name+" · "+wantServer[name]); c != 1 {
			t.Errorf("text: %d headers of %s", c, name)
		}
	}
	golden.Check(t, filepath.Join("testdata", "scan", "three-tenants.txt"), out.Bytes())

	// Parquet: the same tenants, each with its own attempts.
	db := duckdbtest.New(t)
	lakeDir := t.TempDir()
	if code, stderr := batchRun(t, append([]string{"--out", lakeDir}, inputs...)...); code != exitOK {
		t.Fatalf("parquet: exit %d\n%s", code, stderr)
	}
	res := db.Query(t, `SELECT tenant, tracking_id FROM `+tableSQL(lakeDir, "attempts"))
	var wantRows []string
	for tid, tn := range wantTenant {
		wantRows = append(wantRows, tn+"|"+tid)
	}
	slices.Sort(wantRows)
	diffLines(t, "parquet attempts", lines(res[0], "tenant", "tracking_id"), wantRows)
}

// An active and a staging server in one zip are two servers of one
// tenant: the staging server's later log does not bend the active one's
// service, and its records are counted apart.
func TestScanActiveStaging(t *testing.T) {
	in := filepath.Join("..", "..", "testdata", "evtx", "active-staging.zip")
	w := readWant(t, in)
	rep, _, _ := scanJSON(t, in)
	if len(rep.Tenants) != 1 || len(rep.Tenants[0].Servers) != 2 {
		t.Fatalf("tenants %+v", rep.Tenants)
	}
	servers := map[string]int{}
	for _, f := range w.Files {
		servers[f.Computer]++
	}
	for _, s := range rep.Tenants[0].Servers {
		if servers[s.Name] != 1 || len(s.Inputs) != 1 {
			t.Errorf("server %s with inputs %v", s.Name, s.Inputs)
		}
	}
	for _, sv := range rep.Service {
		if sv.Server == w.Service.Server && (sv.EndSilence != nil || len(sv.HeartbeatGaps) != 0 || sv.Heartbeats == 0) {
			t.Errorf("active server's service %+v", sv.Service)
		}
		if sv.Server != w.Service.Server && (sv.Heartbeats != 0 || sv.EndSilence != nil) {
			t.Errorf("staging server's service %+v", sv.Service)
		}
	}
	var total int
	for _, s := range rep.Tenants[0].Servers {
		total += s.Counts.Events
	}
	if total != rep.Counts.Events {
		t.Errorf("servers count %d events, the report %d", total, rep.Counts.Events)
	}
}

// The archived and the current log of one server, given as two inputs, are
// one server of the first input's tenant in Parquet as in JSON: the batch
// writes them together, the second input leaves no tenant of its own, and
// an attempt that starts in one log and ends in the other is one row.
func TestScanOneServerTwoInputs(t *testing.T) {
	dir := t.TempDir()
	zr, err := zip.OpenReader(filepath.Join("..", "..", "testdata", "evtx", "customer-bundle.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	logs := map[string]string{
		"Logs/Archive-Application-2024-03-17-11-42-07-360.evtx": filepath.Join(dir, "fab-archive.evtx"),
		"Logs/Application.evtx":                                 filepath.Join(dir, "fab-current.evtx"),
	}
	for _, f := range zr.File {
		dst, ok := logs[f.Name]
		if !ok {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
		delete(logs, f.Name)
	}
	if len(logs) != 0 {
		t.Fatalf("not in the bundle: %v", logs)
	}
	inputs := []string{
		filepath.Join(dir, "fab-archive.evtx"), filepath.Join(dir, "fab-current.evtx"),
		filepath.Join("..", "..", "testdata", "evtx", "tenant-c-woodgrove.zip"),
	}

	rep, _, _ := scanJSON(t, inputs...)
	var tenants, attempts, events, service []string
	for _, tn := range rep.Tenants {
		var c correlate.Counts
		for _, s := range tn.Servers {
			c.Add(s.Counts)
		}
		tenants = append(tenants, fmt.Sprintf("%s|%d|%d|%d", tn.Name, len(tn.Servers), c.Attempts, c.Failed))
		events = append(events, fmt.Sprintf("%s|%d", tn.Name, c.Events))
	}
	if want := []string{"fab-archive", "tenant-c-woodgrove"}; len(rep.Tenants) != 2 || rep.Tenants[0].Name != want[0] || rep.Tenants[1].Name != want[1] {
		t.Fatalf("JSON tenants %v, want %v", tenants, want)
	}
	for _, a := range rep.Attempts.All() {
		attempts = append(attempts, a.Tenant+"|"+a.TrackingID+"|"+a.Outcome)
	}
	for _, s := range rep.Service {
		service = append(service, fmt.Sprintf("%s|%d", s.Tenant, s.Heartbeats))
	}
	for _, l := range [][]string{tenants, attempts, events, service} {
		slices.Sort(l)
	}

	db := duckdbtest.New(t)
	lakeDir := t.TempDir()
	code, stderr := batchRun(t, append([]string{"--out", lakeDir}, inputs...)...)
	if code != exitDamaged { // the archived log has a damaged chunk
		t.Fatalf("parquet: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, " 2 written, ") || !strings.Contains(stderr, ", 1 joined to the tenant of an earlier input") {
		t.Errorf("summary: %s", stderr)
	}
	res := db.Query(t,
		`SELECT tenant, len(servers) AS servers, attempts, failed FROM `+tableSQL(lakeDir, "tenants"),
		`SELECT tenant, tracking_id, outcome FROM `+tableSQL(lakeDir, "attempts"),
		`SELECT tenant, count(*) AS n FROM `+tableSQL(lakeDir, "events")+` GROUP BY tenant`,
		`SELECT tenant, heartbeats FROM `+tableSQL(lakeDir, "service"),
		`SELECT DISTINCT tenant FROM `+tableSQL(lakeDir, "inputs"))
	diffLines(t, "parquet tenants", lines(res[0], "tenant", "servers", "attempts", "failed"), tenants)
	diffLines(t, "parquet attempts", lines(res[1], "tenant", "tracking_id", "outcome"), attempts)
	diffLines(t, "parquet events", lines(res[2], "tenant", "n"), events)
	diffLines(t, "parquet service", lines(res[3], "tenant", "heartbeats"), service)
	diffLines(t, "parquet inputs", lines(res[4], "tenant"), []string{"fab-archive", "tenant-c-woodgrove"})
	if _, err := os.Stat(filepath.Join(lakeDir, "_evtxscan", "manifests", "tenant=fab-current.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("manifest of the joined tenant: %v", err)
	}

	// The archive written alone first, then both with --resume: the
	// archive's tenant, skipped, still takes the current log's server.
	lake2 := t.TempDir()
	for _, args := range [][]string{inputs[:1], inputs} {
		if code, stderr := batchRun(t, append([]string{"--out", lake2, "--resume"}, args...)...); code != exitDamaged {
			t.Fatalf("parquet --resume %v: exit %d\n%s", args, code, stderr)
		}
	}
	res = db.Query(t,
		`SELECT tenant, len(servers) AS servers, attempts, failed FROM `+tableSQL(lake2, "tenants"),
		`SELECT tenant, tracking_id, outcome FROM `+tableSQL(lake2, "attempts"))
	diffLines(t, "--resume: parquet tenants", lines(res[0], "tenant", "servers", "attempts", "failed"), tenants)
	diffLines(t, "--resume: parquet attempts", lines(res[1], "tenant", "tracking_id", "outcome"), attempts)
}
