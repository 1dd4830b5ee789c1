package parser

import (
	"encoding/binary"
	"hash/crc32"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"unicode/utf16"
)

// A tiny BinXML writer for hand-made chunks. Offsets are chunk offsets.

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// nameBytes is a chunk string: offset of the previous string, hash, size in
// characters, UTF-16 text and a NUL.
func nameBytes(s string) []byte {
	b := le32(nil, 0)
	b = le16(b, 0)
	u := utf16.Encode([]rune(s))
	b = le16(b, uint16(len(u)))
	for _, c := range u {
		b = le16(b, c)
	}
	return le16(b, 0)
}

// tplElem is an element of a test template: a name (written in place when
// nameOff is 0, else read from nameOff), and either children or one
// substitution.
type tplElem struct {
	name     string
	nameOff  int
	sub      int // substitution index, -1 for none
	subType  byte
	children []tplElem
}

// appendElem writes e at chunk offset base+len(b).
func appendElem(b []byte, base int, e tplElem) []byte {
	b = append(b, 0x01)     // open start element, no attributes
	b = le16(b, 0xffff)     // dependency id
	b = le32(b, 0)          // data size (not read)
	at := base + len(b) + 4 // where an in-place name starts
	if e.nameOff != 0 {
		b = le32(b, uint32(e.nameOff))
	} else {
		b = le32(b, uint32(at))
		b = append(b, nameBytes(e.name)...)
	}
	b = append(b, 0x02) // close start tag
	if e.sub >= 0 {
		b = append(b, 0x0d) // normal substitution
		b = le16(b, uint16(e.sub))
		b = append(b, e.subType)
	}
	for _, c := range e.children {
		b = appendElem(b, base, c)
	}
	return append(b, 0x04) // end element
}

// testChunk makes a chunk holding the given names at their offsets (in the
// header's string table area) and one record whose template is root, with
// one uint16 value.
func testChunk(t *testing.T, names map[int]string, root tplElem, val uint16) []byte {
	t.Helper()
	c := make([]byte, ChunkSize)
	copy(c, chunkMagic)
	binary.LittleEndian.PutUint32(c[40:], 128)
	for off, n := range names {
		copy(c[off:], nameBytes(n))
	}
	rec := chunkHeaderSize
	p := rec + recordHeaderSize
	b := []byte{0x0f, 0x01, 0x01, 0x00} // fragment header
	b = append(b, 0x0c, 0x01)
	b = le32(b, 1) // template id
	defOff := p + len(b) + 4
	b = le32(b, uint32(defOff))
	// The definition: next offset, GUID, size, then the body.
	b = le32(b, 0)
	b = append(b, "0123456789abcdef"...)
	sizeAt := len(b)
	b = le32(b, 0)
	bodyStart := len(b)
	b = append(b, 0x0f, 0x01, 0x01, 0x00)
	b = appendElem(b, p, root)
	b = append(b, 0x00) // EOF
	binary.LittleEndian.PutUint32(b[sizeAt:], uint32(len(b)-bodyStart))
	// The values.
	b = le32(b, 1)
	b = le16(b, 2)
	b = append(b, typeUint16, 0)
	b = le16(b, val)

	r := append([]byte("**\x00\x00"), 0, 0, 0, 0)
	r = le64(r, 7)                  // record id
	r = le64(r, 133500000000000000) // written
	r = append(r, b...)
	r = le32(r, 0)
	binary.LittleEndian.PutUint32(r[4:], uint32(len(r)))
	binary.LittleEndian.PutUint32(r[len(r)-4:], uint32(len(r)))
	copy(c[rec:], r)
	free := rec + len(r)
	binary.LittleEndian.PutUint32(c[48:], uint32(free))
	binary.LittleEndian.PutUint32(c[52:], crc32.ChecksumIEEE(c[chunkHeaderSize:free]))
	binary.LittleEndian.PutUint32(c[124:], chunkHeaderCRC(c))
	return c
}

func decodeTestChunk(t *testing.T, d *chunkDecoder, c []byte) Event {
	t.Helper()
	res := d.decodeChunk(c, 0, HeaderBlockSize, true, false, slot{})
	if len(res.damage) > 0 || len(res.events) != 1 {
		t.Fatalf("test chunk: %d events, damage %v", len(res.events), res.damage)
	}
	return res.events[0]
}

