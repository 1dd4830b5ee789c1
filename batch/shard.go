package batch

import (
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
)

// A Shard is the part of a batch one process writes: the tenants whose
// name hashes to Index among Count (see Of). The zero Shard is the whole
// batch.
type Shard struct {
	Index int    // from 0
	Count int    // 0 or 1: no sharding
	From  string // where it came from: "--shard", "JOB_COMPLETION_INDEX", …
}

// Whole reports whether s is the whole batch.
func (s Shard) Whole() bool { return s.Count <= 1 }

// String is "I/N", 1-based as --shard takes it.
func (s Shard) String() string {
	if s.Whole() {
		return "1/1"
	}
	return fmt.Sprintf("%d/%d", s.Index+1, s.Count)
}

// Of returns the shard (from 0) of a tenant among n: the FNV-1a 64-bit
// hash of its name, modulo n. It depends on the name alone, so every
// process of a job array computes the same split.
func Of(tenant string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New64a()
	io.WriteString(h, tenant)
	return int(h.Sum64() % uint64(n))
}

// Environment variables that --shard auto reads, in this order; the first
// that is set gives the index.
//
//   - Kubernetes Indexed Job: JOB_COMPLETION_INDEX (from 0); the count is
//     --shard-count, else JOB_COMPLETIONS (which the Job must set from
//     spec.completions, see docs/scale-out.md).
//   - Slurm job array: SLURM_ARRAY_TASK_ID, less SLURM_ARRAY_TASK_MIN
//     (default 0); the count is --shard-count, else SLURM_ARRAY_TASK_COUNT.
//   - Azure Batch: AZ_BATCH_TASK_ID, its trailing number (task ids such as
//     "tenant-shard-7" or "7"); the count is --shard-count, else
//     EVTXSCAN_SHARD_COUNT.
var autoSources = []struct {
	index, count, min string
	trailing          bool
}{
	{"JOB_COMPLETION_INDEX", "JOB_COMPLETIONS", "", false},
	{"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", false},
	{"AZ_BATCH_TASK_ID", "EVTXSCAN_SHARD_COUNT", "", true},
}

// ParseShard parses the value of --shard: "" (the whole batch), "I/N"
// (1 <= I <= N), or "auto", which takes the index and the count from the
// environment of a job array (see autoSources) through getenv. count is
// --shard-count (0: not given); with "I/N" it must be 0 or N.
func ParseShard(s string, count int, getenv func(string) string) (Shard, error) {
	switch s {
	case "":
		if count > 1 {
			return Shard{}, fmt.Errorf("--shard-count needs --shard auto")
		}
		return Shard{}, nil
	case "auto":
		return autoShard(count, getenv)
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return Shard{}, fmt.Errorf("want I/N with 1 <= I <= N, or auto; got %q", s)
	}
	if count != 0 && count != n {
		return Shard{}, fmt.Errorf("--shard %s and --shard-count %d disagree", s, count)
	}
	return Shard{Index: i - 1, Count: n, From: "--shard"}, nil
}

func autoShard(count int, getenv func(string) string) (Shard, error) {
	for _, src := range autoSources {
		v := strings.TrimSpace(getenv(src.index))
		if v == "" {
			continue
		}
		if src.trailing {
			j := len(v)
			for j > 0 && v[j-1] >= '0' && v[j-1] <= '9' {
				j--
			}
			v = v[j:]
		}
		idx, err := strconv.Atoi(v)
		if err != nil || idx < 0 {
			return Shard{}, fmt.Errorf("--shard auto: %s=%q is not a shard index", src.index, getenv(src.index))
		}
		if src.min != "" {
			if m := getenv(src.min); m != "" {
				lo, err := strconv.Atoi(m)
				if err != nil || lo > idx {
					return Shard{}, fmt.Errorf("--shard auto: %s=%q with %s=%q", src.index, getenv(src.index), src.min, m)
				}
				idx -= lo
			}
		}
		n := count
		from := "--shard-count"
		if n == 0 {
			c := getenv(src.count)
			if c == "" {
				return Shard{}, fmt.Errorf("--shard auto: %s is set but the number of shards is not: give --shard-count N or set %s", src.index, src.count)
			}
			if n, err = strconv.Atoi(c); err != nil || n < 1 {
				return Shard{}, fmt.Errorf("--shard auto: %s=%q is not a number of shards", src.count, c)
			}
			from = src.count
		}
		if idx >= n {
			return Shard{}, fmt.Errorf("--shard auto: %s=%d is not below the number of shards %d (%s)", src.index, idx, n, from)
		}
		return Shard{Index: idx, Count: n, From: src.index}, nil
	}
	return Shard{}, fmt.Errorf("--shard auto: none of JOB_COMPLETION_INDEX (Kubernetes Indexed Job), SLURM_ARRAY_TASK_ID (Slurm) or AZ_BATCH_TASK_ID (Azure Batch) is set")
}
