package scan_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/evtxscan/evtxscan/scan"
)

// Analyse a fixture of the repository (the case of a disabled sync rule)
// and print its verdict and the cause of its first finding.
func ExampleAnalyze() {
	in := filepath.Join("..", "testdata", "evtx", "seed000-sync-rule.evtx")
	rep, err := scan.Analyze(context.Background(), []string{in}, scan.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Tenants[0].Name)
	fmt.Println(rep.Verdict)
	fmt.Println(rep.Findings[0].Cause)
	// Output:
	// seed000-sync-rule
	// Password writeback is failing: 7 of 7 attempts failed. Main cause: Password sync rule missing or disabled: no writeback target (sync-rule-password-sync-missing).
	// sync-rule-password-sync-missing
}
