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

// Analyze reads the inputs and correlates their events, server by server.
//
// A server is the unit of truth. Every record belongs to the server named
// by its Computer field, and each server has its own correlator: its own
// attempts, service health, findings and counts. The records of one server
// join into one timeline whatever their order and container (an
// Archive-Application-….evtx beside Application.evtx, as two arguments or
// in one zip). Records of different Computers never merge, whether they
// come as separate arguments or inside one zip (an active and a staging
// server). The same Computer in two arguments is one server, unless the
// heartbeats of the two arguments name different Entra tenant ids (the
// first GUID of a 31019 endpoint): then they are two servers, one per
// argument — two customers whose servers share a name — and the inputs are
// read a second time to keep them apart (Options.Each sees every event
// once, in the first reading).
//
// The tenant of a server is opt.Tenant when set; otherwise the base name
// of the input argument that holds its records (DefaultTenant; the first
// such argument when several do; made unique when two arguments share a
// base name).
//
// The service's span of a server comes from its records and from the
// Application logs that hold them: a file widens it only when it holds
// records of the writeback sources (or, with no record kept, when it is
// named like an Application log) and belongs to that one server; the
// System, Security or Setup logs of a bundle never do.
//
// When ctx ends during the read, the Report of what was read is returned
// with ctx.Err() and Report.Interrupted set; any other error with a nil
// Report.
func Analyze(ctx context.Context, paths []string, opt Options) (*Report, error) {
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
	if opt.Each == nil {
		// The correlator reads none of these: they are not decoded.
		ro.Skip |= parser.FieldQualifiers | parser.FieldLevel | parser.FieldTask | parser.FieldKeywords | parser.FieldUserSID
	}
	if ro.Prepare == nil {
		// The fields the correlator reads are extracted by the decoders,
		// and the evidence it keeps of long texts reduced there.
		ro.Prepare = correlate.PrepareFor(cat)
	}
	tenants := tenantNames(paths, opt.Tenant)
	p, err := analyzePass(ctx, paths, ro, opt, cat, tenants, nil)
	if p == nil {
		return nil, err
	}
	if split := p.conflicts(); err == nil && len(split) > 0 {
		opt.Each = nil // it has seen every event already
		if p, err = analyzePass(ctx, paths, ro, opt, cat, tenants, split); p == nil {
			return nil, err
		}
	}
	rep := p.report(opt, tenants)
	if err != nil { // interrupted: the report of what was read (interrupt.go)
		rep.Interrupted = p.sum.interruption(ctx, paths)
	}
	return rep, err
}

// tenantNames returns the tenant of each argument.
func tenantNames(paths []string, fixed string) []string {
	out := make([]string, len(paths))
	used := map[string]int{}
	for i, p := range paths {
		if fixed != "" {
			out[i] = fixed
			continue
		}
		name := DefaultTenant(p)
		if j, ok := used[name]; ok && filepath.Clean(paths[j]) != filepath.Clean(p) {
			name = filepath.ToSlash(filepath.Clean(p)) // two arguments share a base name
		}
		if _, ok := used[name]; !ok {
			used[name] = i
		}
		out[i] = name
	}
	return out
}

// serverKey identifies a server during a pass: its Computer, without case,
// and the argument when that Computer is split by argument.
type serverKey struct {
	computer string
	arg      int // -1: every argument
}

type serverState struct {
	key      serverKey
	name     string // Computer as first seen
	firstArg int
	order    int    // first seen
	args     uint64 // arguments with records of it (bit i; bit 63 for 63 and on)
	c        *correlate.Correlator
	ids      []map[string]int // per argument: Entra tenant ids of the heartbeats
	files    []int            // indexes in pass.files
	tenantID string
	result   *correlate.Result
}

type fileState struct {
	path     string
	servers  []*serverState
	wb       bool // holds records of the writeback sources or of the Application channel
	lastSeen *serverState
}

type pass struct {
	paths   []string
	opt     Options
	cat     *catalog.Catalog
	tenants []string
	split   map[string]bool // Computers split by argument
	servers map[serverKey]*serverState
	list    []*serverState
	files   map[string]*fileState
	sum     *ReadSummary
}

