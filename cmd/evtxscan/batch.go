package main

// The data-lake batch mode of scan: --format parquet --out DIR. Each input
// is a tenant; see docs/lake.md.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/input"
	"github.com/evtxscan/evtxscan/internal/safeterm"
	"github.com/evtxscan/evtxscan/lake"
	"github.com/evtxscan/evtxscan/parser"
	"github.com/evtxscan/evtxscan/pseudonym"
	"github.com/evtxscan/evtxscan/report"
	"github.com/evtxscan/evtxscan/scan"
)

// batchFlags are the flags of the Parquet batch mode of scan.
type batchFlags struct {
	partition string
	jobs      int
	resume    bool
	shard     string
	keyFile   string
	progress  string
}

func (bf *batchFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&bf.partition, "partition", "tenant,date", "parquet: folder layout of the tables: tenant,date, tenant or none")
	fs.IntVar(&bf.jobs, "jobs", runtime.GOMAXPROCS(0), "parquet: tenants read at once (each with --workers chunk decoders)")
	fs.BoolVar(&bf.resume, "resume", false, "parquet: skip tenants already written completely to --out from the same input with the same options")
	fs.StringVar(&bf.shard, "shard", "", "parquet: I/N, write only shard I of N (1-based) of the tenants, chosen by a hash of the tenant name, to split a batch over a job array")
	fs.StringVar(&bf.keyFile, "pseudonymize-key", "", "parquet: replace UPNs, anchors, SIDs, computer names and DNs with HMAC-SHA256 tokens keyed by the contents of FILE (at least 16 bytes)")
	fs.StringVar(&bf.progress, "progress", "auto", "parquet: progress bar on standard error: auto (on a terminal), always, never")
}

// A batchUnit is one tenant of a batch: its name and the paths read for it.
type batchUnit struct {
	tenant string
	paths  []string
}

// batchConfig is what every job of a batch shares.
type batchConfig struct {
	lake    *lake.Lake
	rf      readFlags
	cat     *catalog.Catalog
	ps      *pseudonym.Pseudonymizer
	options string // the options that shape the rows, recorded in manifests
	resume  bool
}

// batchStats are counted by the jobs, read by the progress bar.
type batchStats struct {
	done, written, skipped, failed, damaged atomic.Int64
	records, events, attempts, failedAtt    atomic.Int64
}

// runBatch writes the tables of the data lake: each input is a tenant.
func runBatch(ctx context.Context, sf *scanFlags, inputs []string, stdout, stderr io.Writer) int {
	bf := &sf.batch
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "evtxscan scan: "+format+"\n", args...)
		return exitUsage
	}
	if sf.out == "" {
		return fail("--format parquet needs --out DIR, the folder of the data lake")
	}
	part, err := lake.ParsePartitioning(bf.partition)
	if err != nil {
		return fail("--partition: %v", err)
	}
	if bf.jobs < 1 {
		return fail("--jobs must be at least 1")
	}
	shardI, shardN, err := parseShard(bf.shard)
	if err != nil {
		return fail("--shard: %v", err)
	}
	switch bf.progress {
	case "auto", "always", "never":
	default:
		return fail("unknown --progress %q (auto, always, never)", bf.progress)
	}
	cfg := &batchConfig{rf: sf.readFlags, cat: catalog.New(), resume: bf.resume}
	cfg.options = "all=" + strconv.FormatBool(sf.All) + " pseudonymize=no"
	if bf.keyFile != "" {
		key, err := os.ReadFile(bf.keyFile)
		if err != nil {
			return fail("--pseudonymize-key: %v", err)
		}
		key = bytes.TrimSpace(key)
		if !pseudonym.CheckKey(key) {
			return fail("--pseudonymize-key: %s holds %d bytes; a key needs at least %d", bf.keyFile, len(key), pseudonym.MinKeySize)
		}
		cfg.ps = pseudonym.New(key)
		cfg.options = "all=" + strconv.FormatBool(sf.All) + " pseudonymize=" + cfg.ps.Fingerprint()
	}

	units, notes := batchUnits(inputs, sf.tenant, sf.out)
	for _, n := range notes {
		fmt.Fprintf(stderr, "evtxscan: %s\n", safeterm.String(n))
	}
	total := len(units)
	if shardN > 1 {
		units = selectShard(units, shardI, shardN)
	}
	units, dups := uniqueTenants(units)
	if total == 0 {
		fmt.Fprintf(stderr, "evtxscan scan: no input to read\n")
		return exitFatal
	}

	lk, err := lake.Open(sf.out, lake.Options{Partitioning: part})
	if err != nil {
		fmt.Fprintf(stderr, "evtxscan scan: %v\n", err)
		return exitFatal
	}
	cfg.lake = lk
	tenants := make([]string, len(units))
	for i, u := range units {
		tenants[i] = u.tenant
	}
	if _, err := lk.RemoveTemp(tenants); err != nil {
		fmt.Fprintf(stderr, "evtxscan scan: %v\n", err)
		return exitFatal
	}

	con := newConsole(stderr, bf.progress, os.Getenv)
	var st batchStats
	st.failed.Add(int64(len(dups)))
	st.done.Add(int64(len(dups)))
	for _, d := range dups {
		con.printf("evtxscan scan: %s: tenant %q is also the name of %s; skipped (rename one, or give --tenant)\n", d.paths[0], d.tenant, d.other)
	}
	start := time.Now()
	stopBar := con.startBar(ctx, &st, len(units)+len(dups), start)

	work := make(chan batchUnit)
	var wg sync.WaitGroup
	jobs := min(bf.jobs, max(len(units), 1))
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				runUnit(ctx, cfg, u, &st, con)
				st.done.Add(1)
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
	stopBar()

	el := time.Since(start)
	n := st.written.Load() + st.skipped.Load() + st.failed.Load()
	var b strings.Builder
	fmt.Fprintf(&b, "evtxscan scan: %d tenants", len(units)+len(dups))
	if shardN > 1 {
		fmt.Fprintf(&b, " (shard %d/%d of %d)", shardI, shardN, total)
	}
	fmt.Fprintf(&b, " in %.1f s (%.1f/s): %d written, %d skipped by --resume, %d failed, %d damaged; %d records, %d events, %d attempts (%d failed); lake %s\n",
		el.Seconds(), float64(n)/max(el.Seconds(), 1e-3), st.written.Load(), st.skipped.Load(), st.failed.Load(), st.damaged.Load(),
		st.records.Load(), st.events.Load(), st.attempts.Load(), st.failedAtt.Load(), sf.out)
	con.printf("%s", b.String())
	switch {
	case ctx.Err() != nil:
		con.printf("evtxscan scan: interrupted; run again with --resume to finish\n")
		return exitFatal
	case st.failed.Load() > 0:
		return exitFatal
	case st.damaged.Load() > 0:
		return exitDamaged
	}
	return exitOK
}

