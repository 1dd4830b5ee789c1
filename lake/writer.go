package lake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
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
	// Partitioning lays out the part files; the zero value is ByTenantDate.
	Partitioning Partitioning
	// RowGroupRows is the most rows in one row group of a part file; a
	// Writer holds at most that many rows of each open file in memory
	// (compressed). 0 means DefaultRowGroupRows.
	RowGroupRows int64
	// MaxOpenFiles is the most part files of one table a Writer keeps open
	// at once. Rows of a partition whose file was closed go to a new file
	// of the same part id (part-<id>-1.parquet, …). 0 means
	// DefaultMaxOpenFiles.
	MaxOpenFiles int
}

// A Lake is a folder holding the tables. Its methods may be called
// concurrently, and several Writers may write to it at once, each for
// another tenant.
type Lake struct {
	dir  string
	opts Options
}

// manifestDir is the folder of the manifests, relative to the root. Its
// name starts with "_" so that readers of the tables skip it.
const manifestDir = "_evtxscan/manifests"

// Open opens the lake in dir, creating the folder if need be.
func Open(dir string, opts Options) (*Lake, error) {
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	if opts.MaxOpenFiles <= 0 {
		opts.MaxOpenFiles = DefaultMaxOpenFiles
	}
	if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(manifestDir)), 0o777); err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	return &Lake{dir: dir, opts: opts}, nil
}

// Dir returns the lake's folder.
func (l *Lake) Dir() string { return l.dir }

// Partitioning returns the layout new parts are written in.
func (l *Lake) Partitioning() Partitioning { return l.opts.Partitioning }

// A Manifest records the part files one run wrote for a tenant. The lake
// keeps one per tenant, in _evtxscan/manifests/tenant=<t>.json; it is
// replaced atomically, first before the new parts are renamed into place
// (Complete false, Files listing the old files and the new) and again
// when they all are (Complete true, Files listing only the new).
type Manifest struct {
	Schema        string           `json:"schema"` // Schema
	Tenant        string           `json:"tenant"`
	PartID        string           `json:"part_id"`
	Inputs        []string         `json:"inputs"`         // set by the caller: the paths read
	ContentSHA256 string           `json:"content_sha256"` // set by the caller: see ContentHash
	Options       string           `json:"options"`        // set by the caller: what else shaped the rows
	Partitioning  string           `json:"partitioning"`
	Complete      bool             `json:"complete"`
	Files         []string         `json:"files"` // relative to the lake's folder, with "/"
	Rows          map[string]int64 `json:"rows"`  // by table
	Written       time.Time        `json:"written"`
}

func (l *Lake) manifestPath(tenant string) string {
	return filepath.Join(l.dir, filepath.FromSlash(manifestDir), "tenant="+EscapeValue(tenant)+".json")
}

// Manifest reads the manifest of tenant. When there is none the error
// wraps fs.ErrNotExist.
func (l *Lake) Manifest(tenant string) (*Manifest, error) {
	b, err := os.ReadFile(l.manifestPath(tenant))
	if err != nil {
		return nil, fmt.Errorf("lake: manifest of %q: %w", tenant, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("lake: manifest of %q: %w", tenant, err)
	}
	return &m, nil
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
	n := 0
	err := filepath.WalkDir(l.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		name := d.Name()
		if d.IsDir() || !strings.HasPrefix(name, ".evtxscan-") || !strings.HasSuffix(name, tempSuffix) {
			return nil
		}
		// .evtxscan-<16 hex>-<random>.tmp
		if len(name) < len(".evtxscan-")+17 || !prefixes[name[:len(".evtxscan-")+17]] {
			return nil
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		n++
		return nil
	})
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

	events   *table[EventRow, *EventRow]
	attempts *table[AttemptRow, *AttemptRow]
	findings *table[FindingRow, *FindingRow]
	inputs   *table[InputRow, *InputRow]
	codec    zstdCodec
	done     bool
}

// Create starts writing the parts of tenant with part id id (letters,
// digits and "-"; see PartID). meta is added to the key-value metadata of
// every file, with evtxscan.schema, evtxscan.table, evtxscan.tenant and
// evtxscan.part_id.
func (l *Lake) Create(tenant, id string, meta map[string]string) (*Writer, error) {
	if id == "" || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
		return nil, fmt.Errorf("lake: bad part id %q", id)
	}
	w := &Writer{lake: l, tenant: tenant, id: id, meta: map[string]string{}}
	for k, v := range meta {
		w.meta[k] = v
	}
	w.meta["evtxscan.schema"] = Schema
	w.meta["evtxscan.tenant"] = tenant
	w.meta["evtxscan.part_id"] = id
	w.events = newTable[EventRow](w, TableEvents)
	w.attempts = newTable[AttemptRow](w, TableAttempts)
	w.findings = newTable[FindingRow](w, TableFindings)
	w.inputs = newTable[InputRow](w, TableInputs)
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
	tmp string // absolute temporary path
	rel string // final path relative to the lake, with "/"
}

