package lake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Defaults of Options.
const (
	DefaultRowGroupRows = 65536
	DefaultMaxOpenFiles = 4
)

// Options configure a Lake.
type Options struct {
	// Partitioning lays out the part files; the zero value is
	// ByTenantMonth. A lake holds one layout: Open refuses another.
	Partitioning Partitioning
	// RowGroupRows is the most rows in one row group of a part file; a
	// Writer holds at most that many rows of each open file in memory
	// (compressed). 0 means DefaultRowGroupRows.
	RowGroupRows int64
	// MaxOpenFiles is the most part files of one table a Writer keeps open
	// at once. Rows of a partition whose file was closed go to a new
	// temporary file, and Commit merges the files of each partition into
	// one before putting it in place. 0 means DefaultMaxOpenFiles.
	MaxOpenFiles int
	// Version is the evtxscan version written in created_by, in every
	// file's metadata and in the manifests; "" means BuildVersion.
	Version string
}

// A Lake is a folder or a bucket holding the tables. Its methods may be
// called concurrently, and several Writers may write to it at once, each
// for another tenant.
type Lake struct {
	st   store
	opts Options
	vcs  string
	enc  zstdEncoder // of every Writer's files
}

// manifestDir is the folder of the manifests, relative to the root. Its
// name starts with "_" so that readers of the tables skip it.
const manifestDir = "_evtxscan/manifests"

// layoutKey is the file that fixes the layout of the lake.
const layoutKey = "_evtxscan/lake.json"

// Layout is the content of _evtxscan/lake.json, written by the first Open
// of a lake: the partitioning every part of the lake follows.
type Layout struct {
	Schema       string `json:"schema"`
	Partitioning string `json:"partitioning"`
}

// ErrLayout is wrapped by the error of Open when the lake was written with
// another partitioning.
var ErrLayout = errors.New("lake: partitioning differs from the lake's")

// Open opens the lake at location, a local folder or a bucket URL (see
// OpenURL), creating it if need be. A lake has one partitioning, fixed by
// the first Open: opening it with another fails with an error wrapping
// ErrLayout, since Hive readers cannot read two layouts under one table.
func Open(location string, opts Options) (*Lake, error) {
	return OpenURL(context.Background(), location, opts)
}

// OpenURL opens the lake at location: a local folder, a file:// URL, or a
// bucket URL (internal/bucket): azblob://container/prefix (Azure Blob
// Storage and ADLS Gen2), s3://bucket/prefix?region=…. Credentials come
// only from the SDKs' standard environment and identity chains
// (AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT with a managed
// identity or az login, AWS_* and ~/.aws, …). Call Close when done.
func OpenURL(ctx context.Context, location string, opts Options) (*Lake, error) {
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	if opts.MaxOpenFiles <= 0 {
		opts.MaxOpenFiles = DefaultMaxOpenFiles
	}
	v, vcs := BuildVersion()
	if opts.Version == "" {
		opts.Version = v
	}
	st, err := openStore(ctx, location)
	if err != nil {
		return nil, err
	}
	l := &Lake{st: st, opts: opts, vcs: vcs}
	if err := l.checkLayout(ctx); err != nil {
		st.close()
		return nil, err
	}
	return l, nil
}

func (l *Lake) checkLayout(ctx context.Context) error {
	want := Layout{Schema: Schema, Partitioning: l.opts.Partitioning.String()}
	b, err := l.st.read(ctx, layoutKey)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		data, _ := json.MarshalIndent(want, "", "  ")
		return writeAtomic(ctx, l.st, layoutKey, ".evtxscan-layout-", append(data, '\n'))
	case err != nil:
		return fmt.Errorf("lake: %s: %w", l.st, err)
	}
	var got Layout
	if err := json.Unmarshal(b, &got); err != nil {
		return fmt.Errorf("lake: %s/%s: %w", l.st, layoutKey, err)
	}
	if got.Partitioning != want.Partitioning {
		return fmt.Errorf("%w: %s is partitioned by %q and this run asks for %q; use --partition %s or another --out (a lake holds one layout, so that Spark, DuckDB and ADX read every part of a table)",
			ErrLayout, l.st, got.Partitioning, want.Partitioning, got.Partitioning)
	}
	return nil
}

