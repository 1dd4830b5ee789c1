package scenario

import (
	"time"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// RenderFixtures returns the fixtures of the report tests, which are not
// committed under testdata/evtx (the tests encode them into a temporary
// folder): hostile-names.evtx, whose user names and service messages carry
// HTML markup and script, and cjk-names.evtx, whose user names are wide
// (CJK) and combining characters, to test the layout of the text report.
func RenderFixtures() ([]*Fixture, error) {
	var out []*Fixture
	for _, fb := range []func() (*Fixture, error){hostileNames, cjkNames} {
		f, err := fb()
		if err != nil {
			return nil, err
		}
		f.fillFiles()
		out = append(out, f)
	}
	return out, nil
}

// Hostile texts of hostile-names.evtx, for the tests to look for.
const (
	HostileScriptUPN = `<script>alert(1)</script>@contoso.com`
	HostileImgUPN    = `<img/src=x/onerror=alert(2)>@contoso.com`
	HostileMessage   = `Error Connecting to ServiceBus. <img src=x onerror=alert(3)><script>alert(4)</script> "quoted" & 'single'`
)

// hostileNames: two failing resets by users whose names are markup, a
// success, and a service error whose message is markup.
func hostileNames() (*Fixture, error) {
	b := newBuilder(12000, env{})
	contoso(b)
	from, to := day(2024, 4, 2, 8, 0), day(2024, 4, 2, 11, 0)
	b.background(from, to, false)
	pid := b.env.SyncPID
	perm := failure{EventID: 33004, HR: "80230626", Message: msg80230626}
	script := b.newUser(HostileScriptUPN, "CN=<script>alert(5)</script>,OU=Users,DC=contoso,DC=local")
	img := b.newUser(HostileImgUPN, "CN=<img src=x onerror=alert(6)>,OU=Users,DC=contoso,DC=local")
	ok := b.newUser("amercer@contoso.com", "CN=Alex Mercer,OU=Users,DC=contoso,DC=local")

	t := ms(day(2024, 4, 2, 8, 30), 1200)
	a := b.start(t, OpReset, script)
	b.fail(a, ms(t, 1500), script, perm, "ad-permissions", adsync6329(trace80230626(pid, script.DN), true, false), ms(t, 1400))
	t = ms(day(2024, 4, 2, 9, 10), 400)
	a = b.start(t, OpChange, img)
	b.fail(a, ms(t, 1300), img, perm, "ad-permissions", adsync6329(trace80230626(pid, img.DN), true, false), ms(t, 1200))
	t = ms(day(2024, 4, 2, 9, 45), 0)
	a = b.start(t, OpReset, ok)
	b.succeed(a, ms(t, 1700), ok, "")
	b.prs(day(2024, 4, 2, 10, 5), 32002, evtxwriter.LevelError, HostileMessage)
	b.findings["servicebus-unreachable"] = true
	return b.build("hostile-names.evtx", []logSpec{{Path: "hostile-names.evtx", Channel: "Application", From: from}})
}

// CJKUsers are the user names of cjk-names.evtx.
var cjkUserNames = []string{
	"鈴木一郎@contoso.co.jp",
	"田中愛子.営業部@contoso.co.jp",
	"jose.nu\u0301n\u0303ez@contoso.com", // combining accents
	"김민준@contoso.kr",
	"amercer@contoso.com",
}

// CJKUsers returns the user names of cjk-names.evtx.
func CJKUsers() []string { return append([]string(nil), cjkUserNames...) }

// cjkNames: resets and changes by users with wide and combining names, some
// failing, over six days (long enough for a failures-per-day line).
func cjkNames() (*Fixture, error) {
	b := newBuilder(12100, env{})
	contoso(b)
	from, to := day(2024, 4, 8, 0, 0), day(2024, 4, 14, 0, 0)
	b.heartbeats(from, to)
	pid := b.env.SyncPID
	f405 := failure{EventID: 33002, HR: "80230405", Message: msg80230405}
	var users []user
	for i, n := range cjkUserNames {
		users = append(users, b.newUser(n, "CN=User "+string(rune('A'+i))+",OU=Users,DC=contoso,DC=local"))
	}
	for d := 0; d < 6; d++ {
		for i, u := range users {
			t := ms(from.Add(time.Duration(d)*24*time.Hour+time.Duration(8+i)*time.Hour), 1000*i+d)
			a := b.start(t, []string{OpReset, OpChange}[(i+d)%2], u)
			if (i+d)%3 == 0 {
				b.fail(a, ms(t, 900), u, f405, "sync-rule-password-sync-missing", adsync6329(trace80230405(pid, u.Anchor()), false, true), ms(t, 800))
			} else {
				b.succeed(a, ms(t, 1300), u, "")
			}
		}
	}
	return b.build("cjk-names.evtx", []logSpec{{Path: "cjk-names.evtx", Channel: "Application", From: from}})
}
