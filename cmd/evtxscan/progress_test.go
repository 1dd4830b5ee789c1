package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the console's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runProgress shows the progress of a batch of total tenants done one
// every step, with a message in the middle, and returns what was written.
func runProgress(t *testing.T, mode string, env map[string]string, total int, step time.Duration) string {
	t.Helper()
	var out syncBuffer
	c := newConsole(&out, mode, func(k string) string { return env[k] })
	var st batchStats
	stop := c.startBar(context.Background(), &st, total, time.Now())
	for i := range total {
		time.Sleep(step)
		st.Done.Add(1)
		st.Events.Add(1000)
		if i == total/2 {
			c.printf("evtxscan scan: a message\n")
		}
	}
	time.Sleep(250 * time.Millisecond)
	stop()
	c.printf("evtxscan scan: the end\n")
	return out.String()
}

var escape = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// With --progress always the bar is drawn (on a terminal mpb also moves
// the cursor back over it), fits the width and keeps the messages above it.
func TestProgressBar(t *testing.T) {
	for _, cols := range []int{50, 80, 160} {
		out := runProgress(t, "always", map[string]string{"COLUMNS": itoa(cols)}, 10, 60*time.Millisecond)
		if !strings.Contains(out, "#") || !strings.Contains(out, "/10 tenants") {
			t.Fatalf("%d columns: no bar drawn: %q", cols, out)
		}
		if !strings.Contains(out, "evtxscan scan: a message\n") || !strings.HasSuffix(out, "evtxscan scan: the end\n") {
			t.Errorf("%d columns: messages lost: %q", cols, out)
		}
		for _, l := range strings.Split(escape.ReplaceAllString(out, ""), "\n") {
			l = l[strings.LastIndex(l, "\r")+1:]
			if n := len([]rune(l)); n > cols {
				t.Errorf("%d columns: a line of %d: %q", cols, n, l)
			}
		}
	}
}

// Without a terminal (a log file) progress is a plain line now and then,
// without escape sequences; --progress never prints none.
func TestProgressLines(t *testing.T) {
	out := runProgress(t, "auto", nil, 20, 25*time.Millisecond)
	if strings.ContainsAny(out, "\x1b\r") {
		t.Errorf("escape sequences in a log: %q", out)
	}
	lines := regexp.MustCompile(`(?m)^evtxscan scan: \d+/20 tenants, 0 failed, \S+ events, \S+`).FindAllString(out, -1)
	if len(lines) < 2 || len(lines) > 19 {
		t.Errorf("%d progress lines:\n%s", len(lines), out)
	}
	if out := runProgress(t, "never", nil, 5, time.Millisecond); out != "evtxscan scan: a message\nevtxscan scan: the end\n" {
		t.Errorf("--progress never: %q", out)
	}
	// TERM=dumb on a terminal would get lines too; here: not a terminal.
	c := newConsole(&bytes.Buffer{}, "auto", func(k string) string { return map[string]string{"TERM": "dumb"}[k] })
	if c.mode != "lines" {
		t.Errorf("mode %q", c.mode)
	}
}
