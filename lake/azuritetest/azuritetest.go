// Package azuritetest starts Azurite, Microsoft's Azure Storage emulator
// (the npm package azurite, installed by `npm ci` in the repository root),
// for tests that write the data lake to Azure Blob Storage. It listens on
// 127.0.0.1 on a free port and keeps its data in memory; the test's
// cleanup stops it. When node or the package is missing, Start skips the
// test (and fails it under CI=true).
//
// The emulator's account is the documented development account
// (devstoreaccount1 and its published key). Start puts it in
// AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY, the standard variables
// internal/bucket reads (every emulator started uses the same
// account), and the emulator's address goes into
// the bucket URL: azblob://<container>?domain=127.0.0.1:<port>&protocol=http&localemu=true.
package azuritetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/evtxscan/evtxscan/internal/bucket"
	"github.com/evtxscan/evtxscan/internal/testenv"
)

// Account and Key are the emulator's development account, as Microsoft
// documents it for Azurite.
const (
	Account = "devstoreaccount1"
	Key     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// An Emulator is a running Azurite blob service.
type Emulator struct {
	Addr string // 127.0.0.1:port
}

// Start starts Azurite's blob service for the test and sets the account
// variables (t.Setenv).
func Start(t testing.TB) *Emulator {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "Azurite checks: node not installed (Debian package nodejs)")
	}
	root := testenv.RepoRoot(t)
	script := filepath.Join(root, "node_modules", "azurite", "dist", "src", "blob", "main.js")
	if _, err := os.Stat(script); err != nil {
		testenv.Missing(t, "Azurite checks: the npm package azurite is not installed (npm ci)")
	}
	// A free port: the emulator cannot tell which one it took.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	cmd := exec.Command(node, script, "--blobHost", "127.0.0.1", "--blobPort", port, "--inMemoryPersistence",
		"--skipApiVersionCheck", "--loose", "--silent")
	cmd.Dir = dir
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("azurite: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	// Ready when the port takes connections.
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			t.Fatalf("azurite exited:\n%s", out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			t.Fatalf("azurite did not listen on %s in 60 s:\n%s", addr, out.String())
		}
	}
	t.Setenv("AZURE_STORAGE_ACCOUNT", Account)
	t.Setenv("AZURE_STORAGE_KEY", Key)
	return &Emulator{Addr: addr}
}

// ServiceURL is the blob endpoint of the emulator's account.
func (e *Emulator) ServiceURL() string { return "http://" + e.Addr + "/" + Account + "/" }

// Env is what a child process needs to reach the emulator through the
// standard variables: the account and key.
func (e *Emulator) Env() []string {
	return []string{"AZURE_STORAGE_ACCOUNT=" + Account, "AZURE_STORAGE_KEY=" + Key}
}

// ConnectionString is the emulator's connection string, the other
// standard way (AZURE_STORAGE_CONNECTION_STRING).
func (e *Emulator) ConnectionString() string {
	return "DefaultEndpointsProtocol=http;AccountName=" + Account + ";AccountKey=" + Key + ";BlobEndpoint=" + strings.TrimSuffix(e.ServiceURL(), "/") + ";"
}

// Container creates a container and returns the azblob:// URL of prefix
// in it, with the emulator's address in the query.
func (e *Emulator) Container(t testing.TB, name, prefix string) string {
	t.Helper()
	cred, err := azblob.NewSharedKeyCredential(Account, Key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := azblob.NewClientWithSharedKeyCredential(e.ServiceURL(), cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.CreateContainer(ctx, name, nil); err != nil {
		t.Fatalf("azurite: creating container %s: %v", name, err)
	}
	u := "azblob://" + name
	if prefix != "" {
		u += "/" + strings.Trim(prefix, "/")
	}
	return fmt.Sprintf("%s?domain=%s&protocol=http&localemu=true", u, e.Addr)
}

// Root is the azblob:// URL of the whole container, to look at what a
// lake under a prefix of it wrote.
func (e *Emulator) Root(container string) string {
	return fmt.Sprintf("azblob://%s?domain=%s&protocol=http&localemu=true", container, e.Addr)
}

// Objects returns the objects of the container at the azblob:// URL
// root (see Root) whose keys pass keep (nil: all), with their content,
// keyed without prefix; every key must be under prefix.
func Objects(t testing.TB, root, prefix string, keep func(key string) bool) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	b, err := bucket.Open(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	out := map[string][]byte{}
	objs, err := b.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		k, ok := strings.CutPrefix(obj.Key, prefix)
		if !ok {
			t.Errorf("object %s outside the lake's prefix %s", obj.Key, prefix)
		}
		if keep != nil && !keep(k) {
			continue
		}
		data, err := b.ReadAll(ctx, obj.Key)
		if err != nil {
			continue // removed meanwhile
		}
		out[k] = data
	}
	return out
}

// Hashes maps each content to its SHA-256 in hex.
func Hashes(objs map[string][]byte) map[string]string {
	out := make(map[string]string, len(objs))
	for k, v := range objs {
		s := sha256.Sum256(v)
		out[k] = hex.EncodeToString(s[:])
	}
	return out
}

// LocalParts returns the Parquet part files of a local lake: path relative
// to dir, with "/", -> SHA-256 in hex, to compare with a bucket's.
func LocalParts(t testing.TB, dir string) map[string]string {
	t.Helper()
	objs := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		objs[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return Hashes(objs)
}

// IsPart reports whether a key names a part file.
func IsPart(key string) bool { return strings.HasSuffix(key, ".parquet") }
