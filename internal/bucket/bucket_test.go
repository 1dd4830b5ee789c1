package bucket

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, scheme, host, prefix, query string }{
		{"azblob://lake", "azblob", "lake", "", ""},
		{"azblob://lake/prod", "azblob", "lake", "prod/", ""},
		{"azblob://lake/a/b/?domain=127.0.0.1:1&protocol=http", "azblob", "lake", "a/b/", "domain=127.0.0.1%3A1&protocol=http"},
		{"azblob://lake?prefix=x/", "azblob", "lake", "x/", ""},
		{"s3://bucket/x?region=eu-west-1", "s3", "bucket", "x/", "region=eu-west-1"},
	} {
		l, err := parse(tc.in)
		if err != nil || l.scheme != tc.scheme || l.host != tc.host || l.prefix != tc.prefix || l.query.Encode() != tc.query {
			t.Errorf("parse(%q) = %+v, %v", tc.in, l, err)
		}
	}
	if l, err := parse("file:///data/logs"); err != nil || l.path != "/data/logs" {
		t.Errorf("file URL: %+v, %v", l, err)
	}
	if _, err := parse("azblob://lake/p?prefix=q/"); err == nil {
		t.Error("a path and a prefix accepted")
	}
}

func TestRedact(t *testing.T) {
	if got := Redact("azblob://c/p?sig=secret"); got != "azblob://c/p" {
		t.Errorf("Redact = %q", got)
	}
}

// The service URL of an azblob:// URL, as gocloud.dev made it.
func TestAzureServiceURL(t *testing.T) {
	for _, tc := range []struct {
		s    azureService
		q    string
		want string
	}{
		{azureService{account: "acct"}, "", "https://acct.blob.core.windows.net"},
		{azureService{account: "acct"}, "domain=127.0.0.1:10000&protocol=http", "http://127.0.0.1:10000/acct"},
		{azureService{account: "acct"}, "domain=azurite:10000&protocol=http&localemu=true", "http://azurite:10000/acct"},
		{azureService{account: "acct"}, "domain=cdn.example&cdn=true", "https://cdn.example"},
		{azureService{account: "acct", sas: "sig=x"}, "storage_account=other", "https://other.blob.core.windows.net?sig=x"},
	} {
		q, _ := url.ParseQuery(tc.q)
		s, err := tc.s.with(q)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.url(); err != nil || got != tc.want {
			t.Errorf("%+v %s: %q, %v; want %q", tc.s, tc.q, got, err, tc.want)
		}
	}
	if _, err := (azureService{account: "a"}).with(url.Values{"nosuch": {"1"}}); err == nil {
		t.Error("an unknown option accepted")
	}
	if _, err := (azureService{}).url(); err == nil {
		t.Error("no account accepted")
	}
}

// An unknown scheme or option is an error that names the URL without its
// query.
func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"gs://b/p?k=secret", "s3://b/p?nosuch=secret", "file:///nonexistent-dir?k=secret"} {
		if _, err := Open(ctx, u); err == nil || !contains(err.Error(), Redact(u)) || contains(err.Error(), "secret") {
			t.Errorf("Open(%q): %v", u, err)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// A file:// bucket lists, reads, writes, copies and deletes its files.
func TestFileBucket(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o777); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "sub", "b"), []byte("bb"), 0o666)
	os.WriteFile(filepath.Join(dir, "a"), []byte("a"), 0o666)
	b, err := Open(ctx, "file://"+filepath.ToSlash(dir)+"?metadata=skip")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	w, err := b.NewWriter(ctx, "sub/c", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "ccc")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w, _ = b.NewWriter(ctx, "aborted", "", 0)
	io.WriteString(w, "x")
	w.Abort()
	if err := b.Copy(ctx, "d", "sub/b"); err != nil {
		t.Fatal(err)
	}
	objs, err := b.List(ctx, "")
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	if err != nil || !slices.Equal(keys, []string{"a", "d", "sub/b", "sub/c"}) || objs[2].Size != 2 {
		t.Errorf("List: %q %+v, %v", keys, objs, err)
	}
	if data, err := b.ReadAll(ctx, "d"); err != nil || string(data) != "bb" {
		t.Errorf("ReadAll: %q, %v", data, err)
	}
	if err := b.Delete(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ReadAll(ctx, "d"); !errors.Is(err, fs.ErrNotExist) || !IsNotExist(err) {
		t.Errorf("ReadAll of a deleted key: %v", err)
	}
}
