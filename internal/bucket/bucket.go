// Package bucket opens the bucket URLs evtxscan takes for its inputs and
// for --out (azblob://container/prefix, s3://bucket/prefix, file:///dir)
// through the storage SDKs themselves: the Azure SDK's azblob and
// aws-sdk-go-v2's s3, behind the small [Bucket] interface that is all the
// lake and the input walker need. Credentials come only from the SDKs'
// standard environment and identity chains; nothing here reads a flag or
// writes a secret.
//
// It once went through gocloud.dev/blob, whose imports (GCP, gRPC,
// OpenTelemetry) cost every run of the command milliseconds of package
// initialisation, dump of a small file included; the URL options kept are
// the ones gocloud.dev took for these schemes (see [Open]).
package bucket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// A Bucket is a container of objects under a prefix. Keys are relative to
// the prefix of the URL it was opened with, with "/".
type Bucket interface {
	// List returns the objects whose keys start with prefix (relative
	// to the bucket's own prefix, "" for all), sorted by key.
	List(ctx context.Context, prefix string) ([]Object, error)
	// NewReader opens an object for reading; a missing object gives an
	// error wrapping fs.ErrNotExist.
	NewReader(ctx context.Context, key string) (io.ReadCloser, error)
	// ReadAll reads an object; a missing object gives an error wrapping
	// fs.ErrNotExist.
	ReadAll(ctx context.Context, key string) ([]byte, error)
	// WriteAll replaces an object with data in one request.
	WriteAll(ctx context.Context, key string, data []byte, contentType string) error
	// NewWriter starts an upload streamed in blocks of blockSize bytes,
	// one at a time; the object exists once Close returned nil, never
	// after Abort.
	NewWriter(ctx context.Context, key, contentType string, blockSize int) (Writer, error)
	// Copy copies the object src to dst, replacing dst.
	Copy(ctx context.Context, dst, src string) error
	// Delete deletes an object; a missing object gives an error wrapping
	// fs.ErrNotExist.
	Delete(ctx context.Context, key string) error
	Close() error
}

// A Writer is an upload in progress.
type Writer interface {
	io.Writer
	// Close finishes the upload and reports its error.
	Close() error
	// Abort abandons the upload: no object is made.
	Abort()
}

// An Object is a listed object.
type Object struct {
	Key     string // relative to the bucket's prefix
	Size    int64
	ModTime time.Time
}

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

// A location is a parsed bucket URL.
type location struct {
	scheme string
	host   string     // the container or bucket
	prefix string     // "" or ending in "/"
	query  url.Values // the options, without prefix
	path   string     // file://: the folder
}

// parse splits scheme://bucket/some/prefix?query, the form evtxscan
// takes. The path is the prefix; a prefix parameter (gocloud.dev's form)
// is taken too, but not both. A file:// URL's path is the folder.
func parse(loc string) (location, error) {
	u, err := url.Parse(loc)
	if err != nil {
		return location{}, err
	}
	l := location{scheme: u.Scheme, host: u.Host, query: u.Query()}
	if l.scheme == "file" {
		l.path = u.Path
		return l, nil
	}
	p := strings.Trim(u.Path, "/")
	if q := l.query.Get("prefix"); q != "" {
		if p != "" {
			return location{}, fmt.Errorf("a path and a prefix parameter both")
		}
		l.prefix = q
	} else if p != "" {
		l.prefix = p + "/"
	}
	l.query.Del("prefix")
	return l, nil
}

// Open opens the bucket at location: azblob://container/prefix (Azure
// Blob Storage; options domain, protocol, localemu, cdn, storage_account),
// s3://bucket/prefix (options region, endpoint, profile, use_path_style,
// disable_https, dualstack, fips, anonymous) or file:///folder. Its keys
// are relative to the location's prefix. Errors name the location
// redacted.
func Open(ctx context.Context, loc string) (Bucket, error) {
	l, err := parse(loc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Redact(loc), err)
	}
	var b Bucket
	switch l.scheme {
	case "azblob":
		b, err = openAzure(l)
	case "s3":
		b, err = openS3(ctx, l)
	case "file":
		b, err = openFile(l)
	default:
		err = fmt.Errorf("no bucket driver for %q (azblob, s3 and file are read)", l.scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", Redact(loc), err)
	}
	return b, nil
}

// onlyOptions refuses a query parameter not in known.
func onlyOptions(q url.Values, known ...string) error {
	for k, v := range q {
		if !slices.Contains(known, k) {
			return fmt.Errorf("unknown query parameter %q", k)
		}
		if len(v) > 1 {
			return fmt.Errorf("multiple values of %v not allowed", k)
		}
	}
	return nil
}

// sortObjects sorts objects by key.
func sortObjects(objs []Object) {
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
}

// notExist marks an error of a missing object: errors.Is(err,
// fs.ErrNotExist) holds, and the message is the SDK's.
type notExist struct{ err error }

func (e notExist) Error() string        { return e.err.Error() }
func (e notExist) Unwrap() error        { return e.err }
func (e notExist) Is(target error) bool { return target == fs.ErrNotExist }

// IsNotExist reports whether err is about a missing object.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// pipeWriter is a Writer over an io.Pipe whose reader an upload running
// in its own goroutine consumes.
type pipeWriter struct {
	pw     *io.PipeWriter
	cancel context.CancelFunc
	done   chan struct{}
	err    error // the upload's, once done is closed
}

// startPipe starts upload(ctx, r) in a goroutine and returns the Writer
// feeding r.
func startPipe(ctx context.Context, upload func(ctx context.Context, r io.Reader) error) *pipeWriter {
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	w := &pipeWriter{pw: pw, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.err = upload(ctx, pr)
		pr.CloseWithError(errUploadEnded(w.err))
	}()
	return w
}

func errUploadEnded(err error) error {
	if err == nil {
		return errors.New("the upload ended")
	}
	return err
}

func (w *pipeWriter) Write(p []byte) (int, error) { return w.pw.Write(p) }

func (w *pipeWriter) Close() error {
	w.pw.Close()
	<-w.done
	w.cancel()
	return w.err
}

func (w *pipeWriter) Abort() {
	w.cancel() // before the end of the stream: the upload fails, no object
	w.pw.CloseWithError(context.Canceled)
	<-w.done
}