// Close releases the bucket connection, if any, and the compressor. No
// Writer of the lake may be in use.
func (l *Lake) Close() error {
	l.enc.close()
	return l.st.close()
}

// Dir returns the lake's folder or URL (without its query).
func (l *Lake) Dir() string { return l.st.String() }

// Partitioning returns the layout new parts are written in.
func (l *Lake) Partitioning() Partitioning { return l.opts.Partitioning }

// Version returns the evtxscan version the lake's writers record.
func (l *Lake) Version() string { return l.opts.Version }

// A Manifest records the part files one run wrote for a tenant. The lake
// keeps one per tenant, in _evtxscan/manifests/tenant=<t>.json; it is
// replaced atomically, first before the new parts are put into place
// (Complete false, Files listing the old files and the new) and again
// when they all are (Complete true, Files listing only the new).
type Manifest struct {
	Schema        string           `json:"schema"` // Schema
	Tool          string           `json:"tool"`   // the evtxscan version that wrote the parts
	Tenant        string           `json:"tenant"`
	PartID        string           `json:"part_id"`
	Inputs        []string         `json:"inputs"`         // set by the caller: the paths read (relative, see RelPath)
	ContentSHA256 string           `json:"content_sha256"` // set by the caller: see ContentHash
	Options       string           `json:"options"`        // set by the caller: what else shaped the rows
	Partitioning  string           `json:"partitioning"`
	Complete      bool             `json:"complete"`
	Files         []string         `json:"files"` // relative to the lake's root, with "/"
	Rows          map[string]int64 `json:"rows"`  // by table
	// Servers, set by the caller, are the servers whose records the
	// tenant's inputs hold (see ServerRef): a batch joins the tenants
	// whose inputs hold one server's records, those it skips with
	// --resume included.
	Servers []ManifestServer `json:"servers,omitempty"`
	Written time.Time        `json:"written"`
}

// A ManifestServer is a server a tenant's inputs hold records of: its
// computer name in lower case (its token when pseudonymized) and the
// Entra tenant id its heartbeats name, when they do.
type ManifestServer struct {
	Name          string `json:"name"`
	EntraTenantID string `json:"entra_tenant_id,omitempty"`
}

// Current reports whether the manifest m records a complete write of
// the same input (content hash and part id), options, schema,
// partitioning and evtxscan version as this lake would write now: what
// --resume skips. Any difference means the tenant is written again.
func (l *Lake) Current(m *Manifest, partID, contentSHA256, options string) bool {
	return m != nil && m.Complete && m.Schema == Schema && m.Tool == l.opts.Version &&
		m.PartID == partID && m.ContentSHA256 == contentSHA256 && m.Options == options &&
		m.Partitioning == l.opts.Partitioning.String()
}

func manifestKey(tenant string) string {
	return manifestDir + "/tenant=" + EscapeValue(tenant) + ".json"
}

// Manifest reads the manifest of tenant. When there is none the error
// wraps fs.ErrNotExist.
func (l *Lake) Manifest(tenant string) (*Manifest, error) {
	return l.manifest(context.Background(), tenant)
}

func (l *Lake) manifest(ctx context.Context, tenant string) (*Manifest, error) {
	b, err := l.st.read(ctx, manifestKey(tenant))
	if err != nil {
		return nil, fmt.Errorf("lake: manifest of %q: %w", tenant, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("lake: manifest of %q: %w", tenant, err)
	}
	return &m, nil
}

// Manifests reads every manifest of the lake, sorted by tenant.
func (l *Lake) Manifests(ctx context.Context) ([]*Manifest, error) {
	keys, err := l.st.list(ctx, manifestDir+"/")
	if err != nil {
		return nil, err
	}
	var out []*Manifest
	for _, k := range keys {
		if !strings.HasSuffix(k, ".json") || !strings.HasPrefix(path.Base(k), "tenant=") {
			continue
		}
		b, err := l.st.read(ctx, k)
		if err != nil {
			return nil, err
		}
		var m Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("lake: %s: %w", k, err)
		}
		out = append(out, &m)
	}
	slices.SortFunc(out, func(a, b *Manifest) int { return strings.Compare(a.Tenant, b.Tenant) })
	return out, nil
}

