package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/lake"
	"github.com/evtxscan/evtxscan/lake/azuritetest"
)

// bucketState is what a reader of the bucket sees: the parts (key ->
// SHA-256, "" without hashes), the manifests by tenant, the temporary
// objects.
type bucketState struct {
	parts     map[string]string
	manifests map[string]*lake.Manifest
	temp      []string
}

// readBucket reads the lake under prefix in the container at the
// azblob:// URL root; the parts' contents only with hashes.
func readBucket(t *testing.T, root, prefix string, hashes bool) bucketState {
	t.Helper()
	st := bucketState{parts: map[string]string{}, manifests: map[string]*lake.Manifest{}}
	objs := azuritetest.Objects(t, root, prefix, func(k string) bool {
		switch {
		case strings.HasPrefix(k, "_evtxscan/tmp/"):
			st.temp = append(st.temp, k)
		case strings.HasPrefix(k, "_evtxscan/manifests/"):
			return true
		case azuritetest.IsPart(k):
			st.parts[k] = ""
			return hashes
		}
		return false
	})
	for k, data := range objs {
		var m lake.Manifest
		if strings.HasPrefix(k, "_evtxscan/manifests/") && json.Unmarshal(data, &m) == nil {
			st.manifests[m.Tenant] = &m
		}
	}
	if hashes {
		for k, h := range azuritetest.Hashes(objs) {
			if azuritetest.IsPart(k) {
				st.parts[k] = h
			}
		}
	}
	return st
}

func (st bucketState) complete() int {
	n := 0
	for _, m := range st.manifests {
		if m.Complete {
			n++
		}
	}
	return n
}

// A batch into Azure Blob Storage (Azurite) killed with SIGKILL shows no
// part outside a manifest, no tenant without its manifest; resumed, it
// holds the same part files, byte for byte, as a plain local run, and no
// temporary object.
func TestBatchKillResumeAzurite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the command")
	}
	az := azuritetest.Start(t)
	url := az.Container(t, "killed", "lake")
	root := az.Root("killed")
	bin := buildEvtxscan(t)
	tenants := genTenants(t, 30, 512<<10)
	args := func(out string, extra ...string) []string {
		return append([]string{"scan", "--format", "parquet", "--progress", "never", "--out", out, "--jobs", "1", "--workers", "1"}, append(extra, tenants)...)
	}
	plain := t.TempDir()
	if out, err := exec.Command(bin, args(plain)...).CombinedOutput(); err != nil {
		t.Fatalf("plain run: %v\n%s", err, out)
	}
	want := azuritetest.LocalParts(t, plain)

	cmd := exec.Command(bin, args(url)...)
	cmd.Env = append(os.Environ(), az.Env()...)
	killed := killWhen(t, cmd, 20*time.Millisecond, func() bool { return readBucket(t, root, "lake/", false).complete() >= 3 })
	st := readBucket(t, root, "lake/", false)
	done := st.complete()
	if !killed || done >= 30 {
		t.Skipf("the batch ended before it could be killed (%d tenants written)", done)
	}
	// What a reader sees after the kill: every part is listed by its
	// tenant's manifest; a tenant whose manifest is complete shows exactly
	// its files; no tenant shows parts without a manifest.
	listed := map[string]bool{}
	pending := 0
	for _, m := range st.manifests {
		for _, f := range m.Files {
			listed[f] = true
		}
		if !m.Complete {
			pending++
		}
	}
	for k := range st.parts {
		if !listed[k] {
			t.Errorf("after the kill, %s is visible and in no manifest", k)
		}
	}
	t.Logf("killed after %d of 30 tenants; %d pending manifests, %d temporary objects", done, pending, len(st.temp))

	res := exec.Command(bin, args(url, "--resume")...)
	res.Env = append(os.Environ(), az.Env()...)
	resume(t, res, 30, done)
	final := readBucket(t, root, "lake/", true)
	var gotKeys, wantKeys []string
	for k := range final.parts {
		gotKeys = append(gotKeys, k)
	}
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	slices.Sort(gotKeys)
	slices.Sort(wantKeys)
	diffLines(t, "parts after resume", gotKeys, wantKeys)
	for k, h := range want {
		if final.parts[k] != h {
			t.Errorf("%s differs from the local run's", k)
		}
	}
	if len(final.temp) > 0 {
		t.Errorf("temporary objects left: %v", final.temp)
	}
	if n := final.complete(); n != 30 {
		t.Errorf("%d complete manifests, want 30", n)
	}
}
