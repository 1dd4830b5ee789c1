package parser

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	evtx "github.com/0xrawsec/golang-evtx/evtx"
)

// directTree builds the tree golang-evtx's parse gives, and stops where it
// stops, for every template definition of every sample and fixture, and
// for every other chunk offset that holds a fragment header the walk
// accepts as a definition (bytes golang-evtx was never meant to read).
func TestDirectTreeAsGolangEvtx(t *testing.T) {
	t.Parallel()
	var defs, direct int
	for _, path := range samplePaths(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for c := HeaderBlockSize; c+ChunkSize <= len(b); c += ChunkSize {
			chunk := b[c : c+ChunkSize]
			if string(chunk[:8]) != string(chunkMagic) {
				continue
			}
			for off := chunkHeaderSize; off+28 <= len(chunk); off++ {
				if chunk[off+24] != tokFragmentHeader {
					continue
				}
				if _, err := newWalker(chunk).definition(off, 0); err != nil {
					continue
				}
				defs++
				root, end, ok := directTree(chunk, off)
				if !ok {
					continue
				}
				direct++
				want, wend, err := golangEvtxTree(chunk, off)
				if err != nil {
					t.Errorf("%s chunk %#x definition %#x: golang-evtx fails (%v), directTree does not", filepath.Base(path), c, off, err)
					continue
				}
				if end != wend || !reflect.DeepEqual(root, want) {
					t.Errorf("%s chunk %#x definition %#x: directTree differs from golang-evtx (end %#x, %#x)", filepath.Base(path), c, off, end, wend)
				}
				for _, dataOnly := range []bool{false, true} {
					p, _, err := parseTemplateVia(chunk, off, dataOnly, false)
					if err != nil || !reflect.DeepEqual(compile(root, dataOnly), p) {
						t.Errorf("%s chunk %#x definition %#x: plans differ (%v)", filepath.Base(path), c, off, err)
					}
				}
			}
		}
	}
	t.Logf("%d definitions accepted by the walk, %d built directly", defs, direct)
	if defs > 0 && direct == 0 {
		t.Error("no definition built directly")
	}
}

// golangEvtxTree is the tree golang-evtx's parse gives, and where it
// stopped.
func golangEvtxTree(chunk []byte, off int) (root *node, end int, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, errPanic
		}
	}()
	rd := &budgetReader{b: chunk, pos: int64(off)}
	var tdd evtx.TemplateDefinitionData
	if err := tdd.Parse(rd); err != nil {
		return nil, 0, err
	}
	return buildTree(tdd.Elements), int(rd.Size()) - rd.Len(), nil
}

const errPanic = errorString("golang-evtx panicked")

type errorString string

func (e errorString) Error() string { return string(e) }

// FuzzDirectTree checks directTree against golang-evtx on arbitrary chunk
// bytes: wherever the walk accepts a definition and directTree builds it,
// golang-evtx builds the same tree and stops at the same byte. The seeds
// are the chunks of the fixtures, at each of their definitions.
func FuzzDirectTree(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("..", "testdata", "evtx", "*.evtx"))
	for _, path := range fixtures {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		seeds := 0
		for c := HeaderBlockSize; c+ChunkSize <= len(b) && seeds < 4; c += ChunkSize {
			chunk := b[c : c+ChunkSize]
			for off := chunkHeaderSize; off+28 <= len(chunk) && seeds < 4; off++ {
				if chunk[off+24] != tokFragmentHeader {
					continue
				}
				if _, ok, _ := tryDirect(chunk, off); ok {
					f.Add(chunk[chunkHeaderSize:], uint16(off))
					seeds++
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, at uint16) {
		chunk := make([]byte, ChunkSize)
		copy(chunk, chunkMagic)
		copy(chunk[chunkHeaderSize:], body)
		off := int(at)
		if off < chunkHeaderSize || off+28 > len(chunk) {
			return
		}
		root, ok, end := tryDirect(chunk, off)
		if !ok {
			return
		}
		want, wend, err := golangEvtxTree(chunk, off)
		if err != nil {
			t.Fatalf("definition %#x: golang-evtx fails (%v), directTree does not", off, err)
		}
		if end != wend || !reflect.DeepEqual(root, want) {
			t.Fatalf("definition %#x: directTree differs from golang-evtx (end %#x, %#x)", off, end, wend)
		}
	})
}

// tryDirect runs the walk's checks on the definition at off and, when they
// pass, directTree.
func tryDirect(chunk []byte, off int) (*node, bool, int) {
	if _, err := newWalker(chunk).definition(off, 0); err != nil {
		return nil, false, 0
	}
	root, end, ok := directTree(chunk, off)
	return root, ok, end
}
