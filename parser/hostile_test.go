package parser

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// Hostile input: files the tests make themselves, each read in a child
// process with a deadline, so that a regression (a stack overflow, a hang,
// memory without bound) fails the test instead of killing the test binary.

// childResult is what the child process reports on reading a file.
type childResult struct {
	Events  int
	Records int
	Skipped int
	Chunks  int
	Damage  []string
	Err     string
	IDs     []uint64
	MaxRSS  int64         // peak resident set of the child, bytes
	Elapsed time.Duration // wall time of the child
}

const childEnv = "EVTXSCAN_HOSTILE_CHILD"

// TestHostileChild is the child's side: it reads the file named in the
// environment and prints a childResult. Without the environment it does
// nothing.
func TestHostileChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		return
	}
	path, ws, _ := strings.Cut(spec, "|")
	workers, _ := strconv.Atoi(ws)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := NewReader(f)
	r.Path = "hostile.evtx"
	r.Workers = workers
	defer r.Close()
	var res childResult
	for {
		ev, err := r.Read()
		if err != nil {
			if err != io.EOF {
				res.Err = err.Error()
			}
			break
		}
		res.IDs = append(res.IDs, ev.RecordID)
	}
	st := r.Stats()
	res.Events, res.Records, res.Skipped, res.Chunks = st.Events, st.Records, st.Skipped, st.Chunks
	for _, d := range st.Damage {
		res.Damage = append(res.Damage, d.Error())
	}
	res.MaxRSS = peakRSS()
	b, _ := json.Marshal(res)
	fmt.Printf("\nCHILD %s\n", b)
}

// peakRSS returns the peak resident set of this process (VmHWM), or 0
// where /proc does not tell.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// readInChild reads b in a child process with the given number of workers
// and a deadline.
func readInChild(t *testing.T, b []byte, workers int, deadline time.Duration) childResult {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hostile.evtx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHostileChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+path+"|"+strconv.Itoa(workers))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("reading took longer than %v (workers=%d): a hang", deadline, workers)
	}
	i := bytes.LastIndex(out, []byte("\nCHILD "))
	if err != nil || i < 0 {
		tail := out
		if len(tail) > 2000 {
			tail = tail[:2000]
		}
		t.Fatalf("child (workers=%d) failed: %v\n%s", workers, err, tail)
	}
	line, _, _ := bytes.Cut(out[i+7:], []byte("\n"))
	var res childResult
	if err := json.Unmarshal(line, &res); err != nil {
		t.Fatalf("child output %q: %v", line, err)
	}
	res.Elapsed = elapsed
	return res
}

// writeLog writes records with evtxwriter and returns the file's bytes.
func writeLog(t testing.TB, opts evtxwriter.Options, recs []evtxwriter.Record) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "w.evtx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := evtxwriter.NewWriter(f, opts)
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hostileRecord(provider string, id int) evtxwriter.Record {
	return evtxwriter.Record{
		Provider: provider, EventID: uint16(6329), Level: evtxwriter.LevelError,
		Keywords: evtxwriter.ClassicKeywords, Time: time.Date(2026, 3, 1, 10, 0, id, 0, time.UTC),
		Computer: "AADC01.contoso.local", UserSID: "S-1-5-18",
		Data: []string{"attempt " + strconv.Itoa(id), "user@contoso.com"},
	}
}

// chunkAt returns the bytes of chunk i of a file.
func chunkAt(b []byte, i int) []byte {
	off := HeaderBlockSize + i*ChunkSize
	return b[off : off+ChunkSize]
}

// fixChunk recomputes the records and header checksums of a chunk, so that
// a patched chunk is damaged only in what the patch says.
func fixChunk(c []byte) {
	free := int(binary.LittleEndian.Uint32(c[48:]))
	binary.LittleEndian.PutUint32(c[52:], crc32.ChecksumIEEE(c[chunkHeaderSize:free]))
	binary.LittleEndian.PutUint32(c[124:], chunkHeaderCRC(c))
}

// recordStarts lists the chunk offsets of a chunk's records.
func recordStarts(c []byte) []int {
	var offs []int
	free := int(binary.LittleEndian.Uint32(c[48:]))
	for off := chunkHeaderSize; off < free; {
		size, ok := validRecord(c, off)
		if !ok {
			break
		}
		offs = append(offs, off)
		off += size
	}
	return offs
}

// inlineDef returns the chunk offset of the template definition written in
// place in the record at off, or -1 when the record refers to one.
func inlineDef(c []byte, off int) int {
	p := off + recordHeaderSize + 4
	def := int(binary.LittleEndian.Uint32(c[p+6:]))
	if def != p+10 {
		return -1
	}
	return def
}

