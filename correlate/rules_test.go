package correlate

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/parser"
)

// Published texts (Troubleshoot self-service password reset writeback;
// administrators' event texts) used by the rules below.
const (
	text32004 = "TrackingId: %s, Reason: DecryptionError, Details: the password that arrived from the cloud could not be decrypted"
	text32001 = "TrackingId: %s, Couldn't connect to any service bus endpoint(s)"
	text31044 = "TrackingId: %s, Password writeback service is not in a healthy state. No serviceHost for service bus endpoints are in running state."
)

func tidText(format, tid string) string { return strings.Replace(format, "%s", tid, 1) }

// A 32004 carrying the TrackingId of a 31001 is that attempt's failure,
// with the catalog's cause (key-mismatch), whichever input comes first.
func TestServiceEventEndsAttempt(t *testing.T) {
	for _, order := range []string{"start first", "32004 first"} {
		t.Run(order, func(t *testing.T) {
			a := &input{path: "Archive-Application.evtx"}
			b := &input{path: "Application.evtx"}
			start := a.ev(at(0), sourcePasswordReset, 31001, startText(tidN(1), "u@x"))
			dec := b.ev(at(2*time.Second), sourcePasswordReset, 32004, tidText(text32004, tidN(1)))
			evs := []*parser.Event{start, dec}
			if order == "32004 first" {
				evs = []*parser.Event{dec, start}
			}
			r := feed(New(Config{Catalog: catalog.New()}), evs...)
			if r.Attempts.Len() != 1 {
				t.Fatalf("%d attempts", r.Attempts.Len())
			}
			at := r.Attempts.At(0)
			if at.Outcome != OutcomeFailure || at.Cause != "key-mismatch" || !slices.Equal(at.EventIDs, []int{31001, 32004}) {
				t.Errorf("attempt %s %s %v", at.Outcome, at.Cause, at.EventIDs)
			}
			if len(r.Service.Errors) != 0 || r.Counts.ServiceErrors != 0 {
				t.Errorf("the 32004 is also a service error: %+v", r.Service.Errors)
			}
			f, ok := findingByCause(r, "key-mismatch")
			if !ok || f.Count != 1 || len(f.Evidence) != 1 || f.Evidence[0].EventID != 32004 || f.Evidence[0].TrackingID != tidN(1) {
				t.Errorf("key-mismatch finding %v %+v", ok, f)
			}
			if _, ok := findingByCause(r, CauseAttemptIncomplete); ok {
				t.Error("attempt-incomplete reported")
			}
		})
	}
}

// 32001 and 31044 with TrackingIds that no attempt carries are service
// events: no attempt, the errors grouped by message whatever their ids,
// and 31044 is the writeback-down finding, critical.
func TestServiceEventWithoutAttempt(t *testing.T) {
	in := &input{path: "Application.evtx"}
	var evs []*parser.Event
	for i := range 3 {
		d := time.Duration(i) * time.Minute
		evs = append(evs,
			in.ev(at(d), sourcePasswordReset, 32001, tidText(text32001, tidN(10+i))),
			in.ev(at(d+time.Second), sourcePasswordReset, 31044, tidText(text31044, tidN(20+i))))
	}
	r := feed(New(Config{Catalog: catalog.New()}), evs...)
	if r.Attempts.Len() != 0 || r.Counts.Attempts != 0 || r.Counts.Failed != 0 {
		t.Fatalf("attempts %+v, counts %+v", r.Attempts, r.Counts)
	}
	if r.Counts.ServiceErrors != 6 || r.Counts.ServiceWithID != 6 {
		t.Errorf("counts %+v", r.Counts)
	}
	if len(r.Service.Errors) != 2 {
		t.Fatalf("service errors %+v", r.Service.Errors)
	}
	for _, e := range r.Service.Errors {
		if e.Count != 3 || strings.Contains(e.Message, "TrackingId") {
			t.Errorf("error group %+v", e)
		}
	}
	f, ok := findingByCause(r, "writeback-down")
	if !ok || f.Severity != string(catalog.SeverityCritical) || f.Count != 3 {
		t.Errorf("writeback-down %v %+v", ok, f)
	}
	if _, ok := findingByCause(r, "servicebus-unstable"); ok {
		t.Error("31044 read as servicebus-unstable")
	}
	// 32001 (Service Bus unreachable) leads to 31044 (writeback down).
	if r.Findings[0].Cause != "servicebus-unreachable" {
		t.Errorf("first finding %s", r.Findings[0].Cause)
	}
	if f.Note == "" || !slices.Contains(f.Because, "servicebus-unreachable") {
		t.Errorf("writeback-down names no root: %+v", f)
	}
}

