package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/evtxscan/evtxscan/input"
	"github.com/evtxscan/evtxscan/internal/safeterm"
	"github.com/evtxscan/evtxscan/scan"
)

// maxWorkers bounds --workers and --jobs.
const maxWorkers = 256

// readFlags are the flags of every command that reads logs.
type readFlags struct {
	scan.ReadOptions
}

func (rf *readFlags) register(fs *pflag.FlagSet) {
	d := input.DefaultLimits()
	rf.Limits = d
	fs.BoolVar(&rf.All, "all", false, "keep every event, not only the writeback sources (PasswordResetService, ADSync, Directory Synchronization)")
	fs.IntVar(&rf.Workers, "workers", min(runtime.GOMAXPROCS(0), maxWorkers), "goroutines decoding chunks of one file (1 to 256)")
	fs.IntVar(&rf.Limits.MaxDepth, "max-depth", d.MaxDepth, "how deeply zips may nest")
	fs.IntVar(&rf.Limits.MaxEntries, "max-entries", d.MaxEntries, "most entries read from one zip, nested ones included")
	fs.Int64Var(&rf.Limits.MaxTotalBytes, "max-total-bytes", d.MaxTotalBytes, "most bytes inflated from one zip")
	fs.Float64Var(&rf.Limits.MaxRatio, "max-ratio", d.MaxRatio, "highest compression ratio accepted for a zip entry")
	fs.Int64Var(&rf.Limits.MaxNestedZipBytes, "max-nested-bytes", d.MaxNestedZipBytes, "largest zip nested in a zip, or read from standard input (held in memory to be read)")
}

// restrictRead validates the values of the read flags of c.
func restrictRead(c *cobra.Command) {
	restrictRange(c, "workers", 1, maxWorkers)
	restrictRange(c, "max-depth", 1, 64)
	restrictRange(c, "max-entries", 1, 1<<30)
}

// readStatus is the exit status of a command that read res: fatal when no
// EVTX file could be read at all, damaged when anything was damaged,
// unreadable or an archive that is not read (each such archive is named on
// stderr), else clean.
func readStatus(stderr io.Writer, cmd string, res *scan.ReadSummary) int {
	if res == nil {
		fmt.Fprintf(stderr, "evtxscan %s: no EVTX file could be read from the inputs\n", cmd)
		return exitFatal
	}
	unread := 0
	for _, s := range res.Skipped {
		if s.UnsupportedArchive() {
			fmt.Fprintf(stderr, "evtxscan %s: not read: %s (%s; extract it and name the .evtx files)\n", cmd, safeterm.String(s.Path), safeterm.String(archiveKind(s.Reason)))
			unread++
		}
	}
	if len(res.Files) == 0 {
		fmt.Fprintf(stderr, "evtxscan %s: no EVTX file could be read from the inputs\n", cmd)
		if unread > 0 {
			return exitDamaged
		}
		return exitFatal
	}
	if res.Damaged() || unread > 0 {
		return exitDamaged
	}
	return exitOK
}

// archiveKind is "7z: unsupported archive" out of "not EVTX (7z: unsupported archive)".
func archiveKind(reason string) string {
	const prefix = "not EVTX ("
	if len(reason) > len(prefix)+1 && reason[:len(prefix)] == prefix {
		return reason[len(prefix) : len(reason)-1]
	}
	return reason
}

// pathMessage is the message of an error about a path already named: the
// reason of an *fs.PathError alone, without the system call.
func pathMessage(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return safeterm.String(pe.Err.Error())
	}
	return userMessage(err)
}
