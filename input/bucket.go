package input

import (
	"context"
	"errors"
	"strings"

	"github.com/evtxscan/evtxscan/internal/bucket"
)

// IsURL reports whether an input names a bucket URL
// (azblob://container/prefix, s3://bucket/prefix, file:///folder) rather
// than a path on disk. Such an input is read through [Walker.Bucket].
func IsURL(input string) bool { return bucket.IsURL(input) }

// bucket visits every object under the bucket URL loc, in the order of
// their keys, as if it were a folder: an EVTX object is
// streamed, a zip object read into memory within MaxNestedZipBytes,
// anything else skipped. Items are named by the URL without its query,
// "/", and the key below the prefix.
func (wk *walk) bucket(loc string) error {
	base := strings.TrimRight(bucket.Redact(loc), "/")
	if wk.open == nil {
		wk.fail(&Error{Path: base, Op: "open", Err: errNoBuckets})
		return nil
	}
	b, err := wk.open(wk.ctx, loc)
	if err != nil {
		wk.fail(&Error{Path: base, Op: "open", Err: err})
		return nil
	}
	defer b.Close()
	objs, err := b.List(wk.ctx, "")
	if err != nil {
		if cerr := wk.ctx.Err(); cerr != nil {
			return cerr
		}
		wk.fail(&Error{Path: base, Op: "list folder", Err: err})
		// the objects listed before the error are read
	}
	for _, obj := range objs {
		if err := wk.ctx.Err(); err != nil {
			return err
		}
		name := base + "/" + obj.Key
		r, err := b.NewReader(wk.ctx, obj.Key)
		if err != nil {
			wk.fail(&Error{Path: name, Op: "open", Err: err})
			continue
		}
		err = wk.stream(name, r, obj.Size, obj.ModTime, "a zip object of a bucket is held in memory, at most %d bytes (--max-nested-bytes)")
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

var errNoBuckets = errors.New("bucket URLs are not read here (input.Walker.Bucket is not set)")

// OpenBucket is what [Walker.Bucket] is usually set to: it opens
// azblob://, s3:// and file:// URLs through the Azure and AWS SDKs, with
// the credentials of their standard environment and identity chains.
func OpenBucket(ctx context.Context, location string) (bucket.Bucket, error) {
	return bucket.Open(ctx, location)
}
