package lake

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/parser"
	"github.com/evtxscan/evtxscan/pseudonym"
)

func TestTimes(t *testing.T) {
	for _, tc := range []struct {
		t             time.Time
		micros, ticks int64
	}{
		{time.Time{}, 0, 0},
		{time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), -11644473600000000, 0}, // FILETIME zero is "no time"
		{time.Date(1601, 1, 1, 0, 0, 0, 100, time.UTC), -11644473600000000, 1},
		{time.Date(2024, 3, 1, 0, 0, 0, 1234567, time.UTC), 1709251200001234, 133537248000012345},
		{time.Date(30828, 9, 14, 0, 0, 0, 0, time.UTC), 910692720000000000, 9223371936000000000},
	} {
		if got := Micros(tc.t); got != tc.micros {
			t.Errorf("Micros(%v) = %d, want %d", tc.t, got, tc.micros)
		}
		if got := Ticks(tc.t); got != tc.ticks {
			t.Errorf("Ticks(%v) = %d, want %d", tc.t, got, tc.ticks)
		}
		if tc.ticks != 0 && !FromTicks(tc.ticks).Equal(tc.t.Truncate(100)) {
			t.Errorf("FromTicks(%d) = %v, want %v", tc.ticks, FromTicks(tc.ticks), tc.t)
		}
	}
	if got := KeywordsHex(0x8080000000000000); got != "0x8080000000000000" {
		t.Errorf("KeywordsHex = %s", got)
	}
}

func TestRelPath(t *testing.T) {
	sep := string(filepath.Separator)
	home := filepath.Join(sep+"home", "analyst", "cases")
	for _, tc := range []struct {
		roots []string
		in    string
		want  string
	}{
		{[]string{filepath.Join(home, "t1.zip")}, filepath.Join(home, "t1.zip") + "!logs/Application.evtx", "t1.zip!logs/Application.evtx"},
		{[]string{filepath.Join(home, "t2") + sep}, filepath.Join(home, "t2", "sub", "App.evtx"), "t2/sub/App.evtx"},
		{[]string{filepath.Join(home, "t2")}, filepath.Join(home, "t2", "in.zip") + "!a/b.evtx", "t2/in.zip!a/b.evtx"},
		{[]string{filepath.Join(home, "t3.evtx")}, filepath.Join(home, "t3.evtx"), "t3.evtx"},
		{[]string{filepath.Join(home, "t")}, filepath.Join(home, "tx", "App.evtx"), "App.evtx"}, // a prefix of a name is not its folder
		{nil, filepath.Join(home, "x.zip") + "!App.evtx", "x.zip!App.evtx"},
		{[]string{"azblob://logs/cases/t4?domain=127.0.0.1:1"}, "azblob://logs/cases/t4/sub/in.zip!a/b.evtx", "t4/sub/in.zip!a/b.evtx"},
		{[]string{"file:///data/t5/"}, "file:///data/t5/App.evtx", "t5/App.evtx"},
		{[]string{"azblob://logs/t6?domain=127.0.0.1:1"}, "azblob://logs/t6?domain=127.0.0.1:1", "t6"}, // the argument itself
		{nil, "s3://b/cases/t7.zip?region=x", "t7.zip"},
	} {
		if got := RelPath(tc.roots, tc.in); got != tc.want {
			t.Errorf("RelPath(%q, %q) = %q, want %q", tc.roots, tc.in, got, tc.want)
		}
		if strings.Contains(RelPath(tc.roots, tc.in), "analyst") {
			t.Errorf("the analyst's folders leak into %q", RelPath(tc.roots, tc.in))
		}
	}
}

const failText = "TrackingId: 0a1b2c3d-0000-4000-8000-000000000001, Reason: Synchronization Engine returned an error hr=80230619, message=A restriction prevents the password from being changed to the current one., Context: cloudAnchor: User_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d, SourceAnchorValue: QUJDREVGR0g=, UserPrincipalName: alice@contoso.com, Details: x"