func analyzePass(ctx context.Context, paths []string, ro ReadOptions, opt Options, cat *catalog.Catalog, tenants []string, split map[string]bool) (*pass, error) {
	p := &pass{paths: paths, opt: opt, cat: cat, tenants: tenants, split: split,
		servers: map[serverKey]*serverState{}, files: map[string]*fileState{}}
	var (
		lastComputer string
		lastPath     string
		lastArg      = -1
		cur          *serverState
		curFile      *fileState
		writeback    = parser.Providers(catalog.WritebackSources()...)
	)
	sum, err := readArgs(ctx, paths, ro, func(arg int, ev *parser.Event) error {
		if cur == nil || ev.Computer != lastComputer || arg != lastArg {
			cur = p.server(ev.Computer, arg)
			lastArg = arg
		}
		// Kept for the next event: a decoder hands out the same string
		// for the next Computer of its chunks, so the comparison above
		// is mostly of pointers.
		lastComputer = ev.Computer
		if curFile == nil || ev.Path != lastPath {
			// As lastComputer: the Reader hands out one string for the
			// path of its events (curFile.path is a copy).
			curFile = p.file(ev.Path)
			lastPath = ev.Path
		}
		if curFile.lastSeen != cur {
			if !slices.Contains(curFile.servers, cur) {
				curFile.servers = append(curFile.servers, cur)
			}
			curFile.lastSeen = cur
		}
		if !curFile.wb && (writeback(ev.Provider) || strings.EqualFold(ev.Channel, "Application")) {
			curFile.wb = true
		}
		cur.args |= 1 << min(arg, 63)
		cur.c.Add(ev)
		if ev.EventID == 31019 && len(ev.Data) > 0 && strings.EqualFold(ev.Provider, catalog.SourcePasswordReset) {
			if id := tenantIDOf(ev); id != "" {
				cur.ids[arg][id]++
			}
		}
		if opt.Each != nil {
			return opt.Each(ev)
		}
		return nil
	})
	p.sum = sum
	if err != nil && !sum.stopped {
		return nil, err
	}
	// An argument whose streams hold no record kept is still a tenant: one
	// server without a name, which says that no writeback event was found.
	for i := range paths {
		if !slices.ContainsFunc(p.list, func(s *serverState) bool { return s.firstArg == i || s.hasArg(i) }) &&
			slices.ContainsFunc(sum.Files, func(in Input) bool { return in.arg == i }) {
			p.placeholder(i)
		}
	}
	p.finish()
	return p, err // err: the context ended (sum.stopped)
}

// tenantIDOf returns the Entra tenant id a heartbeat names: the first GUID
// of its endpoint "<tenant id>_<guid>".
func tenantIDOf(ev *parser.Event) string {
	var ep string
	if f, ok := correlate.PreparedFields(ev); ok {
		ep = f.Endpoint // extracted by the decoders
	} else {
		ep = correlate.Extract(ev.Provider, ev.EventID, ev.Data).Endpoint
	}
	if i := strings.IndexByte(ep, '_'); i > 0 {
		return strings.ToLower(ep[:i])
	}
	return ""
}

func (p *pass) server(computer string, arg int) *serverState {
	k := serverKey{strings.ToLower(computer), -1}
	if p.split[k.computer] {
		k.arg = arg
	}
	if s := p.servers[k]; s != nil {
		return s
	}
	return p.newServer(k, strings.Clone(computer), arg)
}

// newServer adds the server of key k, named name, first seen in arg.
func (p *pass) newServer(k serverKey, name string, arg int) *serverState {
	s := &serverState{key: k, name: name, firstArg: arg, order: len(p.list),
		ids: make([]map[string]int, len(p.paths))}
	for i := range s.ids {
		s.ids[i] = map[string]int{}
	}
	s.c = correlate.New(correlate.Config{Tenant: p.tenants[arg], Server: name, Catalog: p.cat})
	p.servers[k] = s
	p.list = append(p.list, s)
	return s
}

// hasArg reports whether s has records in argument arg.
func (s *serverState) hasArg(arg int) bool { return s.args&(1<<min(arg, 63)) != 0 }

