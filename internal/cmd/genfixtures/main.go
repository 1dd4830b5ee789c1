// Command genfixtures regenerates the scenario fixtures of testdata/evtx
// (the .evtx and .zip files and their .want.json expectations) from
// internal/scenario. The output is the same, byte for byte, on every run.
//
// Run it from the repository root:
//
//	go run ./internal/cmd/genfixtures
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/evtxscan/evtxscan/internal/scenario"
)

func main() {
	dir := flag.String("dir", "testdata/evtx", "directory to write the fixtures to")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "genfixtures:", err)
		os.Exit(1)
	}
	if err := scenario.WriteFixtures(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "genfixtures:", err)
		os.Exit(1)
	}
}
