// Package batch writes the data lake of many tenants: it turns input
// arguments into tenants (Units), picks the shard of a job array (Shard,
// ParseShard), analyses each tenant with scan.Analyze and writes its rows
// with package lake, several tenants at once, skipping with Resume those
// whose manifest shows them written by the same version, schema, input and
// options. The command line (cmd/evtxscan) only parses flags and prints.
package batch

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/input"
	"github.com/evtxscan/evtxscan/lake"
	"github.com/evtxscan/evtxscan/parser"
	"github.com/evtxscan/evtxscan/pseudonym"
	"github.com/evtxscan/evtxscan/scan"
)

// Config configures Run.
type Config struct {
	// Out is the lake: a folder, or a bucket URL (see lake.OpenURL).
	Out          string
	Partitioning lake.Partitioning
	// Jobs is how many tenants are read at once (at least 1).
	Jobs int
	// Resume skips the tenants whose manifest is current (lake.Lake.Current).
	Resume bool
	// Shard picks the tenants this process writes.
	Shard Shard
	// Tenant, when set, makes all the inputs one tenant of that name.
	Tenant string
	// Read configures reading the inputs (Stdin is not used).
	Read scan.ReadOptions
	// Catalog diagnoses the causes; nil means catalog.New().
	Catalog *catalog.Catalog
	// Pseudonymizer, when set, replaces personal values in every row.
	Pseudonymizer *pseudonym.Pseudonymizer
	// Version is the evtxscan version recorded in the lake; "" means
	// lake.BuildVersion.
	Version string
	// Stats, when set, is counted into as tenants are written (for a
	// progress display); Run counts into its own otherwise.
	Stats *Stats
	// Notify, when set, is called (from any goroutine, one call at a time)
	// with what a person should read: a tenant that failed, was damaged,
	// was left out.
	Notify func(Note)
}

// Kinds of Note.
const (
	NoteSkippedEntry = "skipped-entry" // an entry of a folder argument that is not a tenant
	NoteDuplicate    = "duplicate"     // a tenant name given twice
	NoteFailed       = "failed"        // a tenant that could not be written
	NoteDamaged      = "damaged"       // a tenant written from damaged input
)

// A Note is a message of Run about one tenant or input.
type Note struct {
	Kind   string
	Tenant string
	Text   string       // one line, without the tenant
	Report *scan.Report // for NoteDamaged: the tenant's analysis
}

// Stats are the counters of a batch.
type Stats struct {
	Total                                   atomic.Int64 // tenants of this shard, set once they are known
	Done, Written, Skipped, Failed, Damaged atomic.Int64
	Records, Events, Attempts, FailedAtt    atomic.Int64
	Joined                                  atomic.Int64 // tenants joined into another's (see Run)
}

// Result sums up a batch.
type Result struct {
	Tenants     int // tenants of this shard, duplicates included
	AllTenants  int // tenants of every shard
	Written     int64
	Skipped     int64 // by Resume
	Failed      int64
	Damaged     int64
	Records     int64
	Events      int64
	Attempts    int64
	FailedAtt   int64
	Joined      int64 // written, then joined into the tenant of an earlier input
	Elapsed     time.Duration
	Interrupted bool // ctx was cancelled: run again with Resume
}

// ErrNoInput is returned by Run when the arguments hold no tenant.
var ErrNoInput = errors.New("no input to read")

// Options returns the text recorded in each manifest for the options that
// shape the rows: a tenant written with other options is written again by
// Resume.
func (c *Config) Options() string {
	ps := "no"
	if c.Pseudonymizer != nil {
		ps = c.Pseudonymizer.Fingerprint()
	}
	return "all=" + strconv.FormatBool(c.Read.All) + " pseudonymize=" + ps
}

