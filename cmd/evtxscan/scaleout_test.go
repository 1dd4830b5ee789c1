package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/evtxscan/evtxscan/lake/duckdbtest"
)

// indexedJob is the part of a Kubernetes Job the test reads.
type indexedJob struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Spec       struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Parallelism    int    `yaml:"parallelism"`
		Template       struct {
			Spec struct {
				RestartPolicy string `yaml:"restartPolicy"`
				Containers    []struct {
					Args []string `yaml:"args"`
					Env  []struct {
						Name  string `yaml:"name"`
						Value string `yaml:"value"`
					} `yaml:"env"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// yamlBlocks returns the ```yaml blocks of a Markdown file.
func yamlBlocks(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, part := range strings.Split(string(b), "```yaml\n")[1:] {
		end := strings.Index(part, "```")
		if end < 0 {
			t.Fatalf("%s: unclosed yaml block", path)
		}
		out = append(out, part[:end])
	}
	return out
}

// The Kubernetes Indexed Job of docs/scale-out.md is valid YAML of an
// Indexed Job whose pods learn the number of shards, and its arguments,
// run for every completion index (with a local lake and the test logs),
// write the same lake as one plain run.
func TestScaleOutManifest(t *testing.T) {
	blocks := yamlBlocks(t, filepath.Join("..", "..", "docs", "scale-out.md"))
	if len(blocks) != 1 {
		t.Fatalf("%d yaml blocks in docs/scale-out.md, want 1", len(blocks))
	}
	var job indexedJob
	dec := yaml.NewDecoder(strings.NewReader(blocks[0]))
	dec.KnownFields(false)
	if err := dec.Decode(&job); err != nil {
		t.Fatalf("docs/scale-out.md: %v", err)
	}
	s := job.Spec
	if job.APIVersion != "batch/v1" || job.Kind != "Job" || s.CompletionMode != "Indexed" || s.Completions < 2 ||
		s.Parallelism < 1 || s.Parallelism > s.Completions || (s.Template.Spec.RestartPolicy != "Never" && s.Template.Spec.RestartPolicy != "OnFailure") {
		t.Fatalf("not an Indexed Job: %+v", job)
	}
	if len(s.Template.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(s.Template.Spec.Containers))
	}
	c := s.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	if env["JOB_COMPLETIONS"] != fmt.Sprint(s.Completions) {
		t.Errorf("JOB_COMPLETIONS = %q, want completions %d", env["JOB_COMPLETIONS"], s.Completions)
	}
	for k := range env {
		if strings.Contains(k, "KEY") || strings.Contains(k, "SAS") || strings.Contains(k, "CONNECTION_STRING") {
			t.Errorf("a secret in the manifest: %s", k)
		}
	}
	args := slices.Clone(c.Args)
	if len(args) < 2 || args[0] != "scan" || !slices.Contains(args, "auto") || !slices.Contains(args, "--resume") {
		t.Fatalf("args %q", args)
	}
	// The lake and the input, made local.
	db := duckdbtest.New(t)
	inputs := t.TempDir()
	for _, f := range batchFixtureInputs(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(inputs, filepath.Base(f)), b, 0o666)
	}
	out := t.TempDir()
	i := slices.Index(args, "--out")
	if i < 0 || !strings.HasPrefix(args[i+1], "azblob://") {
		t.Fatalf("--out in %q", args)
	}
	args[i+1] = out
	args[len(args)-1] = inputs
	t.Setenv("JOB_COMPLETIONS", env["JOB_COMPLETIONS"])
	for idx := range s.Completions {
		t.Setenv("JOB_COMPLETION_INDEX", fmt.Sprint(idx))
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), args, &stdout, &stderr)
		if code != exitOK && code != exitDamaged {
			t.Fatalf("index %d: exit %d\n%s", idx, code, stderr.String())
		}
		if want := fmt.Sprintf("(shard %d/%d of ", idx+1, s.Completions); !strings.Contains(stderr.String(), want) {
			t.Errorf("index %d: summary lacks %q:\n%s", idx, want, stderr.String())
		}
	}
	plain := t.TempDir()
	if code, stderr := batchRun(t, "--out", plain, inputs); code != exitOK && code != exitDamaged {
		t.Fatalf("plain run: exit %d\n%s", code, stderr)
	}
	diffLines(t, "indexed job vs plain run", fingerprint(t, db, out), fingerprint(t, db, plain))
}