// RemoveTemp removes the temporary files that Writers for tenants left
// behind when their process was killed, anywhere in the lake, and returns
// how many it removed. Temporary files of other tenants are left alone, so
// runs on other tenants may go on at the same time; no Writer for one of
// tenants may.
func (l *Lake) RemoveTemp(tenants []string) (int, error) {
	prefixes := map[string]bool{}
	for _, t := range tenants {
		prefixes[tempPrefix(t)] = true
	}
	n, err := l.st.removeTemp(context.Background(), prefixes)
	if err != nil {
		return n, fmt.Errorf("lake: removing temporary files: %w", err)
	}
	return n, nil
}

// A Writer writes the parts of one tenant: rows go to temporary files in
// their partitions' folders, and Commit renames them into place and
// removes the tenant's parts of earlier runs. A Writer is not safe for
// concurrent use.
type Writer struct {
	lake   *Lake
	tenant string
	id     string
	meta   map[string]string

	ctx      context.Context
	events   *table[EventRow, *EventRow]
	attempts *table[AttemptRow, *AttemptRow]
	findings *table[FindingRow, *FindingRow]
	inputs   *table[InputRow, *InputRow]
	service  *table[ServiceRow, *ServiceRow]
	tenants  *table[TenantRow, *TenantRow]
	codec    zstdCodec
	done     bool
}

// closers are the tables of the Writer, in the order they are committed.
func (w *Writer) closers() []interface {
	closeAll() ([]finished, int64, error)
	tableName() string
} {
	return []interface {
		closeAll() ([]finished, int64, error)
		tableName() string
	}{w.events, w.attempts, w.findings, w.inputs, w.service, w.tenants}
}

// Create starts writing the parts of tenant with part id id (letters,
// digits and "-"; see PartID). meta is added to the key-value metadata of
// every file, with evtxscan.schema, evtxscan.table, evtxscan.tenant and
// evtxscan.part_id.
func (l *Lake) Create(tenant, id string, meta map[string]string) (*Writer, error) {
	return l.CreateContext(context.Background(), tenant, id, meta)
}

// CreateContext is Create with a context for the uploads to a bucket:
// cancelling it abandons them.
func (l *Lake) CreateContext(ctx context.Context, tenant, id string, meta map[string]string) (*Writer, error) {
	if id == "" || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
		return nil, fmt.Errorf("lake: bad part id %q", id)
	}
	w := &Writer{lake: l, tenant: tenant, id: id, meta: map[string]string{}, ctx: ctx}
	w.codec.enc = &l.enc
	for k, v := range meta {
		w.meta[k] = v
	}
	w.meta["evtxscan.schema"] = Schema
	w.meta["evtxscan.tenant"] = tenant
	w.meta["evtxscan.part_id"] = id
	w.meta["evtxscan.version"] = l.opts.Version
	w.meta["evtxscan.partitioning"] = l.opts.Partitioning.String()
	w.events = newTable[EventRow](w, TableEvents)
	w.attempts = newTable[AttemptRow](w, TableAttempts)
	w.findings = newTable[FindingRow](w, TableFindings)
	w.inputs = newTable[InputRow](w, TableInputs)
	w.service = newTable[ServiceRow](w, TableService)
	w.tenants = newTable[TenantRow](w, TableTenants)
	return w, nil
}

var errDone = errors.New("lake: writer already committed or aborted")

// WriteEvent adds one row to the events table. The row is copied; the
// slice it holds must not be changed afterwards.
func (w *Writer) WriteEvent(r *EventRow) error {
	if w.done {
		return errDone
	}
	return w.events.add(r)
}

// WriteAttempts adds rows to the attempts table.
func (w *Writer) WriteAttempts(rows []AttemptRow) error { return writeAll(w, w.attempts, rows) }

// WriteFindings adds rows to the findings table.
func (w *Writer) WriteFindings(rows []FindingRow) error { return writeAll(w, w.findings, rows) }

// WriteInputs adds rows to the inputs table.
func (w *Writer) WriteInputs(rows []InputRow) error { return writeAll(w, w.inputs, rows) }

// WriteService adds rows to the service table.
func (w *Writer) WriteService(rows []ServiceRow) error { return writeAll(w, w.service, rows) }

// WriteTenant adds the row of the tenants table.
func (w *Writer) WriteTenant(r *TenantRow) error {
	if w.done {
		return errDone
	}
	return w.tenants.add(r)
}

