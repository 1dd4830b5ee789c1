package lake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/evtxscan/evtxscan/internal/bucket"
)

// A store holds the files of a lake: a local folder or a bucket. Keys are
// relative to the lake's root, with "/".
type store interface {
	// create starts a temporary object that becomes the part final when
	// placed. No reader of the tables takes it for a part.
	create(ctx context.Context, final, prefix string) (tempObject, error)
	// place puts a closed temporary object at its final key, replacing
	// what was there.
	place(ctx context.Context, t tempObject) error
	// remove removes a key; a missing key is no error.
	remove(ctx context.Context, key string) error
	// read reads a key; a missing key gives an error wrapping fs.ErrNotExist.
	read(ctx context.Context, key string) ([]byte, error)
	// stageAtomic prepares replacing a key with data in one step: publish
	// replaces it, discard gives it up (after publish it does nothing).
	// Local: data go to a temporary file, synced, before stageAtomic
	// returns; publish renames it and syncs the folder (see dirSyncer).
	// Bucket: publish is one PUT.
	stageAtomic(ctx context.Context, key, prefix string, data []byte) (publish func() error, discard func(), err error)
	// removeTemp removes the temporary objects whose names start with
	// one of prefixes.
	removeTemp(ctx context.Context, prefixes map[string]bool) (int, error)
	// list returns the keys under prefix (a folder, with "/"), sorted.
	list(ctx context.Context, prefix string) ([]string, error)
	// prune removes the folder dir and its parents while they are empty,
	// up to the table's folder (local folders only).
	prune(dir string)
	// syncTemps makes closed temporary objects durable, all at once,
	// before they are placed (local: an fsync of each file, in parallel,
	// then its descriptor is closed; bucket: nothing, an upload is
	// durable when Close returns).
	syncTemps(ts []tempObject) error
	// durable makes the placed objects of the folders durable (local: an
	// fsync of each folder, in parallel).
	durable(dirs map[string]bool) error
	close() error
	String() string
}

// A tempObject is a part file being written.
type tempObject interface {
	io.Writer
	// Close finishes the object: a bucket upload completes; a local
	// file is synced and released by the store's syncTemps.
	Close() error
	// Abort removes it, closed or not.
	Abort()
	finalKey() string
	// reopen reads a closed temporary object back.
	reopen(ctx context.Context) (r io.ReaderAt, size int64, done func(), err error)
}

// openStore opens a local folder (a path or a file:// URL) or a bucket URL
// (azblob://container/prefix, s3://bucket/prefix; see internal/bucket).
// Credentials come from the SDKs' standard environment
// and identity chains.
func openStore(ctx context.Context, location string) (store, error) {
	if !IsURL(location) {
		return openLocal(location)
	}
	if strings.HasPrefix(location, "file://") {
		u, err := url.Parse(location)
		if err != nil {
			return nil, fmt.Errorf("lake: %w", err)
		}
		p := u.Path
		if runtime.GOOS == "windows" && len(p) > 2 && p[0] == '/' && p[2] == ':' {
			p = p[1:]
		}
		return openLocal(filepath.FromSlash(p))
	}
	return openBucket(ctx, location)
}

// IsURL reports whether location names a bucket (or file://) URL rather
// than a local path.
func IsURL(location string) bool { return bucket.IsURL(location) }

// writeAtomic replaces key with data in one step (see store.stageAtomic).
func writeAtomic(ctx context.Context, st store, key, prefix string, data []byte) error {
	publish, discard, err := st.stageAtomic(ctx, key, prefix, data)
	if err != nil {
		return err
	}
	defer discard()
	return publish()
}

// localStore is a lake in a local folder: parts are written under
// temporary names in their partition's folder and renamed into place.
type localStore struct {
	dir   string
	syncs dirSyncer // of the manifests' folder, shared by the tenants' commits
}

func openLocal(dir string) (*localStore, error) {
	if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(manifestDir)), 0o777); err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	return &localStore{dir: dir}, nil
}

func (s *localStore) String() string { return s.dir }
func (s *localStore) close() error   { return nil }
func (s *localStore) abs(key string) string {
	return filepath.Join(s.dir, filepath.FromSlash(key))
}

type localTemp struct {
	*os.File
	final    string
	closed   bool // written to the end (Close)
	released bool // its descriptor is closed
}

func (t *localTemp) finalKey() string { return t.final }

// Close marks the file written; its descriptor stays open for syncTemps,
// which syncs and closes it with the other files of the commit.
func (t *localTemp) Close() error {
	t.closed = true
	return nil
}

// sync makes the file's content durable and closes its descriptor.
func (t *localTemp) sync() error {
	if t.released {
		return nil
	}
	t.released = true
	err := t.File.Sync()
	if cerr := t.File.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	return nil
}

func (t *localTemp) Abort() {
	t.closed = true
	if !t.released {
		t.released = true
		t.File.Close()
	}
	os.Remove(t.File.Name())
}

