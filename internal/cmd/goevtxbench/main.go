// Command goevtxbench reads an EVTX file with golang-evtx's FastEvents, the
// comparison point of bench/scan.sh. It prints the number of events and the
// time taken.
//
//	go run ./internal/cmd/goevtxbench [-dirty] FILE
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	evtx "github.com/0xrawsec/golang-evtx/evtx"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("goevtxbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dirty := fs.Bool("dirty", false, "open with OpenDirty (repairs the header of a file not closed cleanly)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: goevtxbench [-dirty] FILE")
		return 2
	}
	start := time.Now()
	open := evtx.Open
	if *dirty {
		open = evtx.OpenDirty
	}
	ef, err := open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "goevtxbench:", err)
		return 1
	}
	defer ef.Close()
	n := 0
	for range ef.FastEvents() {
		n++
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "%d events in %.3fs\n", n, el.Seconds())
	return 0
}