// Failure events without a readable TrackingId are diagnosed and are
// evidence of their cause's finding; starts without one are accounted for.
func TestUnkeyedEventsAccounted(t *testing.T) {
	in := &input{path: "Application.evtx"}
	policy := in.ev(at(0), sourcePasswordReset, 33008, "A restriction prevents the password from being changed to the current one specified.")
	denied := in.ev(at(time.Minute), sourcePasswordReset, 33004, "Requesting user was denied access to perform the operation on a privileged account.")
	start := in.ev(at(2*time.Minute), sourcePasswordReset, 31001, "PasswordResetRequestStart, Details: u@x")
	r := feed(New(Config{Catalog: catalog.New()}), policy, denied, start)
	if r.Attempts.Len() != 0 {
		t.Fatalf("attempts %+v", r.Attempts)
	}
	for cause, rec := range map[string]uint64{"password-policy": policy.RecordID, "protected-account": denied.RecordID} {
		f, ok := findingByCause(r, cause)
		if !ok || len(f.Evidence) != 1 || f.Evidence[0].RecordID != rec {
			t.Errorf("%s: %v %+v", cause, ok, f)
		}
	}
	if r.Counts.Unkeyed != 3 || r.Counts.Unattributed != 3 || len(r.Unattributed) != 3 {
		t.Fatalf("counts %+v, unattributed %+v", r.Counts, r.Unattributed)
	}
	causes := map[int]string{}
	for _, u := range r.Unattributed {
		if u.Reason != ReasonNoTrackingID || u.Count != 1 || len(u.Evidence) != 1 {
			t.Errorf("group %+v", u)
		}
		causes[u.EventID] = u.Cause
	}
	if causes[33008] != "password-policy" || causes[33004] != "protected-account" || causes[31001] != "" {
		t.Errorf("causes %v", causes)
	}
}

// Known events with no part in a timeline are listed; the engine errors
// beside writeback are diagnosed from their text (6306 on a skewed clock),
// and a root such as clock skew ranks above its consequences.
func TestNeighbourEvents(t *testing.T) {
	in := &input{path: "Application.evtx"}
	r := feed(New(Config{Catalog: catalog.New()}),
		in.ev(at(0), sourceADSync, 6306, "The server encountered an unexpected error: The clocks on the client and server machines are skewed."),
		in.ev(at(time.Second), sourcePasswordReset, 32002, "Error Connecting to ServiceBus. The token provider was unable to provide a security token."),
		in.ev(at(2*time.Second), sourceDirSync, 611, "Password synchronization failed for domain: contoso.local. RPC Error 1722 : The RPC server is unavailable."),
		in.ev(at(3*time.Second), sourceDirSync, 654, "Provision credentials ping end."),
	)
	byID := map[int]Unattributed{}
	for _, u := range r.Unattributed {
		byID[u.EventID] = u
	}
	if u := byID[6306]; u.Reason != ReasonNoPart || u.Cause != "clock-skew" || u.Name != "ServerError" {
		t.Errorf("6306 %+v", u)
	}
	if u := byID[611]; u.Cause != "dc-unreachable" {
		t.Errorf("611 %+v", u)
	}
	if u, ok := byID[654]; !ok || u.Count != 1 || u.Cause != "" {
		t.Errorf("654 %+v", u)
	}
	if r.Findings[0].Cause != "clock-skew" {
		t.Errorf("findings %v", causesOf(r))
	}
	f, _ := findingByCause(r, "servicebus-unreachable")
	if !slices.Equal(f.Because, []string{"clock-skew"}) || !strings.Contains(f.Note, "because of") {
		t.Errorf("servicebus-unreachable %+v", f)
	}
}

func causesOf(r *Result) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Cause)
	}
	return out
}

// Onboarding that fails for want of an auth token: auth-token first,
// onboarding-failed after it and naming it.
func TestChainAuthTokenFirst(t *testing.T) {
	in := &input{path: "Application.evtx"}
	r := feed(New(Config{Catalog: catalog.New()}),
		in.ev(at(0), sourcePasswordReset, 31004, "OnboardingEventStart"),
		in.ev(at(5*time.Second), sourcePasswordReset, 32009, "Error getting auth token."),
		in.ev(at(6*time.Second), sourcePasswordReset, 32011, "OnBoardingServiceError"),
	)
	got := causesOf(r)
	ia, io := slices.Index(got, "auth-token"), slices.Index(got, CauseOnboardingFailed)
	if ia < 0 || io < 0 || ia > io {
		t.Fatalf("findings %v", got)
	}
	if ia != 0 {
		t.Errorf("auth-token is not first: %v", got)
	}
	if f := r.Findings[io]; !slices.Contains(f.Because, "auth-token") {
		t.Errorf("onboarding-failed %+v", f)
	}
}

