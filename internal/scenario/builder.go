package scenario

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// env is the server a scenario happens on.
type env struct {
	Computer  string
	Domain    string // NetBIOS domain
	DNSDomain string // e.g. contoso.local
	MSOL      string // AD connector account
	Tenant    string // tenant onmicrosoft.com name
	Relay     string // Service Bus namespace host
	Endpoints [2]string
	SyncPID   int // process id in MMS(n) trace lines
}

// event is one record of a scenario with its role.
type event struct {
	rec     evtxwriter.Record
	seq     int // insertion order, to keep same-time events stable
	attempt int // index in builder.attempts, or -1
	listed  bool
}

type attemptState struct {
	TrackingID string
	Operation  string
	Outcome    string
	UPN        string
	Anchor     string
	Cause      string
	events     []*event
}

// builder collects the events of a scenario. Times are set explicitly by the
// scenario; rng only varies details (GUIDs, jitter), from a fixed seed.
type builder struct {
	rng          *rand.Rand
	env          env
	events       []*event
	attempts     []*attemptState
	findings     map[string]bool
	chains       []WantChain
	unattributed []unattributedEvent
	servers      int    // servers in the scenario (attempts name theirs when > 1)
	serviceOf    string // the server whose service the expectation describes, when several
}

// unattributedEvent is a writeback event that belongs to no attempt.
type unattributedEvent struct {
	ev    *event
	cause string
}

func newBuilder(seed uint64, e env) *builder {
	return &builder{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), env: e, findings: map[string]bool{}}
}

