package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/scan"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// want is the ground truth the fixture generator writes beside each
// fixture (internal/scenario: Want).
type want struct {
	Fixture          string `json:"fixture"`
	Records          int    `json:"records"`
	WritebackRecords int    `json:"writeback_records"`
	Attempts         []struct {
		TrackingID  string   `json:"tracking_id"`
		Operation   string   `json:"operation"`
		Outcome     string   `json:"outcome"`
		UPN         string   `json:"upn"`
		CloudAnchor string   `json:"cloud_anchor"`
		EventIDs    []int    `json:"event_ids"`
		RecordIDs   []uint64 `json:"record_ids"`
		Cause       string   `json:"cause"`
	} `json:"attempts"`
	Service struct {
		HeartbeatGaps []struct{ From, To string } `json:"heartbeat_gaps"`
		Started       []string                    `json:"started"`
		Stopped       []string                    `json:"stopped"`
	} `json:"service"`
	Findings []string `json:"findings"`
	Damage   struct {
		Dirty      bool     `json:"dirty"`
		DirtyFiles []string `json:"dirty_files"`
		BadChunks  []struct {
			File  string `json:"file"`
			Chunk int    `json:"chunk"`
			Kind  string `json:"kind"`
		} `json:"bad_chunks"`
	} `json:"damage"`
}

func fixtures(t *testing.T) []string {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "evtx", "*.want.json"))
	if len(paths) == 0 {
		t.Fatal("no fixtures in testdata/evtx")
	}
	sort.Strings(paths)
	return paths
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// scanJSON runs evtxscan scan --format json and decodes its document.
func scanJSON(t *testing.T, args ...string) (scan.Report, []byte, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"scan", "--format", "json"}, args...), &out, &errb)
	var rep scan.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("scan %v: exit %d, bad JSON: %v\nstderr: %s", args, code, err, errb.String())
	}
	return rep, out.Bytes(), code
}

// Every fixture analysed as its ground truth says: attempts, joins,
// outcomes, causes, heartbeat gaps, lifecycle, damage; and the JSON output
// matches its golden file.
func TestScanFixtures(t *testing.T) {
	for _, wp := range fixtures(t) {
		input := strings.TrimSuffix(wp, ".want.json")
		name := filepath.Base(input)
		t.Run(name, func(t *testing.T) {
			var w want
			b, err := os.ReadFile(wp)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &w); err != nil {
				t.Fatal(err)
			}
			rep, out, code := scanJSON(t, "--workers", "2", input)
			damaged := w.Damage.Dirty || len(w.Damage.BadChunks) > 0
			if wantCode := map[bool]int{false: exitOK, true: exitDamaged}[damaged]; code != wantCode {
				t.Errorf("exit %d, want %d", code, wantCode)
			}

			records, kept := 0, 0
			for _, f := range rep.Inputs {
				records += f.Records
				kept += f.Events
			}
			if records != w.Records || kept != w.WritebackRecords {
				t.Errorf("records %d (writeback %d), want %d (%d)", records, kept, w.Records, w.WritebackRecords)
			}

			byID := map[string]*correlate.Attempt{}
			for i := range rep.Attempts {
				byID[rep.Attempts[i].TrackingID] = &rep.Attempts[i]
			}
			if len(rep.Attempts) != len(w.Attempts) {
				t.Errorf("%d attempts, want %d", len(rep.Attempts), len(w.Attempts))
			}
			for _, wa := range w.Attempts {
				a := byID[wa.TrackingID]
				if a == nil {
					t.Errorf("attempt %s (%s) missing", wa.TrackingID, wa.UPN)
					continue
				}
				wantAnchor := wa.CloudAnchor
				if len(wa.EventIDs) == 1 {
					// A start alone names the user, not the anchor.
					wantAnchor = ""
				}
				if a.Operation != wa.Operation || a.Outcome != wa.Outcome || a.UPN != wa.UPN || a.CloudAnchor != wantAnchor || a.Cause != wa.Cause {
					t.Errorf("attempt %s: %s/%s/%s/%s/%s, want %s/%s/%s/%s/%s", wa.TrackingID,
						a.Operation, a.Outcome, a.UPN, a.CloudAnchor, a.Cause,
						wa.Operation, wa.Outcome, wa.UPN, wa.CloudAnchor, wa.Cause)
				}
				if !slices.Equal(a.EventIDs, wa.EventIDs) {
					t.Errorf("attempt %s: event ids %v, want %v", wa.TrackingID, a.EventIDs, wa.EventIDs)
				}
				var recs []uint64
				for _, e := range a.Events {
					recs = append(recs, e.RecordID)
					if e.EventID == 6329 && e.Join == "" {
						t.Errorf("attempt %s: 6329 #%d does not say how it was joined", wa.TrackingID, e.RecordID)
					}
				}
				if !slices.Equal(recs, wa.RecordIDs) {
					t.Errorf("attempt %s: records %v, want %v", wa.TrackingID, recs, wa.RecordIDs)
				}
			}

			var causes []string
			for _, f := range rep.Findings {
				causes = append(causes, f.Cause)
				if len(f.Remediation) == 0 || f.Title == "" || f.Count == 0 || len(f.Evidence) == 0 {
					t.Errorf("finding %s lacks title, count, evidence or remediation", f.Cause)
				}
			}
			sort.Strings(causes)
			wantCauses := slices.Clone(w.Findings)
			sort.Strings(wantCauses)
			if !slices.Equal(causes, wantCauses) {
				t.Errorf("findings %v, want %v", causes, wantCauses)
			}

			svc := rep.Service[0]
			if len(svc.HeartbeatGaps) != len(w.Service.HeartbeatGaps) {
				t.Errorf("heartbeat gaps %+v, want %+v", svc.HeartbeatGaps, w.Service.HeartbeatGaps)
			} else {
				for i, g := range w.Service.HeartbeatGaps {
					if !svc.HeartbeatGaps[i].From.Equal(parseTime(t, g.From)) || !svc.HeartbeatGaps[i].To.Equal(parseTime(t, g.To)) {
						t.Errorf("gap %d: %v → %v, want %s → %s", i, svc.HeartbeatGaps[i].From, svc.HeartbeatGaps[i].To, g.From, g.To)
					}
				}
			}
			if len(svc.Started) != len(w.Service.Started) || len(svc.Stopped) != len(w.Service.Stopped) {
				t.Errorf("started %v stopped %v, want %v %v", svc.Started, svc.Stopped, w.Service.Started, w.Service.Stopped)
			}
			for i, s := range w.Service.Started {
				if i < len(svc.Started) && !svc.Started[i].Equal(parseTime(t, s)) {
					t.Errorf("started %v, want %s", svc.Started[i], s)
				}
			}
			for i, s := range w.Service.Stopped {
				if i < len(svc.Stopped) && !svc.Stopped[i].Equal(parseTime(t, s)) {
					t.Errorf("stopped %v, want %s", svc.Stopped[i], s)
				}
			}

			// Damage: every bad chunk and dirty file reported, naming file and chunk.
			for _, bc := range w.Damage.BadChunks {
				found := false
				for _, f := range rep.Inputs {
					if strings.HasSuffix(strings.ReplaceAll(f.Path, "!", "/"), bc.File) {
						for _, d := range f.Damage {
							if strings.Contains(d, "chunk "+itoa(bc.Chunk)+":") {
								found = true
							}
						}
					}
				}
				if !found {
					t.Errorf("damage %s chunk %d (%s) not reported", bc.File, bc.Chunk, bc.Kind)
				}
			}
			for _, df := range w.Damage.DirtyFiles {
				found := false
				for _, f := range rep.Inputs {
					if strings.HasSuffix(f.Path, df) && f.Dirty {
						found = true
					}
				}
				if !found {
					t.Errorf("dirty file %s not reported", df)
				}
			}

			golden(t, filepath.Join("testdata", "scan", name+".json"), out)
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// golden compares got with a golden file, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (review, then go test ./cmd/evtxscan -update)\n%s", path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + itoa(i+1) + ":\n- " + al[i] + "\n+ " + bl[i]
		}
	}
	return "lengths differ"
}

