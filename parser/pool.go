package parser

import "sync"

// A Pool is the decoding goroutines, their buffers and a template plan
// cache, shared by the Readers of one run (a scan, a dump, a batch over many
// files), so that a Reader costs no goroutine, no batch buffer and no
// template compilation of its own: a run over thousands of small files
// pays for them once.
//
// A Reader whose Pool field is set decodes on the pool's goroutines; the
// pool's size takes the place of Reader.Workers. The goroutines are
// started when a Reader first needs them, no more than the file at hand has
// batches of chunks to decode (a file of minParallelChunks (32) chunks or
// fewer is decoded by the goroutine calling Read; with Reader.NDJSON, a
// file of fewer than two batches of 16 chunks per goroutine), and they
// wait for the next file in between. A goroutine's buffers are made when
// it first needs them: a chunk's worth for a file it reads at an offset.
// Several Readers may use one Pool at the same time.
//
// Close the Readers, then the Pool: Close stops its goroutines and waits for
// them.
type Pool struct {
	workers int
	cache   *planCache

	mu      sync.Mutex
	cond    sync.Cond
	queue   []*Reader // one entry per worker a Reader asked for and has not got
	idle    int       // goroutines waiting for work
	running int       // goroutines started
	seq     []*worker // decoders for sequential reading, not in use
	closed  bool
	quit    chan struct{}
	wg      sync.WaitGroup
}

// NewPool returns a Pool of up to workers decoding goroutines; workers <= 0
// means 1. With 1 the Readers decode on the goroutine calling Read, and the
// Pool shares only buffers and the plan cache.
func NewPool(workers int) *Pool {
	return newPool(workers, newPlanCache())
}

func newPool(workers int, cache *planCache) *Pool {
	p := &Pool{workers: max(workers, 1), cache: cache, quit: make(chan struct{})}
	p.cond.L = &p.mu
	return p
}

// Workers returns the pool's size.
func (p *Pool) Workers() int { return p.workers }

// Close stops the pool's goroutines and waits for them to return. A Reader
// still reading on the pool gets ErrClosed.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.quit)
	queued := p.queue
	p.queue = nil
	p.cond.Broadcast()
	p.mu.Unlock()
	for _, r := range queued {
		r.ticketDone()
	}
	p.wg.Wait()
	return nil
}

// submit asks for n goroutines to decode r's batches. It reports false when
// the pool is closed.
func (p *Pool) submit(r *Reader, n int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	r.active.Store(int32(n))
	r.wg.Add(n)
	for i := 0; i < n; i++ {
		p.queue = append(p.queue, r)
	}
	for p.running < p.workers && p.idle < len(p.queue) {
		p.running++
		p.idle++ // counted as waiting from now: it will be soon
		p.wg.Add(1)
		go p.run(newWorker(nil, 0, (tokensPerWorker*p.workers+1)*batchChunks))
	}
	p.cond.Broadcast()
	return true
}

// withdraw takes back the workers r asked for and has not got.
func (p *Pool) withdraw(r *Reader) {
	p.mu.Lock()
	k := 0
	q := p.queue[:0]
	for _, x := range p.queue {
		if x == r {
			k++
			continue
		}
		q = append(q, x)
	}
	clear(p.queue[len(q):])
	p.queue = q
	p.mu.Unlock()
	for ; k > 0; k-- {
		r.ticketDone()
	}
}

// run is a pool goroutine: it serves one Reader after another.
func (p *Pool) run(w *worker) {
	defer p.wg.Done()
	p.mu.Lock()
	for {
		for len(p.queue) == 0 && !p.closed {
			p.cond.Wait()
		}
		if p.closed {
			p.mu.Unlock()
			return
		}
		r := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.idle--
		p.mu.Unlock()
		r.serve(w, p.quit)
		p.mu.Lock()
		p.idle++
	}
}

// seqWorker returns a decoder with a chunk buffer for sequential reading.
func (p *Pool) seqWorker(opts *decodeOptions) *worker {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.seq); n > 0 {
		w := p.seq[n-1]
		p.seq = p.seq[:n-1]
		w.dec.opts = opts
		return w
	}
	return newWorker(opts, ChunkSize, 1)
}

// putSeqWorker gives back a decoder of seqWorker.
func (p *Pool) putSeqWorker(w *worker) {
	w.dec.opts = nil
	p.mu.Lock()
	if len(p.seq) < p.workers {
		p.seq = append(p.seq, w)
	}
	p.mu.Unlock()
}

// ticketDone ends one worker's service of r (or its request for one); the
// last closes r.results.
func (r *Reader) ticketDone() {
	if r.active.Add(-1) == 0 {
		close(r.results)
	}
	r.wg.Done()
}