func (t *localTemp) reopen(context.Context) (io.ReaderAt, int64, func(), error) {
	f, err := os.Open(t.File.Name())
	if err != nil {
		return nil, 0, nil, fmt.Errorf("lake: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, fmt.Errorf("lake: %w", err)
	}
	return f, fi.Size(), func() { f.Close() }, nil
}

func (s *localStore) create(_ context.Context, final, prefix string) (tempObject, error) {
	dir := filepath.Dir(s.abs(final))
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	f, err := os.CreateTemp(dir, prefix+"*"+tempSuffix)
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	return &localTemp{File: f, final: final}, nil
}

func (s *localStore) place(_ context.Context, t tempObject) error {
	lt := t.(*localTemp)
	if err := os.Rename(lt.File.Name(), s.abs(lt.final)); err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	return nil
}

// syncTemps syncs the files at once, each on its goroutine: the disk sees
// them together (on ext4 and XFS, concurrent fsyncs share a journal
// commit), so a commit waits for about one sync, not one per file.
func (s *localStore) syncTemps(ts []tempObject) error {
	return inParallel(len(ts), func(i int) error { return ts[i].(*localTemp).sync() })
}

// durable syncs the folders at once, as syncTemps does the files.
func (s *localStore) durable(dirs map[string]bool) error {
	list := make([]string, 0, len(dirs))
	for d := range dirs {
		list = append(list, d)
	}
	return inParallel(len(list), func(i int) error { return syncDir(s.abs(list[i])) })
}

// inParallel runs f(0), ..., f(n-1) each on its goroutine (the calling one
// runs the last), waits for all and returns the first error in index
// order.
func inParallel(n int, f func(i int) error) error {
	if n == 0 {
		return nil
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(i)
		}()
	}
	errs[n-1] = f(n - 1)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *localStore) remove(_ context.Context, key string) error {
	if err := os.Remove(s.abs(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("lake: %w", err)
	}
	return nil
}

func (s *localStore) read(_ context.Context, key string) ([]byte, error) {
	return os.ReadFile(s.abs(key))
}

func (s *localStore) stageAtomic(_ context.Context, key, prefix string, data []byte) (func() error, func(), error) {
	name := s.abs(key)
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, nil, fmt.Errorf("lake: %w", err)
	}
	tmp, err := writeSynced(dir, prefix, data)
	if err != nil {
		return nil, nil, err
	}
	done := false
	publish := func() error {
		done = true
		if err := os.Rename(tmp, name); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("lake: %w", err)
		}
		return s.syncs.sync(dir)
	}
	discard := func() {
		if !done {
			done = true
			os.Remove(tmp)
		}
	}
	return publish, discard, nil
}

// A dirSyncer syncs folders for several goroutines at once: a goroutine
// that asks for a sync of a folder while another one's sync of it is
// running waits for that one to end and then for a new one (which covers
// what both changed before asking), or for the new one another waiting
// goroutine started already. So the commits of tenants that rename their
// manifests into one folder at about the same time share its syncs.
type dirSyncer struct {
	mu   sync.Mutex
	dirs map[string]*dirSync
}

// syncDirFunc is syncDir, or a test's stand-in.
var syncDirFunc = syncDir

// dirSync is the state of one folder: syncs are numbered in the order
// they are asked for; done is the number of the last one covered by a
// finished sync (one that started after it was asked for).
type dirSync struct {
	mu      sync.Mutex
	cond    sync.Cond
	asked   uint64
	done    uint64
	running bool
	err     error // of the sync that set done
}

func (s *dirSyncer) sync(dir string) error {
	s.mu.Lock()
	if s.dirs == nil {
		s.dirs = map[string]*dirSync{}
	}
	d := s.dirs[dir]
	if d == nil {
		d = new(dirSync)
		d.cond.L = &d.mu
		s.dirs[dir] = d
	}
	s.mu.Unlock()
	return d.sync(dir)
}

func (d *dirSync) sync(dir string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.asked++
	ticket := d.asked
	for d.done < ticket {
		if d.running {
			d.cond.Wait()
			continue
		}
		// Every sync asked for so far is covered by this one: their
		// changes to the folder were made before they asked.
		d.running = true
		upTo := d.asked
		d.mu.Unlock()
		err := syncDirFunc(dir)
		d.mu.Lock()
		d.running = false
		d.done, d.err = upTo, err
		d.cond.Broadcast()
	}
	return d.err
}

