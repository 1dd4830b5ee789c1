package main

// The data-lake batch mode of scan: --format parquet --out DIR|URL. Each
// input is a tenant; package batch does the work (see docs/lake.md and
// docs/scale-out.md), this file holds its flags and prints.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/evtxscan/evtxscan/batch"
	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/lake"
	"github.com/evtxscan/evtxscan/pseudonym"
	"github.com/evtxscan/evtxscan/report"
)

// batchStats are the counters of a batch, which the progress reads.
type batchStats = batch.Stats

// batchFlags are the flags of the Parquet batch mode of scan.
type batchFlags struct {
	partition  string
	jobs       int
	resume     bool
	shard      string
	shardCount int
	keyFile    string
	progress   string
}

// register defines the batch flags on fs; it is all a command needs to
// take them (pflag or cobra).
func (bf *batchFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&bf.partition, "partition", "tenant,month", "parquet: folder layout of the tables: tenant,month, tenant,date, tenant or none (events and attempts by tenant and time, the other tables by tenant); a lake keeps the layout it was created with")
	fs.IntVar(&bf.jobs, "jobs", runtime.GOMAXPROCS(0), "parquet: tenants read at once (sharing one pool of chunk decoders, as many as the larger of --jobs and --workers)")
	fs.BoolVar(&bf.resume, "resume", false, "parquet: skip tenants already written completely to --out by the same evtxscan version and lake schema, from the same input with the same options")
	fs.StringVar(&bf.shard, "shard", "", "parquet: I/N, write only shard I of N (1-based) of the tenants, chosen by a hash of the tenant name; auto takes it from a job array: JOB_COMPLETION_INDEX (Kubernetes Indexed Job), SLURM_ARRAY_TASK_ID (Slurm), AZ_BATCH_TASK_ID (Azure Batch)")
	fs.IntVar(&bf.shardCount, "shard-count", 0, "parquet: with --shard auto, the number of shards (default: JOB_COMPLETIONS, SLURM_ARRAY_TASK_COUNT or EVTXSCAN_SHARD_COUNT)")
	fs.StringVar(&bf.keyFile, "pseudonymize-key", "", "parquet: replace UPNs, anchors, SIDs, computer names and DNs with HMAC-SHA256 tokens keyed by the contents of FILE (at least 16 bytes)")
	fs.StringVar(&bf.progress, "progress", "auto", "parquet: progress bar on standard error: auto (on a terminal), always, never")
}

// runBatch writes the tables of the data lake: each input is a tenant.
func runBatch(ctx context.Context, sf *scanFlags, inputs []string, stdout, stderr io.Writer) int {
	bf := &sf.batch
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "evtxscan scan: "+format+"\n", args...)
		return exitUsage
	}
	if sf.out == "" {
		return fail("--format parquet needs --out DIR or a bucket URL (azblob://container/prefix, s3://bucket/prefix), the data lake")
	}
	part, err := lake.ParsePartitioning(bf.partition)
	if err != nil {
		return fail("--partition: %v", err)
	}
	if bf.jobs < 1 {
		return fail("--jobs must be at least 1")
	}
	shard, err := batch.ParseShard(bf.shard, bf.shardCount, os.Getenv)
	if err != nil {
		return fail("--shard: %v", err)
	}
	switch bf.progress {
	case "auto", "always", "never":
	default:
		return fail("unknown --progress %q (auto, always, never)", bf.progress)
	}
	cfg := batch.Config{
		Out: sf.out, Partitioning: part, Jobs: bf.jobs, Resume: bf.resume, Shard: shard, Tenant: sf.tenant,
		Read: sf.ReadOptions, Catalog: catalog.New(), Version: toolVersion(), Stats: new(batch.Stats),
	}
	if bf.keyFile != "" {
		key, err := os.ReadFile(bf.keyFile)
		if err != nil {
			return fail("--pseudonymize-key: %v", err)
		}
		key = bytes.TrimSpace(key)
		if !pseudonym.CheckKey(key) {
			return fail("--pseudonymize-key: %s holds %d bytes; a key needs at least %d", bf.keyFile, len(key), pseudonym.MinKeySize)
		}
		cfg.Pseudonymizer = pseudonym.New(key)
	}
	con := newConsole(stderr, bf.progress, os.Getenv)
	cfg.Notify = func(n batch.Note) {
		switch n.Kind {
		case batch.NoteSkippedEntry:
			con.printf("evtxscan: %s\n", n.Text) // printf makes it safe for a terminal
		case batch.NoteDuplicate:
			con.printf("evtxscan scan: %s\n", n.Text)
		case batch.NoteFailed:
			con.printf("evtxscan scan: %s: %s\n", n.Tenant, n.Text)
		case batch.NoteDamaged:
			var b bytes.Buffer
			report.Damage(&b, n.Report.Summary())
			if len(n.Report.Inputs) == 0 {
				fmt.Fprintf(&b, "evtxscan scan: %s: %s\n", n.Tenant, n.Text)
			}
			con.printf("%s", b.String())
		}
	}
	// The number of tenants, for the progress (Run finds the same).
	units, _ := batch.Units(inputs, cfg.Tenant, cfg.Out)
	total := len(batch.Select(units, shard))
	stopBar := con.startBar(ctx, cfg.Stats, total, time.Now())
	res, err := batch.Run(ctx, inputs, cfg)
	stopBar()
	switch {
	case errors.Is(err, batch.ErrNoInput):
		fmt.Fprintf(stderr, "evtxscan scan: no input to read\n")
		return exitFatal
	case err != nil:
		fmt.Fprintf(stderr, "evtxscan scan: %v\n", err)
		return exitFatal
	}
	el := res.Elapsed
	n := res.Written + res.Skipped + res.Failed
	var b strings.Builder
	fmt.Fprintf(&b, "evtxscan scan: %d tenants", res.Tenants)
	if !shard.Whole() {
		fmt.Fprintf(&b, " (shard %s of %d, from %s)", shard, res.AllTenants, shard.From)
	}
	fmt.Fprintf(&b, " in %.1f s (%.1f/s): %d written, %d skipped by --resume, %d failed, %d damaged",
		el.Seconds(), float64(n+res.Joined)/max(el.Seconds(), 1e-3), res.Written, res.Skipped, res.Failed, res.Damaged)
	if res.Joined > 0 {
		fmt.Fprintf(&b, ", %d joined to the tenant of an earlier input (one server's logs)", res.Joined)
	}
	fmt.Fprintf(&b, "; %d records, %d events, %d attempts (%d failed); lake %s\n",
		res.Records, res.Events, res.Attempts, res.FailedAtt, lake.Redact(sf.out))
	con.printf("%s", b.String())
	switch {
	case res.Interrupted:
		// A signal: the tenants committed before it are in the lake, whole
		// (README: 130, as scan's other formats).
		by := "a signal"
		if c := context.Cause(ctx); c != nil {
			by = c.Error()
		}
		con.printf("evtxscan scan: interrupted by %s: the tenants written before it are in the lake; run again with --resume to finish\n", by)
		return exitInterrupted
	case res.Failed > 0:
		return exitFatal
	case res.Damaged > 0:
		return exitDamaged
	}
	return exitOK
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
