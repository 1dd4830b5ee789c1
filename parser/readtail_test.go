package parser

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// errWithTail returns the bytes of r in reads of at most 4096 bytes, the
// last of them together with err: a zip entry that declares more bytes
// than it holds ends that way.
type errWithTail struct {
	r   *bytes.Reader
	err error
}

func (e *errWithTail) Read(p []byte) (int, error) {
	n, err := e.r.Read(p[:min(len(p), 4096)])
	if e.r.Len() == 0 {
		return n, e.err
	}
	return n, err
}

// A read error that comes with the last bytes of a chunk ends the read
// after every event of that chunk, not after its first: on both paths the
// events are those of the whole input, then the error. (Read returned the
// error as soon as the chunk was in: 85 of 1500 records were lost, the
// tail of a lying zip entry.)
func TestReadErrorAfterLastChunk(t *testing.T) {
	log := writeLog(t, evtxwriter.Options{}, manyRecords(1500))
	boom := errors.New("entry ends before its declared size")
	for _, workers := range []int{1, 2} {
		rd := NewReader(&errWithTail{bytes.NewReader(log), boom})
		rd.Workers = workers
		n, err := readWithDeadline(t, rd, 10*time.Second)
		if !errors.Is(err, boom) {
			t.Errorf("workers %d: Read ended with %v, want the input's error", workers, err)
		}
		if st := rd.Stats(); n != 1500 || st.Records != 1500 {
			t.Errorf("workers %d: %d events of %d records returned, want 1500", workers, n, st.Records)
		}
		rd.Close()
	}
}
