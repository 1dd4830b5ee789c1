package batch

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/lake"
)

// Which inputs are tenants.
func TestBatchUnits(t *testing.T) {
	dir := t.TempDir()
	mk := func(name, content string) string {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o777)
		os.WriteFile(p, []byte(content), 0o666)
		return p
	}
	mk("tenants/contoso.zip", "PK\x03\x04...")
	mk("tenants/fabrikam/logs/Application.evtx", "ElfFile\x00...")
	mk("tenants/README.txt", "notes")
	mk("tenants/.hidden.zip", "PK\x03\x04")
	mk("tenants/_lake/x.zip", "PK\x03\x04")
	mk("tenants/lake/events/x.parquet", "PAR1")
	mk("onefolder/Application.evtx", "ElfFile\x00...")
	mk("onefolder/more/System.evtx", "ElfFile\x00...")
	single := mk("woodgrove.v2.zip", "PK\x03\x04")

	for _, tc := range []struct {
		name   string
		args   []string
		tenant string
		want   []string // tenant=paths relative to dir
		notes  int
	}{
		{"folder of tenants", []string{filepath.Join(dir, "tenants")}, "",
			[]string{"contoso=tenants/contoso.zip", "fabrikam=tenants/fabrikam"}, 1},
		{"folder holding EVTX is one tenant", []string{filepath.Join(dir, "onefolder")}, "", []string{"onefolder=onefolder"}, 0},
		{"files", []string{single, filepath.Join(dir, "missing.zip")}, "", []string{"missing=missing.zip", "woodgrove.v2=woodgrove.v2.zip"}, 0},
		{"--tenant makes one tenant", []string{filepath.Join(dir, "tenants"), single}, "acme", []string{"acme=tenants woodgrove.v2.zip"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			units, notes := Units(tc.args, tc.tenant, filepath.Join(dir, "tenants", "lake"))
			var got []string
			for _, u := range units {
				var rel []string
				for _, p := range u.Paths {
					r, _ := filepath.Rel(dir, p)
					rel = append(rel, filepath.ToSlash(r))
				}
				got = append(got, u.Tenant+"="+strings.Join(rel, " "))
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) || len(notes) != tc.notes {
				t.Errorf("got %v, notes %v; want %v, %d notes", got, notes, tc.want, tc.notes)
			}
		})
	}
}

// Shards split the tenants: each tenant in exactly one shard, whatever the
// order of the inputs.
func TestShards(t *testing.T) {
	var units []Unit
	for i := range 100 {
		units = append(units, Unit{Tenant: fmt.Sprintf("tenant-%d", i)})
	}
	for _, n := range []int{1, 2, 3, 7} {
		seen := map[string]int{}
		for i := 0; i < n; i++ {
			part := Select(units, Shard{Index: i, Count: n})
			if n > 1 && (len(part) == 0 || len(part) == len(units)) {
				t.Errorf("shard %d/%d has %d tenants", i, n, len(part))
			}
			rev := slices.Clone(units)
			slices.Reverse(rev)
			if len(Select(rev, Shard{Index: i, Count: n})) != len(part) {
				t.Errorf("shard %d/%d depends on the order", i, n)
			}
			for _, u := range part {
				seen[u.Tenant]++
			}
		}
		for _, u := range units {
			if seen[u.Tenant] != 1 {
				t.Errorf("n=%d: %s in %d shards", n, u.Tenant, seen[u.Tenant])
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		s     string
		count int
		env   func(string) string
		want  string // Shard.String()+" "+From, or "error"
	}{
		{"", 0, env(), "1/1 "},
		{"2/3", 0, env(), "2/3 --shard"},
		{"2/3", 3, env(), "2/3 --shard"},
		{"2/3", 4, env(), "error"},
		{"0/3", 0, env(), "error"},
		{"3/2", 0, env(), "error"},
		{"1-3", 0, env(), "error"},
		{"", 3, env(), "error"},
		{"auto", 0, env("JOB_COMPLETION_INDEX", "2", "JOB_COMPLETIONS", "3"), "3/3 JOB_COMPLETION_INDEX"},
		{"auto", 3, env("JOB_COMPLETION_INDEX", "0"), "1/3 JOB_COMPLETION_INDEX"},
		{"auto", 0, env("JOB_COMPLETION_INDEX", "0"), "error"}, // no count
		{"auto", 3, env("JOB_COMPLETION_INDEX", "3"), "error"}, // index out of range
		{"auto", 0, env("JOB_COMPLETION_INDEX", "x", "JOB_COMPLETIONS", "3"), "error"},
		{"auto", 0, env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_MIN", "4", "SLURM_ARRAY_TASK_COUNT", "2"), "2/2 SLURM_ARRAY_TASK_ID"},
		{"auto", 0, env("SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_COUNT", "4"), "2/4 SLURM_ARRAY_TASK_ID"},
		{"auto", 0, env("AZ_BATCH_TASK_ID", "shard-7", "EVTXSCAN_SHARD_COUNT", "8"), "8/8 AZ_BATCH_TASK_ID"},
		{"auto", 8, env("AZ_BATCH_TASK_ID", "task"), "error"},
		{"auto", 0, env(), "error"},
	} {
		sh, err := ParseShard(tc.s, tc.count, tc.env)
		got := sh.String() + " " + sh.From
		if err != nil {
			got = "error"
		}
		if got != tc.want {
			t.Errorf("ParseShard(%q, %d) = %q (%v), want %q", tc.s, tc.count, got, err, tc.want)
		}
	}
}

// Which tenants are written again together: those whose servers meet.
func TestBatchGroups(t *testing.T) {
	srv := func(specs ...string) unitDone {
		var d unitDone
		for _, s := range specs {
			name, id, _ := strings.Cut(s, "|")
			d.servers = append(d.servers, lake.ManifestServer{Name: name, EntraTenantID: id})
		}
		return d
	}
	for _, tc := range []struct {
		name string
		n    int
		done map[int]unitDone
		want [][]int
	}{
		{"no server shared", 3, map[int]unitDone{0: srv("a"), 1: srv("b"), 2: srv("c")}, nil},
		{"one server in two inputs", 3, map[int]unitDone{0: srv("a"), 1: srv("b"), 2: srv("a")}, [][]int{{0, 2}}},
		{"through a third input", 4, map[int]unitDone{0: srv("a"), 1: srv("b", "c"), 2: srv("a", "b"), 3: srv("d")}, [][]int{{0, 1, 2}}},
		{"same tenant id", 2, map[int]unitDone{0: srv("a|t1"), 1: srv("a|t1")}, [][]int{{0, 1}}},
		{"one side without heartbeats", 2, map[int]unitDone{0: srv("a|t1"), 1: srv("a")}, [][]int{{0, 1}}},
		{"two customers, one computer name", 3, map[int]unitDone{0: srv("a|t1"), 1: srv("a|t2"), 2: srv("a")}, nil},
		{"nameless servers join nothing", 2, map[int]unitDone{0: srv(""), 1: srv("")}, nil},
		{"failed units are left out", 3, map[int]unitDone{0: srv("a"), 2: srv("b")}, nil},
		{"two groups", 4, map[int]unitDone{0: srv("a"), 1: srv("b"), 2: srv("b"), 3: srv("a")}, [][]int{{0, 3}, {1, 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := groups(tc.n, tc.done)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("groups = %v, want %v", got, tc.want)
			}
		})
	}
}