// runUnit reads and writes one tenant, and counts the outcome in st.
func runUnit(ctx context.Context, cfg *batchConfig, u batchUnit, st *batchStats, con *console) {
	res, err := writeUnit(ctx, cfg, u, st)
	switch {
	case err != nil:
		st.failed.Add(1)
		if ctx.Err() == nil {
			con.printf("evtxscan scan: %s: %v\n", u.tenant, err)
		}
		return
	case res == nil:
		st.skipped.Add(1)
		return
	}
	st.written.Add(1)
	for _, f := range res.Inputs {
		st.records.Add(int64(f.Records))
	}
	st.attempts.Add(int64(res.Counts.Attempts))
	st.failedAtt.Add(int64(res.Counts.Failed))
	if len(res.Inputs) == 0 || res.Damaged() {
		st.damaged.Add(1)
		var b bytes.Buffer
		report.Damage(&b, res.Summary())
		if len(res.Inputs) == 0 {
			fmt.Fprintf(&b, "evtxscan scan: %s: no EVTX file could be read\n", u.tenant)
		}
		con.printf("%s", b.String())
	}
}

// writeUnit writes the parts of one tenant and returns its report, or nil
// when --resume found them written already.
func writeUnit(ctx context.Context, cfg *batchConfig, u batchUnit, st *batchStats) (*scan.Report, error) {
	sum, err := lake.ContentHash(ctx, u.paths)
	if err != nil {
		return nil, err
	}
	id := lake.PartID(u.tenant, sum)
	lk := cfg.lake
	if cfg.resume {
		m, err := lk.Manifest(u.tenant)
		if err == nil && m.Complete && m.Schema == lake.Schema && m.PartID == id && m.ContentSHA256 == sum &&
			m.Options == cfg.options && m.Partitioning == lk.Partitioning().String() {
			return nil, nil
		}
	}
	w, err := lk.Create(u.tenant, id, map[string]string{
		"evtxscan.content_sha256": sum,
		"evtxscan.options":        cfg.options,
	})
	if err != nil {
		return nil, err
	}
	defer w.Abort() // no effect after Commit
	conv := &lake.Converter{Tenant: u.tenant, PartID: id, Pseudonymizer: cfg.ps}
	rep, err := scan.Analyze(ctx, u.paths, scan.Options{ReadOptions: cfg.rf.ReadOptions, Tenant: u.tenant, Catalog: cfg.cat, Tool: toolVersion(), Each: func(ev *parser.Event) error {
		row := conv.Event(ev)
		st.events.Add(1)
		return w.WriteEvent(&row)
	}})
	if err != nil {
		return nil, err
	}
	attempts := make([]lake.AttemptRow, len(rep.Attempts))
	for i := range rep.Attempts {
		attempts[i] = conv.Attempt(&rep.Attempts[i])
	}
	findings := make([]lake.FindingRow, len(rep.Findings))
	for i := range rep.Findings {
		findings[i] = conv.Finding(&rep.Findings[i])
	}
	if err := w.WriteAttempts(attempts); err != nil {
		return nil, err
	}
	if err := w.WriteFindings(findings); err != nil {
		return nil, err
	}
	if err := w.WriteInputs(inputRows(conv, u, sum, rep)); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := lake.Manifest{Inputs: u.paths, ContentSHA256: sum, Options: cfg.options}
	if err := w.Commit(m); err != nil {
		return nil, err
	}
	return rep, nil
}