func writeAll[T any, P rowPtr[T]](w *Writer, t *table[T, P], rows []T) error {
	if w.done {
		return errDone
	}
	for i := range rows {
		if err := t.add(P(&rows[i])); err != nil {
			return err
		}
	}
	return nil
}

// finished is a part file written and synced, under its temporary name.
type finished struct {
	tmp tempObject
	rel string // final key relative to the lake, with "/"
}

// Commit closes the part files, syncs them and puts them in place:
//
//  1. the manifest of the tenant is replaced by one that lists the files of
//     the previous manifest and the new ones, with Complete false; at the
//     same time the part files are synced (all at once, see
//     store.syncTemps): both are durable before step 2;
//  2. each file is put in place under its final name, which replaces a
//     file of that name (a local folder: renamed, then the folders are
//     synced, all at once; a bucket: copied server-side, then the
//     temporary object is deleted);
//  3. the files of the previous manifest that this run did not write are
//     removed (stale parts: other partitions, other part ids);
//  4. the manifest is replaced by m, completed with the new files, the row
//     counts and Complete true.
//
// A crash at any point leaves every part file whole and a manifest that
// lists every part of the tenant, so the next Commit for the tenant
// removes what it does not replace. Commit fills m's Schema, Tool, Tenant,
// PartID, Partitioning, Files, Rows, Complete and Written.
func (w *Writer) Commit(m Manifest) error {
	if w.done {
		return errDone
	}
	w.done = true
	var files []finished
	rows := map[string]int64{}
	var err error
	for _, t := range w.closers() {
		fs, n, cerr := t.closeAll()
		files = append(files, fs...)
		rows[t.tableName()] = n
		if err == nil {
			err = cerr
		}
	}
	w.codec.close()
	if err != nil {
		w.discard(files)
		return err
	}
	slices.SortFunc(files, func(a, b finished) int { return strings.Compare(a.rel, b.rel) })
	newSet := map[string]bool{}
	for _, f := range files {
		newSet[f.rel] = true
	}

	l := w.lake
	ctx := w.ctx
	var old []string
	if prev, err := l.manifest(ctx, w.tenant); err == nil {
		old = prev.Files
	} else if !errors.Is(err, fs.ErrNotExist) {
		w.discard(files)
		return err
	}
	m.Schema = Schema
	m.Tool = l.opts.Version
	m.Tenant = w.tenant
	m.PartID = w.id
	m.Partitioning = l.opts.Partitioning.String()
	m.Rows = rows
	m.Written = time.Now().UTC().Truncate(time.Second)

	// 1. Intent: every file of the tenant, old and new; and the new
	// files' bytes durable.
	pending := m
	pending.Complete = false
	pending.Files = unionSorted(old, keys(files))
	temps := make([]tempObject, len(files))
	for i, f := range files {
		temps[i] = f.tmp
	}
	err = inParallel(2, func(i int) error {
		if i == 0 {
			return l.st.syncTemps(temps)
		}
		return w.writeManifest(&pending)
	})
	if err != nil {
		w.discard(files)
		return err
	}
	// 2. Put into place.
	dirs := map[string]bool{}
	for i, f := range files {
		if err := l.st.place(ctx, f.tmp); err != nil {
			w.discard(files[i:])
			return err
		}
		dirs[path.Dir(f.rel)] = true
	}
	// The final manifest is written and synced under a temporary name
	// while the folders are synced; it replaces the intent in step 4.
	m.Complete = true
	m.Files = keys(files)
	var publish func() error
	discard := func() {}
	err = inParallel(2, func(i int) error {
		if i == 0 {
			return l.st.durable(dirs)
		}
		p, d, err := w.stageManifest(&m)
		if err == nil {
			publish, discard = p, d
		}
		return err
	})
	defer discard()
	if err != nil {
		return err
	}
	// 3. Stale parts.
	for _, rel := range old {
		if newSet[rel] || !safeRel(rel) {
			continue
		}
		if err := l.st.remove(ctx, rel); err != nil {
			return fmt.Errorf("lake: removing stale part: %w", err)
		}
		l.st.prune(path.Dir(rel))
	}
	// 4. Done.
	return publish()
}