// placeholder adds the nameless server of argument arg.
func (p *pass) placeholder(arg int) {
	if k := (serverKey{"", arg}); p.servers[k] == nil {
		p.newServer(k, "", arg)
	}
}

func (p *pass) file(path string) *fileState {
	f := p.files[path]
	if f == nil {
		f = &fileState{path: strings.Clone(path)}
		p.files[f.path] = f
	}
	return f
}

// conflicts returns the Computers seen in several arguments whose
// heartbeats name different tenant ids.
func (p *pass) conflicts() map[string]bool {
	out := map[string]bool{}
	for _, s := range p.list {
		if s.key.arg >= 0 {
			continue
		}
		seen := ""
		for _, ids := range s.ids {
			id := mostSeen(ids)
			if id == "" {
				continue
			}
			if seen != "" && id != seen {
				out[s.key.computer] = true
			}
			seen = id
		}
	}
	return out
}

// finish tells each correlator of the spans and damage of its files and
// closes it.
func (p *pass) finish() {
	argOf := map[string]int{}
	for i := range p.sum.Files {
		argOf[p.sum.Files[i].Path] = p.sum.Files[i].arg
	}
	argServers := map[int][]*serverState{}
	for _, s := range p.list { // in the order first seen
		for _, f := range p.files {
			a := argOf[f.path]
			if slices.Contains(f.servers, s) && !slices.Contains(argServers[a], s) {
				argServers[a] = append(argServers[a], s)
			}
		}
	}
	for _, s := range p.list {
		if len(argServers[s.firstArg]) == 0 {
			argServers[s.firstArg] = append(argServers[s.firstArg], s)
		}
	}
	for i := range p.sum.Files {
		in := &p.sum.Files[i]
		fst := p.files[in.Path]
		var owners []*serverState
		if fst != nil {
			owners = fst.servers
		}
		if len(owners) == 0 {
			// No record kept: it may hold any server's records of its argument.
			owners = argServers[in.arg]
		}
		for _, s := range owners {
			s.files = append(s.files, i)
		}
		appLog := fst != nil && fst.wb
		if fst == nil && strings.Contains(strings.ToLower(baseOf(in.Path)), "application") {
			appLog = true
		}
		if appLog && len(owners) == 1 {
			owners[0].c.NoteSpan(in.first, in.last)
		}
		for _, s := range owners {
			for chunk, sp := range in.damageSpans() {
				s.c.NoteDamage(in.Path, chunk, sp[0], sp[1])
			}
			if in.Error != "" {
				// Read up to a failure: whatever followed is unknown.
				s.c.NoteDamage(in.Path, in.Chunks, in.last, in.last)
			}
		}
	}
	for _, s := range p.list {
		s.result = s.c.Finish()
		all := map[string]int{}
		for _, ids := range s.ids {
			for id, n := range ids {
				all[id] += n
			}
		}
		s.tenantID = mostSeen(all)
	}
}

func baseOf(path string) string {
	if i := strings.LastIndexAny(path, `/\!`); i >= 0 {
		return path[i+1:]
	}
	return path
}

