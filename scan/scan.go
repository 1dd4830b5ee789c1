package scan

import (
	"cmp"
	"context"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/parser"
)

// Schema names the version of the JSON document of a Report
// (docs/scan.schema.json).
const Schema = "evtxscan-scan/2"

// Options configure Analyze.
type Options struct {
	ReadOptions
	// Tenant names the tenant (the case the engineer works on); "" means
	// the base name of the input argument that holds the records.
	Tenant string
	// Catalog diagnoses the causes; nil means catalog.New().
	Catalog *catalog.Catalog
	// Each, when set, is called with every event kept (the data lake's
	// events table); an error from it stops the analysis. When Each and
	// NeedData are both nil, only the text the correlator reads is decoded.
	Each func(*parser.Event) error
	// Tool is the evtxscan version recorded in the Report.
	Tool string
}

// A Report is the analysis of the inputs of one run: the tenants and their
// servers, and for each server its attempts, findings and service health.
// Every list is flat and each of its objects names its tenant and server,
// so the lists can be written as rows as they are.
type Report struct {
	Schema   string                   `json:"schema"`
	Tool     string                   `json:"tool"`
	Verdict  string                   `json:"verdict"` // over every tenant
	Tenants  []Tenant                 `json:"tenants"`
	Inputs   []Input                  `json:"inputs"`
	Skipped  []Skipped                `json:"skipped"`
	Errors   []string                 `json:"errors"`
	Attempts []correlate.Attempt      `json:"attempts"`
	Findings []correlate.Finding      `json:"findings"`
	Service  []Service                `json:"service"` // one per tenant and server
	Counts   correlate.Counts         `json:"counts"`  // over every tenant
	Unjoined []correlate.AttemptEvent `json:"unjoined_6329"`
	Damage   []correlate.Damage       `json:"damage"`

	read *ReadSummary
}

// A Tenant is one case: the servers whose records came in one input
// argument (or every argument, with Options.Tenant).
type Tenant struct {
	Name    string   `json:"name"`
	Verdict string   `json:"verdict"`
	Servers []Server `json:"servers"`
}

// A Server is one Entra Connect server of a tenant, named by the Computer
// field of its records.
type Server struct {
	Name     string           `json:"name"`
	TenantID string           `json:"tenant_id,omitempty"` // Entra tenant id, when a heartbeat names it
	Verdict  string           `json:"verdict"`
	Counts   correlate.Counts `json:"counts"`
	Inputs   []string         `json:"inputs"` // paths of the streams that hold its records
}

// Service is the health of the writeback service of one server.
type Service struct {
	Tenant string `json:"tenant"`
	Server string `json:"server"`
	correlate.Service
}

// Skipped is an input entry that is not an EVTX stream.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Summary returns what reading the inputs found (nil for a Report not made
// by Analyze).
func (r *Report) Summary() *ReadSummary { return r.read }

// Damaged reports whether any input was damaged or could not be read.
func (r *Report) Damaged() bool { return r.read != nil && r.read.Damaged() }

// A View is the part of a Report that belongs to one server.
type View struct {
	Tenant   *Tenant
	Server   *Server
	Attempts []correlate.Attempt
	Findings []correlate.Finding
	Service  *Service
	Unjoined []correlate.AttemptEvent
	Damage   []correlate.Damage
}

// Views returns the part of the report of each server, tenant by tenant.
func (r *Report) Views() []View {
	var out []View
	for ti := range r.Tenants {
		t := &r.Tenants[ti]
		for si := range t.Servers {
			s := &t.Servers[si]
			v := View{Tenant: t, Server: s}
			for i := range r.Attempts {
				if a := &r.Attempts[i]; a.Tenant == t.Name && (len(t.Servers) == 1 || attemptServer(a) == s.Name) {
					v.Attempts = append(v.Attempts, *a)
				}
			}
			for i := range r.Findings {
				if f := &r.Findings[i]; f.Tenant == t.Name && (len(t.Servers) == 1 || findingServer(f) == s.Name) {
					v.Findings = append(v.Findings, *f)
				}
			}
			for i := range r.Service {
				if sv := &r.Service[i]; sv.Tenant == t.Name && sv.Server == s.Name {
					v.Service = sv
				}
			}
			if v.Service == nil {
				v.Service = &Service{Tenant: t.Name, Server: s.Name}
			}
			for _, d := range r.Damage {
				if slices.Contains(s.Inputs, d.Path) {
					v.Damage = append(v.Damage, d)
				}
			}
			v.Unjoined = r.Unjoined
			out = append(out, v)
		}
	}
	return out
}