// Run writes the tenants of inputs to the lake. The error is for what
// stops the whole batch (the lake cannot be opened, no input); a tenant
// that fails is counted in Result.Failed and told by Notify.
//
// Each tenant is analysed alone (scan.Analyze of its inputs), Jobs at
// once; the tenants whose inputs turn out to hold one server's records are
// then analysed again together and written as scan would tell them apart
// (see join.go): the tenant of the first input takes the server, and a
// tenant left without a server is removed (Result.Joined).
func Run(ctx context.Context, inputs []string, cfg Config) (*Result, error) {
	if cfg.Jobs < 1 {
		cfg.Jobs = 1
	}
	if cfg.Catalog == nil {
		cfg.Catalog = catalog.New()
	}
	st := cfg.Stats
	if st == nil {
		st = new(Stats)
	}
	var mu sync.Mutex
	notify := func(n Note) {
		if cfg.Notify != nil {
			mu.Lock()
			defer mu.Unlock()
			cfg.Notify(n)
		}
	}
	units, notes := Units(inputs, cfg.Tenant, cfg.Out)
	for _, n := range notes {
		notify(Note{Kind: NoteSkippedEntry, Text: n})
	}
	res := &Result{AllTenants: len(units)}
	if len(units) == 0 {
		return res, ErrNoInput
	}
	units = Select(units, cfg.Shard)
	units, dups := Unique(units)
	res.Tenants = len(units) + len(dups)
	st.Total.Store(int64(res.Tenants))

	lk, err := lake.OpenURL(ctx, cfg.Out, lake.Options{Partitioning: cfg.Partitioning, Version: cfg.Version})
	if err != nil {
		return res, err
	}
	defer lk.Close()
	tenants := make([]string, len(units))
	for i, u := range units {
		tenants[i] = u.Tenant
	}
	if _, err := lk.RemoveTemp(tenants); err != nil {
		return res, err
	}
	st.Failed.Add(int64(len(dups)))
	st.Done.Add(int64(len(dups)))
	for _, d := range dups {
		notify(Note{Kind: NoteDuplicate, Tenant: d.Tenant,
			Text: fmt.Sprintf("%s: tenant %q is also the name of %s; skipped (rename one, or give --tenant)", d.Paths[0], d.Tenant, d.Other)})
	}
	// One pool of decoders for the batch: the jobs share its goroutines,
	// batch buffers and template plans instead of making their own for
	// every tenant. Its size is the larger of Workers and Jobs: as many
	// decoders as one job asks for, and no fewer than the jobs, so that
	// many jobs still decode side by side (with GOMAXPROCS of each, the
	// defaults, that is one decoder per processor).
	pool := parser.NewPool(max(cfg.Read.Workers, cfg.Jobs, 1))
	defer pool.Close() // after the jobs are done (wg.Wait below)
	w := &writer{lake: lk, cfg: &cfg, options: cfg.Options(), st: st, notify: notify, pool: pool,
		units: units, done: map[int]unitDone{}}
	start := time.Now()
	// The jobs analyse tenants and hand each one, its files written, to
	// the committers, which close, sync and put its parts in place: a job
	// goes on with the next tenant while the last one's files are synced
	// (milliseconds of waiting per file on a disk). At most Jobs tenants
	// wait to be committed, each holding its last row group in memory.
	work := make(chan int) // index in units
	commits := make(chan *pending)
	var wg, cwg sync.WaitGroup
	for range min(cfg.Jobs, max(len(units), 1)) {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for p := range commits {
				w.commit(ctx, p)
				st.Done.Add(1)
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if p := w.run(ctx, i); p != nil {
					commits <- p
					continue
				}
				st.Done.Add(1)
			}
		}()
	}
feed:
	for i := range units {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(commits)
	cwg.Wait()
	if ctx.Err() == nil {
		// One server's logs given as several inputs: those tenants are
		// written again together, as scan would analyse them.
		w.join(ctx)
	}
	res.Elapsed = time.Since(start)
	res.Written, res.Skipped, res.Failed, res.Damaged = st.Written.Load(), st.Skipped.Load(), st.Failed.Load(), st.Damaged.Load()
	res.Records, res.Events, res.Attempts, res.FailedAtt = st.Records.Load(), st.Events.Load(), st.Attempts.Load(), st.FailedAtt.Load()
	res.Joined = st.Joined.Load()
	res.Interrupted = ctx.Err() != nil
	return res, nil
}

// writer writes tenants; it is shared by the jobs.
type writer struct {
	lake    *lake.Lake
	cfg     *Config
	options string
	st      *Stats
	notify  func(Note)
	pool    *parser.Pool // the decoders of every job
	units   []Unit

	mu   sync.Mutex
	done map[int]unitDone // by index in units: the tenants written or skipped
}

