package report_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evtxscan/evtxscan/report"
	"github.com/evtxscan/evtxscan/scan"
)

// Analyse a fixture (every reset fails: the users are not in scope of a
// sync rule with password sync) and print the start of its text report at
// 80 columns.
func ExampleText() {
	in := filepath.Join("..", "testdata", "evtx", "seed000-sync-rule.evtx")
	rep, err := scan.Analyze(context.Background(), []string{in}, scan.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var buf bytes.Buffer
	if err := report.Text(&buf, rep, report.TextOptions{Width: 80}); err != nil {
		fmt.Println(err)
		return
	}
	sc := bufio.NewScanner(&buf)
	for i := 0; i < 5 && sc.Scan(); i++ {
		fmt.Println(sc.Text())
	}
	// Output:
	// seed000-sync-rule · 1 file, 199 records · 2024-03-18 08:00 → 10:55 UTC
	//
	// VERDICT Password writeback is failing: 7 of 7 attempts failed. Main cause:
	//         Password sync rule missing or disabled: no writeback target
	//         (sync-rule-password-sync-missing).
}

// Write the HTML report of a fixture to a file, one page with no outside
// reference.
func ExampleHTML() {
	in := filepath.Join("..", "testdata", "evtx", "servicebus-outage.evtx")
	rep, err := scan.Analyze(context.Background(), []string{in}, scan.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := os.CreateTemp("", "report-*.html")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.Remove(f.Name())
	if err := report.HTML(f, rep); err != nil {
		fmt.Println(err)
		return
	}
	f.Close()
	page, _ := os.ReadFile(f.Name())
	fmt.Println(strings.Contains(string(page), `content="default-src &#39;none&#39;`))
	fmt.Println(rep.Verdict)
	// Output:
	// true
	// Password writeback has a problem: Service Bus or password reset service unreachable (servicebus-unreachable).
}