// Remove removes the parts and the manifest of tenant: a batch that joins
// the logs of one server given as two inputs writes them as the tenant of
// the first and removes the tenant of the second. The manifest is first
// replaced by one marked incomplete (so a crash leaves a manifest that
// lists whatever is left), then the files it lists are removed, then the
// manifest. A tenant without a manifest is no error.
func (l *Lake) Remove(ctx context.Context, tenant string) error {
	m, err := l.manifest(ctx, tenant)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	w := &Writer{lake: l, tenant: tenant, ctx: ctx}
	m.Complete = false
	if err := w.writeManifest(m); err != nil {
		return err
	}
	for _, rel := range m.Files {
		if !safeRel(rel) {
			continue
		}
		if err := l.st.remove(ctx, rel); err != nil {
			return fmt.Errorf("lake: removing a part of %q: %w", tenant, err)
		}
		l.st.prune(path.Dir(rel))
	}
	if err := l.st.remove(ctx, manifestKey(tenant)); err != nil {
		return fmt.Errorf("lake: removing the manifest of %q: %w", tenant, err)
	}
	return nil
}

// Abort removes the temporary files written so far. It may be called after
// Commit, to no effect.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	var files []finished
	for _, t := range w.closers() {
		fs, _, _ := t.closeAll()
		files = append(files, fs...)
	}
	w.codec.close()
	w.discard(files)
	return nil
}

func (w *Writer) discard(files []finished) {
	for _, f := range files {
		f.tmp.Abort()
	}
}

func keys(files []finished) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.rel
	}
	return out
}

func unionSorted(a, b []string) []string {
	out := append(append([]string{}, a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// safeRel reports whether rel, read from a manifest, names a file inside
// the lake.
func safeRel(rel string) bool {
	return rel != "" && !path.IsAbs(rel) && path.Clean(rel) == rel && !strings.HasPrefix(rel, "../") && rel != ".."
}

func (w *Writer) writeManifest(m *Manifest) error {
	publish, discard, err := w.stageManifest(m)
	if err != nil {
		return err
	}
	defer discard()
	return publish()
}

// stageManifest prepares replacing the tenant's manifest by m (see
// store.stageAtomic).
func (w *Writer) stageManifest(m *Manifest) (publish func() error, discard func(), err error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("lake: %w", err)
	}
	return w.lake.st.stageAtomic(w.ctx, manifestKey(w.tenant), tempPrefix(w.tenant), append(b, '\n'))
}

// writeSynced writes data to a new temporary file in dir, syncs and
// closes it, and returns its name.
func writeSynced(dir, prefix string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, prefix+"*"+tempSuffix)
	if err != nil {
		return "", fmt.Errorf("lake: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("lake: %w", err)
	}
	return f.Name(), nil
}

// syncDir makes the entries of dir durable. Windows cannot sync a folder
// (and makes renames durable by itself), so it does nothing there.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("lake: sync %s: %w", dir, err)
	}
	return nil
}

// rowPtr is a pointer to a row type.
type rowPtr[T any] interface {
	*T
	partitionTime() int64
}

// A table writes the rows of one table of one Writer to part files, one
// open file per partition at most, Options.MaxOpenFiles open at once.
type table[T any, P rowPtr[T]] struct {
	w    *Writer
	name string
	open map[string]*partFile[T] // by partition folder
	lru  []string                // open partition folders, least recently used first
	next map[string]int          // next file number in each partition folder
	done []finished
	rows int64

	// The partition folder of the last row added, by its UTC day (the
	// folder depends on nothing finer): consecutive rows of a log fall
	// in one day, and are not escaped and joined again.
	lastDay  int64
	lastDir  string
	haveLast bool
}

func newTable[T any, P rowPtr[T]](w *Writer, name string) *table[T, P] {
	return &table[T, P]{w: w, name: name, open: map[string]*partFile[T]{}, next: map[string]int{}}
}

func (t *table[T, P]) tableName() string { return t.name }

func (t *table[T, P]) add(r P) error {
	dir := t.dirOf(r.partitionTime())
	pf := t.open[dir]
	if pf == nil {
		var err error
		if pf, err = t.openFile(dir); err != nil {
			return err
		}
	} else if t.lru[len(t.lru)-1] != dir {
		i := slices.Index(t.lru, dir)
		t.lru = append(slices.Delete(t.lru, i, i+1), dir)
	}
	if err := pf.write((*T)(r)); err != nil {
		return err
	}
	t.rows++
	return nil
}

