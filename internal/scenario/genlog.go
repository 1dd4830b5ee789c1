package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// Mix gives the share of records per source (any scale; they are
// normalised).
type Mix struct {
	PasswordResetService float64 // mostly heartbeats; attempts come on top, per LogOptions.Writeback
	ADSync               float64
	DirSync              float64
	Other                float64
}

// EntraMix is the mix measured on a real Entra Connect server: 50%
// PasswordResetService, 37% ADSync, 12% Directory Synchronization, 1% other.
func EntraMix() Mix { return Mix{PasswordResetService: 50, ADSync: 37, DirSync: 12, Other: 1} }

// MemberMix is an Application log where the writeback sources are rare (3%
// of the records): the case where filtering by provider pays.
func MemberMix() Mix { return Mix{PasswordResetService: 1.5, ADSync: 1, DirSync: 0.5, Other: 97} }

// LogOptions control GenerateLog.
type LogOptions struct {
	// Size is the target file size in bytes; the file ends with the last
	// record that fits in ceil((Size-4096)/65536) chunks (at least one).
	Size int64
	// Seed makes the output reproducible: equal options give equal bytes.
	Seed uint64
	// Writeback is the approximate fraction of records that belong to
	// password operations (31001…, 6329, 33xxx); 0 means none.
	Writeback float64
	// Mix is the share of the other records per source; zero means EntraMix.
	Mix Mix
	// Start is the time of the first record; zero means 2024-01-01 UTC.
	Start time.Time
	// Writer passes layout options to the EVTX writer (MaxChunks is set by
	// GenerateLog).
	Writer evtxwriter.Options
	// Open, if positive, replaces the mix: the log holds Open password
	// resets that are started (31001, each with its own TrackingId and
	// UPN) and never get a result, and ends after the last of them (or at
	// Size, whichever comes first).
	Open int64
}

// LogStats summarises a generated log.
type LogStats struct {
	Records  int64 // records written
	Attempts int64 // password operations started
	Failures int64 // of them, failed
	Chunks   int   // chunks in the file
	Bytes    int64 // file size
	First    time.Time
	Last     time.Time
}

// GenerateLog writes a synthetic Application log of an Entra Connect server
// to w (positioned at offset 0) until it reaches opts.Size. It checks ctx
// between records.
func GenerateLog(ctx context.Context, w io.WriteSeeker, opts LogOptions) (LogStats, error) {
	return generate(ctx, w, opts, nil)
}

