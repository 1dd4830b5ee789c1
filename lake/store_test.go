package lake

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDirSyncerShares checks that concurrent syncs of one folder share
// the syncs that start after they ask, and that each returns only after a
// sync that started after it asked has ended.
func TestDirSyncerShares(t *testing.T) {
	var calls, running atomic.Int64
	var changed atomic.Int64 // "changes" made to the folder, by number
	var synced atomic.Int64  // the changes covered by the last finished sync
	defer func(f func(string) error) { syncDirFunc = f }(syncDirFunc)
	syncDirFunc = func(string) error {
		calls.Add(1)
		if running.Add(1) > 1 {
			t.Error("two syncs of one folder at once")
		}
		upTo := changed.Load()
		time.Sleep(5 * time.Millisecond)
		synced.Store(upTo)
		running.Add(-1)
		return nil
	}
	var s dirSyncer
	const n = 16
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := changed.Add(1)
			if err := s.sync("d"); err != nil {
				t.Error(err)
			}
			if got := synced.Load(); got < mine {
				t.Errorf("sync returned before change %d was synced (synced up to %d)", mine, got)
			}
		}()
	}
	wg.Wait()
	if c := calls.Load(); c >= n {
		t.Errorf("%d syncs for %d concurrent asks: none shared", c, n)
	}
	t.Logf("%d syncs for %d asks", calls.Load(), n)
}

func TestDirSyncerError(t *testing.T) {
	defer func(f func(string) error) { syncDirFunc = f }(syncDirFunc)
	boom := errors.New("boom")
	syncDirFunc = func(string) error { return boom }
	var s dirSyncer
	if err := s.sync("d"); !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
	syncDirFunc = func(string) error { return nil }
	if err := s.sync("d"); err != nil {
		t.Fatalf("after a good sync: %v", err)
	}
}

func TestInParallel(t *testing.T) {
	e1, e3 := errors.New("1"), errors.New("3")
	var ran atomic.Int64
	err := inParallel(5, func(i int) error {
		ran.Add(1)
		switch i {
		case 1:
			time.Sleep(time.Millisecond)
			return e1
		case 3:
			return e3
		}
		return nil
	})
	if err != e1 || ran.Load() != 5 {
		t.Fatalf("err %v after %d calls, want %v after 5", err, ran.Load(), e1)
	}
	if err := inParallel(0, nil); err != nil {
		t.Fatal(err)
	}
}