// report assembles the Report: tenants in the order of their arguments,
// servers by name within a tenant, and the flat lists in that order.
func (p *pass) report(opt Options, tenants []string) *Report {
	rep := &Report{
		Schema:       Schema,
		Tool:         opt.Tool,
		Tenants:      []Tenant{},
		Inputs:       p.sum.Files,
		Skipped:      []Skipped{},
		Errors:       []string{},
		Findings:     []correlate.Finding{},
		Service:      []Service{},
		Unjoined:     []correlate.AttemptEvent{},
		Unattributed: []correlate.Unattributed{},
		Damage:       []correlate.Damage{},
		read:         p.sum,
	}
	if rep.Inputs == nil {
		rep.Inputs = []Input{}
	}
	for i := range rep.Inputs {
		if rep.Inputs[i].Damage == nil {
			rep.Inputs[i].Damage = []string{} // lists are always written
		}
	}
	for _, s := range p.sum.Skipped {
		rep.Skipped = append(rep.Skipped, Skipped{s.Path, s.Reason})
	}
	for _, e := range p.sum.Errors {
		rep.Errors = append(rep.Errors, e.Error())
	}
	// Tenants by first argument; servers by name (then first seen).
	byTenant := map[string][]*serverState{}
	var order []string
	for _, s := range p.list {
		t := tenants[s.firstArg]
		if _, ok := byTenant[t]; !ok {
			order = append(order, t)
		}
		byTenant[t] = append(byTenant[t], s)
	}
	slices.SortStableFunc(order, func(a, b string) int {
		return cmp.Compare(slices.Index(tenants, a), slices.Index(tenants, b))
	})
	serverOf := map[int][]string{} // input index → server names
	var states []tenantState
	for _, tn := range order {
		ss := byTenant[tn]
		slices.SortStableFunc(ss, func(a, b *serverState) int {
			if c := strings.Compare(a.name, b.name); c != 0 {
				return c
			}
			return cmp.Compare(a.order, b.order)
		})
		// Two servers of one name in one tenant (split by argument, with
		// --tenant): tell them apart by their argument.
		for i, s := range ss {
			if (i > 0 && strings.EqualFold(ss[i-1].name, s.name)) || (i+1 < len(ss) && strings.EqualFold(ss[i+1].name, s.name)) {
				s.rename(s.name + " [" + filepath.ToSlash(p.paths[s.firstArg]) + "]")
			}
		}
		t := Tenant{Name: tn, Servers: []Server{}}
		st := tenantState{name: tn, rank: -1}
		var counts correlate.Counts
		var findings []correlate.Finding
		for _, s := range ss {
			r := s.result
			srv := Server{Name: s.name, TenantID: s.tenantID, Counts: r.Counts, Inputs: []string{},
				Verdict: Verdict(r.Counts, r.Findings)}
			for _, i := range s.files {
				srv.Inputs = append(srv.Inputs, p.sum.Files[i].Path)
				serverOf[i] = append(serverOf[i], s.name)
			}
			t.Servers = append(t.Servers, srv)
			rep.Attempts = rep.Attempts.Append(r.Attempts) // shared, not copied
			rep.Findings = append(rep.Findings, r.Findings...)
			rep.Service = append(rep.Service, Service{Tenant: tn, Server: s.name, Service: r.Service})
			rep.Unjoined = append(rep.Unjoined, r.Unjoined...)
			rep.Unattributed = append(rep.Unattributed, r.Unattributed...)
			rep.Damage = append(rep.Damage, r.Damage...)
			rep.Counts.Add(r.Counts)
			counts.Add(r.Counts)
			findings = append(findings, r.Findings...)
			if rank, label := state(r.Counts, r.Findings); rank > st.rank {
				st.rank, st.label = rank, label
			}
		}
		states = append(states, st)
		if len(ss) == 1 {
			t.Verdict = t.Servers[0].Verdict
		} else {
			t.Verdict = tenantVerdict(counts, findings, len(ss))
		}
		rep.Tenants = append(rep.Tenants, t)
	}
	for i := range rep.Inputs {
		in := &rep.Inputs[i]
		in.Tenant = tenants[in.arg]
		in.Servers = append([]string{}, serverOf[i]...)
	}
	rep.Damage = dedupDamage(rep.Damage)
	rep.Verdict = overallVerdict(rep.Tenants, states)
	return rep
}

// rename gives a server another name in its results.
func (s *serverState) rename(name string) {
	s.name = name
	r := s.result
	r.Server = name
	r.Service.Server = name
	r.Attempts.SetServer(name)
	for i := range r.Findings {
		r.Findings[i].Server = name
	}
	for i := range r.Unjoined {
		r.Unjoined[i].Server = name
	}
	for i := range r.Unattributed {
		r.Unattributed[i].Server = name
	}
}

// dedupDamage drops the damaged chunks noted to several servers twice.
func dedupDamage(ds []correlate.Damage) []correlate.Damage {
	out := ds[:0]
	seen := map[[2]any]bool{}
	for _, d := range ds {
		k := [2]any{d.Path, d.Chunk}
		if !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	return out
}
