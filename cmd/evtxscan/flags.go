package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/spf13/pflag"

	"github.com/evtxscan/evtxscan/input"
	"github.com/evtxscan/evtxscan/scan"
)

// readFlags are the flags of every command that reads logs.
type readFlags struct {
	scan.ReadOptions
}

func (rf *readFlags) register(fs *pflag.FlagSet) {
	d := input.DefaultLimits()
	rf.Limits = d
	fs.BoolVar(&rf.All, "all", false, "keep every event, not only the writeback sources (PasswordResetService, ADSync, Directory Synchronization)")
	fs.IntVar(&rf.Workers, "workers", runtime.GOMAXPROCS(0), "goroutines decoding chunks of one file")
	fs.IntVar(&rf.Limits.MaxDepth, "max-depth", d.MaxDepth, "how deeply zips may nest")
	fs.IntVar(&rf.Limits.MaxEntries, "max-entries", d.MaxEntries, "most entries read from one zip, nested ones included")
	fs.Int64Var(&rf.Limits.MaxTotalBytes, "max-total-bytes", d.MaxTotalBytes, "most bytes inflated from one zip")
	fs.Float64Var(&rf.Limits.MaxRatio, "max-ratio", d.MaxRatio, "highest compression ratio accepted for a zip entry")
	fs.Int64Var(&rf.Limits.MaxNestedZipBytes, "max-nested-bytes", d.MaxNestedZipBytes, "largest zip nested in a zip (held in memory to be read)")
}

// readStatus is the exit status of a command that read res: fatal when no
// EVTX file could be read at all, damaged when anything was damaged or
// unreadable, else clean.
func readStatus(stderr io.Writer, cmd string, res *scan.ReadSummary) int {
	if res == nil || len(res.Files) == 0 {
		fmt.Fprintf(stderr, "evtxscan %s: no EVTX file could be read from the inputs\n", cmd)
		return exitFatal
	}
	if res.Damaged() {
		return exitDamaged
	}
	return exitOK
}
