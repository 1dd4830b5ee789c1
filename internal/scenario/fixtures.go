package scenario

import (
	"fmt"
	"time"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// Fixtures returns the scenario fixtures of testdata/evtx, in a fixed order,
// each built from its own fixed seed and times.
func Fixtures() ([]*Fixture, error) {
	builders := []func() (*Fixture, error){
		seed000SyncRule,
		healthyDay,
		adPermissions,
		passwordPolicy,
		serviceBusOutage,
		onboardingFailed,
		customerBundle,
	}
	builders = append(builders, serverFixtures()...)
	var out []*Fixture
	for _, fb := range builders {
		f, err := fb()
		if err != nil {
			return nil, err
		}
		f.fillFiles()
		out = append(out, f)
	}
	return out, nil
}

func contoso(b *builder) {
	b.env = env{
		Computer:  "AADC01.contoso.local",
		Domain:    "CONTOSO",
		DNSDomain: "contoso.local",
		MSOL:      "MSOL_6f2d1c9a8b3e",
		Tenant:    "contoso.onmicrosoft.com",
		Relay:     "ssprdedicatedsbprodscu.servicebus.windows.net",
		SyncPID:   5012,
	}
	tenant := b.guid()
	b.env.Endpoints = [2]string{tenant + "_" + b.guid(), tenant + "_" + b.guid()}
}

func day(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// ms returns t plus n milliseconds.
func ms(t time.Time, n int) time.Time { return t.Add(time.Duration(n) * time.Millisecond) }

// background logs what a healthy server logs all the time.
func (b *builder) background(from, to time.Time, emoji bool) {
	b.heartbeats(from, to)
	b.phsPings(from.Add(11*time.Minute), to)
	b.syncCycles(from.Add(3*time.Minute), to)
	b.otherApps(from, to, emoji)
}

// seed000SyncRule: the case of seed 000. Every writeback fails with 6329
// 0x80230405 "No password writeback targets found" and 33002 hr=80230405,
// because the users are not in scope of a sync rule with password sync.
func seed000SyncRule() (*Fixture, error) {
	b := newBuilder(1000, env{})
	b.env = env{
		Computer:  "TT-AADC01.tailspintoys.local",
		Domain:    "TAILSPIN",
		DNSDomain: "tailspintoys.local",
		MSOL:      "MSOL_a81c03e2f7d4",
		Tenant:    "tailspintoys.onmicrosoft.com",
		Relay:     "ssprdedicatedsbprodncu.servicebus.windows.net",
		SyncPID:   9032,
	}
	tenant := b.guid()
	b.env.Endpoints = [2]string{tenant + "_" + b.guid(), tenant + "_" + b.guid()}
	from, to := day(2024, 3, 18, 8, 0), day(2024, 3, 18, 11, 0)
	b.background(from, to, false)

	// The user and tracking id of seed 000.
	u1 := user{UPN: "User-1@Tailspintoys.ca", ObjectID: "966e4393-d730-423c-a3c9-001a3699575f", Source: "AMFLaZcQeEerjEZiNFC+BA==", DN: "CN=User-1,OU=Staff,DC=tailspintoys,DC=local"}
	u2 := b.newUser("User-2@Tailspintoys.ca", "CN=User-2,OU=Staff,DC=tailspintoys,DC=local")
	u3 := b.newUser("User-3@Tailspintoys.ca", "CN=User-3,OU=Staff,DC=tailspintoys,DC=local")
	u4 := b.newUser("User-4@Tailspintoys.ca", "CN=User-4,OU=Staff,DC=tailspintoys,DC=local")
	suzuki := b.newUser("ichiro.suzuki@Tailspintoys.ca", "CN=鈴木 一郎,OU=Tokyo,DC=tailspintoys,DC=local")
	jose := b.newUser("jose.nunez@Tailspintoys.ca", "CN=José Ñúñez,OU=Madrid,DC=tailspintoys,DC=local")
	pid := b.env.SyncPID
	const cause = "sync-rule-password-sync-missing"
	f405 := func(long bool) failure {
		return failure{EventID: 33002, HR: "80230405", Message: msg80230405, LongTrace: long}
	}

	// First attempt, verbatim as in seed 000 (one data string, the anchor
	// running into "Azure AD Sync").
	t := ms(day(2024, 3, 18, 8, 41), 7120)
	a := b.start(t, OpReset, u1)
	a.TrackingID = "62a5da50-8a6b-43a4-8418-82f88522ab34"
	a.events[0].rec.Data = []string{startText(OpReset, a.TrackingID, u1.UPN)}
	b.fail(a, ms(t, 1300), u1, f405(false), cause, adsync6329(trace80230405(pid, u1.Anchor()), false, true), ms(t, 1181))

	// Three users in the same second: the 6329s come in another order than
	// the starts, so only the anchor joins them.
	t = ms(day(2024, 3, 18, 9, 12), 30100)
	a2 := b.start(t, OpReset, u2)
	a3 := b.start(ms(t, 150), OpReset, u3)
	a4 := b.start(ms(t, 300), OpReset, suzuki)
	b.fail(a3, ms(t, 880), u3, f405(false), cause, adsync6329(trace80230405(pid, u3.Anchor()), true, true), ms(t, 700))
	b.fail(a2, ms(t, 860), u2, f405(true), cause, adsync6329(trace80230405(pid, u2.Anchor()), false, false), ms(t, 720))
	b.fail(a4, ms(t, 870), suzuki, f405(false), cause, adsync6329(trace80230405(pid, suzuki.Anchor()), true, false), ms(t, 740))

	// User-1 tries again; User-4 changes; an admin resets José.
	t = ms(day(2024, 3, 18, 9, 30), 45500)
	a = b.start(t, OpReset, u1)
	b.fail(a, ms(t, 1210), u1, f405(true), cause, adsync6329(trace80230405(pid, u1.Anchor()), false, true), ms(t, 1100))
	t = ms(day(2024, 3, 18, 9, 58), 2250)
	a = b.start(t, OpChange, u4)
	b.fail(a, ms(t, 990), u4, f405(false), cause, adsync6329(trace80230405(pid, u4.Anchor()), true, false), ms(t, 905))
	t = ms(day(2024, 3, 18, 10, 20), 13900)
	a = b.start(t, OpAdminReset, jose)
	b.fail(a, ms(t, 1040), jose, f405(false), cause, adsync6329(trace80230405(pid, jose.Anchor()), false, true), ms(t, 960))

	// Password hash sync works for other users (non-ASCII DNs).
	b.phsChange(day(2024, 3, 18, 8, 52), true, b.newUser("aiko.tanaka@Tailspintoys.ca", "CN=田中 愛子,OU=Tokyo,DC=tailspintoys,DC=local"))
	b.phsChange(day(2024, 3, 18, 10, 5), false, b.newUser("bjorn.lindqvist@Tailspintoys.ca", "CN=Björn Lindqvist,OU=Stockholm,DC=tailspintoys,DC=local"))
	return b.build("seed000-sync-rule.evtx", []logSpec{{Path: "seed000-sync-rule.evtx", Channel: "Application", From: from}})
}

// healthyDay: twelve hours of a healthy server: resets, changes and admin
// resets that succeed, each followed by its password hash sync.
func healthyDay() (*Fixture, error) {
	b := newBuilder(2000, env{})
	contoso(b)
	from, to := day(2024, 3, 19, 6, 0), day(2024, 3, 19, 18, 0)
	b.background(from, to, true)

	users := []user{
		b.newUser("jose.nunez@contoso.com", "CN=José Ñúñez,OU=Madrid,OU=Users,DC=contoso,DC=local"),
		b.newUser("ichiro.suzuki@contoso.com", "CN=鈴木 一郎,OU=Tokyo,OU=Users,DC=contoso,DC=local"),
		b.newUser("amercer@contoso.com", "CN=Alex Mercer,OU=Users,DC=contoso,DC=local"),
		b.newUser("viola.hanson@contoso.com", "CN=Viola Hanson,OU=Cloud Objects,DC=contoso,DC=local"),
		b.newUser("ethan@contoso.com", "CN=Ethan Brooks,OU=Users,DC=contoso,DC=local"),
		b.newUser("zoe.oconnor@contoso.com", "CN=Zoë O'Connor,OU=Dublin,OU=Users,DC=contoso,DC=local"),
	}
	admin := "helpdesk.admin@contoso.com"
	plan := []struct {
		at   time.Time
		op   string
		user int
	}{
		{ms(day(2024, 3, 19, 7, 4), 31250), OpReset, 0},
		{ms(day(2024, 3, 19, 8, 17), 5030), OpChange, 2},
		{ms(day(2024, 3, 19, 9, 2), 44100), OpReset, 1},
		{ms(day(2024, 3, 19, 9, 2), 44600), OpReset, 3}, // same second as the previous one
		{ms(day(2024, 3, 19, 10, 45), 12000), OpAdminReset, 4},
		{ms(day(2024, 3, 19, 12, 31), 51700), OpChange, 5},
		{ms(day(2024, 3, 19, 13, 8), 9900), OpReset, 2},
		{ms(day(2024, 3, 19, 14, 22), 30300), OpAdminReset, 0},
		{ms(day(2024, 3, 19, 15, 40), 1500), OpChange, 1},
		{ms(day(2024, 3, 19, 16, 55), 27800), OpReset, 5},
		{ms(day(2024, 3, 19, 17, 12), 3300), OpReset, 4},
	}
	for i, p := range plan {
		u := users[p.user]
		a := b.start(p.at, p.op, u)
		adm := ""
		if p.op == OpAdminReset {
			adm = admin
		}
		b.succeed(a, ms(p.at, 1400+int(b.jitter(900*time.Millisecond)/time.Millisecond)), u, adm)
		b.phsChange(p.at.Add(90*time.Second+b.jitter(60*time.Second)), i%2 == 0, u)
	}
	return b.build("healthy-day.evtx", []logSpec{{Path: "healthy-day.evtx", Channel: "Application", From: from}})
}

// adPermissions: the AD connector account lacks reset permissions on one OU
// (33004 hr=80230626 with its 6329), a protected account (adminCount=1)
// fails the same way, and later the "restrict clients allowed to make remote
// calls to SAM" policy blocks a reset (6329 ERROR_ACCESS_DENIED).
func adPermissions() (*Fixture, error) {
	b := newBuilder(3000, env{})
	contoso(b)
	from, to := day(2024, 3, 20, 9, 0), day(2024, 3, 20, 12, 0)
	b.background(from, to, false)
	pid := b.env.SyncPID
	jose := b.newUser("jose.nunez@contoso.com", "CN=José Ñúñez,OU=Madrid,OU=Branches,DC=contoso,DC=local")
	ana := b.newUser("ana.souza@contoso.com", "CN=Ana Souza,OU=Lisbon,OU=Branches,DC=contoso,DC=local")
	kim := b.newUser("kim.wilson@contoso.com", "CN=Kim Wilson (Admin),OU=Admins,DC=contoso,DC=local")
	ok := b.newUser("amercer@contoso.com", "CN=Alex Mercer,OU=Users,DC=contoso,DC=local")
	lee := b.newUser("lee.chen@contoso.com", "CN=Lee Chen,OU=Users,DC=contoso,DC=local")
	perm := failure{EventID: 33004, HR: "80230626", Message: msg80230626}

	t := ms(day(2024, 3, 20, 9, 14), 20400)
	a := b.start(t, OpReset, jose)
	b.fail(a, ms(t, 1650), jose, perm, "ad-permissions", adsync6329(trace80230626(pid, jose.DN), true, false), ms(t, 1530))

	t = ms(day(2024, 3, 20, 9, 33), 8000)
	a = b.start(t, OpReset, ok)
	b.succeed(a, ms(t, 1900), ok, "")

	t = ms(day(2024, 3, 20, 9, 47), 41200)
	a = b.start(t, OpChange, ana)
	lf := perm
	lf.LF = true
	b.fail(a, ms(t, 1220), ana, lf, "ad-permissions", adsync6329(trace80230626(pid, ana.DN), false, false), ms(t, 1100))

	t = ms(day(2024, 3, 20, 10, 3), 15500)
	a = b.start(t, OpReset, kim)
	prot := failure{EventID: 33004, HR: "80230626", Message: msgProtect, LongTrace: true}
	b.fail(a, ms(t, 1400), kim, prot, "protected-account", adsync6329(trace80230626(pid, kim.DN), true, false), ms(t, 1290))

	t = ms(day(2024, 3, 20, 10, 12), 2900)
	a = b.start(t, OpReset, jose)
	b.fail(a, ms(t, 1310), jose, perm, "ad-permissions", adsync6329(trace80230626(pid, jose.DN), true, false), ms(t, 1200))

	// A GPO restricting remote SAM calls arrives.
	t = ms(day(2024, 3, 20, 11, 26), 37000)
	a = b.start(t, OpReset, lee)
	sam := failure{EventID: 33004, HR: "80230626", Message: msg80230626}
	b.fail(a, ms(t, 2100), lee, sam, "restrict-remote-sam",
		adsync6329(traceRemoteSAM(pid, "Contoso\\"+b.env.MSOL), true, false), ms(t, 1980))
	return b.build("ad-permissions.evtx", []logSpec{{Path: "ad-permissions.evtx", Channel: "Application", From: from}})
}

// passwordPolicy: the on-premises password policy rejects the new password
// (33008 with 6329 0x80230619; one with the Windows policy text, which holds
// commas); the user then picks another password and succeeds.
func passwordPolicy() (*Fixture, error) {
	b := newBuilder(4000, env{})
	contoso(b)
	from, to := day(2024, 3, 20, 13, 0), day(2024, 3, 20, 16, 0)
	b.background(from, to, false)
	pid := b.env.SyncPID
	mia := b.newUser("mia.schmidt@contoso.com", "CN=Mia Schmidt,OU=Berlin,OU=Users,DC=contoso,DC=local")
	raj := b.newUser("raj.patel@contoso.com", "CN=Raj Patel,OU=Users,DC=contoso,DC=local")
	jose := b.newUser("jose.nunez@contoso.com", "CN=José Ñúñez,OU=Madrid,OU=Users,DC=contoso,DC=local")
	policy := failure{EventID: 33008, HR: "80230619", Message: msg80230619}

	t := ms(day(2024, 3, 20, 13, 21), 4400)
	a := b.start(t, OpReset, mia)
	b.fail(a, ms(t, 1350), mia, policy, "password-policy", adsync6329(trace80230619(pid), true, false), ms(t, 1250))

	t = ms(day(2024, 3, 20, 13, 24), 50100)
	a = b.start(t, OpReset, mia)
	b.fail(a, ms(t, 1280), mia, policy, "password-policy", adsync6329(trace80230619(pid), false, false), ms(t, 1170))

	t = ms(day(2024, 3, 20, 14, 2), 18800)
	a = b.start(t, OpChange, raj)
	nospace := policy
	nospace.NoSpace = true
	b.fail(a, ms(t, 1100), raj, nospace, "password-policy", adsync6329(trace80230619(pid), true, false), ms(t, 990))

	t = ms(day(2024, 3, 20, 14, 40), 27300)
	a = b.start(t, OpReset, jose)
	commas := failure{EventID: 33008, HR: "800708c5", Message: msg800708C5, LongTrace: true}
	tr := fmt.Sprintf("BAIL: MMS(%d): admaexport.cpp(2955): 0x800708c5 (%s)\r\nERR_: MMS(%d): ..\\ma.cpp(8000): ExportPasswordSet failed with 0x800708c5", pid, msg800708C5, pid)
	b.fail(a, ms(t, 1500), jose, commas, "password-policy", adsync6329(tr, true, false), ms(t, 1390))

	t = ms(day(2024, 3, 20, 14, 46), 3100)
	a = b.start(t, OpReset, jose)
	b.succeed(a, ms(t, 1720), jose, "")
	b.phsChange(t.Add(2*time.Minute), true, jose)
	return b.build("password-policy.evtx", []logSpec{{Path: "password-policy.evtx", Channel: "Application", From: from}})
}

// serviceBusOutage: the server loses its Service Bus connection (31034,
// 32014 retries, 32002 errors), heartbeats stop for 50 minutes, a reset
// started just before never finishes; an admin restarts the service
// (31016, 31015), heartbeats resume and a reset succeeds.
func serviceBusOutage() (*Fixture, error) {
	b := newBuilder(5000, env{})
	contoso(b)
	from, to := day(2024, 3, 21, 10, 0), day(2024, 3, 21, 14, 0)
	down, up := day(2024, 3, 21, 11, 20), day(2024, 3, 21, 12, 11)
	b.heartbeats(from, down)
	b.heartbeats(up, to)
	b.phsPings(from.Add(11*time.Minute), to)
	b.syncCycles(from.Add(3*time.Minute), to)
	b.otherApps(from, to, false)

	u := b.newUser("grace.obi@contoso.com", "CN=Grace Obi,OU=Users,DC=contoso,DC=local")
	a := b.start(ms(down, 40300), OpReset, u)
	a.Cause = "attempt-incomplete"

	b.prs(ms(down, 71000), 31034, evtxwriter.LevelError, "The connection to the connect service was lost.")
	sbErr := "Error Connecting to ServiceBus. The token provider was unable to provide a security token."
	details := "\r\nDetails: Microsoft.ServiceBus.Messaging.MessagingCommunicationException: The token provider was unable to provide a security token while accessing '" +
		"https://" + b.env.Relay + "/$servicebus/websocket'. Token provider returned message: 'A connection attempt failed because the connected party did not properly respond after a period of time'.\r\n" +
		"   at Microsoft.ServiceBus.TokenProviderHelper.EndGetAccessTokenCore(IAsyncResult result, String& expiresIn, String& audience)\r\n" +
		"   at Microsoft.ServiceBus.SharedAccessSignatureTokenProvider.OnEndGetToken(IAsyncResult result, DateTime& cacheUntil)\r\n" +
		"   at Microsoft.ServiceBus.TokenProvider.GetTokenAsyncResult.OnCompletion(IAsyncResult result)\r\n" +
		"   at Microsoft.ServiceBus.Messaging.IteratorAsyncResult`1.StepCallback(IAsyncResult result)\r\n" +
		"--- End of stack trace from previous location where exception was thrown ---\r\n" +
		"   at Microsoft.ServiceBus.Common.AsyncResult.End[TAsyncResult](IAsyncResult result)\r\n" +
		"   at Microsoft.ServiceBus.RelayedOnewayTcpClient.ConnectAsyncResult.End(IAsyncResult result)"
	for i, min := range []int{2, 4, 7, 11} {
		b.prs(down.Add(time.Duration(min)*time.Minute+b.jitter(time.Minute)), 32014, evtxwriter.LevelWarning,
			fmt.Sprintf("ServiceBusWarning: retrying the connection to %s, attempt %d.", b.env.Relay, i+1))
	}
	for i, min := range []int{5, 9, 14, 19, 25, 31, 38, 44} {
		text := sbErr
		if i%2 == 0 {
			text += details
		}
		b.prs(down.Add(time.Duration(min)*time.Minute+b.jitter(20*time.Second)), 32002, evtxwriter.LevelError, text)
	}
	b.findings["servicebus-unreachable"] = true
	b.findings["servicebus-unstable"] = true
	b.serviceStopped(day(2024, 3, 21, 12, 8).Add(14 * time.Second))
	b.serviceStarted(day(2024, 3, 21, 12, 9).Add(51 * time.Second))

	v := b.newUser("viola.hanson@contoso.com", "CN=Viola Hanson,OU=Cloud Objects,DC=contoso,DC=local")
	t := ms(day(2024, 3, 21, 12, 34), 9000)
	a = b.start(t, OpReset, v)
	b.succeed(a, ms(t, 1600), v, "")
	b.phsChange(t.Add(2*time.Minute), false, v)
	return b.build("servicebus-outage.evtx", []logSpec{{Path: "servicebus-outage.evtx", Channel: "Application", From: from}})
}

// onboardingFailed: enabling writeback in the wizard fails: 31004 is
// followed by 32009 (no auth token for the Global Administrator), twice,
// and no 31005, 31015 or heartbeat ever appears.
func onboardingFailed() (*Fixture, error) {
	b := newBuilder(6000, env{})
	contoso(b)
	from, to := day(2024, 3, 22, 15, 0), day(2024, 3, 22, 16, 30)
	b.phsPings(from.Add(11*time.Minute), to)
	b.syncCycles(from.Add(3*time.Minute), to)
	b.otherApps(from, to, false)
	for _, t := range []time.Time{ms(day(2024, 3, 22, 15, 20), 5300), ms(day(2024, 3, 22, 15, 41), 48100)} {
		b.prs(t, 31004, evtxwriter.LevelInformation,
			fmt.Sprintf("TrackingId: %s, OnboardingEventStart, Details: Onboarding tenant %s to the password reset service.", b.guid(), b.env.Tenant))
		b.prs(t.Add(3700*time.Millisecond), 32009, evtxwriter.LevelError,
			"Error getting auth token.\r\nDetails: Microsoft.IdentityModel.Clients.ActiveDirectory.AdalServiceException: AADSTS50126: Error validating credentials due to invalid username or password.\r\n"+
				"   at Microsoft.CredentialManagement.OnPremisesPasswordReset.Shared.AuthTokenProvider.GetAuthToken(String userName, SecureString password)\r\n"+
				"   at Microsoft.CredentialManagement.OnPremisesPasswordReset.Onboarding.OnboardingManager.Onboard(OnboardingRequest request)")
	}
	b.findings["auth-token"] = true
	b.findings["onboarding-failed"] = true
	b.chains = []WantChain{{Root: "auth-token", Consequence: "onboarding-failed"}}
	return b.build("onboarding-failed.evtx", []logSpec{{Path: "onboarding-failed.evtx", Channel: "Application", From: from}})
}

// customerBundle: what a customer sends: a zip with an archived Application
// log, the current (dirty) Application log, the System log, notes and a
// nested zip with an older archive that has a chunk with a bad magic. One
// reset starts at the end of the archive and ends in the current log; one
// fails because the DCs lack the LDAP password policy hints control.
func customerBundle() (*Fixture, error) {
	b := newBuilder(7000, env{})
	contoso(b)
	b.env.Computer = "FAB-AADC01.fabrikam.local"
	b.env.Domain = "FABRIKAM"
	b.env.DNSDomain = "fabrikam.local"
	b.env.Tenant = "fabrikam.onmicrosoft.com"
	b.env.MSOL = "MSOL_2b7e91c0d45f"
	b.env.SyncPID = 3040
	start := day(2024, 3, 16, 12, 0)
	cut1 := day(2024, 3, 17, 0, 0)
	cut2 := ms(day(2024, 3, 17, 11, 42), 7360)
	end := day(2024, 3, 17, 15, 0)
	b.background(start, end, true)

	nina := b.newUser("nina.berg@fabrikam.com", "CN=Nina Berg,OU=Oslo,DC=fabrikam,DC=local")
	t := ms(day(2024, 3, 16, 16, 5), 2000)
	a := b.start(t, OpReset, nina)
	b.succeed(a, ms(t, 1500), nina, "")

	// Starts in the archive, ends in the current log.
	omar := b.newUser("omar.haddad@fabrikam.com", "CN=Omar Haddad,OU=Users,DC=fabrikam,DC=local")
	t = ms(cut2, -600)
	a = b.start(t, OpReset, omar)
	b.succeed(a, ms(t, 1550), omar, "")
	b.phsChange(t.Add(100*time.Second), true, omar)

	// The DCs run an older Windows Server without the policy hints control.
	pia := b.newUser("pia.lund@fabrikam.com", "CN=Pia Lund,OU=Users,DC=fabrikam,DC=local")
	t = ms(day(2024, 3, 17, 13, 15), 44000)
	a = b.start(t, OpChange, pia)
	tr := fmt.Sprintf("ERR_: MMS(%d): admaexport.cpp(2837): The server doesn't contain the LDAP password policy control.\r\nBAIL: MMS(%d): admaexport.cpp(2840): 0x80004005 (Unspecified error)", b.env.SyncPID, b.env.SyncPID)
	b.fail(a, ms(t, 1250), pia, failure{EventID: 33009, HR: "80004005", Message: "Unspecified error"}, "ldap-policy-hints-missing",
		adsync6329(tr, false, false), ms(t, 1120))

	// System log.
	for d := start; d.Before(end); d = d.Add(6 * time.Hour) {
		e := b.add(d.Add(time.Minute), "EventLog", 6013, evtxwriter.LevelInformation, fmt.Sprint(int(d.Sub(day(2024, 3, 1, 0, 0)).Seconds())), "60", "W. Europe Standard Time")
		e.rec.Channel = "System"
		e.rec.Qualifiers = 32768
	}
	for _, p := range []struct {
		t     time.Time
		state string
	}{{day(2024, 3, 16, 22, 3), "stopped"}, {day(2024, 3, 16, 22, 4), "running"}} {
		e := b.add(p.t, "Service Control Manager", 7036, evtxwriter.LevelInformation, "Microsoft Azure AD Sync", p.state)
		e.rec.Channel = "System"
		e.rec.Qualifiers = 16384
	}
	// The sync service restart also restarts writeback.
	b.serviceStopped(day(2024, 3, 16, 22, 3).Add(-2 * time.Second))
	b.serviceStarted(day(2024, 3, 16, 22, 4).Add(9 * time.Second))

	f, err := b.build("customer-bundle.zip", []logSpec{
		{Path: "older-logs.zip/Archive-Application-2024-03-17-00-00-00-118.evtx", Channel: "Application", From: start, To: cut1,
			Opts: evtxwriter.Options{Damage: []evtxwriter.Damage{{Chunk: 1, Kind: evtxwriter.BadChunkMagic}}}},
		{Path: "Logs/Archive-Application-2024-03-17-11-42-07-360.evtx", Channel: "Application", From: cut1, To: cut2,
			Opts: evtxwriter.Options{Damage: []evtxwriter.Damage{{Chunk: 2, Kind: evtxwriter.BadRecordsCRC}}}},
		{Path: "Logs/Application.evtx", Channel: "Application", From: cut2, Opts: evtxwriter.Options{Dirty: true}},
		{Path: "Logs/System.evtx", Channel: "System", From: start},
	})
	if err != nil {
		return nil, err
	}
	f.Members = []Member{{Path: "notes.txt", Data: []byte(
		"Case 2403170042 - Fabrikam\r\n" +
			"Exported from FAB-AADC01 on 2024-03-17 15:00 UTC with wevtutil epl.\r\n" +
			"Users report SSPR works for some and not for others (e.g. pia.lund, change password from My Account).\r\n" +
			"older-logs.zip holds the archive from the 16th; the copy may be damaged.\r\n")}}
	return f, nil
}
