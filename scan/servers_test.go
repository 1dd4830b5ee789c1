package scan_test

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
	"github.com/evtxscan/evtxscan/scan"
)

var t0 = time.Date(2024, 5, 14, 9, 0, 0, 0, time.UTC)

// writeLog writes an Application log of computer with heartbeats naming
// tenantID ("" for none) every 5 minutes for an hour from start, and a
// reset that starts at start+10m.
func writeLog(t *testing.T, path, computer, tenantID string, start time.Time, tid string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := evtxwriter.NewWriter(f, evtxwriter.Options{})
	rec := func(at time.Time, id uint16, text string) {
		if err := w.Write(evtxwriter.Record{Provider: "PasswordResetService", EventID: id, Level: evtxwriter.LevelInformation,
			Keywords: evtxwriter.ClassicKeywords, Time: at, Computer: computer, Data: []string{text}}); err != nil {
			t.Fatal(err)
		}
	}
	for d := time.Duration(0); d <= time.Hour; d += 5 * time.Minute {
		text := "ServiceBus heartbeat sent successfully. Relay: ssprdedicatedsbprodscu.servicebus.windows.net"
		if tenantID != "" {
			text += ", Endpoint: " + tenantID + "_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
		}
		rec(start.Add(d), 31019, text)
		if d == 10*time.Minute {
			rec(start.Add(d+time.Second), 31001, "TrackingId: "+tid+", PasswordResetRequestStart, Details: u@x")
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func analyze(t *testing.T, opt scan.Options, paths ...string) *scan.Report {
	t.Helper()
	rep, err := scan.Analyze(context.Background(), paths, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

type serverOf struct{ tenant, server string }

func servers(rep *scan.Report) []serverOf {
	var out []serverOf
	for _, tn := range rep.Tenants {
		for _, s := range tn.Servers {
			out = append(out, serverOf{tn.Name, s.Name})
		}
	}
	return out
}

const (
	tenantA = "11111111-2222-4333-8444-555555555555"
	tenantB = "99999999-8888-4777-8666-555555555555"
)

// Two customers whose servers share a name are told apart by the tenant id
// of their heartbeats; one server in two arguments is one timeline.
func TestServersApart(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "caseA", "Application.evtx")
	b := filepath.Join(dir, "caseB", "Application.evtx")
	for _, d := range []string{"caseA", "caseB"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeLog(t, a, "AADC01.corp.local", tenantA, t0, "aaaaaaaa-0000-4000-8000-000000000001")
	writeLog(t, b, "AADC01.corp.local", tenantB, t0.Add(3*time.Hour), "bbbbbbbb-0000-4000-8000-000000000002")

	rep := analyze(t, scan.Options{}, filepath.Join(dir, "caseA"), filepath.Join(dir, "caseB"))
	if got := servers(rep); !slices.Equal(got, []serverOf{{"caseA", "AADC01.corp.local"}, {"caseB", "AADC01.corp.local"}}) {
		t.Fatalf("servers %v", got)
	}
	for _, sv := range rep.Service {
		// Merged, the 2-hour silence between the logs would be a gap.
		if sv.Heartbeats != 13 || len(sv.HeartbeatGaps) != 0 {
			t.Errorf("%s/%s: %d heartbeats, gaps %+v", sv.Tenant, sv.Server, sv.Heartbeats, sv.HeartbeatGaps)
		}
	}
	for _, at := range rep.Attempts.All() {
		want := map[string]string{"aaaaaaaa-0000-4000-8000-000000000001": "caseA", "bbbbbbbb-0000-4000-8000-000000000002": "caseB"}[at.TrackingID]
		if at.Tenant != want {
			t.Errorf("attempt %s in %s, want %s", at.TrackingID, at.Tenant, want)
		}
	}
	if rep.Tenants[0].Servers[0].TenantID != tenantA || rep.Tenants[1].Servers[0].TenantID != tenantB {
		t.Errorf("tenant ids %+v", rep.Tenants)
	}

	// With --tenant both are one case, and still two servers.
	rep = analyze(t, scan.Options{Tenant: "case"}, filepath.Join(dir, "caseA"), filepath.Join(dir, "caseB"))
	if got := servers(rep); len(got) != 2 || got[0].server == got[1].server {
		t.Errorf("--tenant: servers %v", got)
	}
}

// The archived and the current log of one server, as two arguments in
// either order, are one server whose attempt spans both.
func TestOneServerTwoArguments(t *testing.T) {
	dir := t.TempDir()
	arch := filepath.Join(dir, "Archive-Application-2024-05-14.evtx")
	cur := filepath.Join(dir, "Application.evtx")
	writeLog(t, arch, "AADC01.contoso.local", tenantA, t0, "cccccccc-0000-4000-8000-000000000003")
	f, err := os.Create(cur)
	if err != nil {
		t.Fatal(err)
	}
	w := evtxwriter.NewWriter(f, evtxwriter.Options{})
	if err := w.Write(evtxwriter.Record{Provider: "PasswordResetService", EventID: 31002, Level: evtxwriter.LevelInformation,
		Keywords: evtxwriter.ClassicKeywords, Time: t0.Add(time.Hour + time.Minute), Computer: "AADC01.contoso.local",
		Data: []string{"TrackingId: cccccccc-0000-4000-8000-000000000003, PasswordResetSuccess, Details: Context: cloudAnchor: User_1, SourceAnchorValue: x, UserPrincipalName: u@x"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, order := range [][]string{{arch, cur}, {cur, arch}} {
		rep := analyze(t, scan.Options{}, order...)
		if got := servers(rep); len(got) != 1 || got[0].tenant != scan.DefaultTenant(order[0]) {
			t.Errorf("%v: servers %v", order, got)
		}
		if rep.Attempts.Len() != 1 || rep.Attempts.At(0).Outcome != "success" {
			t.Errorf("%v: attempts %+v", order, rep.Attempts)
		}
	}
}

// Inside one zip, the logs of two servers stay two servers; the order of
// the entries does not matter.
func TestTwoServersOneZip(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.evtx")
	b := filepath.Join(dir, "b.evtx")
	writeLog(t, a, "AADC01.contoso.local", tenantA, t0, "dddddddd-0000-4000-8000-000000000004")
	writeLog(t, b, "AADC02.contoso.local", tenantA, t0.Add(2*time.Hour), "eeeeeeee-0000-4000-8000-000000000005")
	zp := filepath.Join(dir, "bundle.zip")
	zf, err := os.Create(zp)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	for _, p := range []string{b, a} {
		w, err := zw.Create(filepath.Base(p))
		if err != nil {
			t.Fatal(err)
		}
		r, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, r); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zf.Close()
	rep := analyze(t, scan.Options{}, zp)
	if got := servers(rep); !slices.Equal(got, []serverOf{{"bundle", "AADC01.contoso.local"}, {"bundle", "AADC02.contoso.local"}}) {
		t.Fatalf("servers %v", got)
	}
	for _, sv := range rep.Service {
		if len(sv.HeartbeatGaps) != 0 || sv.EndSilence != nil {
			t.Errorf("%s: gaps %+v, end %+v", sv.Server, sv.HeartbeatGaps, sv.EndSilence)
		}
	}
	for _, in := range rep.Inputs {
		if len(in.Servers) != 1 {
			t.Errorf("%s: servers %v", in.Path, in.Servers)
		}
	}
	views := rep.Views()
	if len(views) != 2 || views[0].Attempts.Len() != 1 || views[1].Attempts.Len() != 1 {
		t.Errorf("views %d", len(views))
	}
}

// Arguments without any writeback record are still tenants, each with a
// nameless server whose verdict says no writeback event was found, and
// the overall verdict says so too (also with --all, which keeps the
// records of other sources).
func TestTenantsWithoutWriteback(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, name := range []string{"one", "two"} {
		p := filepath.Join(dir, name+".evtx")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		w := evtxwriter.NewWriter(f, evtxwriter.Options{})
		if err := w.Write(evtxwriter.Record{Provider: "Service Control Manager", EventID: 7036, Level: evtxwriter.LevelInformation,
			Keywords: evtxwriter.ClassicKeywords, Time: t0, Computer: "WS-" + name, Channel: "System", Data: []string{"x", "running"}}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		paths = append(paths, p)
	}
	for _, all := range []bool{false, true} {
		rep := analyze(t, scan.Options{ReadOptions: scan.ReadOptions{All: all}}, paths...)
		if len(rep.Tenants) != 2 {
			t.Fatalf("all=%v: tenants %+v", all, rep.Tenants)
		}
		for _, tn := range rep.Tenants {
			if len(tn.Servers) != 1 || !strings.Contains(tn.Verdict, "No password writeback event") {
				t.Errorf("all=%v: tenant %+v", all, tn)
			}
		}
		if !strings.Contains(rep.Verdict, "not seen") {
			t.Errorf("all=%v: verdict %q", all, rep.Verdict)
		}
	}
}
