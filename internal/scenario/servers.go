package scenario

import (
	"fmt"
	"time"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// The fixtures of this file follow the facts of Microsoft Learn's
// "Troubleshoot self-service password reset writeback" (the code tables:
// 32004 DecryptionError, 32001 ServiceError, 31044 "password writeback is
// not working", 32009 AuthTokenError) and the event texts administrators
// publish ("Couldn't connect to any service bus endpoint(s)"; "Password
// writeback service is not in a healthy state. No serviceHost for service
// bus endpoints are in running state."; failures printed without their
// TrackingId by older builds and reformatted exports). Texts not seen
// verbatim are INFERRED, as in the other fixtures.

// serverFixtures returns the builders of the fixtures about servers,
// tenants and the structure of evidence.
func serverFixtures() []func() (*Fixture, error) {
	return []func() (*Fixture, error){
		tenantContoso,
		tenantFabrikam,
		tenantWoodgrove,
		activeStaging,
		systemRunsPast,
		decryptionKey,
		writebackDown,
		noTrackingID,
	}
}

// systemLog adds System log records (the time service and the service
// control manager) every 30 minutes in [from, to).
func (b *builder) systemLog(from, to time.Time) {
	for t := from; t.Before(to); t = t.Add(30 * time.Minute) {
		e := b.add(t.Add(b.jitter(time.Minute)), "Microsoft-Windows-Time-Service", 37, evtxwriter.LevelInformation,
			"time.windows.com,0x8 (ntp.m|0x8|0.0.0.0:123->20.101.57.9:123)")
		e.rec.Channel = "System"
	}
}

// tenantFixture is a customer's zip of one server: its Application and
// System logs over three hours, with the attempts plan adds.
func tenantFixture(name string, seed uint64, e env, plan func(b *builder, from time.Time)) (*Fixture, error) {
	b := newBuilder(seed, env{})
	b.env = e
	tenant := b.guid()
	b.env.Endpoints = [2]string{tenant + "_" + b.guid(), tenant + "_" + b.guid()}
	from, to := day(2024, 4, 2, 8, 0), day(2024, 4, 2, 11, 0)
	b.background(from, to, false)
	b.systemLog(from, to)
	plan(b, from)
	return b.build(name, []logSpec{
		{Path: "Application.evtx", Channel: "Application", From: from},
		{Path: "System.evtx", Channel: "System", From: from},
	})
}

// tenantContoso, tenantFabrikam and tenantWoodgrove are three customers'
// bundles, analysed in one command line: three tenants, three servers,
// nothing of one counted in another.
func tenantContoso() (*Fixture, error) {
	e := env{Computer: "AADC01.contoso.local", Domain: "CONTOSO", DNSDomain: "contoso.local",
		MSOL: "MSOL_6f2d1c9a8b3e", Tenant: "contoso.onmicrosoft.com",
		Relay: "ssprdedicatedsbprodscu.servicebus.windows.net", SyncPID: 5012}
	return tenantFixture("tenant-a-contoso.zip", 11001, e, func(b *builder, from time.Time) {
		jose := b.newUser("jose.nunez@contoso.com", "CN=José Ñúñez,OU=Madrid,OU=Branches,DC=contoso,DC=local")
		ok := b.newUser("amercer@contoso.com", "CN=Alex Mercer,OU=Users,DC=contoso,DC=local")
		t := ms(from.Add(40*time.Minute), 1200)
		a := b.start(t, OpReset, jose)
		b.fail(a, ms(t, 1650), jose, failure{EventID: 33004, HR: "80230626", Message: msg80230626}, "ad-permissions",
			adsync6329(trace80230626(b.env.SyncPID, jose.DN), true, false), ms(t, 1530))
		t = ms(from.Add(95*time.Minute), 4100)
		a = b.start(t, OpReset, ok)
		b.succeed(a, ms(t, 1900), ok, "")
	})
}

func tenantFabrikam() (*Fixture, error) {
	e := env{Computer: "FAB-AADC01.fabrikam.local", Domain: "FABRIKAM", DNSDomain: "fabrikam.local",
		MSOL: "MSOL_2b7e91c0d45f", Tenant: "fabrikam.onmicrosoft.com",
		Relay: "ssprdedicatedsbprodneu.servicebus.windows.net", SyncPID: 3040}
	return tenantFixture("tenant-b-fabrikam.zip", 11002, e, func(b *builder, from time.Time) {
		pia := b.newUser("pia.lund@fabrikam.com", "CN=Pia Lund,OU=Users,DC=fabrikam,DC=local")
		nina := b.newUser("nina.berg@fabrikam.com", "CN=Nina Berg,OU=Oslo,DC=fabrikam,DC=local")
		t := ms(from.Add(22*time.Minute), 8000)
		a := b.start(t, OpChange, pia)
		b.fail(a, ms(t, 1300), pia, failure{EventID: 33008, HR: "80230619", Message: msg80230619}, "password-policy",
			adsync6329(trace80230619(b.env.SyncPID), true, false), ms(t, 1200))
		t = ms(from.Add(130*time.Minute), 500)
		a = b.start(t, OpReset, nina)
		b.succeed(a, ms(t, 1500), nina, "")
		b.phsChange(t.Add(2*time.Minute), true, nina)
	})
}

func tenantWoodgrove() (*Fixture, error) {
	e := env{Computer: "WG-SYNC01.woodgrovebank.local", Domain: "WOODGROVE", DNSDomain: "woodgrovebank.local",
		MSOL: "MSOL_93c0aa71e25b", Tenant: "woodgrovebank.onmicrosoft.com",
		Relay: "ssprdedicatedsbprodweu.servicebus.windows.net", SyncPID: 7716}
	return tenantFixture("tenant-c-woodgrove.zip", 11003, e, func(b *builder, from time.Time) {
		for i, u := range []user{
			b.newUser("li.wei@woodgrovebank.com", "CN=Li Wei,OU=Users,DC=woodgrovebank,DC=local"),
			b.newUser("sara.davis@woodgrovebank.com", "CN=Sara Davis,OU=Users,DC=woodgrovebank,DC=local"),
			b.newUser("tom.berg@woodgrovebank.com", "CN=Tom Berg,OU=Users,DC=woodgrovebank,DC=local"),
		} {
			t := ms(from.Add(time.Duration(30+50*i)*time.Minute), 700*i)
			op := []string{OpReset, OpChange, OpAdminReset}[i]
			a := b.start(t, op, u)
			adm := ""
			if op == OpAdminReset {
				adm = "helpdesk@woodgrovebank.com"
			}
			b.succeed(a, ms(t, 1600), u, adm)
		}
	})
}

// activeStaging: one customer zip with the logs of two servers of one
// tenant: the active server (writeback, heartbeats, attempts) and the
// staging server (synchronization only, no writeback; its log covers a
// later time). They stay two servers; the staging log bends nothing of the
// active server's.
func activeStaging() (*Fixture, error) {
	b := newBuilder(11004, env{})
	contoso(b)
	b.servers = 2
	active, staging := "AADC01.contoso.local", "AADC02.contoso.local"
	b.serviceOf = active
	from, to := day(2024, 4, 3, 9, 0), day(2024, 4, 3, 12, 0)
	b.background(from, to, false)
	u := b.newUser("ana.souza@contoso.com", "CN=Ana Souza,OU=Lisbon,OU=Branches,DC=contoso,DC=local")
	v := b.newUser("viola.hanson@contoso.com", "CN=Viola Hanson,OU=Cloud Objects,DC=contoso,DC=local")
	t := ms(day(2024, 4, 3, 10, 5), 3300)
	a := b.start(t, OpReset, u)
	b.fail(a, ms(t, 1200), u, failure{EventID: 33005, HR: "80230626", Message: msg80230626}, "account-disabled", nil, time.Time{})
	t = ms(day(2024, 4, 3, 11, 12), 9100)
	a = b.start(t, OpReset, v)
	b.succeed(a, ms(t, 1700), v, "")

	b.env.Computer = staging
	b.syncCycles(from.Add(10*time.Minute), to.Add(2*time.Hour))
	b.phsPings(from.Add(14*time.Minute), to.Add(2*time.Hour))
	return b.build("active-staging.zip", []logSpec{
		{Path: "AADC02/Application.evtx", Channel: "Application", Computer: staging, From: from},
		{Path: "AADC01/Application.evtx", Channel: "Application", Computer: active, From: from},
	})
}

// systemRunsPast: the System log of the bundle runs two hours past the
// Application log, whose heartbeats go on to its last record: no gap and
// no silence at the end (the Application log is the service's clock).
func systemRunsPast() (*Fixture, error) {
	b := newBuilder(11005, env{})
	contoso(b)
	from, to := day(2024, 4, 4, 8, 0), day(2024, 4, 4, 12, 0)
	b.background(from, to, false)
	b.systemLog(from, to.Add(2*time.Hour))
	u := b.newUser("raj.patel@contoso.com", "CN=Raj Patel,OU=Users,DC=contoso,DC=local")
	t := ms(day(2024, 4, 4, 9, 41), 2500)
	a := b.start(t, OpReset, u)
	b.succeed(a, ms(t, 1500), u, "")
	return b.build("system-runs-past.zip", []logSpec{
		{Path: "Application.evtx", Channel: "Application", From: from},
		{Path: "System.evtx", Channel: "System", From: from},
	})
}

// decryptionKey: a reset reaches the server (31001) and the service then
// logs 32004 DecryptionError with the same TrackingId: the attempt failed,
// and its cause is the key mismatch between the cloud and the server.
func decryptionKey() (*Fixture, error) {
	b := newBuilder(11006, env{})
	contoso(b)
	from, to := day(2024, 4, 5, 13, 0), day(2024, 4, 5, 15, 0)
	b.background(from, to, false)
	ok := b.newUser("amercer@contoso.com", "CN=Alex Mercer,OU=Users,DC=contoso,DC=local")
	t := ms(day(2024, 4, 5, 13, 20), 100)
	a := b.start(t, OpReset, ok)
	b.succeed(a, ms(t, 1600), ok, "")

	u := b.newUser("kim.wilson@contoso.com", "CN=Kim Wilson,OU=Users,DC=contoso,DC=local")
	t = ms(day(2024, 4, 5, 14, 2), 41000)
	a = b.start(t, OpReset, u)
	b.serviceFailure(a, ms(t, 900), 32004, "key-mismatch",
		fmt.Sprintf("TrackingId: %s, DecryptionError: an error occurred decrypting the password that arrived from the cloud service.\r\n"+
			"Details: System.Security.Cryptography.CryptographicException: Bad Data.\r\n"+
			"   at System.Security.Cryptography.RSACryptoServiceProvider.DecryptKey(SafeKeyHandle pKeyContext, Byte[] pbEncryptedKey, Int32 cbEncryptedKey, Boolean fOAEP, ObjectHandleOnStack ohRetDecryptedKey)", a.TrackingID))
	return b.build("decryption-key.evtx", []logSpec{{Path: "decryption-key.evtx", Channel: "Application", From: from}})
}

// serviceFailure ends an attempt with a service event that carries its
// TrackingId.
func (b *builder) serviceFailure(a *attemptState, t time.Time, id uint16, cause, text string) {
	a.Outcome = OutcomeFailure
	a.Cause = cause
	a.Anchor = "" // neither the start nor a service event names the cloud anchor
	b.findings[cause] = true
	b.member(a, b.prs(t, id, evtxwriter.LevelError, text))
}

// writebackDown: the server cannot reach any Service Bus endpoint (32001)
// and the service then reports that no service host runs (31044: password
// writeback is not working). Both carry TrackingIds that belong to no
// reset: no attempt is created. Heartbeats stop until the service is
// restarted.
func writebackDown() (*Fixture, error) {
	b := newBuilder(11007, env{})
	contoso(b)
	from, to := day(2024, 4, 6, 10, 0), day(2024, 4, 6, 13, 0)
	down, up := day(2024, 4, 6, 11, 0), day(2024, 4, 6, 11, 52)
	b.heartbeats(from, down)
	b.heartbeats(up, to)
	b.phsPings(from.Add(11*time.Minute), to)
	b.syncCycles(from.Add(3*time.Minute), to)
	b.otherApps(from, to, false)
	for _, m := range []int{3, 13, 24} {
		b.prs(down.Add(time.Duration(m)*time.Minute+b.jitter(30*time.Second)), 32001, evtxwriter.LevelError,
			fmt.Sprintf("TrackingId: %s, Couldn't connect to any service bus endpoint(s)", b.guid()))
	}
	for _, m := range []int{6, 16, 27, 38} {
		b.prs(down.Add(time.Duration(m)*time.Minute+b.jitter(30*time.Second)), 31044, evtxwriter.LevelError,
			fmt.Sprintf("TrackingId: %s, Password writeback service is not in a healthy state. No serviceHost for service bus endpoints are in running state.", b.guid()))
	}
	b.serviceStopped(day(2024, 4, 6, 11, 49).Add(5 * time.Second))
	b.serviceStarted(day(2024, 4, 6, 11, 50).Add(40 * time.Second))
	b.findings["servicebus-unreachable"] = true
	b.findings["writeback-down"] = true
	b.chains = []WantChain{
		{Root: "servicebus-unreachable", Consequence: "writeback-down"},
		{Root: "writeback-down", Consequence: "heartbeat-gap"},
	}
	u := b.newUser("grace.obi@contoso.com", "CN=Grace Obi,OU=Users,DC=contoso,DC=local")
	t := ms(day(2024, 4, 6, 12, 20), 7000)
	a := b.start(t, OpReset, u)
	b.succeed(a, ms(t, 1500), u, "")
	return b.build("writeback-down.evtx", []logSpec{{Path: "writeback-down.evtx", Channel: "Application", From: from}})
}

// noTrackingID: an older build (or a reformatted export) prints failures
// without their TrackingId: a policy rejection and a protected account.
// They are not attempts, but their causes are found; a start without its
// TrackingId is accounted for too.
func noTrackingID() (*Fixture, error) {
	b := newBuilder(11008, env{})
	contoso(b)
	from, to := day(2024, 4, 7, 9, 0), day(2024, 4, 7, 11, 0)
	b.background(from, to, false)
	unkeyed := func(t time.Time, id uint16, level uint8, cause, text string) {
		e := b.prs(t, id, level, text)
		b.unattributed = append(b.unattributed, unattributedEvent{e, cause})
		if cause != "" {
			b.findings[cause] = true
		}
	}
	unkeyed(ms(day(2024, 4, 7, 9, 17), 2400), 31001, evtxwriter.LevelInformation, "",
		"PasswordResetRequestStart, Details: mia.schmidt@contoso.com")
	unkeyed(ms(day(2024, 4, 7, 9, 17), 3700), 33008, evtxwriter.LevelError, "password-policy",
		"A restriction prevents the password from being changed to the current one specified.")
	unkeyed(ms(day(2024, 4, 7, 10, 2), 9100), 33004, evtxwriter.LevelError, "protected-account",
		"Requesting user was denied access to perform the operation on a privileged account.")
	u := b.newUser("raj.patel@contoso.com", "CN=Raj Patel,OU=Users,DC=contoso,DC=local")
	t := ms(day(2024, 4, 7, 10, 30), 1000)
	a := b.start(t, OpReset, u)
	b.succeed(a, ms(t, 1500), u, "")
	return b.build("no-tracking-id.evtx", []logSpec{{Path: "no-tracking-id.evtx", Channel: "Application", From: from}})
}
