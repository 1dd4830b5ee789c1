package correlate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/parser"
)

func feed(c *Correlator, evs ...*parser.Event) *Result {
	for _, e := range evs {
		c.Add(e)
	}
	return c.Finish()
}

func attemptByID(t *testing.T, r *Result, tid string) Attempt {
	t.Helper()
	for _, a := range r.Attempts.All() {
		if a.TrackingID == tid {
			return a
		}
	}
	t.Fatalf("no attempt %s among %d", tid, r.Attempts.Len())
	return Attempt{}
}

func findingByCause(r *Result, id string) (Finding, bool) {
	for _, f := range r.Findings {
		if f.Cause == id {
			return f, true
		}
	}
	return Finding{}, false
}

// Seed 000 with three users in the same second: each 6329 comes before the
// 33002 that carries its cloudAnchor, and the 6329s are logged in another
// order than the attempts. Each must land in its own user's attempt.
func TestSeed000Interleaved(t *testing.T) {
	in := &input{path: `C:\logs\Application.evtx`}
	users := []string{"User-1@Tailspintoys.ca", "User-2@Tailspintoys.ca", "User-3@Tailspintoys.ca"}
	var evs []*parser.Event
	for i, u := range users {
		evs = append(evs, in.ev(at(time.Duration(i)*100*time.Millisecond), sourcePasswordReset, 31001, startText(tidN(i), u)))
	}
	setRec := map[int]uint64{}
	for _, i := range []int{2, 0, 1} {
		e := in.ev(at(500*time.Millisecond), sourceADSync, 6329, seed000Set(anchorN(i)))
		setRec[i] = e.RecordID
		evs = append(evs, e)
	}
	noise := in.ev(at(600*time.Millisecond), sourceADSync, 405, "Call sync ldap_bind for DC01.contoso.local")
	evs = append(evs, noise)
	for i, u := range users {
		evs = append(evs, in.ev(at(900*time.Millisecond), sourcePasswordReset, 33002, seed000Fail(tidN(i), anchorN(i), u)))
	}
	r := feed(New(Config{Tenant: "contoso"}), evs...)

	if r.Attempts.Len() != 3 {
		t.Fatalf("%d attempts, want 3", r.Attempts.Len())
	}
	for i, a := range r.Attempts.All() {
		if a.TrackingID != tidN(i) {
			t.Errorf("attempt %d is %s, want %s (by start time)", i, a.TrackingID, tidN(i))
		}
	}
	for i, u := range users {
		a := attemptByID(t, r, tidN(i))
		if a.UPN != u || a.CloudAnchor != anchorN(i) || a.SourceAnchor != "AMFLaZcQeEerjEZiNFC+BA==" {
			t.Errorf("%s: upn %q anchor %q source %q", a.TrackingID, a.UPN, a.CloudAnchor, a.SourceAnchor)
		}
		if want := []int{31001, 6329, 33002}; !slices.Equal(a.EventIDs, want) {
			t.Errorf("%s: event ids %v, want %v", a.TrackingID, a.EventIDs, want)
		}
		if a.Operation != OpReset || a.Outcome != OutcomeFailure || a.HResult != 0x80230405 || a.Tenant != "contoso" {
			t.Errorf("%s: %s %s %v %q", a.TrackingID, a.Operation, a.Outcome, a.HResult, a.Tenant)
		}
		set := a.Events[1]
		if set.RecordID != setRec[i] || set.Join != JoinAnchor {
			t.Errorf("%s: joined 6329 record %d by %q, want record %d by anchor", a.TrackingID, set.RecordID, set.Join, setRec[i])
		}
		// The first trace line naming the failure, then the one with its hresult.
		if !strings.HasPrefix(set.Message, `ERR_: MMS(9032): ..\ObjectSearcher.cpp(461): AD Object is not present.`) || !strings.Contains(set.Message, " | BAIL: MMS(9032)") {
			t.Errorf("6329 summary %q", set.Message)
		}
		if a.Cause != "sync-rule-password-sync-missing" {
			t.Errorf("%s: cause %q", a.TrackingID, a.Cause)
		}
	}
	if r.Counts.Joined6329 != 3 || r.Counts.Unjoined6329 != 0 || r.Counts.Noise != 1 || r.Counts.Failed != 3 {
		t.Errorf("counts %+v", r.Counts)
	}
	f, ok := findingByCause(r, "sync-rule-password-sync-missing")
	if !ok || f.Count != 3 || f.Severity == "" || len(f.Remediation) == 0 || f.Tenant != "contoso" {
		t.Fatalf("finding %+v", f)
	}
	if len(f.Evidence) == 0 || f.EvidenceTotal < len(f.Evidence) || f.Evidence[0].TrackingID == "" {
		t.Errorf("evidence %+v total %d", f.Evidence, f.EvidenceTotal)
	}
	if !f.FirstSeen.Equal(at(0)) && !f.FirstSeen.After(at(0)) {
		t.Errorf("first seen %v", f.FirstSeen)
	}
	if got := r.Service.SyncVersions; !slices.Equal(got, []string{"2.5.79.0"}) {
		t.Errorf("sync versions %v", got)
	}
}

