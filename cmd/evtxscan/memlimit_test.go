package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimitFor(t *testing.T) {
	for _, c := range []struct {
		live  uint64
		floor int64
		want  int64
	}{
		{0, 128 << 20, 128 << 20},
		{100 << 20, 128 << 20, 128 << 20},
		{140 << 20, 128 << 20, 175 << 20},
		{1 << 30, 128 << 20, 1280 << 20},
	} {
		if got := limitFor(c.live, c.floor); got != c.want {
			t.Errorf("limitFor(%d, %d) = %d, want %d", c.live, c.floor, got, c.want)
		}
	}
}

// After a collection the limit is above the live heap, not the floor: a
// live heap above the floor does not make the collector run without
// pause.
func TestFollowLiveHeap(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	stop := followLiveHeap(1 << 20)
	defer stop()
	held := make([]byte, 32<<20)
	for i := range held {
		held[i] = byte(i)
	}
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) < 32<<20 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := debug.SetMemoryLimit(-1); got < 32<<20 || got == math.MaxInt64 {
		t.Errorf("limit %d with 32 MiB live", got)
	}
	runtime.KeepAlive(held)
}
