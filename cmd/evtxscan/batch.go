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
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/evtxscan/evtxscan/batch"
	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/lake"
	"github.com/evtxscan/evtxscan/pseudonym"
	"github.com/evtxscan/evtxscan/report"
)

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
	fs.IntVar(&bf.jobs, "jobs", runtime.GOMAXPROCS(0), "parquet: tenants read at once (each with --workers chunk decoders)")
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
	con := &console{w: stderr, tty: showProgress(bf.progress, stderr)}
	cfg.Notify = func(n batch.Note) {
		switch n.Kind {
		case batch.NoteSkippedEntry:
			con.printf("evtxscan: %s\n", n.Text)
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
	stopBar := con.startBar(cfg.Stats, time.Now())
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
	fmt.Fprintf(&b, " in %.1f s (%.1f/s): %d written, %d skipped by --resume, %d failed, %d damaged; %d records, %d events, %d attempts (%d failed); lake %s\n",
		el.Seconds(), float64(n)/max(el.Seconds(), 1e-3), res.Written, res.Skipped, res.Failed, res.Damaged,
		res.Records, res.Events, res.Attempts, res.FailedAtt, lake.Redact(sf.out))
	con.printf("%s", b.String())
	switch {
	case res.Interrupted:
		con.printf("evtxscan scan: interrupted; run again with --resume to finish\n")
		return exitFatal
	case res.Failed > 0:
		return exitFatal
	case res.Damaged > 0:
		return exitDamaged
	}
	return exitOK
}

// showProgress decides whether the progress bar is drawn on w.
func showProgress(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	return isTerminal(w)
}

// A console writes messages and a progress line to standard error; the
// progress line is redrawn below each message.
type console struct {
	mu   sync.Mutex
	w    io.Writer
	tty  bool
	line string
}

func (c *console) printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.line != "" {
		io.WriteString(c.w, "\r\x1b[K")
	}
	fmt.Fprintf(c.w, format, args...)
	if c.line != "" {
		io.WriteString(c.w, c.line)
	}
}

func (c *console) setLine(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	io.WriteString(c.w, "\r\x1b[K"+s)
	c.line = s
}

// startBar draws the progress bar every 200 ms until the returned function
// is called, which removes it.
func (c *console) startBar(st *batch.Stats, start time.Time) (stop func()) {
	if !c.tty {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	draw := func() {
		n := int(st.Done.Load())
		c.setLine(progressLine(n, int(st.Total.Load()), st, time.Since(start)))
	}
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			draw()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		c.mu.Lock()
		io.WriteString(c.w, "\r\x1b[K")
		c.line = ""
		c.mu.Unlock()
	}
}

// progressLine is the text of the progress bar.
func progressLine(n, total int, st *batch.Stats, el time.Duration) string {
	const width = 24
	fill := 0
	if total > 0 {
		fill = n * width / total
	}
	eta := ""
	if n > 0 && n < total {
		eta = fmt.Sprintf(", %s left", (el / time.Duration(n) * time.Duration(total-n)).Round(time.Second))
	}
	return fmt.Sprintf("[%s%s] %d/%d tenants, %d failed, %s events, %s%s",
		strings.Repeat("#", fill), strings.Repeat(".", width-fill), n, total, st.Failed.Load(),
		humanCount(st.Events.Load()), el.Round(time.Second), eta)
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