func (b *builder) guid() string {
	var u [16]byte
	for i := range u {
		u[i] = byte(b.rng.Uint32())
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func (b *builder) sourceAnchor() string {
	var u [16]byte
	for i := range u {
		u[i] = byte(b.rng.Uint32())
	}
	return base64.StdEncoding.EncodeToString(u[:])
}

func (b *builder) newUser(upn, dn string) user {
	return user{UPN: upn, ObjectID: b.guid(), Source: b.sourceAnchor(), DN: dn}
}

// jitter returns a duration in [0, max).
func (b *builder) jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return time.Duration(b.rng.Int64N(int64(max)))
}

// add appends an event.
func (b *builder) add(t time.Time, provider string, id uint16, level uint8, data ...string) *event {
	r := evtxwriter.Record{
		Provider: provider,
		EventID:  id,
		Level:    level,
		Keywords: evtxwriter.ClassicKeywords,
		Time:     t.UTC().Truncate(100), // EVTX keeps 100 ns
		Computer: b.env.Computer,
		Data:     data,
	}
	switch provider {
	case SourceADSync:
		r.Task = 3 // "Server"
	case SourceDirSync:
		r.Task = 0
	}
	e := &event{rec: r, seq: len(b.events), attempt: -1}
	b.events = append(b.events, e)
	return e
}

func (b *builder) prs(t time.Time, id uint16, level uint8, data ...string) *event {
	return b.add(t, SourcePRS, id, level, data...)
}

// sorted returns the events in time order (insertion order among equal
// times).
func (b *builder) sorted() []*event {
	ev := slices.Clone(b.events)
	sort.SliceStable(ev, func(i, j int) bool {
		if !ev[i].rec.Time.Equal(ev[j].rec.Time) {
			return ev[i].rec.Time.Before(ev[j].rec.Time)
		}
		return ev[i].seq < ev[j].seq
	})
	return ev
}

// ---- attempts ----

func (b *builder) newAttempt(op string, u user, tid string) *attemptState {
	a := &attemptState{TrackingID: tid, Operation: op, UPN: u.UPN, Anchor: u.Anchor()}
	b.attempts = append(b.attempts, a)
	return a
}

func (b *builder) member(a *attemptState, e *event) *event {
	e.attempt = slices.Index(b.attempts, a)
	e.listed = true
	a.events = append(a.events, e)
	return e
}

// start logs the start event of an operation.
func (b *builder) start(t time.Time, op string, u user) *attemptState {
	a := b.newAttempt(op, u, b.guid())
	a.Outcome = OutcomeIncomplete
	b.member(a, b.prs(t, opEvents[op][0], evtxwriter.LevelInformation, startText(op, a.TrackingID, u.UPN)))
	return a
}

// succeed logs ADSync 403/405 (noise inside the attempt) and the success
// event; admin is the admin UPN of an admin reset.
func (b *builder) succeed(a *attemptState, t time.Time, u user, admin string) {
	b.adsyncBind(t.Add(-900*time.Millisecond + b.jitter(300*time.Millisecond)))
	a.Outcome = OutcomeSuccess
	a.Cause = ""
	b.member(a, b.prs(t, opEvents[a.Operation][1], evtxwriter.LevelInformation, successText(a.Operation, a.TrackingID, u, admin)))
}

// fail logs the optional ADSync 6329 at t6329 and the 33xxx at t.
func (b *builder) fail(a *attemptState, t time.Time, u user, f failure, cause string, e6329 []string, t6329 time.Time) {
	a.Outcome = OutcomeFailure
	a.Cause = cause
	b.findings[cause] = true
	if e6329 != nil {
		b.member(a, b.add(t6329, SourceADSync, 6329, evtxwriter.LevelError, e6329...))
	}
	b.member(a, b.prs(t, f.EventID, evtxwriter.LevelError, failureText(a.Operation, a.TrackingID, u, f)))
}

// adsyncBind logs the ADSync 403/405 pair seen between the start and the
// success of a reset (texts INFERRED).
func (b *builder) adsyncBind(t time.Time) {
	b.add(t, SourceADSync, 403, evtxwriter.LevelInformation,
		fmt.Sprintf("ImpersonationHelper call LogonUser for %s\\%s succeeded (logon type 9).", b.env.Domain, b.env.MSOL))
	b.add(t.Add(40*time.Millisecond), SourceADSync, 405, evtxwriter.LevelInformation,
		fmt.Sprintf("Call sync ldap_bind for DC01.%s:389 with %s\\%s succeeded.", b.env.DNSDomain, b.env.Domain, b.env.MSOL))
}

// ---- service and background noise ----

// heartbeats logs 31019 on both relays every ~5 minutes in [from, to).
func (b *builder) heartbeats(from, to time.Time) {
	for t := from; t.Before(to); t = t.Add(5 * time.Minute) {
		for i, ep := range b.env.Endpoints {
			at := t.Add(time.Duration(i)*1700*time.Millisecond + b.jitter(2*time.Second))
			if !at.Before(to) {
				continue
			}
			b.prs(at, 31019, evtxwriter.LevelInformation,
				fmt.Sprintf("ServiceBus heartbeat sent successfully. Relay: %s, Endpoint: %s", b.env.Relay, ep))
		}
	}
}

func (b *builder) serviceStarted(t time.Time) {
	b.prs(t, 31015, evtxwriter.LevelInformation, "WriteBackServiceStarted: The password writeback service has started and is listening on 2 relay endpoints.")
}

func (b *builder) serviceStopped(t time.Time) {
	b.prs(t, 31016, evtxwriter.LevelInformation, "WriteBackServiceStopped: The password writeback service has stopped.")
}

// phsPings logs Directory Synchronization 653/654 every 30 minutes.
func (b *builder) phsPings(from, to time.Time) {
	for t := from; t.Before(to); t = t.Add(30 * time.Minute) {
		tid := b.guid()
		at := t.Add(b.jitter(20 * time.Second))
		b.add(at, SourceDirSync, 653, evtxwriter.LevelInformation, "Provision credentials ping start.  TrackingID : "+tid)
		b.add(at.Add(350*time.Millisecond+b.jitter(400*time.Millisecond)), SourceDirSync, 654, evtxwriter.LevelInformation, "Provision credentials ping end.  TrackingID : "+tid)
	}
}

// phsChange logs a password hash sync batch (650, 656, 657, 651) for users.
// modern selects the newer "Anchor : x" layout with a forest-info fragment.
func (b *builder) phsChange(t time.Time, modern bool, users ...user) {
	tid := b.guid()
	b.add(t, SourceDirSync, 650, evtxwriter.LevelInformation, "Provision credentials batch start.  TrackingID : "+tid)
	at := t.Add(200 * time.Millisecond)
	for _, u := range users {
		if modern {
			b.add(at, SourceDirSync, 656, evtxwriter.LevelInformation,
				fmt.Sprintf("Password Change Request - Anchor : %s, Dn : %s, Change Date : %s", u.Source, u.DN, at.Format("01/02/2006 15:04:05")))
		} else {
			b.add(at, SourceDirSync, 656, evtxwriter.LevelInformation,
				fmt.Sprintf("Password Change Request - Anchor: %s, Dn: %s, Change Date: %s", u.Source, u.DN, at.Format("01/02/2006 15:04:05")))
		}
	}
	at = at.Add(1200 * time.Millisecond)
	for _, u := range users {
		if modern {
			b.add(at, SourceDirSync, 657, evtxwriter.LevelInformation,
				fmt.Sprintf("Password Change Result - Anchor : %s, Dn : %s, PwdChangeOnLogon=False, Result : Success.\r\n<forest-info><partition-name>%s</partition-name><connector-id>%s</connector-id></forest-info>",
					u.Source, u.DN, b.env.DNSDomain, b.guid()))
		} else {
			b.add(at, SourceDirSync, 657, evtxwriter.LevelInformation,
				fmt.Sprintf("Password Change Result - Anchor: %s, Dn: %s, Result: Success.", u.Source, u.DN))
		}
	}
	b.add(at.Add(150*time.Millisecond), SourceDirSync, 651, evtxwriter.LevelInformation, "Provision credentials batch end.  TrackingID : "+tid)
}

// syncCycles logs an ADSync delta sync cycle every 30 minutes (texts
// INFERRED; ids plausible for the sync engine and scheduler).
func (b *builder) syncCycles(from, to time.Time) {
	ad := b.env.DNSDomain
	aad := b.env.Tenant + " - AAD"
	for t := from; t.Before(to); t = t.Add(30 * time.Minute) {
		at := t.Add(b.jitter(10 * time.Second))
		b.add(at, SourceADSync, 904, evtxwriter.LevelInformation, "Scheduler::SchedulerThreadMain : Started Delta sync cycle.")
		steps := []struct{ ma, profile string }{{ad, "Delta Import"}, {aad, "Delta Import"}, {ad, "Delta Synchronization"}, {aad, "Delta Synchronization"}, {aad, "Export"}, {ad, "Export"}}
		for _, s := range steps {
			at = at.Add(2*time.Second + b.jitter(6*time.Second))
			b.add(at, SourceADSync, 6946, evtxwriter.LevelInformation,
				fmt.Sprintf("The management agent \"%s\" started run profile \"%s\".", s.ma, s.profile))
			at = at.Add(1*time.Second + b.jitter(20*time.Second))
			b.add(at, SourceADSync, 6100, evtxwriter.LevelInformation,
				fmt.Sprintf("The management agent \"%s\" completed run profile \"%s\" with a status of \"success\".", s.ma, s.profile))
		}
		b.add(at.Add(b.jitter(time.Second)), SourceADSync, 904, evtxwriter.LevelInformation, "Scheduler::SchedulerThreadMain : Completed configured scheduler operations.")
	}
}

// otherApps logs events of other applications on the server, one kind
// every few hours; emoji adds a .NET Runtime event with a character
// outside the BMP.
func (b *builder) otherApps(from, to time.Time, emoji bool) {
	i := 0
	for t := from.Add(17 * time.Minute); t.Before(to); t = t.Add(97*time.Minute + b.jitter(40*time.Minute)) {
		switch i % 4 {
		case 0:
			e := b.add(t, "MSSQL$ADSYNC", 17137, evtxwriter.LevelInformation, "ADSync")
			e.rec.Qualifiers = 16384
			e.rec.Task = 2
			e.rec.UserSID = "S-1-5-80-3880718306-3832830129-1677859214-2598158968-1052248003"
		case 1:
			e := b.add(t, "Microsoft-Windows-Security-SPP", 16384, evtxwriter.LevelInformation,
				t.Add(26*time.Hour).Format("2006-01-02T15:04:05Z"), "RulesEngine")
			e.rec.Qualifiers = 16384
		case 2:
			e := b.add(t, "Desktop Window Manager", 9027, evtxwriter.LevelInformation)
			e.rec.Qualifiers = 16384
		case 3:
			e := b.add(t, "MSSQL$ADSYNC", 17890, evtxwriter.LevelInformation,
				"A significant part of sql server process memory has been paged out. This may result in a performance degradation. Duration: 0 seconds. Working set (KB): 92144, committed (KB): 240876, memory utilization: 38%.")
			e.rec.Qualifiers = 16384
			e.rec.Task = 2
		}
		i++
	}
	if emoji {
		t := from.Add(time.Duration(to.Sub(from).Minutes()/3) * time.Minute)
		b.add(t, ".NET Runtime", 1026, evtxwriter.LevelError,
			"Application: Contoso.HelpdeskNotifier.exe\r\nFramework Version: v4.0.30319\r\nDescription: The process was terminated due to an unhandled exception.\r\n"+
				"Exception Info: System.FormatException: Input string '🔑 reset done' was not in a correct format.\r\n"+
				"   at System.Number.StringToNumber(System.String, System.Globalization.NumberStyles, NumberBuffer ByRef, System.Globalization.NumberFormatInfo, Boolean)\r\n"+
				"   at Contoso.HelpdeskNotifier.Program.Main(System.String[])\r\n")
	}
}

// ---- results ----

// logSpec splits the scenario's events into files.
type logSpec struct {
	Path     string // file name, or path inside a bundle
	Channel  string // "Application" or "System"
	Computer string // only the records of this server; "" any
	From     time.Time
	To       time.Time // zero: open-ended
	Opts     evtxwriter.Options
}

// build produces the logs and the expectation of a scenario.
func (b *builder) build(name string, specs []logSpec) (*Fixture, error) {
	ev := b.sorted()
	f := &Fixture{Name: name}
	type place struct {
		file string
		id   uint64
	}
	where := map[*event]place{}
	nextID := map[string]uint64{} // per server and channel: ids continue across archives
	for _, s := range specs {
		l := Log{Path: s.Path, Options: s.Opts}
		first, ok := nextID[s.Computer+"\x00"+s.Channel]
		if !ok {
			first = 1
		}
		if l.Options.FirstRecordID == 0 {
			l.Options.FirstRecordID = first
		}
		id := l.Options.FirstRecordID
		for _, e := range ev {
			ch := e.rec.Channel
			if ch == "" {
				ch = "Application"
			}
			if ch != s.Channel || e.rec.Time.Before(s.From) || (!s.To.IsZero() && !e.rec.Time.Before(s.To)) {
				continue
			}
			if s.Computer != "" && e.rec.Computer != s.Computer {
				continue
			}
			if _, dup := where[e]; dup {
				return nil, fmt.Errorf("scenario %s: event at %v in two logs", name, e.rec.Time)
			}
			where[e] = place{s.Path, id}
			l.Records = append(l.Records, e.rec)
			id++
		}
		nextID[s.Computer+"\x00"+s.Channel] = id
		f.Logs = append(f.Logs, l)
	}
	if len(where) != len(ev) {
		return nil, fmt.Errorf("scenario %s: %d of %d events fall in no log", name, len(ev)-len(where), len(ev))
	}

	w := &f.Want
	w.Fixture = name
	w.Service.Server = b.serviceOf
	for _, e := range ev {
		w.Records++
		if IsWritebackSource(e.rec.Provider) {
			w.WritebackRecords++
		}
	}
	for _, a := range b.attempts {
		wa := WantAttempt{
			TrackingID: a.TrackingID, Operation: a.Operation, Outcome: a.Outcome,
			UPN: a.UPN, CloudAnchor: a.Anchor, Cause: a.Cause,
		}
		if b.servers > 1 && len(a.events) > 0 {
			wa.Server = a.events[0].rec.Computer
		}
		evs := slices.Clone(a.events)
		sort.SliceStable(evs, func(i, j int) bool {
			if !evs[i].rec.Time.Equal(evs[j].rec.Time) {
				return evs[i].rec.Time.Before(evs[j].rec.Time)
			}
			return evs[i].seq < evs[j].seq
		})
		for _, e := range evs {
			p := where[e]
			wa.EventIDs = append(wa.EventIDs, int(e.rec.EventID))
			wa.RecordIDs = append(wa.RecordIDs, p.id)
			if len(specs) > 1 {
				wa.Files = append(wa.Files, p.file)
			}
		}
		w.Attempts = append(w.Attempts, wa)
		if a.Outcome == OutcomeIncomplete {
			b.findings["attempt-incomplete"] = true
		}
	}
	// Service: heartbeat gaps over 15 minutes, starts and stops (of the
	// server named in w.Service.Server, when set).
	var last time.Time
	stopped := false
	for _, e := range ev {
		if e.rec.Provider != SourcePRS || (w.Service.Server != "" && e.rec.Computer != w.Service.Server) {
			continue
		}
		switch e.rec.EventID {
		case 31019:
			if !last.IsZero() && e.rec.Time.Sub(last) > 15*time.Minute {
				w.Service.HeartbeatGaps = append(w.Service.HeartbeatGaps, WantGap{From: rfc(last), To: rfc(e.rec.Time)})
				b.findings["heartbeat-gap"] = true
			}
			last = e.rec.Time
		case 31015:
			w.Service.Started = append(w.Service.Started, rfc(e.rec.Time))
			stopped = false
		case 31016:
			w.Service.Stopped = append(w.Service.Stopped, rfc(e.rec.Time))
			stopped = true
		}
	}
	if stopped {
		// The log ends with the service stopped; a stop followed by a start
		// (a restart) is not a finding.
		b.findings["writeback-service-stopped"] = true
	}
	for k := range b.findings {
		w.Findings = append(w.Findings, k)
	}
	sort.Strings(w.Findings)
	w.Chains = b.chains
	for _, u := range b.unattributed {
		p := where[u.ev]
		w.Unattributed = append(w.Unattributed, WantUnattributed{EventID: int(u.ev.rec.EventID), RecordID: p.id, Reason: "no-tracking-id", Cause: u.cause})
	}
	for _, s := range specs {
		if s.Opts.Dirty {
			w.Damage.Dirty = true
			w.Damage.DirtyFiles = append(w.Damage.DirtyFiles, s.Path)
		}
	}
	return f, nil
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
