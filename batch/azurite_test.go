package batch

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/internal/bucket"
	"github.com/evtxscan/evtxscan/lake"
	"github.com/evtxscan/evtxscan/lake/azuritetest"
	"github.com/evtxscan/evtxscan/scan"
)

// fixtures are the test logs, each a tenant.
func fixtures(t *testing.T) []string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "evtx", "*.evtx"))
	if len(paths) < 3 {
		t.Fatal("fixtures missing in testdata/evtx")
	}
	return paths
}

// bucketParts returns the part files of the lake under prefix: key -> SHA-256.
func bucketParts(t *testing.T, az *azuritetest.Emulator, container, prefix string) map[string]string {
	return azuritetest.Hashes(azuritetest.Objects(t, az.Root(container), prefix, azuritetest.IsPart))
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A batch into Azure Blob Storage (Azurite) writes the same part files,
// byte for byte, as a local one; --resume skips what is current and
// rewrites every tenant when the evtxscan version changes, leaving no
// temporary or stale object.
func TestRunAzurite(t *testing.T) {
	az := azuritetest.Start(t)
	url := az.Container(t, "lake", "runs/one")
	inputs := fixtures(t)
	ctx := context.Background()
	cfg := func(out, version string, resume bool) Config {
		return Config{Out: out, Jobs: 2, Version: version, Resume: resume, Read: scan.ReadOptions{Workers: 1}}
	}
	local := t.TempDir()
	if _, err := Run(ctx, inputs, cfg(local, "v1", false)); err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, inputs, cfg(url, "v1", false))
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != int64(len(inputs)) || res.Failed != 0 {
		t.Fatalf("azblob run: %+v", res)
	}
	want := azuritetest.LocalParts(t, local)
	objs := azuritetest.Objects(t, az.Root("lake"), "runs/one/", nil)
	got := bucketParts(t, az, "lake", "runs/one/")
	if len(want) < 5*len(inputs) || !slices.Equal(keys(got), keys(want)) {
		t.Fatalf("objects:\n%s\nwant:\n%s", strings.Join(keys(got), "\n"), strings.Join(keys(want), "\n"))
	}
	for k, h := range want {
		if got[k] != h {
			t.Errorf("%s differs from the local part", k)
		}
	}
	for k := range objs {
		if strings.HasPrefix(k, "_evtxscan/tmp/") {
			t.Errorf("temporary object left: %s", k)
		}
	}
	if objs["_evtxscan/lake.json"] == nil {
		t.Error("no _evtxscan/lake.json")
	}

	// Same version: every tenant is current.
	res, err = Run(ctx, inputs, cfg(url, "v1", true))
	if err != nil || res.Skipped != int64(len(inputs)) || res.Written != 0 {
		t.Fatalf("resume, same version: %+v, %v", res, err)
	}
	// Another version: every tenant is written again.
	res, err = Run(ctx, inputs, cfg(url, "v2", true))
	if err != nil || res.Written != int64(len(inputs)) || res.Skipped != 0 {
		t.Fatalf("resume, new version: %+v, %v", res, err)
	}
	lk, err := lake.OpenURL(ctx, url, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	ms, err := lk.Manifests(ctx)
	if err != nil || len(ms) != len(inputs) {
		t.Fatalf("%d manifests, %v", len(ms), err)
	}
	for _, m := range ms {
		if m.Tool != "v2" || !m.Complete {
			b, _ := json.Marshal(m)
			t.Errorf("manifest after the new version: %s", b)
		}
	}
	after := bucketParts(t, az, "lake", "runs/one/")
	if !slices.Equal(keys(after), keys(want)) {
		t.Errorf("objects after the rewrite:\n%s", strings.Join(keys(after), "\n"))
	}
	changed := 0
	for k := range after {
		if after[k] != want[k] {
			changed++ // created_by and evtxscan.version name v2
		}
	}
	if changed != len(after) {
		t.Errorf("%d of %d parts rewritten", changed, len(after))
	}

	// A tenant name that needs a %-escape is refused in an azblob lake.
	c := cfg(url, "v2", false)
	c.Tenant = "a/b"
	if res, err := Run(ctx, inputs[:1], c); err != nil || res.Failed != 1 {
		t.Errorf("tenant a/b: %+v, %v", res, err)
	}

	// Another partitioning is refused, in a bucket too.
	c = cfg(url, "v2", true)
	c.Partitioning = lake.ByTenant
	if _, err := Run(ctx, inputs, c); err == nil || !strings.Contains(err.Error(), "partitioned by") {
		t.Errorf("another partitioning: %v", err)
	}
}

// A tenant whose logs are in a bucket (Azurite), named by its azblob://
// URL, gives the same part files, byte for byte, as the same files in a
// local folder of the same name: the content hash, the part id and the
// stored paths do not depend on where the logs were read from.
func TestRunAzuriteInput(t *testing.T) {
	az := azuritetest.Start(t)
	url := az.Container(t, "logs", "cases/t1")
	ctx := context.Background()
	b, err := bucket.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	folder := filepath.Join(t.TempDir(), "t1")
	for _, name := range []string{"seed000-sync-rule.evtx", "tenant-a-contoso.zip"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "evtx", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.WriteAll(ctx, name, data, ""); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(folder, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(folder, name), data, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	run := func(in string) map[string]string {
		out := t.TempDir()
		res, err := Run(ctx, []string{in}, Config{Out: out, Jobs: 1, Version: "v1", Read: scan.ReadOptions{Workers: 1}})
		if err != nil || res.Written != 1 || res.Failed != 0 {
			t.Fatalf("batch of %s: %+v, %v", in, res, err)
		}
		return azuritetest.LocalParts(t, out)
	}
	want, got := run(folder), run(url)
	if len(want) < 5 || !slices.Equal(keys(got), keys(want)) {
		t.Fatalf("parts:\n%s\nwant:\n%s", strings.Join(keys(got), "\n"), strings.Join(keys(want), "\n"))
	}
	for k, h := range want {
		if got[k] != h {
			t.Errorf("%s differs from the part of the local folder", k)
		}
	}
}
