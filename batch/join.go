package batch

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/lake"
	"github.com/evtxscan/evtxscan/parser"
	"github.com/evtxscan/evtxscan/scan"
)

// Joining tenants. A server is the unit of truth (scan.Analyze): the
// records of one server join one timeline whatever file or zip they come
// in, and the server belongs to the tenant of the first input that holds
// its records. Run writes each input as a tenant of its own, several at
// once, before it can know which inputs share a server; when it is done it
// finds the inputs whose servers meet (join.groups), analyses each such
// group again as one command line (scan.Analyze over the group's inputs,
// in their order), writes the tenants that analysis gives and removes
// those it leaves without a server. So a batch gives the tenants, servers,
// attempts and findings that `evtxscan scan` gives for the same inputs.
// The group costs one more reading of its inputs; inputs that share no
// server (the usual batch) cost nothing more.
//
// As in scan, one computer name in two inputs is two servers, one per
// input, when the heartbeats of the two name different Entra tenant ids
// (two customers whose servers share a name): it joins nothing.

// groups returns the groups of units to analyse together: units (by index,
// ascending) whose servers meet, directly or through another unit. A
// server name whose units' heartbeats name different Entra tenant ids
// joins nothing; nameless servers join nothing.
func groups(n int, done map[int]unitDone) [][]int {
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, us := range shared(n, done) {
		for _, u := range us[1:] {
			a, b := find(us[0]), find(u)
			parent[max(a, b)] = min(a, b) // the root is the first unit
		}
	}
	byRoot := map[int][]int{}
	for i := range n {
		if _, ok := done[i]; ok {
			r := find(i)
			byRoot[r] = append(byRoot[r], i)
		}
	}
	var out [][]int
	for _, g := range byRoot {
		if len(g) > 1 {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b []int) int { return a[0] - b[0] })
	return out
}

// shared returns, for each server name held by several units whose
// heartbeats do not disagree on the Entra tenant id, those units in
// ascending order.
func shared(n int, done map[int]unitDone) map[string][]int {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	split := splitNames(all, done)
	units := map[string][]int{}
	for i := range n {
		for _, s := range done[i].servers {
			if s.Name == "" {
				continue
			}
			if us := units[s.Name]; len(us) == 0 || us[len(us)-1] != i {
				units[s.Name] = append(us, i)
			}
		}
	}
	for name, us := range units {
		if len(us) < 2 || split[name] {
			delete(units, name)
		}
	}
	return units
}

// join writes again, together, the tenants whose inputs hold one server's
// records, and removes the tenants left without a server.
func (w *writer) join(ctx context.Context) {
	w.mu.Lock()
	gs := groups(len(w.units), w.done)
	w.mu.Unlock()
	for _, g := range gs {
		if err := w.writeGroup(ctx, g); err != nil {
			// The tenants stay as written alone: whole, but not joined.
			w.fail(ctx, w.units[g[0]], fmt.Errorf("joining the inputs that hold one server's records (%s): %w", w.groupNames(g), err))
		}
	}
}

func (w *writer) groupNames(g []int) string {
	names := make([]string, len(g))
	for i, u := range g {
		names[i] = w.units[u].Tenant
	}
	return strings.Join(names, ", ")
}

// out is where the rows of one tenant of a group go.
type out struct {
	conv *lake.Converter
	pw   *lake.Writer
}