// dirOf returns the partition folder of a row whose time is us.
func (t *table[T, P]) dirOf(us int64) string {
	day := int64(math.MinInt64) // no time: the default partition
	if us != 0 {
		day = us / dayMicros
		if us%dayMicros < 0 {
			day-- // before 1970: floor, not truncation
		}
	}
	if !t.haveLast || day != t.lastDay {
		t.lastDir = t.w.lake.opts.Partitioning.partitionDir(t.name, t.w.tenant, us)
		t.lastDay, t.haveLast = day, true
	}
	return t.lastDir
}

const dayMicros = 24 * 60 * 60 * 1_000_000

func (t *table[T, P]) openFile(dir string) (*partFile[T], error) {
	for len(t.open) >= t.w.lake.opts.MaxOpenFiles {
		oldest := t.lru[0]
		t.lru = t.lru[1:]
		pf := t.open[oldest]
		delete(t.open, oldest)
		err := pf.close()
		t.done = append(t.done, finished{pf.tmp, pf.rel})
		if err != nil {
			return nil, err
		}
	}
	n := t.next[dir]
	pf, err := t.newPartFile(path.Join(dir, partName(t.w.id, n)))
	if err != nil {
		return nil, err
	}
	t.next[dir] = n + 1
	t.open[dir] = pf
	t.lru = append(t.lru, dir)
	return pf, nil
}

// newPartFile starts a part file of the table with the final name rel.
func (t *table[T, P]) newPartFile(rel string) (*partFile[T], error) {
	l := t.w.lake
	f, err := l.st.create(t.w.ctx, rel, tempPrefix(t.w.tenant))
	if err != nil {
		return nil, err
	}
	opts := []parquet.WriterOption{
		parquet.Compression(&t.w.codec),
		parquet.MaxRowsPerRowGroup(l.opts.RowGroupRows),
		parquet.PageBufferSize(pageBufferSize(t.name)),
		// Compatibility: V1 data pages, PLAIN for what is not
		// dictionary-encoded (parquet-go's default for strings is
		// DELTA_LENGTH_BYTE_ARRAY, which Spark <= 3.3 cannot read).
		parquet.DataPageVersion(1),
		parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.Plain),
		parquet.DefaultEncodingFor(parquet.Int32, &parquet.Plain),
		parquet.DefaultEncodingFor(parquet.Int64, &parquet.Plain),
		parquet.DefaultEncodingFor(parquet.Boolean, &parquet.Plain),
		parquet.DictionaryMaxBytes(dictionaryMaxBytes),
		// The bounds of a page of message texts help no query.
		parquet.SkipPageBounds("data", "list", "element"),
		newCreatedBy(l.opts.Version, l.vcs),
		parquet.KeyValueMetadata("evtxscan.table", t.name),
	}
	for k, v := range t.w.meta {
		opts = append(opts, parquet.KeyValueMetadata(k, v))
	}
	return &partFile[T]{
		rel: rel,
		tmp: f,
		pw:  parquet.NewGenericWriter[T](f, opts...),
		buf: make([]T, 0, 128),
	}, nil
}

// dictionaryMaxBytes bounds the dictionary of a column in a row group:
// past it the column's pages are PLAIN for the rest of the row group.
const dictionaryMaxBytes = 4 << 20

// pageBufferSize is the size of a column's page buffer in a file of
// table: the writer allocates one per column for each open file, so the
// small tables get small ones.
func pageBufferSize(table string) int {
	if table == TableEvents {
		return 64 << 10
	}
	return 8 << 10
}

// closeAll finishes every open file and returns all the files of the
// table and its row count. After an error the files are still returned,
// so that the caller can remove them.
func (t *table[T, P]) closeAll() ([]finished, int64, error) {
	var err error
	for _, dir := range t.lru {
		pf := t.open[dir]
		if cerr := pf.close(); err == nil {
			err = cerr
		}
		t.done = append(t.done, finished{pf.tmp, pf.rel})
	}
	t.open, t.lru = map[string]*partFile[T]{}, nil
	done := t.done
	t.done = nil
	if err == nil {
		done, err = t.merge(done)
	}
	return done, t.rows, err
}