// Identical template definitions in two chunks whose element names are read
// from elsewhere in the chunk: the cache must not carry the first chunk's
// plan over to the second, where the names differ.
func TestPlanCacheExternalNames(t *testing.T) {
	const nameAt = 0x180
	root := tplElem{name: "Event", nameOff: 0x100, sub: -1, children: []tplElem{
		{name: "System", nameOff: 0x140, sub: -1, children: []tplElem{
			{nameOff: nameAt, sub: 0, subType: typeUint16},
		}},
	}}
	common := map[int]string{0x100: "Event", 0x140: "System"}
	with := func(n string) map[int]string {
		m := map[int]string{nameAt: n}
		for k, v := range common {
			m[k] = v
		}
		return m
	}
	a := testChunk(t, with("EventID"), root, 4242) // same length: same layout
	b := testChunk(t, with("Channel"), root, 4242)
	defOff := 0x200 + 24 + 4 + 10
	if string(a[defOff+4:defOff+200]) != string(b[defOff+4:defOff+200]) {
		t.Fatal("the two chunks' definitions differ; the test needs them equal")
	}
	ka, oka := new(keyer).key(a, defOff)
	kb, okb := new(keyer).key(b, defOff)
	if !oka || !okb || string(ka) == string(kb) {
		t.Fatalf("keys %v %v equal or missing; the names read differ", oka, okb)
	}

	cache := newPlanCache()
	d := newChunkDecoder(&decodeOptions{cache: cache})
	ea := decodeTestChunk(t, d, a)
	if ea.EventID != 4242 || ea.Channel != "" {
		t.Fatalf("chunk A: event id %d, channel %q; want 4242, \"\"", ea.EventID, ea.Channel)
	}
	eb := decodeTestChunk(t, d, b)
	if eb.EventID != 0 || eb.Channel != "4242" {
		t.Errorf("chunk B after A: event id %d, channel %q; want 0, \"4242\"", eb.EventID, eb.Channel)
	}
	// The same chunk again is a hit.
	hits := cache.hits
	if ea2 := decodeTestChunk(t, d, a); !reflect.DeepEqual(ea2, ea) {
		t.Errorf("chunk A again: %+v, want %+v", ea2, ea)
	}
	if cache.hits != hits+1 {
		t.Errorf("decoding chunk A again: %d cache hits, want %d", cache.hits, hits+1)
	}
	// Same as decoding without the cache.
	fresh := newChunkDecoder(&decodeOptions{})
	if want := decodeTestChunk(t, fresh, b); !reflect.DeepEqual(eb, want) {
		t.Errorf("chunk B with cache %+v, without %+v", eb, want)
	}
}

// A definition whose names are written inside it has the same key where
// ever it starts, as long as its name offsets point at its names (as
// Windows writes it in each chunk); the same bytes elsewhere, whose
// offsets then point at other bytes, have another key, or none.
func TestPlanCachePosition(t *testing.T) {
	root := tplElem{name: "Event", sub: -1, children: []tplElem{
		{name: "System", sub: -1, children: []tplElem{
			{name: "EventID", sub: 0, subType: typeUint16},
		}},
	}}
	a := testChunk(t, nil, root, 17)
	defOff := 0x200 + 24 + 4 + 10
	p, shareable, err := parseTemplate(a, defOff, false)
	if err != nil || !shareable {
		t.Fatalf("shareable %v, err %v", shareable, err)
	}
	key, ok := new(keyer).key(a, defOff)
	if !ok {
		t.Fatal("no key")
	}
	cache := newPlanCache()
	cache.put(key, false, p)
	if cache.get(key, false) != p {
		t.Error("no hit for the same key")
	}
	if cache.get(key, true) != nil {
		t.Error("hit for a nested (data only) plan of the same bytes")
	}
	end := defOff + 24 + int(binary.LittleEndian.Uint32(a[defOff+20:]))
	w := newWalker(a)
	w.refs = []int{}
	if _, err := w.definition(defOff, 0); err != nil || len(w.refs) != 3 {
		t.Fatalf("walk: %d names, %v", len(w.refs), err)
	}
	// The same bytes 8 bytes further on.
	moved := make([]byte, len(a))
	copy(moved[defOff+8:], a[defOff:end])
	if k2, ok := new(keyer).key(moved, defOff+8); ok && string(k2) == string(key) {
		t.Error("same key for the same bytes at another offset")
	}
	// Moved with its name offsets moved too, and another link to the
	// previous string: the same key, and the same plan parsed.
	for _, r := range w.refs {
		o := binary.LittleEndian.Uint32(a[r:])
		binary.LittleEndian.PutUint32(moved[r+8:], o+8)
		binary.LittleEndian.PutUint32(moved[o+8:], 0x1234)
	}
	k3, ok := new(keyer).key(moved, defOff+8)
	if !ok || string(k3) != string(key) {
		t.Errorf("moved definition: key %v, equal %v", ok, string(k3) == string(key))
	}
	p3, _, err := parseTemplate(moved, defOff+8, false)
	if err != nil || !reflect.DeepEqual(p3, p) {
		t.Errorf("moved definition parses to %+v, %v; want %+v", p3, err, p)
	}
}

// Sharing plans across chunks changes nothing in what is read: every sample
// and fixture reads the same with the cache, shared by two workers, as
// without it.
func TestPlanCacheSameOutput(t *testing.T) {
	t.Parallel()
	var (
		mu           sync.Mutex
		hits, misses int
		read         bool // false when the samples are absent
	)
	t.Run("files", func(t *testing.T) {
		paths := samplePaths(t)
		read = true
		for _, path := range paths {
			t.Run(filepath.Base(path), func(t *testing.T) {
				t.Parallel()
				want, wst, _ := readAllOpts(t, path, 1, func(r *Reader) { r.noPlanCache = true })
				// Two workers share the cache: the case where sharing could go wrong.
				got, st, r := readAllOpts(t, path, 2, nil)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("events differ with the plan cache")
				}
				if !reflect.DeepEqual(st, wst) {
					t.Errorf("stats differ with the plan cache:\n%+v\n%+v", st, wst)
				}
				mu.Lock()
				hits += r.opts.cache.hits
				misses += r.opts.cache.misses
				mu.Unlock()
			})
		}
	})
	t.Logf("plan cache: %d hits, %d misses", hits, misses)
	if read && hits == 0 {
		t.Error("the plan cache was never used")
	}
}