// inputRows are the rows of the inputs table: each EVTX stream read, each
// file or entry skipped, each error not already told by a stream's row.
func inputRows(conv *lake.Converter, u batchUnit, sum string, rep *scan.Report) []lake.InputRow {
	base := lake.InputRow{
		SchemaVersion: lake.SchemaVersion,
		Tenant:        u.tenant,
		PartID:        conv.PartID,
		Input:         conv.Path(strings.Join(u.paths, " ")),
		ContentSHA256: sum,
	}
	var rows []lake.InputRow
	seen := map[string]bool{}
	for _, f := range rep.Inputs {
		r := base
		r.Kind = lake.InputEVTX
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
		r.FirstRecord, r.LastRecord = lake.Nanos(first), lake.Nanos(last)
		rows = append(rows, r)
		seen[f.Path] = true
	}
	for _, s := range rep.Summary().Skipped {
		r := base
		r.Kind, r.Path, r.Reason = lake.InputSkipped, conv.Path(s.Path), s.Reason
		rows = append(rows, r)
	}
	for _, e := range rep.Summary().Errors {
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
	return rows
}

// batchUnits turns the arguments into tenants. With tenant set, all the
// arguments are that one tenant. Otherwise each argument is a tenant named
// after its base name without extension, except a folder that holds no
// EVTX file directly: each of its entries that is a folder, a zip or an
// EVTX file (names starting with "." or "_" aside, and the folder out, the
// lake, if it is there) is a tenant. notes tell the entries left out.
func batchUnits(args []string, tenant, out string) (units []batchUnit, notes []string) {
	if tenant != "" {
		return []batchUnit{{tenant, args}}, nil
	}
	outFI, _ := os.Stat(out)
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil || !fi.IsDir() || holdsEVTX(a) {
			units = append(units, batchUnit{scan.DefaultTenant(a), []string{a}})
			continue
		}
		ents, err := os.ReadDir(a)
		if err != nil {
			units = append(units, batchUnit{scan.DefaultTenant(a), []string{a}})
			continue
		}
		for _, e := range ents {
			name := e.Name()
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				continue
			}
			p := filepath.Join(a, name)
			efi, err := os.Stat(p)
			switch {
			case err == nil && outFI != nil && os.SameFile(efi, outFI):
				// the lake itself
			case err != nil:
				notes = append(notes, fmt.Sprintf("skipped %s: %v", p, err))
			case efi.IsDir() || input.FileKind(p) != "":
				units = append(units, batchUnit{scan.DefaultTenant(p), []string{p}})
			default:
				notes = append(notes, fmt.Sprintf("skipped %s: not a folder, a zip or an EVTX file", p))
			}
		}
	}
	return units, notes
}

// holdsEVTX reports whether the folder dir holds an EVTX file directly.
func holdsEVTX(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !e.IsDir() && input.FileKind(filepath.Join(dir, e.Name())) == "evtx" {
			return true
		}
	}
	return false
}

// dupUnit is a tenant left out because an earlier input has its name.
type dupUnit struct {
	batchUnit
	other string
}

// uniqueTenants keeps the first input of each tenant name.
func uniqueTenants(units []batchUnit) ([]batchUnit, []dupUnit) {
	first := map[string]string{}
	var out []batchUnit
	var dups []dupUnit
	for _, u := range units {
		if p, ok := first[u.tenant]; ok {
			dups = append(dups, dupUnit{u, p})
			continue
		}
		first[u.tenant] = strings.Join(u.paths, " ")
		out = append(out, u)
	}
	return out, dups
}

// parseShard parses "I/N" (1 <= I <= N); "" is 1/1.
func parseShard(s string) (i, n int, err error) {
	if s == "" {
		return 1, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("want I/N with 1 <= I <= N, got %q", s)
	}
	return i, n, nil
}

// shardOf is the shard (1-based) of a tenant among n: the FNV-1a 64-bit
// hash of its name, modulo n, plus one. It depends on the name alone, so
// every machine of a job array computes the same split.
func shardOf(tenant string, n int) int {
	h := fnv.New64a()
	io.WriteString(h, tenant)
	return int(h.Sum64()%uint64(n)) + 1
}

func selectShard(units []batchUnit, i, n int) []batchUnit {
	var out []batchUnit
	for _, u := range units {
		if shardOf(u.tenant, n) == i {
			out = append(out, u)
		}
	}
	return out
}

// humanCount writes n with a k or M suffix.
func humanCount(n int64) string {
	switch {
	case n >= 10_000_000:
		return fmt.Sprintf("%.0fM", float64(n)/1e6)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.0fk", float64(n)/1e3)
	}
	return strconv.FormatInt(n, 10)
}