// writeGroup analyses the units g together and writes the tenants of that
// analysis.
func (w *writer) writeGroup(ctx context.Context, g []int) (err error) {
	var paths, names []string
	for _, i := range g {
		u := w.units[i]
		if len(u.Paths) != 1 {
			return fmt.Errorf("tenant %s has %d inputs", u.Tenant, len(u.Paths)) // only with --tenant, which makes one unit
		}
		paths = append(paths, u.Paths[0])
		names = append(names, u.Tenant)
	}
	sum, err := lake.ContentHash(ctx, paths)
	if err != nil {
		return err
	}
	outs := map[string]*out{}
	defer func() {
		for _, o := range outs {
			o.pw.Abort() // no effect after Commit
		}
	}()
	get := func(tenant string) (*out, error) {
		if o := outs[tenant]; o != nil {
			return o, nil
		}
		id := lake.PartID(tenant, sum)
		pw, err := w.create(ctx, tenant, id, sum)
		if err != nil {
			return nil, err
		}
		o := &out{conv: &lake.Converter{Tenant: tenant, PartID: id, Roots: paths, Pseudonymizer: w.cfg.Pseudonymizer}, pw: pw}
		outs[tenant] = o
		return o, nil
	}

	// Events go to the tenant of their server, as scan.Analyze assigns
	// them: the tenant of the first input with the server's records,
	// or, for a name split by tenant id, of the input at hand.
	w.mu.Lock()
	split := splitNames(g, w.done)
	w.mu.Unlock()
	first := map[string]string{} // server key → tenant
	lastPath, lastArg := "", 0
	var row lake.EventRow
	each := func(ev *parser.Event) error {
		if ev.Path != lastPath {
			lastPath, lastArg = ev.Path, argOf(paths, ev.Path)
		}
		key := w.serverKey(ev.Computer)
		tenant := names[lastArg]
		if !split[key] {
			if t, ok := first[key]; ok {
				tenant = t
			} else {
				first[key] = tenant
			}
		}
		o, err := get(tenant)
		if err != nil {
			return err
		}
		row = o.conv.Event(ev)
		return o.pw.WriteEvent(&row)
	}
	rep, err := scan.Analyze(ctx, paths, scan.Options{ReadOptions: w.readOptions(), Catalog: w.cfg.Catalog, Tool: w.lake.Version(), Each: each})
	if err != nil {
		return err
	}
	// The analysis must have put every server where its events went.
	at := map[string][]string{} // server key → tenants
	for _, t := range rep.Tenants {
		for _, s := range t.Servers {
			at[w.serverKey(s.Name)] = append(at[w.serverKey(s.Name)], t.Name)
		}
	}
	for key, t := range first {
		if !slices.Contains(at[key], t) {
			return fmt.Errorf("a server's events went to tenant %s, its analysis to %v", t, at[key])
		}
	}

	kept := map[string]bool{}
	damaged := map[string]bool{}
	for ti := range rep.Tenants {
		t := &rep.Tenants[ti]
		kept[t.Name] = true
		o, err := get(t.Name)
		if err != nil {
			return err
		}
		v := groupView(rep, t, paths, names)
		damaged[t.Name] = v.damaged
		if err := writeRows(o.pw, o.conv, paths, sum, w.lake.Version(), w.options, v); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		m := lake.Manifest{Inputs: relInputs(paths), ContentSHA256: sum, Options: w.options, Servers: w.manifestServers(v)}
		if err := o.pw.Commit(m); err != nil {
			return err
		}
	}
	var before correlate.Counts
	w.mu.Lock()
	for _, i := range g {
		before.Attempts += int(w.done[i].attempts)
		before.Failed += int(w.done[i].failed)
	}
	w.mu.Unlock()
	w.st.Attempts.Add(int64(rep.Counts.Attempts - before.Attempts))
	w.st.FailedAtt.Add(int64(rep.Counts.Failed - before.Failed))
	for k, i := range g {
		name := names[k]
		// Damage is counted by tenant, as the tenants now are.
		switch was := w.doneOf(i).damaged; {
		case damaged[name] && !was:
			w.st.Damaged.Add(1)
			w.notify(Note{Kind: NoteDamaged, Tenant: name, Text: "damaged input", Report: rep})
		case !damaged[name] && was:
			w.st.Damaged.Add(-1)
		}
		if kept[name] {
			continue
		}
		if err := w.lake.Remove(ctx, name); err != nil {
			return err
		}
		w.st.Written.Add(-1)
		w.st.Joined.Add(1)
	}
	return nil
}

func (w *writer) doneOf(i int) unitDone {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.done[i]
}

// splitNames are the server keys of the units g whose heartbeats name
// different Entra tenant ids: scan keeps them apart, one server per input.
func splitNames(g []int, done map[int]unitDone) map[string]bool {
	ids := map[string]string{}
	out := map[string]bool{}
	for _, i := range g {
		for _, s := range done[i].servers {
			if s.EntraTenantID == "" {
				continue
			}
			if id, ok := ids[s.Name]; ok && id != s.EntraTenantID {
				out[s.Name] = true
			}
			ids[s.Name] = s.EntraTenantID
		}
	}
	return out
}

// argOf returns the index of the input argument a stream or entry path p
// was found under (0 when none is found).
func argOf(paths []string, p string) int {
	for i, a := range paths {
		a = filepath.Clean(a)
		if p == a || strings.HasPrefix(p, a+"!") || strings.HasPrefix(p, a+string(filepath.Separator)) {
			return i
		}
	}
	return 0
}

// groupView is the share of tenant t in the analysis rep of the inputs
// paths (tenants names, by input): its servers' attempts, findings,
// service, the streams that hold their records, and the entries skipped
// and errors met in its inputs (in the first tenant's, for an input whose
// tenant was joined into another).
func groupView(rep *scan.Report, t *scan.Tenant, paths, names []string) *view {
	v := &view{tenant: t.Name, servers: t.Servers, verdict: t.Verdict}
	streams := map[string]bool{}
	for _, s := range t.Servers {
		v.counts.Add(s.Counts)
		for _, p := range s.Inputs {
			streams[p] = true
		}
	}
	for i, n := 0, rep.Attempts.Len(); i < n; {
		j := i
		for j < n {
			if tenant, _ := rep.Attempts.Owner(j); tenant != t.Name {
				break
			}
			j++
		}
		v.attempts = v.attempts.Append(rep.Attempts.Slice(i, j)) // a run of t's attempts
		i = max(j, i+1)
	}
	for _, f := range rep.Findings {
		if f.Tenant == t.Name {
			v.findings = append(v.findings, f)
		}
	}
	for _, s := range rep.Service {
		if s.Tenant == t.Name {
			v.service = append(v.service, s)
		}
	}
	for _, in := range rep.Inputs {
		if streams[in.Path] {
			v.inputs = append(v.inputs, in)
		}
	}
	// home is the tenant that tells what was met in input k.
	home := func(k int) string {
		name := names[k]
		if slices.ContainsFunc(rep.Tenants, func(t scan.Tenant) bool { return t.Name == name }) {
			return name
		}
		return rep.Tenants[0].Name
	}
	if sum := rep.Summary(); sum != nil {
		for _, s := range sum.Skipped {
			if home(argOf(paths, s.Path)) == t.Name {
				v.skipped = append(v.skipped, s)
			}
		}
		for _, e := range sum.Errors {
			if home(argOf(paths, errorPath(e))) == t.Name {
				v.errors = append(v.errors, e)
			}
		}
	}
	v.damaged = len(v.inputs) == 0 || len(v.errors) > 0
	for _, in := range v.inputs {
		if len(in.Damage) > 0 || in.Error != "" {
			v.damaged = true
		}
	}
	return v
}
