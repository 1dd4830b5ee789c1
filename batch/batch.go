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
	w := &writer{lake: lk, cfg: &cfg, options: cfg.Options(), st: st, notify: notify}
	start := time.Now()
	work := make(chan Unit)
	var wg sync.WaitGroup
	for range min(cfg.Jobs, max(len(units), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				w.run(ctx, u)
				st.Done.Add(1)
			}
		}()
	}
feed:
	for _, u := range units {
		select {
		case work <- u:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Written, res.Skipped, res.Failed, res.Damaged = st.Written.Load(), st.Skipped.Load(), st.Failed.Load(), st.Damaged.Load()
	res.Records, res.Events, res.Attempts, res.FailedAtt = st.Records.Load(), st.Events.Load(), st.Attempts.Load(), st.FailedAtt.Load()
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
}

// run reads and writes one tenant, and counts the outcome.
func (w *writer) run(ctx context.Context, u Unit) {
	rep, err := w.write(ctx, u)
	switch {
	case err != nil:
		w.st.Failed.Add(1)
		if ctx.Err() == nil {
			w.notify(Note{Kind: NoteFailed, Tenant: u.Tenant, Text: err.Error()})
		}
		return
	case rep == nil:
		w.st.Skipped.Add(1)
		return
	}
	w.st.Written.Add(1)
	for _, f := range rep.Inputs {
		w.st.Records.Add(int64(f.Records))
	}
	w.st.Attempts.Add(int64(rep.Counts.Attempts))
	w.st.FailedAtt.Add(int64(rep.Counts.Failed))
	if len(rep.Inputs) == 0 || rep.Damaged() {
		w.st.Damaged.Add(1)
		text := "damaged input"
		if len(rep.Inputs) == 0 {
			text = "no EVTX file could be read"
		}
		w.notify(Note{Kind: NoteDamaged, Tenant: u.Tenant, Text: text, Report: rep})
	}
}

// write writes the parts of one tenant and returns its report, or nil
// when Resume found them written already.
func (w *writer) write(ctx context.Context, u Unit) (*scan.Report, error) {
	sum, err := lake.ContentHash(ctx, u.Paths)
	if err != nil {
		return nil, err
	}
	id := lake.PartID(u.Tenant, sum)
	lk := w.lake
	if w.cfg.Resume {
		if m, err := lk.Manifest(u.Tenant); err == nil && lk.Current(m, id, sum, w.options) {
			return nil, nil
		}
	}
	pw, err := lk.CreateContext(ctx, u.Tenant, id, map[string]string{
		"evtxscan.content_sha256": sum,
		"evtxscan.options":        w.options,
	})
	if err != nil {
		return nil, err
	}
	defer pw.Abort() // no effect after Commit
	conv := &lake.Converter{Tenant: u.Tenant, PartID: id, Roots: u.Paths, Pseudonymizer: w.cfg.Pseudonymizer}
	ro := w.cfg.Read
	ro.Stdin = nil
	rep, err := scan.Analyze(ctx, u.Paths, scan.Options{ReadOptions: ro, Tenant: u.Tenant, Catalog: w.cfg.Catalog, Tool: lk.Version(),
		Each: func(ev *parser.Event) error {
			row := conv.Event(ev)
			w.st.Events.Add(1)
			return pw.WriteEvent(&row)
		}})
	if err != nil {
		return nil, err
	}
	if err := writeRows(pw, conv, u, sum, lk.Version(), w.options, rep); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := lake.Manifest{Inputs: relInputs(u.Paths), ContentSHA256: sum, Options: w.options}
	if err := pw.Commit(m); err != nil {
		return nil, err
	}
	return rep, nil
}

// writeRows writes the rows of every table but events from the report.
func writeRows(pw *lake.Writer, conv *lake.Converter, u Unit, sum, version, options string, rep *scan.Report) error {
	attempts := make([]lake.AttemptRow, rep.Attempts.Len())
	for i, a := range rep.Attempts.All() {
		attempts[i] = conv.Attempt(&a)
	}
	findings := make([]lake.FindingRow, len(rep.Findings))
	for i := range rep.Findings {
		findings[i] = conv.Finding(&rep.Findings[i])
	}
	service := make([]lake.ServiceRow, len(rep.Service))
	for i := range rep.Service {
		service[i] = conv.Service(rep.Service[i].Server, &rep.Service[i].Service)
	}
	tr := tenantRow(conv, u, sum, version, options, rep)
	if err := pw.WriteAttempts(attempts); err != nil {
		return err
	}
	if err := pw.WriteFindings(findings); err != nil {
		return err
	}
	if err := pw.WriteInputs(inputRows(conv, u, sum, rep)); err != nil {
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
func tenantRow(conv *lake.Converter, u Unit, sum, version, options string, rep *scan.Report) lake.TenantRow {
	r := lake.TenantRow{
		SchemaVersion: lake.SchemaVersion,
		Tenant:        u.Tenant,
		PartID:        conv.PartID,
		Verdict:       conv.Text(rep.Verdict),
		Servers:       []lake.ServerRef{},
		Input:         conv.Text(strings.Join(relInputs(u.Paths), " ")),
		ContentSHA256: sum,
		ToolVersion:   version,
		Options:       options,
		Files:         int64(len(rep.Inputs)),
		Attempts:      int64(rep.Counts.Attempts),
		Succeeded:     int64(rep.Counts.Succeeded),
		Failed:        int64(rep.Counts.Failed),
		Incomplete:    int64(rep.Counts.Incomplete),
		Findings:      int64(len(rep.Findings)),
		Heartbeats:    int64(rep.Counts.Heartbeats),
		ServiceErrors: int64(rep.Counts.ServiceErrors),
		DamagedChunks: int64(rep.Counts.DamagedChunks),
		Damaged:       len(rep.Inputs) == 0 || rep.Damaged(),
	}
	for _, t := range rep.Tenants {
		if t.Name != u.Tenant {
			continue
		}
		r.Verdict = conv.Text(t.Verdict)
		for _, s := range t.Servers {
			r.Servers = append(r.Servers, lake.ServerRef{
				Name: conv.Computer(s.Name), EntraTenantID: s.TenantID, Verdict: conv.Text(s.Verdict),
				Attempts: int64(s.Counts.Attempts), Failed: int64(s.Counts.Failed),
			})
		}
	}
	for _, f := range rep.Inputs {
		r.Records += int64(f.Records)
		r.Events += int64(f.Events)
	}
	for _, s := range rep.Service {
		if from := lake.Micros(s.LogFrom.Time); from != 0 && (r.LogFrom == 0 || from < r.LogFrom) {
			r.LogFrom = from
		}
		r.LogTo = max(r.LogTo, lake.Micros(s.LogTo.Time))
	}
	return r
}

// inputRows are the rows of the inputs table: each EVTX stream read, each
// file or entry skipped, each error not already told by a stream's row.
func inputRows(conv *lake.Converter, u Unit, sum string, rep *scan.Report) []lake.InputRow {
	base := lake.InputRow{
		SchemaVersion: lake.SchemaVersion,
		Tenant:        u.Tenant,
		PartID:        conv.PartID,
		Input:         conv.Text(strings.Join(relInputs(u.Paths), " ")),
		ContentSHA256: sum,
		Servers:       []string{},
	}
	var rows []lake.InputRow
	seen := map[string]bool{}
	for _, f := range rep.Inputs {
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
	if sum := rep.Summary(); sum != nil {
		for _, s := range sum.Skipped {
			r := base
			r.Kind, r.Path, r.Reason = lake.InputSkipped, conv.Path(s.Path), s.Reason
			rows = append(rows, r)
		}
		for _, e := range sum.Errors {
			name := ""
			var ie *input.Error
			if errors.As(e, &ie) {
				name = ie.Path
				if ie.Entry != "" {
					name += "!" + ie.Entry
				}
			}
			if seen[name] {
				continue // told by the stream's row
			}
			r := base
			r.Kind, r.Path, r.Error = lake.InputError, conv.Path(name), conv.Text(e.Error())
			rows = append(rows, r)
		}
	}
	return rows
}