// A consequence far from its root in time is not tied to it.
func TestChainNeedsSameWindow(t *testing.T) {
	in := &input{path: "Application.evtx"}
	r := feed(New(Config{Catalog: catalog.New()}),
		in.ev(at(0), sourcePasswordReset, 32009, "Error getting auth token."),
		in.ev(at(0), sourcePasswordReset, 31005, "OnboardingEventSuccess"),
		in.ev(at(5*time.Hour), sourcePasswordReset, 31004, "OnboardingEventStart"),
		in.ev(at(5*time.Hour+time.Second), sourcePasswordReset, 32011, "OnBoardingServiceError"),
	)
	f, ok := findingByCause(r, CauseOnboardingFailed)
	if !ok || len(f.Because) != 0 {
		t.Errorf("onboarding-failed %v %+v", ok, f)
	}
}

// The silence after the last heartbeat is reported as such, not as a gap.
func TestEndSilence(t *testing.T) {
	in := &input{path: "Application.evtx"}
	c := New(Config{Catalog: catalog.New()})
	for d := time.Duration(0); d <= time.Hour; d += 5 * time.Minute {
		c.Add(in.ev(at(d), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")))
	}
	c.Add(in.ev(at(time.Hour+47*time.Minute), "Microsoft-Windows-Security-SPP", 16384, "x"))
	r := c.Finish()
	if len(r.Service.HeartbeatGaps) != 0 {
		t.Errorf("gaps %+v", r.Service.HeartbeatGaps)
	}
	s := r.Service.EndSilence
	if s == nil || !s.From.Equal(at(time.Hour)) || !s.ToLogEnd || !strings.Contains(s.Note, "no heartbeat in the last 47 min of the log") {
		t.Fatalf("end silence %+v", s)
	}
	f, ok := findingByCause(r, CauseHeartbeatEnd)
	if !ok || f.Title != "no heartbeat in the last 47 min of the log" {
		t.Errorf("finding %v %+v", ok, f)
	}
	if _, ok := findingByCause(r, CauseHeartbeatGap); ok {
		t.Error("heartbeat-gap reported")
	}
}

// Records of the System log never widen the span the heartbeats are
// measured on; those of the Application log do.
func TestSpanIsApplicationLog(t *testing.T) {
	beats := func(c *Correlator, in *input) {
		for d := time.Duration(0); d <= time.Hour; d += 5 * time.Minute {
			c.Add(in.ev(at(d), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")))
		}
	}
	app := &input{path: "bundle.zip!Application.evtx"}
	sys := &input{path: "bundle.zip!System.evtx"}

	c := New(Config{Catalog: catalog.New()})
	beats(c, app)
	e := sys.ev(at(3*time.Hour), "Service Control Manager", 7036, "The Windows Update service entered the stopped state.")
	e.Channel = "System"
	c.Add(e)
	c.NoteChannelSpan("System", at(-time.Hour), at(4*time.Hour))
	r := c.Finish()
	if r.Service.EndSilence != nil || len(r.Service.HeartbeatGaps) != 0 || !r.Service.LogTo.Equal(at(time.Hour)) || !r.Service.LogFrom.Equal(at(0)) {
		t.Errorf("System records bent the span: %+v %+v %v–%v", r.Service.EndSilence, r.Service.HeartbeatGaps, r.Service.LogFrom, r.Service.LogTo)
	}

	c = New(Config{Catalog: catalog.New()})
	beats(c, app)
	c.NoteSpan(at(0), at(3*time.Hour)) // Application records read but not fed
	if r := c.Finish(); r.Service.EndSilence == nil {
		t.Error("Application span not widened by NoteSpan")
	}
}

// Server and tenant are carried by every object of the Result.
func TestServerCarried(t *testing.T) {
	in := &input{path: "Application.evtx"}
	r := feed(New(Config{Tenant: "contoso", Server: "AADC01.contoso.local", Catalog: catalog.New()}),
		in.ev(at(0), sourcePasswordReset, 31001, startText(tidN(1), "u@x")),
		in.ev(at(time.Second), sourcePasswordReset, 33005, failText(tidN(1), anchorN(1), "u@x", 0, "disabled")),
		in.ev(at(2*time.Second), sourcePasswordReset, 31001, "PasswordResetRequestStart"),
	)
	if r.Server != "AADC01.contoso.local" || r.Service.Server != r.Server || r.Service.Tenant != "contoso" {
		t.Errorf("result %q, service %q/%q", r.Server, r.Service.Tenant, r.Service.Server)
	}
	for _, a := range r.Attempts.All() {
		if a.Server != r.Server {
			t.Errorf("attempt %+v", a)
		}
	}
	for _, f := range r.Findings {
		if f.Server != r.Server || f.Tenant != "contoso" {
			t.Errorf("finding %+v", f)
		}
	}
	for _, u := range r.Unattributed {
		if u.Server != r.Server || u.Tenant != "contoso" {
			t.Errorf("unattributed %+v", u)
		}
	}
}

// Counts.Add sums every field (a field added later and forgotten there
// would be lost from the totals of several servers).
func TestCountsAdd(t *testing.T) {
	var one Counts
	v := reflect.ValueOf(&one).Elem()
	for i := range v.NumField() {
		v.Field(i).SetInt(int64(i + 1))
	}
	var sum Counts
	sum.Add(one)
	sum.Add(one)
	s := reflect.ValueOf(sum)
	for i := range s.NumField() {
		if s.Field(i).Int() != int64(2*(i+1)) {
			t.Errorf("%s not summed", s.Type().Field(i).Name)
		}
	}
}

// The chains of the documents, root first: missing TLS root CAs before the
// listener errors and the heartbeat gap; the writeback endpoint failing to
// start (6800) before the stopped service.
func TestChainsRootFirst(t *testing.T) {
	relay := "ssprdedicatedsbprodneu"
	for _, tt := range []struct {
		name  string
		evs   func(in *input) []*parser.Event
		root  string
		later []string
	}{
		{"tls root ca", func(in *input) []*parser.Event {
			evs := []*parser.Event{in.ev(at(0), sourcePasswordReset, 31019, heartbeatText(relay))}
			evs = append(evs,
				in.ev(at(2*time.Minute), sourcePasswordReset, 31034, "The connection to the connect service was lost. The remote certificate is invalid according to the validation procedure."),
				in.ev(at(3*time.Minute), sourcePasswordReset, 31034, "The connection to the connect service was lost."),
				in.ev(at(4*time.Minute), sourcePasswordReset, 32014, "ServiceBusWarning: retrying."))
			return append(evs, in.ev(at(50*time.Minute), sourcePasswordReset, 31019, heartbeatText(relay)))
		}, "tls-root-ca", []string{"servicebus-unstable", CauseHeartbeatGap}},
		{"endpoint not started", func(in *input) []*parser.Event {
			return []*parser.Event{
				in.ev(at(0), sourcePasswordReset, 31019, heartbeatText(relay)),
				in.ev(at(time.Minute), sourcePasswordReset, 31016, "WriteBackServiceStopped"),
				in.ev(at(2*time.Minute), sourceADSync, 6800, "The password reset endpoint could not be started."),
				in.ev(at(3*time.Minute), "Microsoft-Windows-Security-SPP", 16384, "x"),
			}
		}, "endpoint-not-started", []string{CauseServiceStopped}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := feed(New(Config{Catalog: catalog.New()}), tt.evs(&input{path: "Application.evtx"})...)
			got := causesOf(r)
			if len(got) == 0 || got[0] != tt.root {
				t.Fatalf("findings %v, want %s first", got, tt.root)
			}
			// Each consequence names its nearest root, which is the root or
			// a consequence listed before it.
			prev := tt.root
			for _, c := range tt.later {
				f, ok := findingByCause(r, c)
				if !ok || !slices.Equal(f.Because, []string{prev}) || slices.Index(got, c) < slices.Index(got, prev) {
					t.Errorf("%s: %v %+v in %v", c, ok, f, got)
				}
				prev = c
			}
		})
	}
}

// Failures without TrackingId count among the failed for the user-side
// rule: three policy rejections without TrackingId beside four keyed
// permission failures explain less than half of the seven: info.
func TestUnkeyedCountForUserSide(t *testing.T) {
	in := &input{path: "Application.evtx"}
	var evs []*parser.Event
	for i := range 3 {
		evs = append(evs, in.ev(at(time.Duration(i)*time.Minute), sourcePasswordReset, 33008,
			"A restriction prevents the password from being changed to the current one specified."))
	}
	for i := range 4 {
		evs = append(evs, in.ev(at(time.Hour+time.Duration(i)*time.Minute), sourcePasswordReset, 33004, failText(tidN(i), anchorN(i), "u@x", 0x80230626, "The password could not be updated because the management agent credentials were denied access.")))
	}
	r := feed(New(Config{Catalog: catalog.New()}), evs...)
	f, ok := findingByCause(r, "password-policy")
	if !ok || f.Count != 3 || f.Severity != string(catalog.SeverityInfo) {
		t.Errorf("password-policy %v %+v", ok, f)
	}
}
