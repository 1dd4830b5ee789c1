package main

// Placeholder for the data-lake batch mode (issue 6); replaced by that work.

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"
)

// batchFlags are the flags of the Parquet batch mode of scan.
type batchFlags struct{}

func (bf *batchFlags) register(fs *pflag.FlagSet) {}

func runBatch(ctx context.Context, sf *scanFlags, inputs []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "evtxscan scan: --format parquet is not built yet")
	return exitFatal
}
