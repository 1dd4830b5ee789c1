package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
)

// BenchmarkCommand runs whole commands on $EVTXSCAN_BENCH_FILE (a log of
// internal/cmd/genlog, say), output thrown away: dump --all, the path of
// the NDJSON encoder, scan --format json, reading to writing, and (as
// "text") scan with its text report. With -cpuprofile it gives the
// profile of a command as a user runs it.
func BenchmarkCommand(b *testing.B) {
	path := os.Getenv("EVTXSCAN_BENCH_FILE")
	if path == "" {
		b.Skip("EVTXSCAN_BENCH_FILE not set")
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []string{"1", "2"} {
		for _, args := range [][]string{
			{"dump", "--all", "--workers", w, path},
			{"scan", "--format", "json", "--workers", w, path},
			{"scan", "--format", "text", "--workers", w, path},
		} {
			name := args[0]
			if args[0] == "scan" && args[2] == "text" {
				name = "text" // not matched by "scan", as the JSON run is
			}
			b.Run(fmt.Sprintf("%s/workers=%s", name, w), func(b *testing.B) {
				b.SetBytes(fi.Size())
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if code := run(context.Background(), args, io.Discard, io.Discard); code != exitOK {
						b.Fatalf("%v: exit %d", args, code)
					}
				}
			})
		}
	}
}