// unitDone is what join needs of a tenant written alone.
type unitDone struct {
	servers          []lake.ManifestServer
	attempts, failed int64 // counted in Stats
	damaged          bool  // counted in Stats
}

func (w *writer) record(i int, d unitDone) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done[i] = d
}

// A pending tenant has its rows written to temporary files, to be
// committed.
type pending struct {
	index int // in writer.units
	unit  Unit
	pw    *lake.Writer
	m     lake.Manifest
	rep   *scan.Report
}

// run reads one tenant and writes its rows. It returns the tenant to
// commit, or nil when it is done with it: skipped by Resume, or failed
// (counted and told).
func (w *writer) run(ctx context.Context, i int) *pending {
	u := w.units[i]
	p, current, err := w.write(ctx, u)
	switch {
	case err != nil:
		w.fail(ctx, u, err)
		return nil
	case p == nil:
		w.st.Skipped.Add(1)
		w.record(i, unitDone{servers: current.Servers})
		return nil
	}
	p.index = i
	return p
}

func (w *writer) fail(ctx context.Context, u Unit, err error) {
	w.st.Failed.Add(1)
	if ctx.Err() == nil {
		w.notify(Note{Kind: NoteFailed, Tenant: u.Tenant, Text: err.Error()})
	}
}

// commit puts the parts of a pending tenant in place, and counts the
// outcome.
func (w *writer) commit(ctx context.Context, p *pending) {
	defer p.pw.Abort() // no effect after Commit
	err := ctx.Err()
	if err == nil {
		err = p.pw.Commit(p.m)
	}
	if err != nil {
		w.fail(ctx, p.unit, err)
		return
	}
	rep := p.rep
	w.st.Written.Add(1)
	for _, f := range rep.Inputs {
		w.st.Records.Add(int64(f.Records))
	}
	w.st.Attempts.Add(int64(rep.Counts.Attempts))
	w.st.FailedAtt.Add(int64(rep.Counts.Failed))
	damaged := len(rep.Inputs) == 0 || rep.Damaged()
	w.record(p.index, unitDone{servers: p.m.Servers, attempts: int64(rep.Counts.Attempts), failed: int64(rep.Counts.Failed), damaged: damaged})
	if damaged {
		w.st.Damaged.Add(1)
		text := "damaged input"
		if len(rep.Inputs) == 0 {
			text = "no EVTX file could be read"
		}
		w.notify(Note{Kind: NoteDamaged, Tenant: p.unit.Tenant, Text: text, Report: rep})
	}
}

// write reads one tenant and writes its rows to the temporary files of a
// lake.Writer; it returns the tenant to commit, or, when Resume found its
// parts written already, nil and the tenant's manifest.
func (w *writer) write(ctx context.Context, u Unit) (_ *pending, current *lake.Manifest, err error) {
	sum, err := lake.ContentHash(ctx, u.Paths)
	if err != nil {
		return nil, nil, err
	}
	id := lake.PartID(u.Tenant, sum)
	lk := w.lake
	if w.cfg.Resume {
		if m, err := lk.Manifest(u.Tenant); err == nil && lk.Current(m, id, sum, w.options) {
			return nil, m, nil
		}
	}
	pw, err := w.create(ctx, u.Tenant, id, sum)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			pw.Abort()
		}
	}()
	conv := &lake.Converter{Tenant: u.Tenant, PartID: id, Roots: u.Paths, Pseudonymizer: w.cfg.Pseudonymizer}
	ro := w.readOptions()
	var row lake.EventRow // one for every event: WriteEvent copies it
	rep, err := scan.Analyze(ctx, u.Paths, scan.Options{ReadOptions: ro, Tenant: u.Tenant, Catalog: w.cfg.Catalog, Tool: lk.Version(),
		Each: func(ev *parser.Event) error {
			row = conv.Event(ev)
			w.st.Events.Add(1)
			return pw.WriteEvent(&row)
		}})
	if err != nil {
		return nil, nil, err
	}
	v := wholeView(u.Tenant, rep)
	if err := writeRows(pw, conv, u.Paths, sum, lk.Version(), w.options, v); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	m := lake.Manifest{Inputs: relInputs(u.Paths), ContentSHA256: sum, Options: w.options, Servers: w.manifestServers(v)}
	return &pending{unit: u, pw: pw, m: m, rep: rep}, nil, nil
}

