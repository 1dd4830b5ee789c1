package main

// Placeholder until the catalog lands; replaced by the catalog work.

import (
	"context"
	"fmt"
	"io"
)

func runExplain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "evtxscan explain: not built yet")
	return exitFatal
}

func runCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "evtxscan catalog: not built yet")
	return exitFatal
}