// merge compacts the files of each partition that got more than one (rows
// of a partition met again after its file was closed) into one file, named
// part-<id>.parquet, before any of them is put in place: readers only ever
// see the merged file. The rows keep their order, file after file.
func (t *table[T, P]) merge(files []finished) ([]finished, error) {
	byDir := map[string][]finished{}
	var dirs []string
	for _, f := range files {
		d := path.Dir(f.rel)
		if byDir[d] == nil {
			dirs = append(dirs, d)
		}
		byDir[d] = append(byDir[d], f)
	}
	var out []finished
	for i, d := range dirs {
		group := byDir[d]
		if len(group) == 1 {
			out = append(out, group[0])
			continue
		}
		m, err := t.mergeGroup(d, group)
		if err != nil {
			// Return every file left so that the caller removes them.
			for _, rest := range dirs[i:] {
				out = append(out, byDir[rest]...)
			}
			return out, err
		}
		out = append(out, m)
	}
	return out, nil
}

func (t *table[T, P]) mergeGroup(dir string, group []finished) (finished, error) {
	pf, err := t.newPartFile(path.Join(dir, partName(t.w.id, 0)))
	if err != nil {
		return finished{}, err
	}
	merged := finished{pf.tmp, pf.rel}
	fail := func(err error) (finished, error) {
		pf.close()
		pf.tmp.Abort()
		return finished{}, err
	}
	// The group's files are sorted by name: part-<id>.parquet first.
	slices.SortFunc(group, func(a, b finished) int { return cmpPartName(a.rel, b.rel) })
	rows := make([]T, 256)
	for _, f := range group {
		r, size, done, err := f.tmp.reopen(t.w.ctx)
		if err != nil {
			return fail(err)
		}
		pr := parquet.NewGenericReader[T](io.NewSectionReader(r, 0, size))
		for {
			n, rerr := pr.Read(rows)
			for i := range rows[:n] {
				if err := pf.write(&rows[i]); err != nil {
					pr.Close()
					done()
					return fail(err)
				}
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				pr.Close()
				done()
				return fail(fmt.Errorf("lake: merging %s: %w", f.rel, rerr))
			}
		}
		pr.Close()
		done()
	}
	if err := pf.close(); err != nil {
		pf.tmp.Abort()
		return finished{}, err
	}
	for _, f := range group {
		f.tmp.Abort()
	}
	return merged, nil
}

// cmpPartName orders part-<id>.parquet before part-<id>-1.parquet before
// part-<id>-2.parquet, … before part-<id>-10.parquet.
func cmpPartName(a, b string) int {
	na, nb := partNumber(a), partNumber(b)
	return na - nb
}

func partNumber(rel string) int {
	base := strings.TrimSuffix(path.Base(rel), ".parquet")
	i := strings.LastIndexByte(base, '-')
	if i < 0 || strings.Count(base, "-") < 2 {
		return 0
	}
	n := 0
	for _, c := range base[i+1:] {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// A partFile is one Parquet file being written under a temporary name.
type partFile[T any] struct {
	rel    string
	tmp    tempObject
	pw     *parquet.GenericWriter[T]
	buf    []T
	closed bool
}

func (p *partFile[T]) write(r *T) error {
	p.buf = append(p.buf, *r)
	if len(p.buf) == cap(p.buf) {
		return p.flush()
	}
	return nil
}

func (p *partFile[T]) flush() error {
	if len(p.buf) == 0 {
		return nil
	}
	_, err := p.pw.Write(p.buf)
	clear(p.buf)
	p.buf = p.buf[:0]
	if err != nil {
		return fmt.Errorf("lake: writing %s: %w", p.rel, err)
	}
	return nil
}

// close writes the buffered rows and the footer, syncs and closes the file.
func (p *partFile[T]) close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	err := p.flush()
	if err == nil {
		if err = p.pw.Close(); err != nil {
			err = fmt.Errorf("lake: writing %s: %w", p.rel, err)
		}
	}
	if cerr := p.tmp.Close(); err == nil {
		err = cerr
	}
	p.buf = nil
	return err
}

// createdBy sets the created_by of a file the way the Parquet format
// describes it: "evtxscan version <version> (build <vcs revision>)".
type createdBy string

func (c createdBy) ConfigureWriter(config *parquet.WriterConfig) { config.CreatedBy = string(c) }

func newCreatedBy(version, vcs string) createdBy {
	if vcs == "" {
		return createdBy("evtxscan version " + version)
	}
	return createdBy("evtxscan version " + version + " (build " + vcs + ")")
}
