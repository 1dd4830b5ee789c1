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
// the NDJSON encoder, and scan --format json, reading to writing. With
// -cpuprofile it gives the profile of a command as a user runs it.
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
		} {
			b.Run(fmt.Sprintf("%s/workers=%s", args[0], w), func(b *testing.B) {
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