// instanceTo is a template instance token referring to the definition at def.
func instanceTo(def int) []byte {
	b := []byte{tokTemplateInstance, 1, 0, 0, 0, 0}
	return binary.LittleEndian.AppendUint32(b, uint32(def))
}

// hostileTemplates returns files whose templates would send golang-evtx into
// unbounded recursion. Each has three records: two with provider A (the
// first defines its template in place, the second refers to it), one with
// provider B, whose template is its own.
func hostileTemplates(t *testing.T) map[string][]byte {
	t.Helper()
	base := writeLog(t, evtxwriter.Options{}, []evtxwriter.Record{
		hostileRecord("ADSync", 1), hostileRecord("ADSync", 2), hostileRecord("PasswordResetService", 3),
	})
	c := chunkAt(base, 0)
	recs := recordStarts(c)
	if len(recs) != 3 || inlineDef(c, recs[0]) < 0 || inlineDef(c, recs[1]) >= 0 || inlineDef(c, recs[2]) < 0 {
		t.Fatalf("unexpected layout: records at %v", recs)
	}
	defA := inlineDef(c, recs[0])
	defB := inlineDef(c, recs[2])
	// The first token of a definition, after its 24-byte header and the
	// fragment header.
	firstTok := func(def int) int { return def + 24 + 4 }

	files := map[string][]byte{}
	patch := func(name string, f func(c []byte)) {
		b := bytes.Clone(base)
		c := chunkAt(b, 0)
		f(c)
		fixChunk(c)
		files[name] = b
	}
	patch("self-reference", func(c []byte) {
		copy(c[firstTok(defA):], instanceTo(defA))
	})
	patch("mutual", func(c []byte) {
		copy(c[firstTok(defA):], instanceTo(defB))
		copy(c[firstTok(defB):], instanceTo(defA))
	})
	patch("own-record", func(c []byte) {
		// The second record's instance points at its own record: the
		// record header read as a definition header, the record's
		// fragment header as the definition's, its own instance as the
		// definition's first token.
		p := recs[1] + recordHeaderSize + 4
		binary.LittleEndian.PutUint32(c[p+6:], uint32(recs[1]))
	})
	return files
}

func TestHostileTemplates(t *testing.T) {
	for name, b := range hostileTemplates(t) {
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/w%d", name, workers), func(t *testing.T) {
				t.Parallel()
				res := readInChild(t, b, workers, 60*time.Second)
				if res.Err != "" {
					t.Fatalf("read error %s", res.Err)
				}
				if res.Records != 3 {
					t.Errorf("found %d records, want 3", res.Records)
				}
				if res.Skipped == 0 || res.Skipped+res.Events != res.Records {
					t.Errorf("events %d, skipped %d of %d records", res.Events, res.Skipped, res.Records)
				}
				var said bool
				for _, d := range res.Damage {
					if strings.Contains(d, ErrBudget.Error()) && strings.Contains(d, "hostile.evtx: chunk 0: offset ") {
						said = true
					}
				}
				if !said {
					t.Errorf("no budget damage naming file and offset in %q", res.Damage)
				}
				if name != "mutual" && (len(res.IDs) == 0 || res.IDs[len(res.IDs)-1] != 3) {
					t.Errorf("record 3 (an intact template) not read: ids %v", res.IDs)
				}
				t.Logf("%s: %v, peak RSS %d MiB, damage %q", name, res.Elapsed, res.MaxRSS>>20, res.Damage)
			})
		}
	}
}

// The walk refuses what golang-evtx would recurse on, without golang-evtx.
func TestWalkRefusesRecursion(t *testing.T) {
	for name, b := range hostileTemplates(t) {
		c := chunkAt(b, 0)
		recs := recordStarts(c)
		def := inlineDef(c, recs[0])
		_, err := newWalker(c).definition(def, 0)
		if name == "own-record" {
			// The first record is intact there; the second is refused
			// when its instance is located.
			if err != nil {
				t.Errorf("%s: intact definition refused: %v", name, err)
			}
			d := newChunkDecoder(&decodeOptions{})
			d.reset(c)
			p := recs[1] + recordHeaderSize + 4
			if _, _, err := d.instance(p, recs[1]+200); !errors.Is(err, ErrBudget) {
				t.Errorf("%s: instance error %v, want ErrBudget", name, err)
			}
			continue
		}
		if !errors.Is(err, ErrBudget) {
			t.Errorf("%s: walk error %v, want ErrBudget", name, err)
		}
	}
}
