package input

import "io"

// Inflating a zip entry takes as long as decoding it, or longer. A
// readahead inflates the next blocks of an entry on a goroutine of its own
// while the consumer works on the bytes before them, so that inflating
// overlaps decoding instead of taking turns with it.

// Sizes of a readahead: blocks of raBlock bytes, up to raDepth of them
// inflated ahead of Read; entries smaller than raMinSize are read directly.
// A block is a batch of the parser's (16 chunks). On the 1 GiB member
// log's zip, the share of time the scan's processors sat idle was the same
// with raDepth 6 as with 2 (13–19% both; 15–22% for the scan of the
// plain file, whose serial steps after the last record take the same
// time): more room ahead does not keep the processors busier. Read's copy
// of a block into the caller's buffer is 3% of that scan's CPU (0.15 of
// 5.5 s); a parser taking the blocks themselves would save it.
const (
	raBlock   = 1 << 20
	raDepth   = 2
	raMinSize = 8 << 20
)

type raBlockRead struct {
	b   []byte
	err error // after b
}

// A readahead reads r on a goroutine of its own. Read returns the bytes of
// r in order, then r's error. Close stops the goroutine and waits for it:
// after Close, r is no longer read and may be read directly again (what was
// read ahead is lost to the caller).
type readahead struct {
	full chan raBlockRead
	free chan []byte
	stop chan struct{}
	done chan struct{}

	cur    raBlockRead
	off    int
	closed bool
}

func newReadahead(r io.Reader) *readahead {
	ra := &readahead{
		full: make(chan raBlockRead, raDepth),
		free: make(chan []byte, raDepth+1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go ra.run(r)
	return ra
}

func (ra *readahead) run(r io.Reader) {
	defer close(ra.done)
	made := 0
	for {
		var b []byte
		select {
		case b = <-ra.free:
		case <-ra.stop:
			return
		default:
			if made <= raDepth {
				made++
				b = make([]byte, raBlock)
			} else {
				select {
				case b = <-ra.free:
				case <-ra.stop:
					return
				}
			}
		}
		b = b[:cap(b)]
		n := 0
		var err error
		for n < len(b) && err == nil {
			var k int
			k, err = r.Read(b[n:])
			n += k
		}
		select {
		case ra.full <- raBlockRead{b[:n], err}:
		case <-ra.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

func (ra *readahead) Read(p []byte) (int, error) {
	if ra.closed {
		return 0, errClosed
	}
	for ra.off == len(ra.cur.b) {
		if ra.cur.err != nil {
			return 0, ra.cur.err
		}
		if ra.cur.b != nil {
			ra.free <- ra.cur.b // never blocks: there are no more buffers than room
		}
		ra.cur, ra.off = <-ra.full, 0
	}
	n := copy(p, ra.cur.b[ra.off:])
	ra.off += n
	return n, nil
}

// Close stops the goroutine and waits for it to return.
func (ra *readahead) Close() error {
	if !ra.closed {
		ra.closed = true
		close(ra.stop)
		<-ra.done
	}
	return nil
}
