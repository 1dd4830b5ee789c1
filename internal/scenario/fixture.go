// Package scenario builds synthetic Application logs of a Microsoft Entra
// Connect server: the fixtures under testdata/evtx, each with a
// machine-readable expectation derived from the scenario itself (not from
// any analyser), and benchmark-size logs (GenerateLog).
//
// Regenerate the committed fixtures from the repository root with
//
//	go run ./internal/cmd/genfixtures
package scenario

//go:generate go run ../cmd/genfixtures -dir ../../testdata/evtx

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// A Log is one generated .evtx file.
type Log struct {
	// Path is the file name of a single-file fixture, or the path inside a
	// bundle; a first element ending in ".zip" names a nested zip
	// ("older-logs.zip/Archive-Application-….evtx").
	Path    string
	Options evtxwriter.Options
	Records []evtxwriter.Record // in write order; record ids follow Options.FirstRecordID
}

// Encode writes the log and returns the file bytes and, for each record,
// the 0-based chunk it went to.
func (l *Log) Encode() ([]byte, []int, error) {
	m := &memFile{}
	w := evtxwriter.NewWriter(m, l.Options)
	chunkOf := make([]int, len(l.Records))
	for i, r := range l.Records {
		if err := w.Write(r); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", l.Path, err)
		}
		chunkOf[i] = w.Chunk()
	}
	if err := w.Close(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", l.Path, err)
	}
	return m.b, chunkOf, nil
}

// Member is a non-EVTX file of a bundle.
type Member struct {
	Path string
	Data []byte
}

// A Fixture is one file of testdata/evtx: a single .evtx, or a .zip bundle
// of several files.
type Fixture struct {
	Name    string   // file name in testdata/evtx
	Logs    []Log    // the .evtx files (one for a single-file fixture)
	Members []Member // other files of a bundle, in zip order before the logs
	Want    Want     // expectation
}

// IsBundle reports whether the fixture is a zip.
func (f *Fixture) IsBundle() bool { return strings.HasSuffix(f.Name, ".zip") }

// Want is the ground truth of a fixture, written as <fixture>.want.json.
type Want struct {
	Fixture          string        `json:"fixture"`
	Records          int           `json:"records"`           // records written, all files
	WritebackRecords int           `json:"writeback_records"` // of them, from PasswordResetService, ADSync, Directory Synchronization
	Files            []WantFile    `json:"files,omitempty"`   // bundles: the .evtx files
	Attempts         []WantAttempt `json:"attempts"`
	Service          WantService   `json:"service"`
	Findings         []string      `json:"findings"`
	Damage           WantDamage    `json:"damage"`
	// Chains lists pairs of findings the documents tie as cause and
	// consequence (no auth token → onboarding failed): the root must come
	// first and the consequence name it.
	Chains []WantChain `json:"chains,omitempty"`
	// Unattributed lists the writeback events of the scenario that belong
	// to no attempt and no part of the service's record (a failure whose
	// TrackingId cannot be read), with the cause the documents give them.
	Unattributed []WantUnattributed `json:"unattributed,omitempty"`
}

// WantChain is a root cause and one of its consequences.
type WantChain struct {
	Root        string `json:"root"`
	Consequence string `json:"consequence"`
}

// WantUnattributed is one writeback event without an attempt.
type WantUnattributed struct {
	EventID  int    `json:"event_id"`
	RecordID uint64 `json:"record_id"`
	Reason   string `json:"reason"`          // no-tracking-id
	Cause    string `json:"cause,omitempty"` // of a failure
}

// WantFile describes one .evtx file of a bundle.
type WantFile struct {
	Path          string `json:"path"`
	Computer      string `json:"computer,omitempty"` // the server whose log it is
	Channel       string `json:"channel"`
	Records       int    `json:"records"`
	FirstRecordID uint64 `json:"first_record_id"`
	LastRecordID  uint64 `json:"last_record_id"`
	Dirty         bool   `json:"dirty,omitempty"`
}

// WantAttempt is one password operation.
type WantAttempt struct {
	TrackingID  string   `json:"tracking_id"`
	Operation   string   `json:"operation"` // reset, change, admin_reset
	Outcome     string   `json:"outcome"`   // success, failure, incomplete
	UPN         string   `json:"upn"`
	CloudAnchor string   `json:"cloud_anchor"`
	EventIDs    []int    `json:"event_ids"`  // writeback events of the attempt in time order, with the joined ADSync 6329
	RecordIDs   []uint64 `json:"record_ids"` // their record ids
	Files       []string `json:"files,omitempty"`
	Cause       string   `json:"cause,omitempty"`
	Server      string   `json:"server,omitempty"` // the Computer that logged it
}

// WantService is the writeback service's health.
type WantService struct {
	Server        string    `json:"server,omitempty"` // the server it describes, in a bundle of several
	HeartbeatGaps []WantGap `json:"heartbeat_gaps"`   // consecutive 31019 more than 15 minutes apart
	Started       []string  `json:"started"`          // times of 31015
	Stopped       []string  `json:"stopped"`          // times of 31016
}

// WantGap is a period without heartbeats: From is the last 31019 before it,
// To the first after it.
type WantGap struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// WantDamage lists the deliberate defects.
type WantDamage struct {
	Dirty      bool           `json:"dirty"`
	DirtyFiles []string       `json:"dirty_files,omitempty"`
	BadChunks  []WantBadChunk `json:"bad_chunks"`
}

// WantBadChunk is a damaged chunk and the records it holds.
type WantBadChunk struct {
	File          string `json:"file"`
	Chunk         int    `json:"chunk"`
	Kind          string `json:"kind"` // bad-chunk-magic, bad-header-crc, bad-records-crc
	FirstRecordID uint64 `json:"first_record_id"`
	LastRecordID  uint64 `json:"last_record_id"`
}

