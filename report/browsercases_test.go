package report

// Until the analysis moves into package scan, the browser test reads the
// JSON of the scan command (schema 1) to make its pages.

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/internal/scenario"
)

// fixturePaths returns the committed fixtures and the report fixtures of
// scenario, written into a temporary folder.
func fixturePaths(t *testing.T) []string {
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "evtx", "*.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	zips, _ := filepath.Glob(filepath.Join("..", "testdata", "evtx", "*.zip"))
	paths = append(paths, zips...)
	fs, err := scenario.RenderFixtures()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range fs {
		enc, err := f.Encode()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, f.Name)
		if err := os.WriteFile(p, enc.File, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// scanJSON runs the scan command on one input.
func scanJSON(t *testing.T, path string) []byte {
	cmd := exec.Command("go", "run", "../cmd/evtxscan", "scan", "--format", "json", path)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil && out.Len() == 0 {
		t.Fatalf("scan %s: %v", path, err)
	}
	return out.Bytes()
}

type v1 struct {
	Schema, Tenant, Verdict string
	Inputs                  []struct {
		Path          string
		Size          int64
		Records       int
		Events        int
		Chunks        int
		Skipped       int
		Dirty         bool
		DamagedChunks int `json:"damaged_chunks"`
		Damage        []string
		Error         string
	}
	Skipped  []htmlSkipped
	Errors   []string
	Attempts []correlate.Attempt
	Findings []correlate.Finding
	Service  map[string]correlate.Service
	Counts   correlate.Counts
	Damage   []correlate.Damage
}

func browserCases(t *testing.T) []browserCase {
	var out []browserCase
	for _, f := range fixturePaths(t) {
		b := scanJSON(t, f)
		var r v1
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(f, err)
		}
		svc := r.Service[r.Tenant]
		ps := &pageSource{Tool: "evtxscan dev", Schema: r.Schema, Verdict: r.Verdict, Counts: r.Counts, Skipped: r.Skipped, Errors: r.Errors}
		ss := serverSource{Name: "AADC01", Verdict: r.Verdict, Attempts: r.Attempts, Findings: r.Findings, Service: svc, Damage: r.Damage, Counts: r.Counts}
		for _, in := range r.Inputs {
			ps.Inputs = append(ps.Inputs, inputSource{Path: in.Path, Size: in.Size, Records: in.Records, Events: in.Events, Chunks: in.Chunks, Damaged: in.DamagedChunks, Skips: in.Skipped, Dirty: in.Dirty, From: svc.LogFrom.Time, To: svc.LogTo.Time, Damage: in.Damage, Error: in.Error})
			ss.Inputs = append(ss.Inputs, in.Path)
		}
		ps.Tenants = []tenantSource{{Name: r.Tenant, Verdict: r.Verdict, Servers: []serverSource{ss}}}
		var buf bytes.Buffer
		if err := writeHTML(&buf, ps); err != nil {
			t.Fatal(err)
		}
		bs := browserServer{ID: "s1", Gaps: len(svc.HeartbeatGaps)}
		for _, a := range r.Attempts {
			bs.Attempts = append(bs.Attempts, a.TrackingID)
			bs.Times = append(bs.Times, correlate.FormatTime(a.Start.Time))
			if a.Outcome == "failure" {
				bs.Failures++
			}
		}
		name := filepath.Base(f)
		out = append(out, browserCase{Name: name, HTML: buf.Bytes(), Servers: []browserServer{bs}, Hostile: strings.HasPrefix(name, "hostile")})
	}
	return out
}
