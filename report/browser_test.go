package report

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/evtxscan/evtxscan/internal/scenario"
	"github.com/evtxscan/evtxscan/internal/testenv"
)

// A browserCase is one HTML report to open, with what its page must show.
type browserCase struct {
	Name    string
	HTML    []byte
	Servers []browserServer
	Hostile bool // the page must show scenario's hostile texts as text
}

// browserServer is what the page must show of one server.
type browserServer struct {
	ID       string // element id of the server's section
	Attempts []string
	Times    []string // start times as the table sorts them (TimeKey)
	Failures int
	Gaps     int
}

// findChromium returns the path of the browser ($EVTXSCAN_CHROMIUM, else
// chromium on PATH), or ends the test through testenv.Missing: a loud skip
// locally, a failure under CI=true.
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("EVTXSCAN_CHROMIUM"); p != "" {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return testenv.Need(t, "chromium", "Chromium (the HTML report is NOT checked in a browser)", "chromium")
}

// screenshotDir is where the screenshots go: $EVTXSCAN_SCREENSHOTS, or
// bench/out/html (ignored by git).
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("EVTXSCAN_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "bench", "out", "html")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// browserLog collects what a page does that it must not: requests other
// than the page itself, console errors, exceptions and dialogs.
type browserLog struct {
	mu       sync.Mutex
	page     string
	requests []string
	errors   []string
	dialogs  []string
}

func (b *browserLog) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if ev.Request.URL != b.page {
			b.requests = append(b.requests, ev.Request.URL)
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			b.errors = append(b.errors, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Text+" "+exceptionText(ev.ExceptionDetails))
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			b.errors = append(b.errors, "log "+string(ev.Entry.Source)+": "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	case *page.EventJavascriptDialogOpening:
		b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

func (b *browserLog) check(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.requests {
		t.Errorf("the page made a request: %s", r)
	}
	for _, e := range b.errors {
		t.Errorf("the page logged an error: %s", e)
	}
	for _, d := range b.dialogs {
		t.Errorf("the page opened a dialog (script ran): %s", d)
	}
}

// TestHTMLInBrowser opens the HTML report of every fixture in headless
// Chromium and checks that it loads nothing and logs no error, that the
// timeline has one mark per attempt and one band per heartbeat gap, that
// the attempts table sorts and filters, that a TrackingId can be copied,
// and that hostile names stay text. It keeps a screenshot of each page.
func TestHTMLInBrowser(t *testing.T) {
	chrome := findChromium(t)
	cases := browserCases(t)
	shots := screenshotDir(t)
	dir := t.TempDir()

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chrome),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil { // start the browser
		t.Fatalf("start %s: %v", chrome, err)
	}

	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			file := filepath.Join(dir, c.Name+".html")
			if err := os.WriteFile(file, c.HTML, 0o644); err != nil {
				t.Fatal(err)
			}
			pageURL := (&url.URL{Scheme: "file", Path: file}).String()
			bl := &browserLog{page: pageURL}
			ctx, cancel := chromedp.NewContext(bctx, chromedp.WithListener(bl.listen))
			defer cancel()
			ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
			defer cancelT()
			if err := chromedp.Do(ctx); err != nil { // open the tab before anything listens
				t.Fatal(err)
			}
			go dismissDialogs(ctx)
			if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
				t.Fatal(err)
			}
			for _, s := range c.Servers {
				checkServer(t, ctx, s)
			}
			if c.Hostile {
				checkHostile(t, ctx)
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(shots, c.Name+".png")
			if err := os.WriteFile(path, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot %s", path)
			checkPrint(t, ctx)
			time.Sleep(100 * time.Millisecond) // late events
			bl.check(t)
		})
	}
}