func (s *localStore) removeTemp(_ context.Context, prefixes map[string]bool) (int, error) {
	n := 0
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !isTempName(d.Name(), prefixes) {
			return nil
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// isTempName reports whether name is a temporary file of a tenant whose
// prefix is in prefixes: .evtxscan-<16 hex>-<random>.tmp.
func isTempName(name string, prefixes map[string]bool) bool {
	const p = len(".evtxscan-") + 17
	return strings.HasPrefix(name, ".evtxscan-") && strings.HasSuffix(name, tempSuffix) &&
		len(name) >= p && prefixes[name[:p]]
}

func (s *localStore) list(_ context.Context, prefix string) ([]string, error) {
	var out []string
	root := s.abs(prefix)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(s.dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out, err
}

func (s *localStore) prune(rel string) {
	for strings.Contains(rel, "/") {
		if err := os.Remove(s.abs(rel)); err != nil {
			return
		}
		rel = path.Dir(rel)
	}
}

// bucketStore is a lake in a bucket: parts are uploaded under
// _evtxscan/tmp/ (outside every table's folder, so no reader lists them)
// and copied to their final key when placed, then deleted; an upload that
// is aborted never becomes an object.
type bucketStore struct {
	b        bucket.Bucket
	location string
	azure    bool
}

const tempDir = "_evtxscan/tmp/"

func openBucket(ctx context.Context, location string) (*bucketStore, error) {
	b, err := bucket.Open(ctx, location)
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	return &bucketStore{b: b, location: Redact(location), azure: strings.HasPrefix(location, "azblob://")}, nil
}

// Redact drops the query of a URL from messages: it may hold options the
// user does not want in logs.
func Redact(location string) string { return bucket.Redact(location) }

func (s *bucketStore) String() string { return s.location }
func (s *bucketStore) close() error   { return s.b.Close() }

type bucketTemp struct {
	w      bucket.Writer
	key    string
	final  string
	closed bool
	s      *bucketStore
}

func (t *bucketTemp) Write(p []byte) (int, error) { return t.w.Write(p) }
func (t *bucketTemp) finalKey() string            { return t.final }
func (t *bucketTemp) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	if err := t.w.Close(); err != nil {
		return fmt.Errorf("lake: uploading %s: %w", t.final, err)
	}
	return nil
}
func (t *bucketTemp) Abort() {
	if !t.closed {
		t.closed = true
		t.w.Abort() // the upload is abandoned: no object
		return
	}
	t.s.b.Delete(context.Background(), t.key)
}

func (t *bucketTemp) reopen(ctx context.Context) (io.ReaderAt, int64, func(), error) {
	data, err := t.s.b.ReadAll(ctx, t.key)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("lake: reading back %s: %w", t.final, err)
	}
	return bytes.NewReader(data), int64(len(data)), func() {}, nil
}

func randomName() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *bucketStore) checkKey(key string) error {
	if s.azure && strings.ContainsAny(key, "%#?\\\"") {
		return fmt.Errorf("lake: %s: the key %q holds a %%-escape, refused in Azure keys (earlier builds wrote them through gocloud.dev, which escaped %% again, an escape Hive readers do not decode: one lake keeps one spelling); give the tenant a name of letters, digits, space, . _ - (--tenant)", s.location, key)
	}
	return nil
}

func (s *bucketStore) create(ctx context.Context, final, prefix string) (tempObject, error) {
	if err := s.checkKey(final); err != nil {
		return nil, err
	}
	key := tempDir + prefix + randomName() + tempSuffix
	w, err := s.b.NewWriter(ctx, key, "application/vnd.apache.parquet", 4<<20)
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	return &bucketTemp{w: w, key: key, final: final, s: s}, nil
}

func (s *bucketStore) place(ctx context.Context, t tempObject) error {
	bt := t.(*bucketTemp)
	if err := s.b.Copy(ctx, bt.final, bt.key); err != nil {
		return fmt.Errorf("lake: placing %s: %w", bt.final, err)
	}
	if err := s.b.Delete(ctx, bt.key); err != nil && !bucket.IsNotExist(err) {
		return fmt.Errorf("lake: %w", err)
	}
	return nil
}

func (s *bucketStore) syncTemps([]tempObject) error  { return nil } // an upload is durable when Close returns
func (s *bucketStore) durable(map[string]bool) error { return nil } // a PUT is durable when it returns

func (s *bucketStore) remove(ctx context.Context, key string) error {
	if err := s.b.Delete(ctx, key); err != nil && !bucket.IsNotExist(err) {
		return fmt.Errorf("lake: %w", err)
	}
	return nil
}

func (s *bucketStore) read(ctx context.Context, key string) ([]byte, error) {
	b, err := s.b.ReadAll(ctx, key)
	if err != nil {
		if bucket.IsNotExist(err) {
			return nil, fmt.Errorf("%s: %w", key, fs.ErrNotExist)
		}
		return nil, err
	}
	return b, nil
}

func (s *bucketStore) stageAtomic(ctx context.Context, key, _ string, data []byte) (func() error, func(), error) {
	if err := s.checkKey(key); err != nil {
		return nil, nil, err
	}
	publish := func() error {
		if err := s.b.WriteAll(ctx, key, data, "application/json"); err != nil {
			return fmt.Errorf("lake: writing %s: %w", key, err)
		}
		return nil
	}
	return publish, func() {}, nil
}

func (s *bucketStore) removeTemp(ctx context.Context, prefixes map[string]bool) (int, error) {
	keys, err := s.list(ctx, tempDir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		if isTempName(path.Base(k), prefixes) {
			if err := s.remove(ctx, k); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func (s *bucketStore) list(ctx context.Context, prefix string) ([]string, error) {
	objs, err := s.b.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("lake: listing %s: %w", prefix, err)
	}
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Key
	}
	return out, nil
}

func (s *bucketStore) prune(string) {} // a bucket has no folders