func TestConverterEvent(t *testing.T) {
	ev := &parser.Event{Path: "t.zip!App.evtx", Chunk: 2, Offset: 4096, RecordID: 77, Time: time.Date(2024, 3, 1, 8, 0, 0, 500, time.UTC),
		Provider: "PasswordResetService", EventID: 33008, Level: 2, Channel: "Application", Computer: "AADC01.contoso.local",
		UserSID: "S-1-5-18", Data: []string{failText}}
	plain := (&Converter{Tenant: "t", PartID: "01"}).Event(ev)
	if plain.TrackingID != "0a1b2c3d-0000-4000-8000-000000000001" || plain.HResult != "0x80230619" || plain.UPN != "alice@contoso.com" ||
		plain.CloudAnchor != "User_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" || plain.Time != Micros(ev.Time) || plain.TimeTicks != Ticks(ev.Time) || plain.Data[0] != failText ||
		plain.SchemaVersion != SchemaVersion || plain.Tenant != "t" || plain.PartID != "01" || plain.Chunk != 2 || plain.RecordID != 77 {
		t.Errorf("plain row %+v", plain)
	}
	ev.Data[0] = "changed" // the row must not share the event's slice
	if plain.Data[0] != failText {
		t.Error("the row shares the event's Data")
	}
	ev.Data[0] = failText

	p := pseudonym.New([]byte("0123456789abcdef"))
	r := (&Converter{Tenant: "t", PartID: "01", Pseudonymizer: p}).Event(ev)
	if r.UPN != p.Token(pseudonym.KindUPN, "alice@contoso.com") || r.Computer != p.Token(pseudonym.KindComputer, "aadc01.contoso.local") ||
		r.UserSID != p.Token(pseudonym.KindSID, "S-1-5-18") || r.CloudAnchor != p.Token(pseudonym.KindCloudAnchor, plain.CloudAnchor) {
		t.Errorf("pseudonymized columns %+v", r)
	}
	for _, secret := range []string{"alice", "User_0a1b", "QUJDREVGR0g="} {
		if strings.Contains(r.Data[0], secret) {
			t.Errorf("%q left in %q", secret, r.Data[0])
		}
	}
	if !strings.Contains(r.Data[0], "SourceAnchorValue: "+p.Token(pseudonym.KindSourceAnchor, "QUJDREVGR0g=")) {
		t.Errorf("source anchor not replaced by its token: %q", r.Data[0])
	}

	a := (&Converter{Pseudonymizer: p}).Attempt(&correlate.Attempt{TrackingID: "x", UPN: "Alice@Contoso.com", HResult: 0x80230619,
		Events: []correlate.AttemptEvent{{Message: "failed for alice@contoso.com", Path: "p"}}})
	if a.UPN != r.UPN || a.HResult != "0x80230619" || a.Events[0].Message != "failed for "+r.UPN || a.Cause != "" {
		t.Errorf("attempt row %+v", a)
	}
}

// TestPreparer checks that a Preparer gives every event the fields Prepare
// extracts for it, whether its text was met before (same source, id and
// data strings) or not, from several goroutines at once.
func TestPreparer(t *testing.T) {
	heartbeat := "ServiceBus heartbeat sent successfully. Relay: sspr.servicebus.windows.net, Endpoint: a7cc273a-1a07-421c-bc41-e4b2e66b5af5_64001b80-167a-40ad-8d6a-924895401231"
	long := failText + strings.Repeat("\n   at Microsoft.Online.PasswordSynchronization.Frame()", 40)
	evs := []*parser.Event{
		{Provider: "PasswordResetService", EventID: 31019, Data: []string{heartbeat}},
		{Provider: "PasswordResetService", EventID: 33008, Data: []string{failText}},
		{Provider: "PasswordResetService", EventID: 33008, Data: []string{long}},
		{Provider: "ADSync", EventID: 6329, Data: []string{failText}},                      // same text, other source and id
		{Provider: "PasswordResetService", EventID: 31019, Data: []string{"x", heartbeat}}, // same text, split
		{Provider: "PasswordResetService", EventID: 31019, Data: []string{"x" + heartbeat}},
		{Provider: "Directory Synchronization", EventID: 656, Data: []string{"Password Change Request - Anchor : hFQPXFnahckLHqhPqRZSXg==, Dn : CN=Mia,OU=Users,DC=contoso,DC=local, Change Date : 01/01/2024 00:11:26"}},
		{Provider: "ADSync", EventID: 904, Data: nil},
	}
	for i := range 300 { // more texts than fit in the cache: slots are replaced
		evs = append(evs, &parser.Event{Provider: "ADSync", EventID: 6100, Data: []string{fmt.Sprintf("TrackingId: %d, PasswordResetRequestStart, Details: u%d@contoso.com", i, i)}})
	}
	want := make([]any, len(evs))
	for i, ev := range evs {
		want[i] = Prepare(ev)
	}
	p := NewPreparer()
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 20 {
				for k := range evs {
					i := (k*7 + g + round) % len(evs)
					if got := p.Prepare(evs[i]); !reflect.DeepEqual(got, want[i]) {
						select {
						case errs <- fmt.Sprintf("event %d: got %+v, want %+v", i, got, want[i]):
						default:
						}
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if p.Prepare(evs[0]) != p.Prepare(evs[0]) {
		t.Error("a text met again is extracted again")
	}
}