// generate is GenerateLog; keep, if not nil, gets each record written.
func generate(ctx context.Context, w io.WriteSeeker, opts LogOptions, keep func(evtxwriter.Record)) (LogStats, error) {
	var st LogStats
	if opts.Size <= 0 {
		return st, errors.New("scenario: GenerateLog needs a positive Size")
	}
	if opts.Writeback < 0 || opts.Writeback > 1 {
		return st, fmt.Errorf("scenario: writeback fraction %v outside [0, 1]", opts.Writeback)
	}
	mix := opts.Mix
	if mix == (Mix{}) {
		mix = EntraMix()
	}
	total := mix.PasswordResetService + mix.ADSync + mix.DirSync + mix.Other
	if total <= 0 || mix.PasswordResetService < 0 || mix.ADSync < 0 || mix.DirSync < 0 || mix.Other < 0 {
		return st, fmt.Errorf("scenario: invalid mix %+v", mix)
	}
	start := opts.Start
	if start.IsZero() {
		start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	wopts := opts.Writer
	wopts.MaxChunks = int(max(1, (opts.Size-evtxwriter.FileHeaderSize+evtxwriter.ChunkSize-1)/evtxwriter.ChunkSize))
	ew := evtxwriter.NewWriter(w, wopts)

	g := newLogGen(opts.Seed, start)
	const attemptLen = 2.2 // writeback records per attempt, on average
	pAttempt := opts.Writeback / attemptLen
	cum := [4]float64{
		mix.PasswordResetService / total,
		(mix.PasswordResetService + mix.ADSync) / total,
		(mix.PasswordResetService + mix.ADSync + mix.DirSync) / total,
		1,
	}
	// Mean time between records such that heartbeats come every ~150 s
	// (two relays, every 5 minutes each).
	mean := time.Duration(float64(150*time.Second) * cum[0] * (1 - opts.Writeback))
	if mean < time.Second {
		mean = time.Second
	}

	var err error
	for err == nil {
		if st.Records%1024 == 0 {
			if cerr := ctx.Err(); cerr != nil {
				err = cerr
				break
			}
		}
		g.t = g.t.Add(time.Duration(g.rng.Int64N(int64(2 * mean))))
		g.batch = g.batch[:0]
		if opts.Open > 0 {
			if st.Attempts == opts.Open {
				break
			}
			st.Attempts++
			g.openAttempt(st.Attempts)
		} else if g.rng.Float64() < pAttempt {
			st.Attempts++
			if g.attempt() {
				st.Failures++
			}
		} else {
			switch p := g.rng.Float64(); {
			case p < cum[0]:
				g.heartbeat()
			case p < cum[1]:
				g.adsync()
			case p < cum[2]:
				g.dirsync()
			default:
				g.other()
			}
		}
		for _, r := range g.batch {
			if err = ew.Write(r); err != nil {
				break
			}
			if keep != nil {
				keep(r)
			}
			if st.Records == 0 {
				st.First = r.Time
			}
			st.Last = r.Time
			st.Records++
		}
	}
	if errors.Is(err, evtxwriter.ErrFull) {
		err = nil
	}
	st.Chunks = ew.Chunk() + 1
	if cerr := ew.Close(); err == nil {
		err = cerr
	}
	st.Bytes = evtxwriter.FileHeaderSize + int64(st.Chunks)*evtxwriter.ChunkSize
	return st, err
}

// logGen produces the records of GenerateLog.
type logGen struct {
	rng   *rand.Rand
	t     time.Time
	env   env
	users []user
	batch []evtxwriter.Record
	hb    int
	ad    int
	ds    int
	oth   int
	b     *builder // for GUIDs and anchors
}

func newLogGen(seed uint64, start time.Time) *logGen {
	b := newBuilder(seed, env{})
	contoso(b)
	g := &logGen{rng: b.rng, t: start, env: b.env, b: b}
	first := []string{"alex", "maria", "jose", "ichiro", "nina", "omar", "pia", "raj", "mia", "lee", "zoe", "ana", "kim", "grace", "ethan", "viola"}
	last := []string{"mercer", "garcia", "nunez", "suzuki", "berg", "haddad", "lund", "patel", "schmidt", "chen", "oconnor", "souza", "wilson", "obi", "brooks", "hanson"}
	cn := []string{"Alex Mercer", "María García", "José Ñúñez", "鈴木 一郎", "Nina Berg", "Omar Haddad", "Pia Lund", "Raj Patel", "Mia Schmidt", "Lee Chen", "Zoë O'Connor", "Ana Souza", "Kim Wilson", "Grace Obi", "Ethan Brooks", "Viola Hanson"}
	for i := 0; i < 400; i++ {
		f, l := i%len(first), (i/len(first))%len(last)
		upn := fmt.Sprintf("%s.%s%d@contoso.com", first[f], last[l], i)
		dn := fmt.Sprintf("CN=%s %d,OU=Users,DC=contoso,DC=local", cn[(f+l)%len(cn)], i)
		g.users = append(g.users, b.newUser(upn, dn))
	}
	return g
}

func (g *logGen) rec(provider string, id uint16, level uint8, data ...string) {
	r := evtxwriter.Record{
		Provider: provider,
		EventID:  id,
		Level:    level,
		Keywords: evtxwriter.ClassicKeywords,
		Time:     g.t.Truncate(100),
		Computer: g.env.Computer,
		Data:     data,
	}
	if provider == SourceADSync {
		r.Task = 3
	}
	g.batch = append(g.batch, r)
}

func (g *logGen) after(d time.Duration) { g.t = g.t.Add(d) }

func (g *logGen) heartbeat() {
	g.hb++
	g.rec(SourcePRS, 31019, evtxwriter.LevelInformation,
		"ServiceBus heartbeat sent successfully. Relay: "+g.env.Relay+", Endpoint: "+g.env.Endpoints[g.hb%2])
}

// attempt emits one password operation and reports whether it failed.
func (g *logGen) attempt() bool {
	u := g.users[g.rng.IntN(len(g.users))]
	ops := [...]string{OpReset, OpReset, OpReset, OpChange, OpAdminReset}
	op := ops[g.rng.IntN(len(ops))]
	tid := g.b.guid()
	g.rec(SourcePRS, opEvents[op][0], evtxwriter.LevelInformation, startText(op, tid, u.UPN))
	g.after(time.Duration(800+g.rng.IntN(900)) * time.Millisecond)
	if g.rng.IntN(5) != 0 {
		g.rec(SourceADSync, 403, evtxwriter.LevelInformation, "ImpersonationHelper call LogonUser for CONTOSO\\"+g.env.MSOL+" succeeded (logon type 9).")
		g.after(40 * time.Millisecond)
		g.rec(SourceADSync, 405, evtxwriter.LevelInformation, "Call sync ldap_bind for DC01.contoso.local:389 with CONTOSO\\"+g.env.MSOL+" succeeded.")
		g.after(300 * time.Millisecond)
		g.rec(SourcePRS, opEvents[op][1], evtxwriter.LevelInformation, successText(op, tid, u, "helpdesk.admin@contoso.com"))
		return false
	}
	pid := g.env.SyncPID
	var f failure
	var d6329 []string
	switch g.rng.IntN(3) {
	case 0:
		f = failure{EventID: 33002, HR: "80230405", Message: msg80230405, LongTrace: g.rng.IntN(4) == 0}
		d6329 = adsync6329(trace80230405(pid, u.Anchor()), g.rng.IntN(2) == 0, g.rng.IntN(2) == 0)
	case 1:
		f = failure{EventID: 33004, HR: "80230626", Message: msg80230626}
		d6329 = adsync6329(trace80230626(pid, u.DN), true, false)
	default:
		f = failure{EventID: 33008, HR: "80230619", Message: msg80230619}
		d6329 = adsync6329(trace80230619(pid), true, false)
	}
	g.rec(SourceADSync, 6329, evtxwriter.LevelError, d6329...)
	g.after(110 * time.Millisecond)
	g.rec(SourcePRS, f.EventID, evtxwriter.LevelError, failureText(op, tid, u, f))
	return true
}

// openAttempt emits the start of reset number i, which gets no result.
func (g *logGen) openAttempt(i int64) {
	g.rec(SourcePRS, opEvents[OpReset][0], evtxwriter.LevelInformation,
		startText(OpReset, g.b.guid(), fmt.Sprintf("open.user%d@contoso.com", i)))
}

var adsyncNoise = [...]string{
	"Scheduler::SchedulerThreadMain : Started Delta sync cycle.",
	"The management agent \"contoso.local\" started run profile \"Delta Import\".",
	"The management agent \"contoso.local\" completed run profile \"Delta Import\" with a status of \"success\".",
	"The management agent \"contoso.onmicrosoft.com - AAD\" started run profile \"Delta Synchronization\".",
	"The management agent \"contoso.onmicrosoft.com - AAD\" completed run profile \"Delta Synchronization\" with a status of \"success\".",
	"The management agent \"contoso.onmicrosoft.com - AAD\" started run profile \"Export\".",
	"The management agent \"contoso.onmicrosoft.com - AAD\" completed run profile \"Export\" with a status of \"success\".",
	"Scheduler::SchedulerThreadMain : Completed configured scheduler operations.",
}

var adsyncNoiseIDs = [...]uint16{904, 6946, 6100, 6946, 6100, 6946, 6100, 904}

func (g *logGen) adsync() {
	i := g.ad % len(adsyncNoise)
	g.ad++
	g.rec(SourceADSync, adsyncNoiseIDs[i], evtxwriter.LevelInformation, adsyncNoise[i])
}

func (g *logGen) dirsync() {
	g.ds++
	tid := g.b.guid()
	switch g.ds % 4 {
	case 0:
		g.rec(SourceDirSync, 653, evtxwriter.LevelInformation, "Provision credentials ping start.  TrackingID : "+tid)
	case 1:
		g.rec(SourceDirSync, 654, evtxwriter.LevelInformation, "Provision credentials ping end.  TrackingID : "+tid)
	case 2:
		u := g.users[g.rng.IntN(len(g.users))]
		g.rec(SourceDirSync, 656, evtxwriter.LevelInformation,
			fmt.Sprintf("Password Change Request - Anchor : %s, Dn : %s, Change Date : %s", u.Source, u.DN, g.t.Format("01/02/2006 15:04:05")))
	default:
		u := g.users[g.rng.IntN(len(g.users))]
		g.rec(SourceDirSync, 657, evtxwriter.LevelInformation,
			fmt.Sprintf("Password Change Result - Anchor : %s, Dn : %s, PwdChangeOnLogon=False, Result : Success.", u.Source, u.DN))
	}
}

func (g *logGen) other() {
	g.oth++
	switch g.oth % 3 {
	case 0:
		g.rec("MSSQL$ADSYNC", 17137, evtxwriter.LevelInformation, "ADSync")
	case 1:
		g.rec("Microsoft-Windows-Security-SPP", 16384, evtxwriter.LevelInformation, g.t.Add(26*time.Hour).Format("2006-01-02T15:04:05Z"), "RulesEngine")
	default:
		g.rec("Desktop Window Manager", 9027, evtxwriter.LevelInformation)
	}
	g.batch[len(g.batch)-1].Qualifiers = 16384
}
