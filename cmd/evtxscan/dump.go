package main

// Placeholder until the its work lands.

import (
	"context"
	"fmt"
	"io"
)

func runDump(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "evtxscan dump: not built yet")
	return exitFatal
}