// create starts the lake.Writer of tenant.
func (w *writer) create(ctx context.Context, tenant, id, sum string) (*lake.Writer, error) {
	return w.lake.CreateContext(ctx, tenant, id, map[string]string{
		"evtxscan.content_sha256": sum,
		"evtxscan.options":        w.options,
	})
}

// readOptions are the options every tenant is read with.
func (w *writer) readOptions() scan.ReadOptions {
	ro := w.cfg.Read
	ro.Stdin = nil
	ro.Pool = w.pool
	if ro.Prepare == nil {
		// Fields extracted once, by the decoders, for the correlator
		// and the events table alike; a text met again in the tenant
		// is not extracted again.
		ro.Prepare = lake.NewPreparer().Prepare
	}
	return ro
}

// A view is the part of an analysis that one tenant's rows are made of:
// the whole Report when the tenant was analysed alone (wholeView), or its
// share of the Report of tenants analysed together (see join.go).
type view struct {
	tenant   string
	attempts correlate.AttemptList
	findings []correlate.Finding
	service  []scan.Service
	servers  []scan.Server
	verdict  string
	counts   correlate.Counts
	inputs   []scan.Input
	skipped  []input.Skipped
	errors   []error
	damaged  bool // some input damaged or unreadable, or none read
}

// wholeView is the view of a Report of one tenant.
func wholeView(tenant string, rep *scan.Report) *view {
	v := &view{tenant: tenant, attempts: rep.Attempts, findings: rep.Findings, service: rep.Service,
		verdict: rep.Verdict, counts: rep.Counts, inputs: rep.Inputs, damaged: len(rep.Inputs) == 0 || rep.Damaged()}
	for _, t := range rep.Tenants {
		if t.Name == tenant {
			v.verdict = t.Verdict
			v.servers = append(v.servers, t.Servers...)
		}
	}
	if sum := rep.Summary(); sum != nil {
		v.skipped, v.errors = sum.Skipped, sum.Errors
	}
	return v
}

// manifestServers are the servers of v as its manifest records them.
func (w *writer) manifestServers(v *view) []lake.ManifestServer {
	var out []lake.ManifestServer
	for _, s := range v.servers {
		if s.Name != "" {
			out = append(out, lake.ManifestServer{Name: w.serverKey(s.Name), EntraTenantID: s.TenantID})
		}
	}
	return out
}

// serverKey is the name a server is told by across tenants: its computer
// name in lower case (scan compares them so), or its token.
func (w *writer) serverKey(name string) string {
	name = strings.ToLower(name)
	if p := w.cfg.Pseudonymizer; p != nil {
		return p.Token(pseudonym.KindComputer, name)
	}
	return name
}

// writeRows writes the rows of every table but events from the view.
func writeRows(pw *lake.Writer, conv *lake.Converter, paths []string, sum, version, options string, v *view) error {
	attempts := make([]lake.AttemptRow, v.attempts.Len())
	for i, a := range v.attempts.All() {
		attempts[i] = conv.Attempt(&a)
	}
	findings := make([]lake.FindingRow, len(v.findings))
	for i := range v.findings {
		findings[i] = conv.Finding(&v.findings[i])
	}
	service := make([]lake.ServiceRow, len(v.service))
	for i := range v.service {
		service[i] = conv.Service(v.service[i].Server, &v.service[i].Service)
	}
	tr := tenantRow(conv, paths, sum, version, options, v)
	if err := pw.WriteAttempts(attempts); err != nil {
		return err
	}
	if err := pw.WriteFindings(findings); err != nil {
		return err
	}
	if err := pw.WriteInputs(inputRows(conv, paths, sum, v)); err != nil {
		return err
	}
	if err := pw.WriteService(service); err != nil {
		return err
	}
	return pw.WriteTenant(&tr)
}

// relInputs are the input arguments as the lake records them (lake.RelPath).
func relInputs(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = lake.RelPath(paths, p)
	}
	return out
}

