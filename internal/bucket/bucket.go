// Package bucket opens the bucket URLs evtxscan takes for its inputs and
// for --out (azblob://container/prefix, s3://bucket/prefix, file:///dir)
// through gocloud.dev/blob. Credentials come only from the SDKs' standard
// environment and identity chains; nothing here reads a flag or writes a
// secret. The lake and the input walker share it.
package bucket

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/fileblob"  // file://
	_ "gocloud.dev/blob/s3blob"    // s3://
)

// IsURL reports whether location names a bucket (or file://) URL rather
// than a local path.
func IsURL(location string) bool {
	scheme, _, ok := strings.Cut(location, "://")
	return ok && len(scheme) >= 2 && filepath.VolumeName(location) == ""
}

// Redact drops the query of a URL from messages: it may hold options the
// user does not want in logs.
func Redact(location string) string {
	if i := strings.IndexByte(location, '?'); i >= 0 {
		return location[:i]
	}
	return location
}

// URL turns scheme://bucket/some/prefix?query, the form evtxscan takes,
// into the URL gocloud.dev/blob takes: the path becomes its prefix
// parameter (gocloud.dev ignores the path of a bucket URL). A file:// URL
// is returned as it is: its path is the folder.
func URL(location string) (string, error) {
	if strings.HasPrefix(location, "file://") {
		return location, nil
	}
	u, err := url.Parse(location)
	if err != nil {
		return "", err
	}
	p := strings.Trim(u.Path, "/")
	if p == "" {
		return location, nil
	}
	q := u.Query()
	if q.Get("prefix") != "" {
		return "", fmt.Errorf("a path and a prefix parameter both")
	}
	q.Set("prefix", p+"/")
	u.Path, u.RawPath = "", ""
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Open opens the bucket at location (see URL); its keys are relative to
// the location's prefix. Errors name the location redacted.
func Open(ctx context.Context, location string) (*blob.Bucket, error) {
	u, err := URL(location)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Redact(location), err)
	}
	b, err := blob.OpenBucket(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", Redact(location), err)
	}
	return b, nil
}

// List returns the objects of b (not its "directories"), sorted by key.
func List(ctx context.Context, b *blob.Bucket) ([]*blob.ListObject, error) {
	var out []*blob.ListObject
	it := b.List(nil)
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		if !obj.IsDir {
			out = append(out, obj)
		}
	}
	slices.SortFunc(out, func(a, b *blob.ListObject) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}