// Commit closes the part files, syncs them and puts them in place:
//
//  1. the manifest of the tenant is replaced by one that lists the files of
//     the previous manifest and the new ones, with Complete false;
//  2. each file is renamed from its temporary name to its final name, which
//     replaces a file of that name; the folders are synced;
//  3. the files of the previous manifest that this run did not write are
//     removed (stale parts: other partitions, other part ids);
//  4. the manifest is replaced by m, completed with the new files, the row
//     counts and Complete true.
//
// A crash at any point leaves every part file whole and a manifest that
// lists every part of the tenant, so the next Commit for the tenant
// removes what it does not replace. Commit fills m's Schema, Tenant,
// PartID, Partitioning, Files, Rows, Complete and Written.
func (w *Writer) Commit(m Manifest) error {
	if w.done {
		return errDone
	}
	w.done = true
	var files []finished
	rows := map[string]int64{}
	var err error
	for _, t := range []interface {
		closeAll() ([]finished, int64, error)
		tableName() string
	}{w.events, w.attempts, w.findings, w.inputs} {
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
	var old []string
	if prev, err := l.Manifest(w.tenant); err == nil {
		old = prev.Files
	} else if !errors.Is(err, fs.ErrNotExist) {
		w.discard(files)
		return err
	}
	m.Schema = Schema
	m.Tenant = w.tenant
	m.PartID = w.id
	m.Partitioning = l.opts.Partitioning.String()
	m.Rows = rows
	m.Written = time.Now().UTC().Truncate(time.Second)

	// 1. Intent: every file of the tenant, old and new.
	pending := m
	pending.Complete = false
	pending.Files = unionSorted(old, keys(files))
	if err := w.writeManifest(&pending); err != nil {
		w.discard(files)
		return err
	}
	// 2. Rename into place.
	dirs := map[string]bool{}
	for i, f := range files {
		final := filepath.Join(l.dir, filepath.FromSlash(f.rel))
		if err := os.Rename(f.tmp, final); err != nil {
			w.discard(files[i:])
			return fmt.Errorf("lake: %w", err)
		}
		dirs[filepath.Dir(final)] = true
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	// 3. Stale parts.
	for _, rel := range old {
		if newSet[rel] || !safeRel(rel) {
			continue
		}
		p := filepath.Join(l.dir, filepath.FromSlash(rel))
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("lake: removing stale part: %w", err)
		}
		l.removeEmptyDirs(path.Dir(rel))
	}
	// 4. Done.
	m.Complete = true
	m.Files = keys(files)
	return w.writeManifest(&m)
}

// Abort removes the temporary files written so far. It may be called after
// Commit, to no effect.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	var files []finished
	for _, t := range []interface {
		closeAll() ([]finished, int64, error)
	}{w.events, w.attempts, w.findings, w.inputs} {
		fs, _, _ := t.closeAll()
		files = append(files, fs...)
	}
	w.codec.close()
	w.discard(files)
	return nil
}

func (w *Writer) discard(files []finished) {
	for _, f := range files {
		os.Remove(f.tmp)
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

// removeEmptyDirs removes rel and its parents while they are empty, up to
// (not including) the table's folder.
func (l *Lake) removeEmptyDirs(rel string) {
	for strings.Contains(rel, "/") {
		if err := os.Remove(filepath.Join(l.dir, filepath.FromSlash(rel))); err != nil {
			return
		}
		rel = path.Dir(rel)
	}
}

func (w *Writer) writeManifest(m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	return writeFileAtomic(w.lake.manifestPath(w.tenant), tempPrefix(w.tenant), append(b, '\n'))
}

// writeFileAtomic writes data to a temporary file in the folder of name,
// syncs it, renames it to name and syncs the folder.
func writeFileAtomic(name, prefix string, data []byte) error {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, prefix+"*"+tempSuffix)
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("lake: %w", err)
	}
	return syncDir(dir)
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
	w     *Writer
	name  string
	open  map[string]*partFile[T] // by partition folder
	lru   []string                // open partition folders, least recently used first
	next  map[string]int          // next file number in each partition folder
	done  []finished
	rows  int64
	dirOK map[string]bool // partition folders known to exist
}

func newTable[T any, P rowPtr[T]](w *Writer, name string) *table[T, P] {
	return &table[T, P]{w: w, name: name, open: map[string]*partFile[T]{}, next: map[string]int{}, dirOK: map[string]bool{}}
}

func (t *table[T, P]) tableName() string { return t.name }

func (t *table[T, P]) add(r P) error {
	dir := t.w.lake.opts.Partitioning.partitionDir(t.name, t.w.tenant, r.partitionTime())
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
	l := t.w.lake
	abs := filepath.Join(l.dir, filepath.FromSlash(dir))
	if !t.dirOK[dir] {
		if err := os.MkdirAll(abs, 0o777); err != nil {
			return nil, fmt.Errorf("lake: %w", err)
		}
		t.dirOK[dir] = true
	}
	f, err := os.CreateTemp(abs, tempPrefix(t.w.tenant)+"*"+tempSuffix)
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	n := t.next[dir]
	t.next[dir] = n + 1
	opts := []parquet.WriterOption{
		parquet.Compression(&t.w.codec),
		parquet.MaxRowsPerRowGroup(l.opts.RowGroupRows),
		parquet.PageBufferSize(pageBufferSize(t.name)),
		parquet.CreatedBy("evtxscan", Schema, ""),
		parquet.KeyValueMetadata("evtxscan.table", t.name),
	}
	for k, v := range t.w.meta {
		opts = append(opts, parquet.KeyValueMetadata(k, v))
	}
	pf := &partFile[T]{
		rel: path.Join(dir, partName(t.w.id, n)),
		tmp: f.Name(),
		f:   f,
		pw:  parquet.NewGenericWriter[T](f, opts...),
		buf: make([]T, 0, 128),
	}
	t.open[dir] = pf
	t.lru = append(t.lru, dir)
	return pf, nil
}

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
	return done, t.rows, err
}

// A partFile is one Parquet file being written under a temporary name.
type partFile[T any] struct {
	rel    string
	tmp    string
	f      *os.File
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
	if err == nil {
		err = p.f.Sync()
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	p.buf = nil
	return err
}
