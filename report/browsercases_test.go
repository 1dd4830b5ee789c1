package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/internal/scenario"
	"github.com/evtxscan/evtxscan/scan"
)

// fixturePaths returns the committed fixtures and the report fixtures of
// scenario, written into a temporary folder.
func fixturePaths(t *testing.T) []string {
	t.Helper()
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

// analyze runs the analysis of the inputs (each its own tenant).
func analyze(t *testing.T, paths ...string) *scan.Report {
	t.Helper()
	rep, err := scan.Analyze(context.Background(), paths, scan.Options{Tool: "evtxscan test"})
	if err != nil {
		t.Fatalf("%s: %v", paths, err)
	}
	return rep
}

// browserCases renders the HTML report of every fixture and notes what
// each server's part of the page must show.
func browserCases(t *testing.T) []browserCase {
	var out []browserCase
	runs := [][]string{}
	for _, path := range fixturePaths(t) {
		runs = append(runs, []string{path})
	}
	// One run of several tenants, as a support engineer runs a batch.
	tenants, _ := filepath.Glob(filepath.Join("..", "testdata", "evtx", "tenant-*.zip"))
	if len(tenants) > 1 {
		runs = append(runs, tenants)
	}
	for _, paths := range runs {
		rep := analyze(t, paths...)
		var buf bytes.Buffer
		if err := HTML(&buf, rep); err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(paths[0])
		if len(paths) > 1 {
			name = strconv.Itoa(len(rep.Tenants)) + "-tenants"
		}
		c := browserCase{Name: name, HTML: buf.Bytes(), Hostile: strings.HasPrefix(name, "hostile")}
		for i, v := range rep.Views() {
			bs := browserServer{ID: "s" + itoa(i+1)}
			if v.Service != nil {
				bs.Gaps = len(v.Service.HeartbeatGaps)
			}
			for _, a := range v.Attempts.All() {
				bs.Attempts = append(bs.Attempts, a.TrackingID)
				bs.Times = append(bs.Times, correlate.FormatTime(a.Start.Time))
				if a.Outcome == "failure" {
					bs.Failures++
				}
			}
			c.Servers = append(c.Servers, bs)
		}
		out = append(out, c)
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
