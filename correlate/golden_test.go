package correlate

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/internal/golden"
	"github.com/evtxscan/evtxscan/parser"
)

// TestGoldenScenario runs one day of a tenant across two inputs (archive and
// current log) and compares the JSON of the Result with
// testdata/scenario.golden.json. Run with -update to rewrite it after a
// reviewed change.
func TestGoldenScenario(t *testing.T) {
	arch := &input{path: `logs\Archive-Application-2024-05-14-08-00-00-000.evtx`}
	app := &input{path: `logs\Application.evtx`}
	var a, b []*parser.Event
	// Archive: 08:00–09:00, healthy heartbeats, a successful reset with
	// ADSync noise, onboarding that failed then succeeded.
	a = append(a, arch.ev(at(-time.Hour), sourcePasswordReset, 31004, "OnboardingEventStart"))
	a = append(a, arch.ev(at(-time.Hour+time.Second), sourcePasswordReset, 32009, "Error getting auth token."))
	a = append(a, arch.ev(at(-time.Hour+2*time.Minute), sourcePasswordReset, 31004, "OnboardingEventStart"))
	a = append(a, arch.ev(at(-time.Hour+3*time.Minute), sourcePasswordReset, 31005, "OnboardingEventSuccess"))
	a = append(a, arch.ev(at(-time.Hour+3*time.Minute+time.Second), sourcePasswordReset, 31015, "WriteBackServiceStarted"))
	for d := -time.Hour + 5*time.Minute; d < 0; d += 5 * time.Minute {
		a = append(a, arch.ev(at(d), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")))
	}
	a = append(a, arch.ev(at(-30*time.Minute), sourcePasswordReset, 31001, text31001))
	a = append(a, arch.ev(at(-30*time.Minute+time.Second), sourceADSync, 403, "ImpersonationHelper call LogonUser succeeded"))
	a = append(a, arch.ev(at(-30*time.Minute+time.Second), sourceADSync, 405, "Call sync ldap_bind for DC01.contoso.local"))
	a = append(a, arch.ev(at(-30*time.Minute+2*time.Second), sourcePasswordReset, 31002, text31002))
	a = append(a, arch.ev(at(-30*time.Minute+3*time.Second), sourceDirSync, 657, text657New))
	// An attempt whose result is in the next input.
	a = append(a, arch.ev(at(-time.Second), sourcePasswordReset, 31001, startText(tidN(7), "spans@contoso.com")))

	// Current log: 09:00–11:00. Seed 000 for three users in one second, a
	// 40-minute heartbeat gap with a damaged chunk in it, an attempt left
	// without a result, Service Bus errors, and a stop at the end.
	b = append(b, app.ev(at(0), sourcePasswordReset, 31002, successText(tidN(7), anchorN(7), "spans@contoso.com")))
	for d := time.Duration(0); d <= 20*time.Minute; d += 5 * time.Minute {
		b = append(b, app.ev(at(d+time.Second), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")))
	}
	users := []string{"User-1@Tailspintoys.ca", "User-2@Tailspintoys.ca", "User-3@Tailspintoys.ca"}
	for i, u := range users {
		b = append(b, app.ev(at(10*time.Minute), sourcePasswordReset, 31001, startText(tidN(i), u)))
	}
	for _, i := range []int{1, 2, 0} {
		b = append(b, app.ev(at(10*time.Minute+time.Second), sourceADSync, 6329, seed000Set(anchorN(i))))
	}
	for i, u := range users {
		b = append(b, app.ev(at(10*time.Minute+time.Second), sourcePasswordReset, 33002, seed000Fail(tidN(i), anchorN(i), u)))
	}
	b = append(b, app.ev(at(30*time.Minute), sourcePasswordReset, 31001, startText(tidN(8), "lost@contoso.com")))
	for i := 0; i < 3; i++ {
		b = append(b, app.ev(at(35*time.Minute+time.Duration(i)*time.Minute), sourcePasswordReset, 32002,
			"Error Connecting to ServiceBus. The token provider was unable to provide a security token."))
	}
	for d := 61 * time.Minute; d <= 100*time.Minute; d += 5 * time.Minute {
		b = append(b, app.ev(at(d), sourcePasswordReset, 31019, heartbeatText("ssprdedicatedsbprodneu")))
	}
	b = append(b, app.ev(at(101*time.Minute), sourcePasswordReset, 33005, "TrackingId: "+tidN(9)+", Reason: The user account is disabled, Context: cloudAnchor: "+anchorN(9)+", UserPrincipalName: disabled@contoso.com"))
	b = append(b, app.ev(at(102*time.Minute), sourcePasswordReset, 31016, "WriteBackServiceStopped"))
	b = append(b, app.ev(at(2*time.Hour), "Microsoft-Windows-Security-SPP", 16384, "Successfully scheduled Software Protection service for re-start"))

	// The same with the fields extracted beforehand, as the decoders do
	// (Prepare): the same Result.
	for _, prepared := range []bool{false, true} {
		if prepared {
			for _, e := range append(append([]*parser.Event(nil), a...), b...) {
				e.Prepared = Prepare(e)
			}
		}
		goldenScenario(t, a, b, app.path)
	}
}

func goldenScenario(t *testing.T, a, b []*parser.Event, appPath string) {
	t.Helper()
	c := New(Config{Tenant: "tailspintoys", Catalog: newFake()})
	for _, e := range a {
		c.Add(e)
	}
	for _, e := range b {
		c.Add(e)
	}
	c.NoteDamage(appPath, 5, at(30*time.Minute), at(35*time.Minute))
	got, err := json.MarshalIndent(c.Finish(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden.Check(t, filepath.Join("testdata", "scenario.golden.json"), got)
}