// Encoded is a fixture's content: the fixture file and, for each log, its
// bytes and record chunk numbers.
type Encoded struct {
	File    []byte
	Logs    [][]byte
	ChunkOf [][]int
}

// Encode builds the fixture file and completes Want with what depends on
// the encoding (chunk numbers of damaged chunks).
func (f *Fixture) Encode() (*Encoded, error) {
	enc := &Encoded{}
	f.Want.Damage.BadChunks = []WantBadChunk{}
	for _, l := range f.Logs {
		b, chunkOf, err := l.Encode()
		if err != nil {
			return nil, fmt.Errorf("fixture %s: %w", f.Name, err)
		}
		enc.Logs = append(enc.Logs, b)
		enc.ChunkOf = append(enc.ChunkOf, chunkOf)
		for _, d := range l.Options.Damage {
			bc := WantBadChunk{File: l.Path, Chunk: d.Chunk, Kind: d.Kind.String()}
			for i, c := range chunkOf {
				if c != d.Chunk {
					continue
				}
				id := l.Options.FirstRecordID + uint64(i)
				if bc.FirstRecordID == 0 {
					bc.FirstRecordID = id
				}
				bc.LastRecordID = id
			}
			if bc.FirstRecordID == 0 {
				return nil, fmt.Errorf("fixture %s: %s has no chunk %d to damage", f.Name, l.Path, d.Chunk)
			}
			f.Want.Damage.BadChunks = append(f.Want.Damage.BadChunks, bc)
		}
	}
	if !f.IsBundle() {
		if len(f.Logs) != 1 || len(f.Members) != 0 {
			return nil, fmt.Errorf("fixture %s: a single-file fixture needs exactly one log", f.Name)
		}
		enc.File = enc.Logs[0]
		return enc, nil
	}
	files := make([]Member, 0, len(f.Members)+len(f.Logs))
	files = append(files, f.Members...)
	for i, l := range f.Logs {
		files = append(files, Member{Path: l.Path, Data: enc.Logs[i]})
	}
	z, err := zipMembers(files)
	if err != nil {
		return nil, fmt.Errorf("fixture %s: %w", f.Name, err)
	}
	enc.File = z
	return enc, nil
}

// zipTime is the modification time of every zip entry, for reproducible
// archives.
var zipTime = time.Date(2024, 3, 18, 16, 5, 0, 0, time.UTC)

// zipMembers builds a zip of files; paths under "<name>.zip/" go into a
// nested zip placed where its first file is.
func zipMembers(files []Member) ([]byte, error) {
	var order []string
	nested := map[string][]Member{}
	top := map[string][]byte{}
	for _, m := range files {
		if i := strings.Index(m.Path, ".zip/"); i >= 0 {
			name := m.Path[:i+4]
			if _, ok := nested[name]; !ok {
				order = append(order, name)
			}
			nested[name] = append(nested[name], Member{Path: m.Path[i+5:], Data: m.Data})
			continue
		}
		order = append(order, m.Path)
		top[m.Path] = m.Data
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range order {
		data, ok := top[name]
		if !ok {
			var err error
			if data, err = zipMembers(nested[name]); err != nil {
				return nil, err
			}
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WantJSON returns the indented expectation file content.
func (f *Fixture) WantJSON() ([]byte, error) {
	w := f.Want
	if w.Attempts == nil {
		w.Attempts = []WantAttempt{}
	}
	if w.Findings == nil {
		w.Findings = []string{}
	}
	if w.Service.HeartbeatGaps == nil {
		w.Service.HeartbeatGaps = []WantGap{}
	}
	if w.Service.Started == nil {
		w.Service.Started = []string{}
	}
	if w.Service.Stopped == nil {
		w.Service.Stopped = []string{}
	}
	if w.Damage.BadChunks == nil {
		w.Damage.BadChunks = []WantBadChunk{}
	}
	b, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WantName returns the name of the fixture's expectation file.
func (f *Fixture) WantName() string { return f.Name + ".want.json" }

// WriteFixtures generates every fixture into dir: the fixture files and
// their .want.json files. It does not touch other files.
func WriteFixtures(dir string) error {
	fs, err := Fixtures()
	if err != nil {
		return err
	}
	for _, f := range fs {
		enc, err := f.Encode()
		if err != nil {
			return err
		}
		want, err := f.WantJSON()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), enc.File, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f.WantName()), want, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// fillFiles records the per-file summary of a bundle.
func (f *Fixture) fillFiles() {
	if !f.IsBundle() {
		return
	}
	for _, l := range f.Logs {
		wf := WantFile{Path: l.Path, Records: len(l.Records), Dirty: l.Options.Dirty}
		if len(l.Records) > 0 {
			wf.Computer = l.Records[0].Computer
			wf.Channel = l.Records[0].Channel
			if wf.Channel == "" {
				wf.Channel = "Application"
			}
			wf.FirstRecordID = l.Options.FirstRecordID
			wf.LastRecordID = l.Options.FirstRecordID + uint64(len(l.Records)) - 1
		}
		f.Want.Files = append(f.Want.Files, wf)
	}
}

// memFile is an in-memory io.WriteSeeker.
type memFile struct {
	b   []byte
	pos int
}

func (m *memFile) Write(p []byte) (int, error) {
	if need := m.pos + len(p); need > len(m.b) {
		m.b = append(m.b, make([]byte, need-len(m.b))...)
	}
	copy(m.b[m.pos:], p)
	m.pos += len(p)
	return len(p), nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += int64(m.pos)
	case io.SeekEnd:
		off += int64(len(m.b))
	}
	if off < 0 {
		return 0, errors.New("scenario: negative seek")
	}
	m.pos = int(off)
	return off, nil
}