func TestJoinHRNearest(t *testing.T) {
	in := &input{path: "Application.evtx"}
	const hrA, hrB = 0x80230626, 0x80230619
	evs := []*parser.Event{
		// attempt 1: failure hrA at 0s..1s
		in.ev(at(0), sourcePasswordReset, 31001, startText(tidN(1), "a@x")),
		in.ev(at(time.Second), sourcePasswordReset, 33004, failText(tidN(1), anchorN(1), "a@x", hrA, "The password could not be updated because the management agent credentials were denied access.")),
		// attempt 2: failure hrB at 40s..41s, nearer to the 6329 but another hr
		in.ev(at(40*time.Second), sourcePasswordReset, 31001, startText(tidN(2), "b@x")),
		in.ev(at(41*time.Second), sourcePasswordReset, 33008, failText(tidN(2), anchorN(2), "b@x", hrB, "A restriction prevents the password from being changed to the current one specified.")),
		// attempt 3: success at 45s, nearest of all
		in.ev(at(45*time.Second), sourcePasswordReset, 31001, startText(tidN(3), "c@x")),
		in.ev(at(45*time.Second), sourcePasswordReset, 31002, successText(tidN(3), anchorN(3), "c@x")),
		// a 6329 with hrA and no anchor at 50s: joins attempt 1 by hr
		in.ev(at(50*time.Second), sourceADSync, 6329, setText(hrA, "Access is denied", "")),
		// a 6329 far from everything: joins nothing
		in.ev(at(20*time.Minute), sourceADSync, 6329, setText(hrA, "Access is denied", "")),
	}
	r := feed(New(Config{Catalog: newFake()}), evs...)
	a1 := attemptByID(t, r, tidN(1))
	if want := []int{31001, 33004, 6329}; !slices.Equal(a1.EventIDs, want) {
		t.Fatalf("attempt 1 events %v, want %v", a1.EventIDs, want)
	}
	if e := a1.Events[2]; e.Join != JoinHRNearest || e.RecordID != 7 || e.HResult != hrA {
		t.Errorf("joined 6329 %+v", e)
	}
	for _, tid := range []string{tidN(2), tidN(3)} {
		if a := attemptByID(t, r, tid); slices.Contains(a.EventIDs, 6329) {
			t.Errorf("%s took a 6329: %v", tid, a.EventIDs)
		}
	}
	if len(r.Unjoined) != 1 || r.Unjoined[0].RecordID != 8 || r.Counts.Unjoined6329 != 1 || r.Counts.Joined6329 != 1 {
		t.Errorf("unjoined %+v counts %+v", r.Unjoined, r.Counts)
	}
}

// A 6329 whose anchor no attempt carries (the attempt's result is lost)
// joins the open attempt by hr-nearest and the attempt says so.
func TestJoinAnchorFallback(t *testing.T) {
	in := &input{path: "Application.evtx"}
	r := feed(New(Config{Catalog: newFake()}),
		in.ev(at(0), sourcePasswordReset, 31001, startText(tidN(1), "a@x")),
		in.ev(at(2*time.Second), sourceADSync, 6329, seed000Set(anchorN(9))),
		// another user's attempt with a known, different anchor: not a candidate
		in.ev(at(time.Second), sourcePasswordReset, 31001, startText(tidN(2), "b@x")),
		in.ev(at(3*time.Second), sourcePasswordReset, 33002, seed000Fail(tidN(2), anchorN(2), "b@x")),
	)
	a := attemptByID(t, r, tidN(1))
	if !slices.Equal(a.EventIDs, []int{31001, 6329}) || a.Events[1].Join != JoinHRNearest {
		t.Fatalf("attempt 1: %v %+v", a.EventIDs, a.Events)
	}
	if a.Outcome != OutcomeIncomplete || a.Cause != CauseAttemptIncomplete || a.HResult != 0x80230405 {
		t.Errorf("attempt 1: %s %s %v", a.Outcome, a.Cause, a.HResult)
	}
	if !slices.ContainsFunc(a.Notes, func(n string) bool { return strings.Contains(n, anchorN(9)) }) {
		t.Errorf("notes %q lack the anchor", a.Notes)
	}
	if b := attemptByID(t, r, tidN(2)); len(b.EventIDs) != 2 {
		t.Errorf("attempt 2: %v", b.EventIDs)
	}
}