// dismissDialogs closes any dialog so that a script that got in cannot
// block the test; the listener records it.
func dismissDialogs(ctx context.Context) {
	for _, err := range chromedp.Events(ctx, page.JavascriptDialogOpening) {
		if err != nil {
			return
		}
		chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// checkServer checks the timeline and the attempts table of one server.
func checkServer(t *testing.T, ctx context.Context, s browserServer) {
	t.Helper()
	sec := "#" + s.ID
	if got := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll(%q).length`, sec+" svg.tl line.att")); got != len(s.Attempts) {
		t.Errorf("%s: timeline has %d attempt marks, want %d", s.ID, got, len(s.Attempts))
	}
	if got := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll(%q).length`, sec+" svg.tl rect.gap")); got != s.Gaps {
		t.Errorf("%s: timeline has %d gap bands, want %d", s.ID, got, s.Gaps)
	}
	marks := eval[[]string](t, ctx, fmt.Sprintf(`Array.from(document.querySelectorAll(%q), e => e.getAttribute("data-tid"))`, sec+" svg.tl line.att"))
	if !slices.Equal(marks, s.Attempts) {
		t.Errorf("%s: marks %v, want one per attempt %v", s.ID, marks, s.Attempts)
	}
	// The zoom widens the picture and shows a finer level of ticks.
	if eval[int](t, ctx, fmt.Sprintf(`document.querySelector(%q).getAttribute("data-maxzoom")|0`, sec+" .tlwrap")) > 1 {
		w0 := eval[float64](t, ctx, fmt.Sprintf(`document.querySelector(%q).getBoundingClientRect().width`, sec+" svg.tl"))
		if err := chromedp.Do(ctx, chromedp.Click(sec+` .zoom button[data-z="in"]`)); err != nil {
			t.Fatal(err)
		}
		w1 := eval[float64](t, ctx, fmt.Sprintf(`document.querySelector(%q).getBoundingClientRect().width`, sec+" svg.tl"))
		if w1 < 1.9*w0 {
			t.Errorf("%s: zoom in: width %.0f → %.0f", s.ID, w0, w1)
		}
		// The picture scrolls inside its frame; the frame keeps its width.
		view := eval[[]float64](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return [e.clientWidth, e.scrollWidth] })()`, sec+" .tlscroll"))
		if view[0] > w0+1 || view[1] < 1.9*view[0] {
			t.Errorf("%s: zoomed picture does not scroll in its frame: frame %.0f, content %.0f (picture %.0f at fit)", s.ID, view[0], view[1], w0)
		}
		if err := chromedp.Do(ctx, chromedp.Click(sec+` .zoom button[data-z="fit"]`)); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.Attempts) == 0 {
		return
	}
	table := sec + "-attempts"
	rows := func(col int) []string {
		return eval[[]string](t, ctx, fmt.Sprintf(`Array.from(document.querySelectorAll(%q), r => r.cells[%d].getAttribute("data-s") || r.cells[%d].textContent)`,
			table+" tbody tr:not([hidden])", col, col))
	}
	if got := rows(1); !slices.Equal(got, s.Times) {
		t.Errorf("%s: rows before sorting %v, want time order %v", s.ID, got, s.Times)
	}
	// Time is sorted ascending: a click sorts it descending.
	if err := chromedp.Do(ctx, chromedp.Click(table+" thead th:nth-child(2)")); err != nil {
		t.Fatal(err)
	}
	desc := slices.Clone(s.Times)
	slices.Sort(desc)
	slices.Reverse(desc)
	if got := rows(1); !slices.Equal(got, desc) {
		t.Errorf("%s: after a click on Time: %v, want %v", s.ID, got, desc)
	}
	if err := chromedp.Do(ctx, chromedp.Click(table+" thead th:nth-child(1)")); err != nil {
		t.Fatal(err)
	}
	ids := slices.Clone(s.Attempts)
	slices.Sort(ids)
	if got := rows(0); !slices.Equal(got, ids) {
		t.Errorf("%s: after a click on TrackingId: %v, want %v", s.ID, got, ids)
	}
	// Filter by one TrackingId, typed.
	filter := `.filter[data-for="` + s.ID + `-attempts"]`
	tid := s.Attempts[len(s.Attempts)/2]
	if err := chromedp.Do(ctx, chromedp.SendKeys(filter+" input.q", tid)); err != nil {
		t.Fatal(err)
	}
	if got := rows(0); !slices.Equal(got, []string{tid}) {
		t.Errorf("%s: filter %q shows %v", s.ID, tid, got)
	}
	// Clear it and pick the failures.
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const f = document.querySelector(%q);
		const q = f.querySelector("input.q"); q.value = ""; q.dispatchEvent(new Event("input"));
		const o = f.querySelector("select.oc"); o.value = "failure"; o.dispatchEvent(new Event("change")); return true })()`, filter))
	if got := len(rows(0)); got != s.Failures {
		t.Errorf("%s: outcome filter shows %d failures, want %d", s.ID, got, s.Failures)
	}
	if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent`, filter+" .shown")); got != fmt.Sprintf("%d of %d shown", s.Failures, len(s.Attempts)) {
		t.Errorf("%s: count says %q", s.ID, got)
	}
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const o = document.querySelector(%q); o.value = ""; o.dispatchEvent(new Event("change")); return true })()`, filter+" select.oc"))
	// Copy a TrackingId: the clipboard, or else the selection, holds it.
	btn := fmt.Sprintf(`%s button.copy[data-tid="%s"]`, table, tid)
	if err := chromedp.Do(ctx, chromedp.Click(btn)); err != nil {
		t.Fatal(err)
	}
	copied, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelector(%q).textContent === "copied" || window.getSelection().toString() === %q`, btn, tid),
		chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil || !copied {
		t.Errorf("%s: copy of %s: %v", s.ID, tid, err)
	}
}

// checkHostile checks that the hostile names and message are shown as
// text and that no markup of theirs became an element.
func checkHostile(t *testing.T, ctx context.Context) {
	t.Helper()
	if n := eval[int](t, ctx, `document.querySelectorAll("img, iframe, object, embed").length`); n != 0 {
		t.Errorf("the page has %d img/iframe/object elements", n)
	}
	if n := eval[int](t, ctx, `document.scripts.length`); n != 1 {
		t.Errorf("the page has %d scripts, want its own only", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("[onerror], [onload], [onclick]").length`); n != 0 {
		t.Errorf("the page has %d elements with event handler attributes", n)
	}
	text := eval[string](t, ctx, `document.body.textContent`)
	for _, s := range []string{scenario.HostileScriptUPN, scenario.HostileImgUPN, scenario.HostileMessage} {
		if !strings.Contains(text, s) {
			t.Errorf("the page does not show %q as text", s)
		}
	}
	users := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("table.att td.user"), e => e.textContent)`)
	for _, u := range []string{scenario.HostileScriptUPN, scenario.HostileImgUPN} {
		if !slices.Contains(users, u) {
			t.Errorf("the attempts table does not show the user %q: %q", u, users)
		}
	}
}

// mediaBox matches a page's size in a PDF (points).
var mediaBox = regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]`)

