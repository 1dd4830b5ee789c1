// Command genlog writes a benchmark-size synthetic Application log of an
// Entra Connect server, reproducible from a seed.
//
//	go run ./internal/cmd/genlog -o /tmp/big.evtx -size 1GiB -seed 1 -writeback 0.02 [-mix entra] [-zip]
//	go run ./internal/cmd/genlog -o /tmp/open.evtx -open 1000000
//	go run ./internal/cmd/genlog -o /tmp/bad.evtx -size 1GiB -damage bad-records-crc
//
// With -zip it also writes <o>.zip holding the log.
package main

import (
	"archive/zip"
	"compress/flate"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
	"github.com/evtxscan/evtxscan/internal/scenario"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("genlog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output .evtx file (required)")
	size := fs.String("size", "100MiB", "target size: bytes, or a number with KiB, MiB, GiB (or KB, MB, GB)")
	seed := fs.Uint64("seed", 1, "random seed; equal flags give equal files")
	wb := fs.Float64("writeback", 0.02, "fraction of records belonging to password operations")
	mix := fs.String("mix", "entra", "source mix preset: entra (50% PasswordResetService, 37% ADSync, 12% Directory Synchronization, 1% other), or member (a member server: 97% other sources, 3% writeback sources)")
	zipCopy := fs.Bool("zip", false, "also write <o>.zip holding the log")
	damage := fs.String("damage", "", "damage every chunk: bad-records-crc, bad-header-crc or bad-chunk-magic (a hostile-input benchmark log)")
	open := fs.Int64("open", 0, "instead of the mix, write this many password resets that start (31001, distinct TrackingIds and UPNs) and never get a result; -size then only caps the file (default 64GiB)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "genlog: -o is required and no arguments are taken")
		fs.Usage()
		return 2
	}
	sizeSet := false
	fs.Visit(func(f *flag.Flag) { sizeSet = sizeSet || f.Name == "size" })
	if *open > 0 && !sizeSet {
		*size = "64GiB"
	}
	n, err := parseSize(*size)
	if err != nil {
		fmt.Fprintln(stderr, "genlog:", err)
		return 2
	}
	opts := scenario.LogOptions{Size: n, Seed: *seed, Writeback: *wb, Open: *open}
	if *damage != "" {
		var kind evtxwriter.DamageKind
		for _, k := range []evtxwriter.DamageKind{evtxwriter.BadRecordsCRC, evtxwriter.BadHeaderCRC, evtxwriter.BadChunkMagic} {
			if k.String() == *damage {
				kind = k
			}
		}
		if kind == 0 {
			fmt.Fprintf(stderr, "genlog: unknown -damage %q (known: bad-records-crc, bad-header-crc, bad-chunk-magic)\n", *damage)
			return 2
		}
		for c := int64(0); c <= n/evtxwriter.ChunkSize; c++ {
			opts.Writer.Damage = append(opts.Writer.Damage, evtxwriter.Damage{Chunk: int(c), Kind: kind})
		}
	}
	switch *mix {
	case "entra":
		opts.Mix = scenario.EntraMix()
	case "member":
		opts.Mix = scenario.MemberMix()
	default:
		fmt.Fprintf(stderr, "genlog: unknown -mix %q (known: entra, member)\n", *mix)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(stderr, "genlog:", err)
		return 1
	}
	st, err := scenario.GenerateLog(ctx, f, opts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(stderr, "genlog:", err)
		return 1
	}
	el := time.Since(start)
	fmt.Fprintf(stderr, "genlog: %s: %d records (%d password operations, %d failed), %d chunks, %d bytes, %s .. %s, in %v (%.0f MB/s)\n",
		*out, st.Records, st.Attempts, st.Failures, st.Chunks, st.Bytes,
		st.First.Format(time.RFC3339), st.Last.Format(time.RFC3339), el.Round(time.Millisecond), float64(st.Bytes)/1e6/el.Seconds())
	if *zipCopy {
		if err := writeZip(*out); err != nil {
			fmt.Fprintln(stderr, "genlog:", err)
			return 1
		}
		fmt.Fprintf(stderr, "genlog: wrote %s.zip\n", *out)
	}
	return 0
}

func writeZip(path string) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(path + ".zip")
	if err != nil {
		return err
	}
	zw := zip.NewWriter(out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	w, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.Base(path), Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err == nil {
		_, err = io.Copy(w, in)
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// parseSize parses "1GiB", "500MB", "65536".
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	mult := int64(1)
	num := strings.TrimSpace(s)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			mult = u.mult
			num = strings.TrimSpace(strings.TrimSuffix(num, u.suffix))
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return int64(v * float64(mult)), nil
}
