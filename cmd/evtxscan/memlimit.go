package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// The soft memory limit (runtime/debug.SetMemoryLimit) keeps the heap of a
// large scan from growing to twice its live size between collections. A
// fixed limit makes the collector run without pause once the live heap
// comes near it (a 1 GiB member log holds 120–140 MB live at the end); so
// the limit follows the live heap instead: after each collection it is set
// to 1.25 times the live heap, and never below memoryFloor.
const memoryFloor = 128 << 20

// A gcSentinel is garbage from the moment it is made: its finalizer runs
// after the next collection, resizes the limit and makes the next one. It
// holds a pointer and is larger than the tiny-allocation size, so that it
// is a heap object of its own.
type gcSentinel struct {
	floor int64
	stop  *atomic.Bool
	_     [16]byte
}

// followLiveHeap sets the soft memory limit to floor and lets it follow the
// live heap until stop is called.
func followLiveHeap(floor int64) (stop func()) {
	debug.SetMemoryLimit(floor)
	var stopped atomic.Bool
	armSentinel(floor, &stopped)
	return func() { stopped.Store(true) }
}

func armSentinel(floor int64, stop *atomic.Bool) {
	s := &gcSentinel{floor: floor, stop: stop}
	runtime.SetFinalizer(s, func(s *gcSentinel) {
		if s.stop.Load() {
			return
		}
		debug.SetMemoryLimit(limitFor(liveHeap(), s.floor))
		armSentinel(s.floor, s.stop)
	})
}

// limitFor is the soft limit for a live heap of live bytes.
func limitFor(live uint64, floor int64) int64 {
	return max(floor, int64(live+live/4))
}

// liveHeap returns the heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
