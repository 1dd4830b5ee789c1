package scan

import (
	"cmp"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/input"
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
	Attempts correlate.AttemptList    `json:"attempts"`
	Findings []correlate.Finding      `json:"findings"`
	Service  []Service                `json:"service"`       // one per tenant and server
	Counts   correlate.Counts         `json:"counts"`        // over every tenant
	Unjoined []correlate.AttemptEvent `json:"unjoined_6329"` // each names its tenant and server
	// Unattributed lists, per server, the known events that belong to no
	// attempt and no part of the service's record (correlate.Unattributed).
	Unattributed []correlate.Unattributed `json:"unattributed"`
	Damage       []correlate.Damage       `json:"damage"`
	// Interrupted is set when the context ended before the inputs were
	// read to the end (a signal): the Report is of what was read, and
	// Interrupted says which inputs that was. Nil for a whole read; JSON
	// writes it after "tool".
	Interrupted *Interruption `json:"interrupted,omitempty"`

	read *ReadSummary
}

// A Tenant is one case: the servers whose records came in one input
// argument (or every argument, with Options.Tenant). A server whose records
// come in several arguments belongs to the tenant of the first.
type Tenant struct {
	Name    string   `json:"name"`
	Verdict string   `json:"verdict"`
	Servers []Server `json:"servers"`
}

// A Server is one Entra Connect server of a tenant, named by the Computer
// field of its records (see Analyze for how servers are told apart).
type Server struct {
	Name     string           `json:"name,omitempty"`
	TenantID string           `json:"tenant_id,omitempty"` // Entra tenant id, when a heartbeat names it
	Verdict  string           `json:"verdict"`
	Counts   correlate.Counts `json:"counts"`
	Inputs   []string         `json:"inputs"` // paths of the streams that hold its records
}

// Service is the health of the writeback service of one server.
type Service struct {
	Tenant string `json:"tenant"`
	Server string `json:"server,omitempty"`
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
	Tenant       *Tenant
	Server       *Server
	Attempts     correlate.AttemptList
	Findings     []correlate.Finding
	Service      *Service
	Unjoined     []correlate.AttemptEvent
	Unattributed []correlate.Unattributed
	Damage       []correlate.Damage
}

// run returns the elements of list for which in is true: a part of list
// when they lie together (as a server's attempts do), else a copy.
func run[T any](list []T, in func(*T) bool) []T {
	lo := 0
	for lo < len(list) && !in(&list[lo]) {
		lo++
	}
	hi := lo
	for hi < len(list) && in(&list[hi]) {
		hi++
	}
	rest := hi
	for rest < len(list) && !in(&list[rest]) {
		rest++
	}
	if rest == len(list) {
		if lo == hi {
			return nil
		}
		return list[lo:hi:hi]
	}
	out := slices.Clone(list[lo:hi])
	for i := rest; i < len(list); i++ {
		if in(&list[i]) {
			out = append(out, list[i])
		}
	}
	return out
}

// attemptsOf returns the attempts of list that belong to tenant and
// server: a part of list when they lie together (as a server's attempts
// do), else a copy.
func attemptsOf(list correlate.AttemptList, tenant, server string) correlate.AttemptList {
	in := func(i int) bool {
		t, s := list.Owner(i)
		return t == tenant && s == server
	}
	n := list.Len()
	lo := 0
	for lo < n && !in(lo) {
		lo++
	}
	hi := lo
	for hi < n && in(hi) {
		hi++
	}
	rest := hi
	for rest < n && !in(rest) {
		rest++
	}
	if rest == n {
		return list.Slice(lo, hi)
	}
	out := list.Slice(lo, hi).List()
	for i := rest; i < n; i++ {
		if in(i) {
			out = append(out, list.At(i))
		}
	}
	return correlate.AttemptsOf(out...)
}

// Views returns the part of the report of each server, tenant by tenant.
func (r *Report) Views() []View {
	var out []View
	for ti := range r.Tenants {
		t := &r.Tenants[ti]
		for si := range t.Servers {
			s := &t.Servers[si]
			v := View{Tenant: t, Server: s}
			v.Attempts = attemptsOf(r.Attempts, t.Name, s.Name)
			for i := range r.Findings {
				if f := &r.Findings[i]; f.Tenant == t.Name && f.Server == s.Name {
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
			for _, e := range r.Unjoined {
				if e.Tenant == t.Name && e.Server == s.Name {
					v.Unjoined = append(v.Unjoined, e)
				}
			}
			for _, u := range r.Unattributed {
				if u.Tenant == t.Name && u.Server == s.Name {
					v.Unattributed = append(v.Unattributed, u)
				}
			}
			out = append(out, v)
		}
	}
	return out
}

// DefaultTenant is the tenant name of an input argument: its base name
// without its extension (for a bucket URL, of its path, the query left
// out).
func DefaultTenant(path string) string {
	if input.IsURL(path) {
		path, _, _ = strings.Cut(path, "?")
	}
	base := filepath.Base(filepath.Clean(path))
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
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