// tenantRow is the row of the tenants table: the verdict, the servers and
// the totals.
func tenantRow(conv *lake.Converter, paths []string, sum, version, options string, v *view) lake.TenantRow {
	r := lake.TenantRow{
		SchemaVersion: lake.SchemaVersion,
		Tenant:        v.tenant,
		PartID:        conv.PartID,
		Verdict:       conv.Text(v.verdict),
		Servers:       []lake.ServerRef{},
		Input:         conv.Text(strings.Join(relInputs(paths), " ")),
		ContentSHA256: sum,
		ToolVersion:   version,
		Options:       options,
		Files:         int64(len(v.inputs)),
		Attempts:      int64(v.counts.Attempts),
		Succeeded:     int64(v.counts.Succeeded),
		Failed:        int64(v.counts.Failed),
		Incomplete:    int64(v.counts.Incomplete),
		Findings:      int64(len(v.findings)),
		Heartbeats:    int64(v.counts.Heartbeats),
		ServiceErrors: int64(v.counts.ServiceErrors),
		DamagedChunks: int64(v.counts.DamagedChunks),
		Damaged:       v.damaged,
	}
	for _, s := range v.servers {
		r.Servers = append(r.Servers, lake.ServerRef{
			Name: conv.Computer(s.Name), EntraTenantID: s.TenantID, Verdict: conv.Text(s.Verdict),
			Attempts: int64(s.Counts.Attempts), Failed: int64(s.Counts.Failed),
		})
	}
	for _, f := range v.inputs {
		r.Records += int64(f.Records)
		r.Events += int64(f.Events)
	}
	for _, s := range v.service {
		if from := lake.Micros(s.LogFrom.Time); from != 0 && (r.LogFrom == 0 || from < r.LogFrom) {
			r.LogFrom = from
		}
		r.LogTo = max(r.LogTo, lake.Micros(s.LogTo.Time))
	}
	return r
}

// inputRows are the rows of the inputs table: each EVTX stream read, each
// file or entry skipped, each error not already told by a stream's row.
func inputRows(conv *lake.Converter, paths []string, sum string, v *view) []lake.InputRow {
	base := lake.InputRow{
		SchemaVersion: lake.SchemaVersion,
		Tenant:        v.tenant,
		PartID:        conv.PartID,
		Input:         conv.Text(strings.Join(relInputs(paths), " ")),
		ContentSHA256: sum,
		Servers:       []string{},
	}
	var rows []lake.InputRow
	seen := map[string]bool{}
	for _, f := range v.inputs {
		r := base
		r.Kind = lake.InputEVTX
		r.Servers = make([]string, len(f.Servers))
		for i, s := range f.Servers {
			r.Servers[i] = conv.Computer(s)
		}
		r.Path = conv.Path(f.Path)
		r.Size = max(f.Size, 0)
		r.Records, r.Events, r.Filtered, r.Skipped = int64(f.Records), int64(f.Events), int64(f.Filtered), int64(f.Skipped)
		r.Chunks, r.Dirty, r.DamagedChunks = int64(f.Chunks), f.Dirty, int64(f.DamagedCount)
		r.Damage = make([]string, len(f.Damage))
		for i, d := range f.Damage {
			r.Damage[i] = conv.Text(d)
		}
		r.Error = conv.Text(f.Error)
		first, last := f.Span()
		r.FirstRecord, r.LastRecord = lake.Micros(first), lake.Micros(last)
		rows = append(rows, r)
		seen[f.Path] = true
	}
	for _, s := range v.skipped {
		r := base
		r.Kind, r.Path, r.Reason = lake.InputSkipped, conv.Path(s.Path), s.Reason
		rows = append(rows, r)
	}
	for _, e := range v.errors {
		name := errorPath(e)
		if seen[name] {
			continue // told by the stream's row
		}
		r := base
		r.Kind, r.Path, r.Error = lake.InputError, conv.Path(name), conv.Text(e.Error())
		rows = append(rows, r)
	}
	return rows
}

// errorPath is the path an input error names ("" when none): the file,
// then "!" and the entry.
func errorPath(e error) string {
	var ie *input.Error
	if !errors.As(e, &ie) {
		return ""
	}
	if ie.Entry != "" {
		return ie.Path + "!" + ie.Entry
	}
	return ie.Path
}