// The 6329 may come in either order relative to its attempt's events, and
// the inputs in either order: the result must not change.
func TestOrderIndependent(t *testing.T) {
	arch := &input{path: "Archive-Application-2024-05-14.evtx"}
	app := &input{path: "Application.evtx"}
	a := []*parser.Event{
		arch.ev(at(0), sourcePasswordReset, 31001, startText(tidN(1), "a@x")),
		arch.ev(at(time.Second), sourceADSync, 6329, seed000Set(anchorN(1))),
		arch.ev(at(5*time.Minute), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")),
	}
	b := []*parser.Event{
		app.ev(at(10*time.Minute), sourcePasswordReset, 33002, seed000Fail(tidN(1), anchorN(1), "a@x")),
		app.ev(at(11*time.Minute), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")),
		app.ev(at(11*time.Minute), sourcePasswordReset, 31001, startText(tidN(2), "b@x")),
		app.ev(at(11*time.Minute+time.Second), sourcePasswordReset, 31002, successText(tidN(2), anchorN(2), "b@x")),
	}
	enc := func(evs ...[]*parser.Event) []byte {
		c := New(Config{Tenant: "t", Catalog: newFake(), JoinWindow: 15 * time.Minute})
		for _, in := range evs {
			for _, e := range in {
				c.Add(e)
			}
		}
		c.NoteDamage("Application.evtx", 3, time.Time{}, time.Time{})
		out, err := json.MarshalIndent(c.Finish(), "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	x, y := enc(a, b), enc(b, a)
	if !bytes.Equal(x, y) {
		t.Errorf("results differ by input order:\n%s\n----\n%s", x, y)
	}
	if z := enc(a, b); !bytes.Equal(x, z) {
		t.Error("results differ between two runs")
	}
}

// An attempt whose start is in the archived log and whose result is in the
// current one is one attempt.
func TestAttemptSpansInputs(t *testing.T) {
	arch := &input{path: "Archive-Application-2024-05-14.evtx"}
	app := &input{path: "Application.evtx"}
	c := New(Config{Catalog: newFake()})
	c.Add(arch.ev(at(0), sourcePasswordReset, 31001, startText(tidN(1), "a@x")))
	c.Add(arch.ev(at(time.Second), sourceADSync, 403, "ImpersonationHelper call LogonUser"))
	c.Add(app.ev(at(2*time.Second), sourcePasswordReset, 31002, successText(tidN(1), anchorN(1), "a@x")))
	r := c.Finish()
	if r.Attempts.Len() != 1 {
		t.Fatalf("%d attempts", r.Attempts.Len())
	}
	a := r.Attempts.At(0)
	if a.Outcome != OutcomeSuccess || a.Operation != OpReset || a.Cause != "" || !slices.Equal(a.EventIDs, []int{31001, 31002}) {
		t.Errorf("attempt %+v", a)
	}
	if a.Events[0].Path != arch.path || a.Events[1].Path != app.path {
		t.Errorf("paths %q %q", a.Events[0].Path, a.Events[1].Path)
	}
	if !a.Start.Equal(at(0)) || !a.End.Equal(at(2*time.Second)) {
		t.Errorf("span %v %v", a.Start, a.End)
	}
	if len(r.Findings) != 0 || r.Counts.Succeeded != 1 || r.Counts.Noise != 1 {
		t.Errorf("findings %+v counts %+v", r.Findings, r.Counts)
	}
}

func TestIncompleteDamage(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		from, to time.Time
		want     string // substring of a note of attempt 1; "" for none
	}{
		{"chunk right after the start", "Application.evtx", at(10 * time.Second), at(5 * time.Minute), "damaged chunk 4 of Application.evtx (records 2024-05-14T09:00:10.0000000Z to 2024-05-14T09:05:00.0000000Z)"},
		{"chunk with only its left neighbour", "Application.evtx", at(90 * time.Second), time.Time{}, "records 2024-05-14T09:01:30.0000000Z to ?"},
		{"chunk long after", "Application.evtx", at(time.Hour), at(2 * time.Hour), ""},
		{"chunk long before", "Application.evtx", at(-2 * time.Hour), at(-time.Hour), ""},
		{"unknown range, same input", "Application.evtx", time.Time{}, time.Time{}, "damaged chunk 4 of Application.evtx (time range unknown)"},
		{"unknown range, other input", "Other.evtx", time.Time{}, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &input{path: "Application.evtx"}
			c := New(Config{Catalog: newFake()})
			c.Add(in.ev(at(0), sourcePasswordReset, 31001, startText(tidN(1), "a@x")))
			c.Add(in.ev(at(3*time.Hour), "Microsoft-Windows-Security-SPP", 16384, "ok"))
			c.NoteDamage(tt.path, 4, tt.from, tt.to)
			r := c.Finish()
			a := r.Attempts.At(0)
			if a.Outcome != OutcomeIncomplete || a.Cause != CauseAttemptIncomplete {
				t.Fatalf("attempt %s %s", a.Outcome, a.Cause)
			}
			found := slices.ContainsFunc(a.Notes, func(n string) bool { return strings.Contains(n, "damaged chunk") })
			switch {
			case tt.want == "" && found:
				t.Errorf("unexpected damage note: %q", a.Notes)
			case tt.want != "" && !slices.ContainsFunc(a.Notes, func(n string) bool { return strings.Contains(n, tt.want) }):
				t.Errorf("notes %q lack %q", a.Notes, tt.want)
			}
			if r.Counts.DamagedChunks != 1 || len(r.Damage) != 1 || r.Damage[0].Chunk != 4 {
				t.Errorf("damage %+v", r.Damage)
			}
		})
	}
}

func TestIncompleteAtLogEnd(t *testing.T) {
	in := &input{path: "Application.evtx"}
	r := feed(New(Config{Catalog: newFake()}),
		in.ev(at(0), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")),
		in.ev(at(time.Minute), sourcePasswordReset, 31001, startText(tidN(1), "a@x")),
		in.ev(at(time.Minute+30*time.Second), "EventLog", 1, "x"))
	a := r.Attempts.At(0)
	if !slices.ContainsFunc(a.Notes, func(n string) bool { return strings.Contains(n, "the log ends 30s after") }) {
		t.Errorf("notes %q", a.Notes)
	}
	f, ok := findingByCause(r, CauseAttemptIncomplete)
	if !ok || f.Count != 1 || f.Evidence[0].TrackingID != tidN(1) {
		t.Errorf("finding %+v", f)
	}
}

func TestHeartbeats(t *testing.T) {
	relays := []string{"ssprdedicatedsbprodneu", "ssprdedicatedsbprodweu"}
	beats := func(in *input, from, to time.Duration) []*parser.Event {
		var evs []*parser.Event
		for d := from; d <= to; d += 5 * time.Minute {
			for i, r := range relays {
				evs = append(evs, in.ev(at(d+time.Duration(i)*time.Second), sourcePasswordReset, 31019, heartbeatText(r)))
			}
		}
		return evs
	}
	other := func(in *input, d time.Duration) *parser.Event {
		return in.ev(at(d), "Microsoft-Windows-Security-SPP", 16384, "x")
	}
	type gap struct {
		from, to time.Duration
		logStart bool
		logEnd   bool
	}
	tests := []struct {
		name string
		evs  func(in *input) []*parser.Event
		gaps []gap
	}{
		{"healthy", func(in *input) []*parser.Event {
			return beats(in, 0, 2*time.Hour)
		}, nil},
		{"healthy with other events around", func(in *input) []*parser.Event {
			return append(append([]*parser.Event{other(in, -4*time.Minute)}, beats(in, 0, 2*time.Hour)...), other(in, 2*time.Hour+9*time.Minute))
		}, nil},
		{"40 minutes missing", func(in *input) []*parser.Event {
			return append(beats(in, 0, time.Hour), beats(in, time.Hour+40*time.Minute, 2*time.Hour)...)
		}, []gap{{time.Hour + time.Second, time.Hour + 40*time.Minute, false, false}}},
		{"exactly the limit is no gap", func(in *input) []*parser.Event {
			evs := []*parser.Event{in.ev(at(0), sourcePasswordReset, 31019, heartbeatText(relays[0]))}
			return append(evs, in.ev(at(15*time.Minute), sourcePasswordReset, 31019, heartbeatText(relays[0])))
		}, nil},
		{"log starts long before the first heartbeat", func(in *input) []*parser.Event {
			return append([]*parser.Event{other(in, -30*time.Minute)}, beats(in, 0, time.Hour)...)
		}, []gap{{-30 * time.Minute, 0, true, false}}},
		// A silence at the end of the log is no gap (see TestEndSilence).
		{"heartbeats stop before the log ends", func(in *input) []*parser.Event {
			return append(beats(in, 0, time.Hour), other(in, 2*time.Hour))
		}, nil},
		// The silence runs from heartbeat to heartbeat: a stop and a start
		// inside it are named in its note (writeback was unavailable).
		{"stop and start inside a silence", func(in *input) []*parser.Event {
			evs := beats(in, 0, 30*time.Minute)
			evs = append(evs, in.ev(at(31*time.Minute), sourcePasswordReset, 31016, "WriteBackServiceStopped"))
			evs = append(evs, in.ev(at(3*time.Hour), sourcePasswordReset, 31015, "WriteBackServiceStarted"))
			return append(evs, beats(in, 3*time.Hour+5*time.Minute, 4*time.Hour)...)
		}, []gap{{from: 30*time.Minute + time.Second, to: 3*time.Hour + 5*time.Minute}}},
		{"stopped to the end: no gap", func(in *input) []*parser.Event {
			evs := beats(in, 0, 30*time.Minute)
			evs = append(evs, in.ev(at(31*time.Minute), sourcePasswordReset, 31016, "WriteBackServiceStopped"))
			return append(evs, other(in, 5*time.Hour))
		}, nil},
		{"no heartbeats, no writeback: nothing expected", func(in *input) []*parser.Event {
			return []*parser.Event{other(in, 0), other(in, 5*time.Hour)}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &input{path: "Application.evtx"}
			r := feed(New(Config{Catalog: newFake()}), tt.evs(in)...)
			got := r.Service.HeartbeatGaps
			if len(got) != len(tt.gaps) {
				t.Fatalf("gaps %+v, want %d", got, len(tt.gaps))
			}
			for i, g := range tt.gaps {
				if !got[i].From.Equal(at(g.from)) || !got[i].To.Equal(at(g.to)) || got[i].FromLogStart != g.logStart || got[i].ToLogEnd != g.logEnd {
					t.Errorf("gap %d = %+v, want %+v", i, got[i], g)
				}
				if tt.name == "stop and start inside a silence" && (!strings.Contains(got[i].Note, "stopped (31016)") || !strings.Contains(got[i].Note, "started (31015)")) {
					t.Errorf("gap note %q does not name the stop and start", got[i].Note)
				}
			}
			f, ok := findingByCause(r, CauseHeartbeatGap)
			if ok != (len(tt.gaps) > 0) || (ok && f.Count != len(tt.gaps)) {
				t.Errorf("heartbeat-gap finding %v %+v", ok, f)
			}
			if n := r.Service.Heartbeats; n != r.Counts.Heartbeats {
				t.Errorf("heartbeats %d vs count %d", n, r.Counts.Heartbeats)
			}
			if r.Service.Heartbeats > 0 && !slices.Contains(r.Service.Relays, relays[0]+".servicebus.windows.net") {
				t.Errorf("relays %v", r.Service.Relays)
			}
		})
	}
}

func TestGapNearDamage(t *testing.T) {
	in := &input{path: "Application.evtx"}
	c := New(Config{Catalog: newFake()})
	c.Add(in.ev(at(0), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")))
	c.Add(in.ev(at(time.Hour), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")))
	c.NoteDamage("Application.evtx", 7, at(10*time.Minute), at(20*time.Minute))
	r := c.Finish()
	if len(r.Service.HeartbeatGaps) != 1 || !strings.Contains(r.Service.HeartbeatGaps[0].Note, "damaged chunk 7") {
		t.Errorf("gaps %+v", r.Service.HeartbeatGaps)
	}
}

func TestStartStop(t *testing.T) {
	tests := []struct {
		name    string
		evs     func(in *input) []*parser.Event
		up      [][2]time.Duration
		stopped bool // writeback-service-stopped finding
	}{
		{"stop then start", func(in *input) []*parser.Event {
			return []*parser.Event{
				in.ev(at(0), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")),
				in.ev(at(time.Minute), sourcePasswordReset, 31016, "stopped"),
				in.ev(at(3*time.Minute), sourcePasswordReset, 31015, "started"),
				in.ev(at(8*time.Minute), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")),
			}
		}, [][2]time.Duration{{0, time.Minute}, {3 * time.Minute, 8 * time.Minute}}, false},
		{"stop without restart", func(in *input) []*parser.Event {
			return []*parser.Event{
				in.ev(at(0), sourcePasswordReset, 31015, "started"),
				in.ev(at(5*time.Minute), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")),
				in.ev(at(6*time.Minute), sourcePasswordReset, 31016, "stopped"),
				in.ev(at(2*time.Hour), "EventLog", 6013, "uptime"),
			}
		}, [][2]time.Duration{{0, 6 * time.Minute}}, true},
		{"stop, start lost, heartbeats resume", func(in *input) []*parser.Event {
			return []*parser.Event{
				in.ev(at(0), sourcePasswordReset, 31016, "stopped"),
				in.ev(at(10*time.Minute), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")),
				in.ev(at(15*time.Minute), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")),
			}
		}, [][2]time.Duration{{0, 0}, {10 * time.Minute, 15 * time.Minute}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &input{path: "Application.evtx"}
			r := feed(New(Config{Catalog: newFake()}), tt.evs(in)...)
			if len(r.Service.Up) != len(tt.up) {
				t.Fatalf("up %+v", r.Service.Up)
			}
			for i, u := range tt.up {
				if !r.Service.Up[i].From.Equal(at(u[0])) || !r.Service.Up[i].To.Equal(at(u[1])) {
					t.Errorf("up %d = %+v, want %v", i, r.Service.Up[i], u)
				}
			}
			if _, ok := findingByCause(r, CauseServiceStopped); ok != tt.stopped {
				t.Errorf("service-stopped finding %v, want %v", ok, tt.stopped)
			}
			var nStart, nStop int
			for _, e := range tt.evs(&input{}) {
				switch e.EventID {
				case 31015:
					nStart++
				case 31016:
					nStop++
				}
			}
			if len(r.Service.Started) != nStart || len(r.Service.Stopped) != nStop {
				t.Errorf("started %v stopped %v", r.Service.Started, r.Service.Stopped)
			}
		})
	}
}

func TestOnboarding(t *testing.T) {
	tests := []struct {
		name     string
		ids      []uint16
		outcomes []string
		failed   int // runs in the onboarding-failed finding; 0 for none
	}{
		{"success", []uint16{31004, 31017, 31018, 31005}, []string{OutcomeSuccess}, 0},
		{"auth token error", []uint16{31004, 32009}, []string{OutcomeFailure}, 1},
		{"error without a start", []uint16{32011}, []string{OutcomeFailure}, 1},
		{"failure then success", []uint16{31004, 32009, 31004, 31005}, []string{OutcomeFailure, OutcomeSuccess}, 0},
		{"success then two failures", []uint16{31004, 31005, 31004, 32009, 31004}, []string{OutcomeSuccess, OutcomeFailure, OutcomeIncomplete}, 2},
		{"crypto error outside a run is no run", []uint16{32010}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &input{path: "Application.evtx"}
			var evs []*parser.Event
			for i, id := range tt.ids {
				evs = append(evs, in.ev(at(time.Duration(i)*time.Minute), sourcePasswordReset, id, fmt.Sprintf("event %d", id)))
			}
			r := feed(New(Config{Catalog: newFake()}), evs...)
			var got []string
			for _, run := range r.Service.Onboarding {
				got = append(got, run.Outcome)
			}
			if !slices.Equal(got, tt.outcomes) {
				t.Errorf("outcomes %v, want %v", got, tt.outcomes)
			}
			f, ok := findingByCause(r, CauseOnboardingFailed)
			if ok != (tt.failed > 0) || (ok && f.Count != tt.failed) {
				t.Errorf("onboarding-failed finding %v %+v", ok, f)
			}
		})
	}
}

func TestServiceErrors(t *testing.T) {
	in := &input{path: "Application.evtx"}
	const msg = "Error Connecting to ServiceBus. The token provider was unable to provide a security token."
	var evs []*parser.Event
	for i := 0; i < 25; i++ {
		evs = append(evs, in.ev(at(time.Duration(i)*time.Minute), sourcePasswordReset, 32002, msg))
	}
	evs = append(evs, in.ev(at(30*time.Minute), sourcePasswordReset, 31034, "The connection to the connect service was lost."))
	r := feed(New(Config{Catalog: newFake()}), evs...)
	if len(r.Service.Errors) != 2 {
		t.Fatalf("errors %+v", r.Service.Errors)
	}
	e := r.Service.Errors[0]
	if e.EventID != 32002 || e.Count != 25 || e.Message != msg || e.Cause != "servicebus-unreachable" || len(e.Evidence) != MaxEvidence || !e.Last.Equal(at(24*time.Minute)) {
		t.Errorf("32002 group %+v", e)
	}
	if e := r.Service.Errors[1]; e.EventID != 31034 || e.Cause != CauseServiceUnknown {
		t.Errorf("31034 group %+v", e)
	}
	f, ok := findingByCause(r, "servicebus-unreachable")
	if !ok || f.Count != 25 || f.EvidenceTotal != 25 || len(f.Evidence) != MaxEvidence || f.Evidence[0].RecordID != 1 {
		t.Errorf("finding %+v", f)
	}
	if r.Findings[0].Cause != "servicebus-unreachable" {
		t.Errorf("first finding %s", r.Findings[0].Cause)
	}
}

func TestFindingsRankAndUserSide(t *testing.T) {
	type att struct {
		id uint16
		n  int
	}
	tests := []struct {
		name  string
		atts  []att
		order []string // cause ids in order
		sev   map[string]string
	}{
		{"user side is info when rare",
			[]att{{33005, 2}, {33004, 2}, {33002, 1}},
			[]string{"ad-permissions", "user-not-found", "account-disabled"},
			map[string]string{"account-disabled": "info", "ad-permissions": "error"}},
		{"user side keeps severity when it dominates",
			[]att{{33005, 4}, {33004, 1}, {33008, 1}},
			[]string{"ad-permissions", "account-disabled", "password-policy"},
			map[string]string{"account-disabled": "warning", "password-policy": "info"}},
		{"dominant but fewer than three",
			[]att{{33005, 2}},
			[]string{"account-disabled"},
			map[string]string{"account-disabled": "info"}},
		{"count breaks severity ties, then id",
			[]att{{33002, 1}, {33004, 2}, {31001, 1}},
			[]string{"ad-permissions", "user-not-found", CauseAttemptIncomplete},
			map[string]string{"user-not-found": "error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &input{path: "Application.evtx"}
			var evs []*parser.Event
			n := 0
			for _, a := range tt.atts {
				for i := 0; i < a.n; i++ {
					n++
					tid := tidN(n)
					evs = append(evs, in.ev(at(time.Duration(n)*time.Minute), sourcePasswordReset, 31001, startText(tid, "u@x")))
					if a.id != 31001 {
						evs = append(evs, in.ev(at(time.Duration(n)*time.Minute+time.Second), sourcePasswordReset, a.id, failText(tid, anchorN(n), "u@x", 0x80230626, "x")))
					}
				}
			}
			r := feed(New(Config{Catalog: newFake()}), evs...)
			var got []string
			for _, f := range r.Findings {
				got = append(got, f.Cause)
				if want, ok := tt.sev[f.Cause]; ok && f.Severity != want {
					t.Errorf("%s severity %s, want %s", f.Cause, f.Severity, want)
				}
			}
			if !slices.Equal(got, tt.order) {
				t.Errorf("order %v, want %v", got, tt.order)
			}
		})
	}
}

func TestAttemptOperations(t *testing.T) {
	in := &input{path: "Application.evtx"}
	r := feed(New(Config{Catalog: newFake()}),
		in.ev(at(0), sourcePasswordReset, 31009, text31009),
		in.ev(at(time.Second), sourcePasswordReset, 31010, text31010),
		in.ev(at(2*time.Second), sourcePasswordReset, 31006, "TrackingId: "+tidN(2)+", ChangePasswordRequestStart, Details: b@x"),
		in.ev(at(3*time.Second), sourcePasswordReset, 33004, text33004), // change, by its frames
		in.ev(at(4*time.Second), sourcePasswordReset, 31001, "TrackingId: "+tidN(3)+", UnlockAccountRequestStart, Details: c@x"),
		in.ev(at(5*time.Second), sourcePasswordReset, 32004, "TrackingId: "+tidN(4)+", Reason: decryption failed"),
		in.ev(at(6*time.Second), sourcePasswordReset, 31001, "PasswordResetRequestStart without an id"),
	)
	want := map[string][2]string{
		"0b1e2c3d-4f50-4a6b-9c7d-8e9fa0b1c2d3": {OpAdminReset, OutcomeSuccess},
		tidN(2):                                {OpChange, OutcomeIncomplete},
		"7344da2c-ab9d-42ef-adea-4a17d07fdeb9": {OpChange, OutcomeFailure},
		tidN(3):                                {OpUnlock, OutcomeIncomplete},
	}
	if r.Attempts.Len() != len(want) {
		t.Fatalf("%d attempts", r.Attempts.Len())
	}
	for tid, w := range want {
		a := attemptByID(t, r, tid)
		if a.Operation != w[0] || a.Outcome != w[1] {
			t.Errorf("%s: %s %s, want %v", tid, a.Operation, a.Outcome, w)
		}
	}
	adm := attemptByID(t, r, "0b1e2c3d-4f50-4a6b-9c7d-8e9fa0b1c2d3")
	if adm.AdminUPN != "admin@contoso.com" || adm.UPN != "jdoe@contoso.com" {
		t.Errorf("admin attempt %+v", adm)
	}
	// A 32004 whose TrackingId no attempt carries is a service event, and a
	// start without TrackingId is accounted for among the unattributed.
	if r.Counts.Unkeyed != 1 || r.Counts.ServiceErrors != 1 || r.Counts.ServiceWithID != 1 || r.Counts.Unattributed != 1 {
		t.Errorf("counts %+v", r.Counts)
	}
	if len(r.Unattributed) != 1 || r.Unattributed[0].EventID != 31001 || r.Unattributed[0].Reason != ReasonNoTrackingID || r.Unattributed[0].Count != 1 {
		t.Errorf("unattributed %+v", r.Unattributed)
	}
}

func TestCounts(t *testing.T) {
	in := &input{path: "Application.evtx"}
	r := feed(New(Config{Catalog: newFake()}),
		in.ev(at(0), sourceDirSync, 656, text656),
		in.ev(at(time.Second), sourceDirSync, 657, text657New),
		in.ev(at(2*time.Second), sourceDirSync, 654, "ping"),
		in.ev(at(3*time.Second), "Microsoft-Windows-Winlogon", 7001, "x"),
		in.ev(at(4*time.Second), sourceADSync, 405, "Call sync ldap_bind"),
		nil,
	)
	want := Counts{Events: 5, Unrelated: 1, HashSync: 2, Other: 1, Noise: 1}
	if r.Counts != want {
		t.Errorf("counts %+v, want %+v", r.Counts, want)
	}
	if r.Attempts.Len() != 0 || len(r.Findings) != 0 {
		t.Errorf("attempts %d findings %d", r.Attempts.Len(), len(r.Findings))
	}
}

func TestFinishTwice(t *testing.T) {
	in := &input{path: "Application.evtx"}
	c := New(Config{Catalog: newFake()})
	c.Add(in.ev(at(0), sourcePasswordReset, 31001, startText(tidN(1), "a@x")))
	r1 := c.Finish()
	c.Add(in.ev(at(time.Second), sourcePasswordReset, 31002, successText(tidN(1), anchorN(1), "a@x")))
	c.NoteDamage("x", 1, time.Time{}, time.Time{})
	if r2 := c.Finish(); r2 != r1 || r1.Attempts.At(0).Outcome != OutcomeIncomplete || r1.Counts.DamagedChunks != 0 {
		t.Errorf("Finish not stable: %+v", r2.Attempts)
	}
}

func TestJSON(t *testing.T) {
	in := &input{path: "Application.evtx"}
	r := feed(New(Config{Tenant: "contoso"}),
		in.ev(at(123456700*time.Nanosecond), sourcePasswordReset, 31001, startText(tidN(1), "a@x")),
		in.ev(at(time.Second), sourcePasswordReset, 33002, seed000Fail(tidN(1), anchorN(1), "a@x")),
	)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"start":"2024-05-14T09:00:00.1234567Z"`,
		`"end":"2024-05-14T09:00:01.0000000Z"`,
		`"hresult":"0x80230405"`,
		`"tracking_id":"` + tidN(1) + `"`,
		`"event_ids":[31001,33002]`,
		`"heartbeat_gaps":[]`,
		`"unjoined_6329":[]`,
		`"severity":"`,
	} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	if bytes.Contains(b, []byte("null")) {
		t.Errorf("JSON holds null: %s", b)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if a := back.Attempts.At(0); a.HResult != 0x80230405 || !a.Start.Equal(at(123456700*time.Nanosecond)) {
		t.Errorf("round trip %+v", a)
	}
}

func TestRealCatalogUserSide(t *testing.T) {
	cat := catalog.New()
	k, ok := cat.Cause("account-disabled")
	if !ok || !k.UserSide {
		t.Skip("catalog has no user-side account-disabled cause")
	}
	in := &input{path: "Application.evtx"}
	r := feed(New(Config{Catalog: cat}),
		in.ev(at(0), sourcePasswordReset, 31001, startText(tidN(1), "a@x")),
		in.ev(at(time.Second), sourcePasswordReset, 33005, "TrackingId: "+tidN(1)+", Reason: the account is disabled, Context: cloudAnchor: "+anchorN(1)),
		in.ev(at(time.Minute), sourcePasswordReset, 31001, startText(tidN(2), "b@x")),
		in.ev(at(time.Minute+time.Second), sourcePasswordReset, 33004, text33004),
	)
	f, ok := findingByCause(r, "account-disabled")
	if !ok || f.Severity != "info" {
		t.Errorf("account-disabled finding %+v", f)
	}
	if r.Findings[len(r.Findings)-1].Cause != "account-disabled" {
		t.Errorf("user-side finding not last: %v", r.Findings)
	}
}

func BenchmarkCorrelate(b *testing.B) {
	// One day: heartbeats of two relays every 5 minutes, 200 attempts
	// (a third failing with a 6329), noise and unrelated events.
	in := &input{path: "Application.evtx"}
	var evs []*parser.Event
	for d := time.Duration(0); d < 24*time.Hour; d += 5 * time.Minute {
		evs = append(evs, in.ev(at(d), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")))
		evs = append(evs, in.ev(at(d+time.Second), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodweu")))
		evs = append(evs, in.ev(at(d+2*time.Second), "Microsoft-Windows-Security-SPP", 16384, "x"))
	}
	for i := 0; i < 200; i++ {
		d := time.Duration(i) * 7 * time.Minute
		tid := tidN(i)
		evs = append(evs, in.ev(at(d), sourcePasswordReset, 31001, startText(tid, "u@x")))
		evs = append(evs, in.ev(at(d), sourceADSync, 403, "ImpersonationHelper"))
		if i%3 == 0 {
			evs = append(evs, in.ev(at(d+time.Second), sourceADSync, 6329, seed000Set(anchorN(i))))
			evs = append(evs, in.ev(at(d+time.Second), sourcePasswordReset, 33002, seed000Fail(tid, anchorN(i), "u@x")))
		} else {
			evs = append(evs, in.ev(at(d+time.Second), sourcePasswordReset, 31002, successText(tid, anchorN(i), "u@x")))
		}
	}
	slices.SortStableFunc(evs, func(x, y *parser.Event) int { return x.Time.Compare(y.Time) })
	cat := catalog.New()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := New(Config{Catalog: cat})
		for _, e := range evs {
			c.Add(e)
		}
		c.Finish()
	}
	b.ReportMetric(float64(len(evs)), "events/op")
}

func TestServiceErrorBuckets(t *testing.T) {
	in := &input{path: "Application.evtx"}
	c := New(Config{Catalog: newFake()})
	const distinct = maxErrBuckets + 4
	for i := 0; i < distinct; i++ {
		c.Add(in.ev(at(time.Duration(i)*time.Minute), sourcePasswordReset, 31034, fmt.Sprintf("The connection to the connect service was lost. Attempt %d.\r\n   at X.Y()", i)))
	}
	r := c.Finish()
	if len(r.Service.Errors) != maxErrBuckets {
		t.Fatalf("%d groups, want %d", len(r.Service.Errors), maxErrBuckets)
	}
	total, various := 0, 0
	for _, e := range r.Service.Errors {
		total += e.Count
		if strings.HasPrefix(e.Message, "(various messages) ") {
			various++
			if e.Count != distinct-(maxErrBuckets-1) {
				t.Errorf("overflow group count %d", e.Count)
			}
		} else if strings.Contains(e.Message, "\n") || !strings.HasSuffix(e.Message, ".") {
			t.Errorf("message %q is not the first line", e.Message)
		}
	}
	if total != distinct || various != 1 || r.Counts.ServiceErrors != distinct {
		t.Errorf("total %d, overflow groups %d, counted %d", total, various, r.Counts.ServiceErrors)
	}
}

// FuzzCorrelate feeds event sequences built from the input bytes, three
// bytes an event (which event, time step, which user), and checks that
// Finish does not panic, that the Result marshals, and that every event of
// an attempt shares its TrackingId or is a joined 6329.
func FuzzCorrelate(f *testing.F) {
	f.Add([]byte{0, 1, 0, 3, 1, 0, 2, 1, 0})
	f.Add([]byte{4, 0, 1, 4, 0, 2, 0, 0, 1, 0, 0, 2, 2, 0, 1, 2, 0, 2, 9, 200, 0, 10, 10, 0})
	f.Fuzz(correlateFuzzBody)
}

func correlateFuzzBody(t *testing.T, b []byte) {
	{
		in := &input{path: "Application.evtx"}
		c := New(Config{Catalog: newFake()})
		d := time.Duration(0)
		for i := 0; i+2 < len(b); i += 3 {
			d += time.Duration(b[i+1]) * 7 * time.Second
			u := int(b[i+2] % 4)
			var e *parser.Event
			switch b[i] % 12 {
			case 0:
				e = in.ev(at(d), sourcePasswordReset, 31001, startText(tidN(u), "u@x"))
			case 1:
				e = in.ev(at(d), sourcePasswordReset, 31002, successText(tidN(u), anchorN(u), "u@x"))
			case 2:
				e = in.ev(at(d), sourcePasswordReset, 33002, seed000Fail(tidN(u), anchorN(u), "u@x"))
			case 3:
				e = in.ev(at(d), sourceADSync, 6329, seed000Set(anchorN(u)))
			case 4:
				e = in.ev(at(d), sourceADSync, 6329, seed000Set(""))
			case 5:
				e = in.ev(at(d), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu"))
			case 6:
				e = in.ev(at(d), sourcePasswordReset, 31015, "")
			case 7:
				e = in.ev(at(d), sourcePasswordReset, 31016)
			case 8:
				e = in.ev(at(d), sourcePasswordReset, []uint16{31004, 31005, 32009, 31012, 31013, 31014, 32013, 31017}[u*2%8])
			case 9:
				e = in.ev(at(d), sourcePasswordReset, 32002, "Error Connecting to ServiceBus.")
			case 10:
				c.NoteDamage(in.path, u, at(d), at(d+time.Minute))
				continue
			default:
				e = in.ev(time.Time{}, sourcePasswordReset, 33004, text33004)
			}
			c.Add(e)
		}
		r := c.Finish()
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		for _, a := range r.Attempts.All() {
			for _, e := range a.Events {
				if e.EventID != 6329 && !strings.Contains(e.Message, a.TrackingID) && e.EventID != 33002 && e.EventID != 33004 {
					t.Fatalf("attempt %s holds %+v", a.TrackingID, e)
				}
			}
			if len(a.EventIDs) != len(a.Events) {
				t.Fatalf("event ids %v vs %d events", a.EventIDs, len(a.Events))
			}
		}
		for i := 1; i < r.Attempts.Len(); i++ {
			p, q := r.Attempts.At(i-1), r.Attempts.At(i)
			if q.Start.Before(p.Start.Time) || (q.Start.Equal(p.Start.Time) && q.TrackingID < p.TrackingID) {
				t.Fatalf("attempts out of order: %s %v before %s %v", p.TrackingID, p.Start, q.TrackingID, q.Start)
			}
		}
		if r.Counts.Joined6329+r.Counts.Unjoined6329 != countIDs(r, 6329) {
			t.Fatalf("6329 counts %+v", r.Counts)
		}
	}
}

// countIDs counts the 6329 events in attempts and unjoined.
func countIDs(r *Result, id int) int {
	n := 0
	for _, a := range r.Attempts.All() {
		for _, e := range a.EventIDs {
			if e == id {
				n++
			}
		}
	}
	for _, e := range r.Unjoined {
		if e.EventID == id {
			n++
		}
	}
	return n
}