// checkPrint prints the page with the page size of its CSS: every page is
// A4 (595 × 842 points), and printing hides the controls and fits the
// timeline to the page.
func checkPrint(t *testing.T, ctx context.Context) {
	t.Helper()
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatal(err)
	}
	pages := mediaBox.FindAllSubmatch(pdf, -1)
	if len(pages) == 0 {
		t.Fatalf("print: no page in the PDF (%d bytes)", len(pdf))
	}
	for _, m := range pages {
		w, _ := strconv.ParseFloat(string(m[1]), 64)
		h, _ := strconv.ParseFloat(string(m[2]), 64)
		if math.Abs(w-595.3) > 2 || math.Abs(h-841.9) > 2 {
			t.Errorf("print: page of %.1f × %.1f points, want A4 (595.3 × 841.9)", w, h)
			break
		}
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	hidden := eval[bool](t, ctx, `Array.from(document.querySelectorAll(".zoom, .filter, button.copy")).every(e => getComputedStyle(e).display === "none")`)
	if !hidden {
		t.Errorf("print: zoom, filter or copy controls are shown")
	}
	fits := eval[bool](t, ctx, `Array.from(document.querySelectorAll("svg.tl")).every(s => s.getBoundingClientRect().width <= s.parentElement.getBoundingClientRect().width + 1)`)
	if !fits {
		t.Errorf("print: a timeline is wider than its frame")
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
}