// attemptServer and findingServer name the server of an attempt or a
// finding; until the correlator records it there is one server a tenant.
func attemptServer(*correlate.Attempt) string { return "" }
func findingServer(*correlate.Finding) string { return "" }

// DefaultTenant is the tenant name of an input argument: its base name
// without its extension.
func DefaultTenant(path string) string {
	base := filepath.Base(filepath.Clean(path))
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// Analyze reads the inputs and correlates their events: one tenant named
// opt.Tenant, or after the first input.
func Analyze(ctx context.Context, paths []string, opt Options) (*Report, error) {
	tenant := opt.Tenant
	if tenant == "" && len(paths) > 0 {
		tenant = DefaultTenant(paths[0])
	}
	cat := opt.Catalog
	if cat == nil {
		cat = catalog.New()
	}
	ro := opt.ReadOptions
	if opt.Each == nil && ro.NeedData == nil && ro.SampleData == nil {
		// Decode the text of the events the correlator reads, and of one
		// heartbeat per chunk (for the relays); count the rest by id and
		// time.
		ro.NeedData, ro.SampleData = correlate.NeedsData, correlate.SamplesData
	}
	c := correlate.New(correlate.Config{Tenant: tenant, Catalog: cat})
	// Records come in runs of one computer: count runs, not records.
	computers := map[string]int{}
	var computer string
	run := 0
	res, err := Read(ctx, paths, ro, func(ev *parser.Event) error {
		c.Add(ev)
		if ev.Computer != computer {
			if run > 0 {
				computers[computer] += run
			}
			computer, run = ev.Computer, 0
		}
		run++
		if opt.Each != nil {
			return opt.Each(ev)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if run > 0 {
		computers[computer] += run
	}
	for i := range res.Files {
		f := &res.Files[i]
		f.Tenant = tenant
		c.NoteSpan(f.first, f.last)
		for chunk, sp := range f.damageSpans() {
			c.NoteDamage(f.Path, chunk, sp[0], sp[1])
		}
		if f.Error != "" {
			// Read up to a failure: whatever followed is unknown.
			c.NoteDamage(f.Path, f.Chunks, f.last, f.last)
		}
	}
	r := c.Finish()
	server := Server{Name: mostSeen(computers), Counts: r.Counts, Inputs: []string{}}
	for _, f := range res.Files {
		server.Inputs = append(server.Inputs, f.Path)
	}
	rep := &Report{
		Schema:   Schema,
		Tool:     opt.Tool,
		Inputs:   res.Files,
		Skipped:  []Skipped{},
		Errors:   []string{},
		Attempts: r.Attempts,
		Findings: r.Findings,
		Service:  []Service{{Tenant: tenant, Server: server.Name, Service: r.Service}},
		Counts:   r.Counts,
		Unjoined: r.Unjoined,
		Damage:   r.Damage,
		read:     res,
	}
	if rep.Inputs == nil {
		rep.Inputs = []Input{}
	}
	for _, s := range res.Skipped {
		rep.Skipped = append(rep.Skipped, Skipped{s.Path, s.Reason})
	}
	for _, e := range res.Errors {
		rep.Errors = append(rep.Errors, e.Error())
	}
	server.Verdict = Verdict(r.Counts, r.Findings)
	rep.Tenants = []Tenant{{Name: tenant, Verdict: server.Verdict, Servers: []Server{server}}}
	rep.Verdict = server.Verdict
	return rep, nil
}

// mostSeen returns the key with the highest count ("" for none; the
// smallest key among equals).
func mostSeen(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}
