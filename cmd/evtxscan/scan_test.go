package main

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/evtxscan/evtxscan/internal/golden"
	"github.com/evtxscan/evtxscan/scan"
)

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
		Server      string   `json:"server"`
	} `json:"attempts"`
	Service struct {
		Server        string                      `json:"server"`
		HeartbeatGaps []struct{ From, To string } `json:"heartbeat_gaps"`
		Started       []string                    `json:"started"`
		Stopped       []string                    `json:"stopped"`
	} `json:"service"`
	Findings []string `json:"findings"`
	Chains   []struct {
		Root        string `json:"root"`
		Consequence string `json:"consequence"`
	} `json:"chains"`
	Unattributed []struct {
		EventID  int    `json:"event_id"`
		RecordID uint64 `json:"record_id"`
		Reason   string `json:"reason"`
		Cause    string `json:"cause"`
	} `json:"unattributed"`
	Files []struct {
		Path     string `json:"path"`
		Computer string `json:"computer"`
	} `json:"files"`
	Damage struct {
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
			for _, a := range rep.Attempts.All() {
				byID[a.TrackingID] = &a
			}
			if rep.Attempts.Len() != len(w.Attempts) {
				t.Errorf("%d attempts, want %d", rep.Attempts.Len(), len(w.Attempts))
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
				if wa.Server != "" && a.Server != wa.Server {
					t.Errorf("attempt %s: server %q, want %q", wa.TrackingID, a.Server, wa.Server)
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

			// Root causes first, their consequences after them, naming them.
			at := func(cause string) int {
				return slices.IndexFunc(rep.Findings, func(f correlate.Finding) bool { return f.Cause == cause })
			}
			for _, ch := range w.Chains {
				r, c := at(ch.Root), at(ch.Consequence)
				if r < 0 || c < 0 || r > c || !slices.Contains(rep.Findings[c].Because, ch.Root) {
					t.Errorf("chain %s → %s: positions %d, %d in %v", ch.Root, ch.Consequence, r, c, causes)
				}
			}
			// Known events without attempt are listed, with their causes,
			// and those causes' findings hold them as evidence.
			for _, wu := range w.Unattributed {
				found := false
				for _, u := range rep.Unattributed {
					for _, e := range u.Evidence {
						if e.RecordID == wu.RecordID && u.EventID == wu.EventID && u.Reason == wu.Reason && (wu.Cause == "" || u.Cause == wu.Cause) {
							found = true
						}
					}
				}
				if !found {
					t.Errorf("event %d #%d not listed as unattributed (%s, %s): %+v", wu.EventID, wu.RecordID, wu.Reason, wu.Cause, rep.Unattributed)
				}
				if wu.Cause != "" {
					i := at(wu.Cause)
					if i < 0 || !slices.ContainsFunc(rep.Findings[i].Evidence, func(e correlate.EvidenceRef) bool { return e.RecordID == wu.RecordID }) {
						t.Errorf("finding %s lacks the evidence #%d", wu.Cause, wu.RecordID)
					}
				}
			}
			// Each log's records belong to the server that wrote them.
			for _, wf := range w.Files {
				for _, in := range rep.Inputs {
					if strings.HasSuffix(in.Path, "!"+wf.Path) && in.Events > 0 && !slices.Equal(in.Servers, []string{wf.Computer}) {
						t.Errorf("%s: servers %v, want %s", in.Path, in.Servers, wf.Computer)
					}
				}
			}

			svc := rep.Service[0]
			for _, sv := range rep.Service {
				if w.Service.Server != "" && sv.Server == w.Service.Server {
					svc = sv
				}
			}
			if svc.EndSilence != nil {
				t.Errorf("silence at the end of the log: %+v", svc.EndSilence)
			}
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

			golden.Check(t, filepath.Join("testdata", "scan", name+".json"), out)
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

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
	for _, a := range rep.Attempts.All() {
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
	for _, name := range []string{"customer-bundle.zip", "seed000-sync-rule.evtx", "onboarding-failed.evtx", "writeback-down.evtx", "no-tracking-id.evtx", "decryption-key.evtx", "active-staging.zip", "system-runs-past.zip"} {
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
		// The header (one line, or two when the server's name is long), then the verdict.
		if !strings.HasPrefix(lines[2], "VERDICT") && !strings.HasPrefix(lines[3], "VERDICT") {
			t.Errorf("%s: the verdict is not first: %q", name, lines[2])
		}
		if strings.ContainsAny(text, "\x1b\x00\x07") {
			t.Errorf("%s: control characters in the report (colour must be off when not a terminal)", name)
		}
		golden.Check(t, filepath.Join("testdata", "scan", name+".txt"), out.Bytes())
	}
}
