package parser

import (
	"encoding/binary"
	"sync"

	evtx "github.com/0xrawsec/golang-evtx/evtx"
)

// Template definitions repeat from chunk to chunk: Windows writes each
// template again in the first record of every chunk that uses it. A
// planCache keeps the plans compiled from them across the chunks of a file,
// so that golang-evtx parses each distinct definition once per file, not
// once per chunk.
//
// A plan is keyed by the definition's bytes from its GUID to its end. Those
// bytes do not say everything: element, attribute and entity names are
// stored as chunk offsets, and a name may sit outside the definition
// (a name the chunk already holds, written once and referenced after that).
// The same definition bytes in another chunk could then name other
// elements. And since the offsets are absolute, a name inside the
// definition is read from where it is only when the definition starts at
// the same chunk offset. So when a plan is compiled, planDeps records
// what else it was read from, and a cached plan is used for a definition
// only when that holds in the chunk at hand too:
//
//   - when a name was read from inside the definition, the definition starts
//     at the same chunk offset;
//   - every name read from outside the definition has the same size and text
//     at the same offset, and that offset is outside the definition in this
//     chunk too (else golang-evtx would read it as a name written in place).
//
// Everything else golang-evtx reads for a definition lies between the
// definition's start and its end, which the key covers; a definition whose
// parse ran past its recorded size is not shared.

// maxCacheBytes bounds the memory a planCache holds in keys and names. When
// a file holds more distinct templates than that (a hostile file could), the
// cache starts over.
const maxCacheBytes = 16 << 20

// maxVariants bounds the plans kept for one definition key.
const maxVariants = 4

// A nameRef is a name a plan was compiled with that lies outside its
// definition: its chunk offset, and its size and UTF-16 text as stored.
type nameRef struct {
	off int
	b   string
}

// planDeps is what a compiled plan depends on besides the bytes of its
// template definition.
type planDeps struct {
	defOff    int       // chunk offset of the definition
	defEnd    int       // end of the definition (after its recorded size)
	posDep    bool      // a name was read from inside the definition
	names     []nameRef // names read from outside the definition
	shareable bool      // the parse stayed inside the definition and chunk
}

// nameSpan is the byte range golang-evtx reads for a name at off: offset of
// the previous string (4 bytes), hash (2), size in characters (2), and size+1
// UTF-16 characters.
func nameSpan(off, size int) (start, end int) {
	return off, off + 8 + 2*(size+1)
}

// templateDeps works out planDeps for a definition at chunk offset defOff
// whose parse ended at chunk offset parsedEnd.
func templateDeps(chunk []byte, defOff, parsedEnd int, elems []evtx.Element) planDeps {
	d := planDeps{defOff: defOff, shareable: true}
	if defOff+24 > len(chunk) {
		d.shareable = false
		return d
	}
	d.defEnd = defOff + 24 + int(binary.LittleEndian.Uint32(chunk[defOff+20:]))
	if d.defEnd > len(chunk) || d.defEnd < defOff+24 || parsedEnd > d.defEnd {
		d.shareable = false
		return d
	}
	ref := func(off, size int) {
		start, end := nameSpan(off, size)
		if start >= defOff && end <= d.defEnd {
			d.posDep = true
			return
		}
		if start >= defOff && start < d.defEnd {
			d.posDep = true // partly inside: both apply
		}
		if start < 0 || end > len(chunk) {
			d.shareable = false
			return
		}
		d.names = append(d.names, nameRef{off: off, b: string(chunk[start+6 : end])})
	}
	var visit func(e evtx.Element)
	visit = func(e evtx.Element) {
		switch v := e.(type) {
		case *evtx.ElementStart:
			ref(int(uint32(v.NameOffset)), int(v.Name.Size))
			for i := range v.AttributeList.Attributes {
				a := &v.AttributeList.Attributes[i]
				ref(int(uint32(a.NameOffset)), int(a.Name.Size))
				if a.AttributeData != nil {
					visit(a.AttributeData)
				}
			}
		case *evtx.BinXMLEntityReference:
			ref(int(v.NameOffset), int(v.Name.Size))
		}
	}
	for _, e := range elems {
		visit(e)
	}
	return d
}

// A cachedPlan is one compiled plan and the conditions under which it holds.
type cachedPlan struct {
	defOff int // where the definition was, when the plan depends on it; else -1
	names  []nameRef
	plan   *plan
}

// valid reports whether the plan holds for the definition at defOff..defEnd
// of chunk.
func (c *cachedPlan) valid(chunk []byte, defOff, defEnd int) bool {
	if c.defOff >= 0 && c.defOff != defOff {
		return false
	}
	for _, n := range c.names {
		if n.off >= defOff && n.off < defEnd {
			return false
		}
		start := n.off + 6
		if start+len(n.b) > len(chunk) || string(chunk[start:start+len(n.b)]) != n.b {
			return false
		}
	}
	return true
}

// A planCache holds compiled template plans across the chunks of one file.
// It is safe for use by several goroutines; plans are immutable once made.
type planCache struct {
	mu     sync.Mutex
	m      [2]map[string][]*cachedPlan // by dataOnly, then definition key
	size   int                         // bytes held in keys and names
	hits   int
	misses int
}

func newPlanCache() *planCache {
	return &planCache{m: [2]map[string][]*cachedPlan{{}, {}}}
}

// defKey returns the cache key of the definition at chunk offset defOff:
// its bytes from the GUID to its end, and that end. ok is false when the
// definition does not fit in the chunk.
func defKey(chunk []byte, defOff int) (key []byte, end int, ok bool) {
	if defOff < 0 || defOff+24 > len(chunk) {
		return nil, 0, false
	}
	end = defOff + 24 + int(binary.LittleEndian.Uint32(chunk[defOff+20:]))
	if end > len(chunk) || end < defOff+24 {
		return nil, 0, false
	}
	return chunk[defOff+4 : end], end, true
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// get returns the cached plan for the definition at defOff of chunk, if one
// holds there.
func (c *planCache) get(chunk []byte, defOff int, dataOnly bool) *plan {
	key, end, ok := defKey(chunk, defOff)
	if !ok {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range c.m[boolIndex(dataOnly)][string(key)] {
		if v.valid(chunk, defOff, end) {
			c.hits++
			return v.plan
		}
	}
	c.misses++
	return nil
}

// put adds a plan compiled from the definition at deps.defOff of chunk.
func (c *planCache) put(chunk []byte, deps planDeps, dataOnly bool, p *plan) {
	if !deps.shareable {
		return
	}
	key, _, ok := defKey(chunk, deps.defOff)
	if !ok {
		return
	}
	v := &cachedPlan{defOff: -1, names: deps.names, plan: p}
	if deps.posDep {
		v.defOff = deps.defOff
	}
	cost := len(key) + 64
	for _, n := range deps.names {
		cost += len(n.b) + 24
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size+cost > maxCacheBytes {
		c.m = [2]map[string][]*cachedPlan{{}, {}}
		c.size = 0
	}
	m := c.m[boolIndex(dataOnly)]
	vs := m[string(key)]
	if len(vs) >= maxVariants {
		vs = vs[1:] // the oldest goes
	}
	m[string(key)] = append(vs, v)
	c.size += cost
}
