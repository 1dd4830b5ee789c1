package scan

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/parser"
)

// A panic while an input is read (here in the consumer of its events) is
// an InternalError naming the file, chunk and offset, not a crash.
func TestPanicIsInternalError(t *testing.T) {
	in := filepath.Join("..", "testdata", "evtx", "healthy-day.evtx")
	n := 0
	_, err := Analyze(context.Background(), []string{in}, Options{Each: func(ev *parser.Event) error {
		if n++; n == 100 {
			var s []int
			_ = s[n] // out of range: a bug
		}
		return nil
	}})
	var ie *InternalError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T), want an *InternalError", err, err)
	}
	if ie.Path != in || ie.Chunk < 0 || ie.Offset <= 0 || !strings.Contains(ie.Stack, "TestPanicIsInternalError") {
		t.Errorf("internal error %+v", ie)
	}
	if !strings.Contains(err.Error(), in) || !strings.Contains(err.Error(), "offset 0x") {
		t.Errorf("message %q does not name the file and offset", err)
	}
}
