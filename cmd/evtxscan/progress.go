package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/evtxscan/evtxscan/internal/safeterm"
)

// A console writes the messages of a batch to standard error, with its
// progress: a bar drawn by github.com/vbauerster/mpb/v8 below the messages
// on a terminal (--progress auto) or always; a plain line every few
// tenants when standard error is not a terminal (a log file: no escape
// sequences); nothing with --progress never.
type console struct {
	mu    sync.Mutex
	w     io.Writer
	mode  string // "bar", "lines" or "none"
	width int    // columns of the terminal
	p     *mpb.Progress
}

// newConsole chooses how progress is shown on w for --progress mode.
func newConsole(w io.Writer, mode string, getenv func(string) string) *console {
	c := &console{w: w, mode: "none", width: 80}
	tty := false
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		tty = true
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			c.width = cols
		}
	} else if cols, err := strconv.Atoi(getenv("COLUMNS")); err == nil && cols > 0 {
		c.width = cols
	}
	switch mode {
	case "always":
		c.mode = "bar"
	case "auto":
		// A terminal that cannot move the cursor (TERM=dumb, a legacy
		// Windows console) gets the plain lines of a log.
		if tty && getenv("TERM") != "dumb" && enableVT(w) {
			c.mode = "bar"
		} else {
			c.mode = "lines"
		}
	}
	return c
}

// printf writes a message; above the bar while it is drawn.
func (c *console) printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	msg := safeterm.Text(fmt.Sprintf(format, args...)) // tenant names, paths, errors
	if c.p != nil {
		io.WriteString(c.p, msg)
		return
	}
	io.WriteString(c.w, msg)
}

// startBar shows the progress of st until the returned function is
// called, which removes the bar. It starts one goroutine, which the stop
// function ends (and waits for); ctx ends it too.
func (c *console) startBar(ctx context.Context, st *batchStats, total int, start time.Time) (stop func()) {
	switch c.mode {
	case "bar":
		return c.drawBar(ctx, st, total)
	case "lines":
		return c.plainLines(ctx, st, total, start)
	}
	return func() {}
}

// drawBar draws an mpb bar sized to the terminal.
func (c *console) drawBar(ctx context.Context, st *batchStats, total int) func() {
	ctx, cancel := context.WithCancel(ctx)
	p := mpb.NewWithContext(ctx, mpb.WithOutput(c.w), mpb.WithRefreshRate(200*time.Millisecond),
		mpb.WithWidth(c.width), mpb.WithAutoRefresh())
	counts := decor.Any(func(decor.Statistics) string {
		if c.width < 72 {
			return fmt.Sprintf("%d failed", st.Failed.Load())
		}
		return fmt.Sprintf("%d failed, %s events", st.Failed.Load(), humanCount(st.Events.Load()))
	})
	bar := p.New(int64(total), mpb.BarStyle().Lbound("[").Filler("#").Tip("#").Padding(".").Rbound("]"),
		mpb.PrependDecorators(decor.CountersNoUnit("%d/%d tenants")),
		mpb.AppendDecorators(counts, decor.Elapsed(decor.ET_STYLE_GO, decor.WC{W: 5})),
		mpb.BarWidth(min(max(c.width-60, 8), 40)), mpb.BarRemoveOnComplete())
	c.mu.Lock()
	c.p = p
	c.mu.Unlock()
	stopTick := tick(ctx, func() { bar.SetCurrent(min(st.Done.Load(), int64(total))) })
	return func() {
		stopTick()
		if n := st.Done.Load(); n >= int64(total) {
			bar.SetCurrent(int64(total))
		} else {
			bar.Abort(true)
		}
		p.Wait()
		cancel()
		c.mu.Lock()
		c.p = nil
		c.mu.Unlock()
	}
}

// plainLines prints a line every tenth of the tenants (every 100 at most
// apart), for a log file.
func (c *console) plainLines(ctx context.Context, st *batchStats, total int, start time.Time) func() {
	every := int64(max(1, min(100, total/10)))
	next := every
	return tick(ctx, func() {
		if n := st.Done.Load(); n >= next && n < int64(total) {
			c.printf("evtxscan scan: %s\n", plainLine(int(n), total, st, time.Since(start)))
			next = (n/every + 1) * every
		}
	})
}

// tick calls fn at once and then every 200 ms, from one goroutine, until
// the returned function is called (it waits for the goroutine to end) or
// ctx is done.
func tick(ctx context.Context, fn func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			fn()
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// plainLine is one line of progress without a bar.
func plainLine(n, total int, st *batchStats, el time.Duration) string {
	eta := ""
	if n > 0 && n < total {
		eta = fmt.Sprintf(", %s left", (el / time.Duration(n) * time.Duration(total-n)).Round(time.Second))
	}
	return fmt.Sprintf("%d/%d tenants, %d failed, %s events, %s%s",
		n, total, st.Failed.Load(), humanCount(st.Events.Load()), el.Round(time.Second), eta)
}
