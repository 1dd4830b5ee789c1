package correlate

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
)

// A tidKey is one event of an attempt as Add keeps it until Finish:
// where its TrackingId lies (as attempt.tidLoc and tidLen) and the event
// in the store.
type tidKey struct {
	loc uint32
	ev  int32
	n   uint16
}

// tidKeys holds the tidKeys in the order fed.
type tidKeys = chunkList[tidKey]

// A tidAtt finds the attempt of a TrackingId after groupAttempts: the
// attempts by hash, then TrackingId.
type tidAtt struct {
	h  uint32
	ai int32
}

// tidOf returns the TrackingId of k.
func (st *attemptStore) tidOf(k *tidKey) string {
	return st.tid(&attempt{tidLoc: k.loc, tidLen: k.n})
}

// groupAttempts makes the attempts of the events Add kept (c.keys): one
// per TrackingId, in the order their first events were fed, each with its
// events linked in the order fed, as a map from id to attempt would have
// made them one event at a time. It sorts the keys by hash (a run of one
// hash by TrackingId), which walks memory in order where a map of a
// million ids would miss the cache at every event, and leaves c.tidIdx
// for lookup.
func (c *Correlator) groupAttempts() {
	st := c.st
	keys := &c.keys
	n := keys.len()
	if n == 0 {
		return
	}
	// hs: the keys' hashes and indexes, by hash, then TrackingId, then
	// index.
	hs := make([]hashIdx, n)
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			hs[i] = hashIdx{c.hash(st.tidOf(keys.at(int32(i)))), int32(i)} // the ids lie in the arena in this order
		}
	})
	sortByHash(hs)
	tidOf := func(x hashIdx) string { return st.tidOf(keys.at(x.i)) }
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && hs[hi].h == hs[lo].h {
			hi++
		}
		if run := hs[lo:hi]; len(run) > 1 {
			// One hash: the events of one attempt, or (rarely) of ids that
			// collide, put in order of id, stably.
			slices.SortStableFunc(run, func(x, y hashIdx) int { return strings.Compare(tidOf(x), tidOf(y)) })
		}
		lo = hi
	}
	// lead[i]: the first key of i's TrackingId. c.tidIdx is made for the
	// hashes of the service events with a TrackingId alone.
	lead := make([]int32, n)
	var svc map[uint32]bool
	if len(c.tidSvc) > 0 {
		svc = make(map[uint32]bool, len(c.tidSvc))
		for _, s := range c.tidSvc {
			svc[c.hash(s.tid)] = true
		}
	}
	c.tidIdx = nil
	natts := 0
	for lo := 0; lo < n; {
		first := hs[lo]
		hi := lo + 1
		if hi < n && hs[hi].h == first.h {
			tid := tidOf(first)
			for hi < n && hs[hi].h == first.h && tidOf(hs[hi]) == tid {
				hi++
			}
		}
		for _, x := range hs[lo:hi] {
			lead[x.i] = first.i
		}
		if svc[first.h] {
			c.tidIdx = append(c.tidIdx, tidAtt{h: first.h, ai: first.i}) // ai: a key until numbered below
		}
		natts++
		lo = hi
	}
	att := lead // reused: att[i] is the attempt of key i, once lead[i] is read
	// Number the attempts in the order their first events came.
	st.atts = slices.Grow(st.atts[:0], natts)
	for i := range int32(n) {
		k := keys.at(i)
		if l := lead[i]; l != i {
			att[i] = att[l] // l < i: numbered
		} else {
			att[i] = int32(len(st.atts))
			st.atts = append(st.atts, attempt{head: -1, tail: -1, notes: -1, tidLoc: k.loc, tidLen: k.n})
		}
		st.link(&st.atts[att[i]], k.ev)
	}
	for j := range c.tidIdx {
		c.tidIdx[j].ai = att[c.tidIdx[j].ai]
	}
	c.keys = tidKeys{}
}

// hash returns the hash of TrackingId tid for the grouping. It may be
// called from several goroutines at once (parallel).
func (c *Correlator) hash(tid string) uint32 {
	if c.hashTID != nil {
		return uint32(c.hashTID(tid))
	}
	return uint32(maphash.String(c.seed, tid))
}

// lookup returns the attempt of TrackingId tid, the id of a service event
// (after groupAttempts).
func (c *Correlator) lookup(tid string) (int32, bool) {
	h := c.hash(tid)
	idx := c.tidIdx
	i, found := slices.BinarySearchFunc(idx, tid, func(t tidAtt, tid string) int {
		if t.h != h {
			return cmp.Compare(t.h, h)
		}
		return strings.Compare(c.st.tid(&c.st.atts[t.ai]), tid)
	})
	if !found {
		return 0, false
	}
	return idx[i].ai, true
}

// hashIdx is a key's hash and index, for sortByHash.
type hashIdx struct {
	h uint32
	i int32
}

// sortByHash sorts hs by hash, stably: a radix sort of the hash bytes for
// many keys, a comparison sort of (hash, index) for few (the indexes are
// distinct and in order before).
func sortByHash(hs []hashIdx) {
	if len(hs) < 256 {
		slices.SortFunc(hs, func(x, y hashIdx) int {
			if c := cmp.Compare(x.h, y.h); c != 0 {
				return c
			}
			return cmp.Compare(x.i, y.i)
		})
		return
	}
	tmp := make([]hashIdx, len(hs))
	src, dst := hs, tmp
	for shift := uint(0); shift < 32; shift += 8 {
		var count [257]int
		for _, x := range src {
			count[int(byte(x.h>>shift))+1]++
		}
		if count[int(byte(src[0].h>>shift))+1] == len(src) {
			continue // one value of this byte: the order stands
		}
		for b := 1; b < 257; b++ {
			count[b] += count[b-1]
		}
		for _, x := range src {
			b := byte(x.h >> shift)
			dst[count[b]] = x
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &hs[0] {
		copy(hs, src)
	}
}
