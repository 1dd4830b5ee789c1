package correlate

import (
	"runtime"
	"sync"
)

// minParallel is the fewest items a step of Finish splits over the
// processors (parallel): below it, starting goroutines costs more than
// they save.
const minParallel = 1 << 14

// parallel calls fn on the parts of [0, n), at once on GOMAXPROCS
// goroutines when n is at least minParallel, else as fn(0, n). fn must be
// safe to call on disjoint parts at once. A panic of fn is raised again on
// the calling goroutine, once every part has ended.
func parallel(n int, fn func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if n < minParallel || p < 2 {
		fn(0, n)
		return
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		panicked bool
		val      any
	)
	for k := range p {
		lo, hi := n*k/p, n*(k+1)/p
		wg.Go(func() {
			defer func() {
				if v := recover(); v != nil {
					mu.Lock()
					if !panicked {
						panicked, val = true, v
					}
					mu.Unlock()
				}
			}()
			fn(lo, hi)
		})
	}
	wg.Wait()
	if panicked {
		panic(val)
	}
}
