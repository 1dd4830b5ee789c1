package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gocloud.dev/blob"

	"github.com/evtxscan/evtxscan/lake"
	"github.com/evtxscan/evtxscan/lake/azuritetest"
)

// bucketState is what a reader of the bucket sees: the parts (key ->
// SHA-256), the manifests by tenant, the temporary objects.
type bucketState struct {
	parts     map[string]string
	manifests map[string]*lake.Manifest
	temp      []string
}

// readBucket reads the container at the gocloud.dev URL root, whose
// objects must all be under prefix.
func readBucket(t *testing.T, u, prefix string, hashes bool) bucketState {
	t.Helper()
	ctx := context.Background()
	b, err := blob.OpenBucket(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	st := bucketState{parts: map[string]string{}, manifests: map[string]*lake.Manifest{}}
	it := b.List(nil)
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		k, ok := strings.CutPrefix(obj.Key, prefix)
		if !ok {
			t.Errorf("object %s outside the lake's prefix %s", obj.Key, prefix)
		}
		switch {
		case strings.HasPrefix(k, "_evtxscan/tmp/"):
			st.temp = append(st.temp, k)
		case strings.HasPrefix(k, "_evtxscan/manifests/"):
			data, err := b.ReadAll(ctx, obj.Key)
			if err != nil {
				continue // replaced meanwhile
			}
			var m lake.Manifest
			if json.Unmarshal(data, &m) == nil {
				st.manifests[m.Tenant] = &m
			}
		case strings.HasSuffix(k, ".parquet"):
			st.parts[k] = ""
			if hashes {
				data, err := b.ReadAll(ctx, obj.Key)
				if err != nil {
					t.Fatal(err)
				}
				s := sha256.Sum256(data)
				st.parts[k] = hex.EncodeToString(s[:])
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

// localPartHashes returns the part files of a local lake: path -> SHA-256.
func localPartHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		s := sha256.Sum256(data)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(s[:])
		return nil
	})
	return out
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
	want := localPartHashes(t, plain)

	cmd := exec.Command(bin, args(url)...)
	cmd.Env = append(os.Environ(), az.Env()...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	killed := false
	deadline := time.After(120 * time.Second)
wait:
	for {
		select {
		case <-exited:
			break wait
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("the batch did not end")
		case <-time.After(20 * time.Millisecond):
			if readBucket(t, root, "lake/", false).complete() >= 3 {
				cmd.Process.Signal(syscall.SIGKILL)
				<-exited
				killed = true
				break wait
			}
		}
	}
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

	resume := exec.Command(bin, args(url, "--resume")...)
	resume.Env = append(os.Environ(), az.Env()...)
	out, err := resume.CombinedOutput()
	if err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	}
	var skipped int
	summary := string(out[bytes.Index(out, []byte("evtxscan scan: 30 tenants")):])
	if i := strings.Index(summary, " written, "); i < 0 {
		t.Fatalf("summary: %s", summary)
	} else if _, err := fmt.Sscanf(summary[i+len(" written, "):], "%d skipped by --resume", &skipped); err != nil || skipped < done {
		t.Errorf("resume skipped %d tenants (%v), want at least %d: %s", skipped, err, done, summary)
	}
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
