package parser

import (
	"encoding/binary"
	"sync"
)

// Template definitions repeat from chunk to chunk: Windows writes each
// template again in the first record of every chunk that uses it. A
// planCache keeps the plans compiled from them across the chunks of a file
// (and the files of a Pool), so that each distinct definition is
// compiled once, not once per chunk.
//
// A plan is keyed by what golang-evtx reads to make it, in a form that does
// not depend on where the definition lies (see keyer): the
// definition's bytes from its GUID to its end, with the chunk offsets in it
// (names are stored as chunk offsets) blanked, followed by the text of
// every name it refers to, in the order they are read, and how (in place,
// or read from elsewhere). Windows writes the same template again at
// another offset in each chunk: with its names in place it has the same
// key in every chunk; a name that points at one an earlier definition of
// the chunk wrote gives another key (the definition's bytes differ), the
// same in the chunks where it is written so. A definition that refers to another definition (a template
// instance inside it pointing elsewhere) or whose parse ran past its
// recorded size is not shared.

// maxCacheBytes bounds the memory a planCache holds in keys. When
// a file holds more distinct templates than that (a hostile file could), the
// cache starts over.
const maxCacheBytes = 16 << 20

// nameSpan is the byte range golang-evtx reads for a name at off: offset of
// the previous string (4 bytes), hash (2), size in characters (2), and size+1
// UTF-16 characters.
func nameSpan(off, size int) (start, end int) {
	return off, off + 8 + 2*(size+1)
}

// A keyer makes the cache keys of template definitions (see key), reusing
// its buffers from one to the next: a chunk decoder looks up each
// definition of each chunk.
type keyer struct {
	w   walker
	buf []byte
}

// key returns the cache key of the definition at chunk offset defOff,
// walking it as golang-evtx will read it (see walker); ok is false when
// the definition is not to be shared or the walk fails (parseTemplate then
// reports why). The key is valid until the next call.
func (k *keyer) key(chunk []byte, defOff int) (key []byte, ok bool) {
	if defOff < 0 || defOff+24 > len(chunk) {
		return nil, false
	}
	end := defOff + 24 + int(binary.LittleEndian.Uint32(chunk[defOff+20:]))
	if end > len(chunk) || end < defOff+24 {
		return nil, false
	}
	w := &k.w
	*w = walker{c: chunk, tokens: maxWalkTokens, defs: w.defs[:0], refs: w.refs[:0]}
	if w.refs == nil {
		w.refs = make([]int, 0, 32)
	}
	wend, err := w.definition(defOff, 0)
	if err != nil || w.jumped || wend > end {
		return nil, false
	}
	key = append(k.buf[:0], chunk[defOff+4:end]...)
	base := defOff + 4
	for _, r := range w.refs {
		off := int(binary.LittleEndian.Uint32(chunk[r:]))
		clear(key[r-base : r-base+4]) // the offset
		var how byte
		switch {
		case off == r+4: // in place: its link to the previous string goes too
			how = 1
			clear(key[off-base : off-base+4])
		case off < r:
			how = 2 // read by seeking back (budgetReader counts those)
		}
		_, ne := nameSpan(off, int(binary.LittleEndian.Uint16(chunk[off+6:])))
		key = append(key, how)
		key = append(key, chunk[off+6:ne]...) // size, UTF-16 text, NUL
	}
	k.buf = key
	return key, true
}

// A planCache holds compiled template plans across chunks and files. It is
// safe for use by several goroutines; plans are immutable once made.
type planCache struct {
	mu     sync.Mutex
	m      [2]map[string]*plan // by dataOnly, then keyer.key
	size   int                 // bytes held in keys
	hits   int
	misses int
}

func newPlanCache() *planCache {
	return &planCache{m: [2]map[string]*plan{{}, {}}}
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// get returns the cached plan for a key of keyer.key.
func (c *planCache) get(key []byte, dataOnly bool) *plan {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.m[boolIndex(dataOnly)][string(key)]; p != nil {
		c.hits++
		return p
	}
	c.misses++
	return nil
}

// put adds a plan compiled from the definition whose key is key.
func (c *planCache) put(key []byte, dataOnly bool, p *plan) {
	cost := len(key) + 64
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size+cost > maxCacheBytes {
		c.m = [2]map[string]*plan{{}, {}}
		c.size = 0
	}
	c.m[boolIndex(dataOnly)][string(key)] = p
	c.size += cost
}