// The seed 000 case: the disabled sync rule is the first finding, with its
// remediation, and each 6329 sits in the attempt of its own user.
func TestScanSeed000(t *testing.T) {
	rep, _, _ := scanJSON(t, filepath.Join("..", "..", "testdata", "evtx", "seed000-sync-rule.evtx"))
	if len(rep.Findings) == 0 || rep.Findings[0].Cause != "sync-rule-password-sync-missing" {
		t.Fatalf("first finding %v, want sync-rule-password-sync-missing", rep.Findings)
	}
	steps := strings.ToLower(strings.Join(rep.Findings[0].Remediation, "\n"))
	for _, s := range []string{"in from ad - user accountenabled", "enable password sync", "out to aad - user join", "wizard", "password writeback", "full sync"} {
		if !strings.Contains(steps, s) {
			t.Errorf("remediation lacks %q:\n%s", s, steps)
		}
	}
	for _, a := range rep.Attempts {
		guid := strings.TrimPrefix(a.CloudAnchor, "User_")
		n := 0
		for _, e := range a.Events {
			if e.EventID == 6329 {
				n++
				if !strings.Contains(e.Message, guid) && e.Join != correlate.JoinAnchor {
					t.Errorf("attempt of %s holds a 6329 of another user: %+v", a.UPN, e)
				}
			}
		}
		if n != 1 {
			t.Errorf("attempt of %s holds %d 6329 events, want 1", a.UPN, n)
		}
	}
}

// A healthy log yields no finding above info.
func TestScanHealthy(t *testing.T) {
	rep, _, code := scanJSON(t, filepath.Join("..", "..", "testdata", "evtx", "healthy-day.evtx"))
	if code != exitOK {
		t.Errorf("exit %d", code)
	}
	for _, f := range rep.Findings {
		if catalog.Severity(f.Severity).Rank() > catalog.SeverityInfo.Rank() {
			t.Errorf("finding above info on a healthy log: %s %s", f.Severity, f.Cause)
		}
	}
	if !strings.Contains(rep.Verdict, "healthy") {
		t.Errorf("verdict %q", rep.Verdict)
	}
}

// The text report of the README's example fits one screen, gives the
// verdict first, and lets no control character from the log through.
func TestScanText(t *testing.T) {
	for _, name := range []string{"customer-bundle.zip", "seed000-sync-rule.evtx"} {
		var out bytes.Buffer
		run(context.Background(), []string{"scan", filepath.Join("..", "..", "testdata", "evtx", name)}, &out, &bytes.Buffer{})
		text := out.String()
		lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
		if len(lines) > 60 {
			t.Errorf("%s: %d lines; the report must fit one screen", name, len(lines))
		}
		for i, l := range lines {
			if n := len([]rune(l)); n > 100 {
				t.Errorf("%s: line %d is %d wide: %q", name, i+1, n, l)
			}
		}
		if !strings.HasPrefix(lines[2], "VERDICT") {
			t.Errorf("%s: the verdict is not first: %q", name, lines[2])
		}
		if strings.ContainsAny(text, "\x1b\x00\x07") {
			t.Errorf("%s: control characters in the report (colour must be off when not a terminal)", name)
		}
		golden(t, filepath.Join("testdata", "scan", name+".txt"), out.Bytes())
	}
}
