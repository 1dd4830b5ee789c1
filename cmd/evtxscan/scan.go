package main

// Placeholder until the its work lands.

import (
	"context"
	"fmt"
	"io"
)

func runScan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "evtxscan scan: not built yet")
	return exitFatal
}
