// Command crc32 is the floor bench/speed.sh measures evtxscan against: it
// reads every file under its arguments and computes their CRC-32. A zip's
// entries are inflated in process by internal/inflate, the inflater (and
// read buffer) evtxscan's input package registers on every zip it reads,
// so that the floor moves with evtxscan's own inflation and a ratio to it
// measures what evtxscan does beyond inflating.
package main

import (
	"archive/zip"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/evtxscan/evtxscan/internal/inflate"
)

func main() {
	h := crc32.NewIEEE()
	var n int64
	sum := func(r io.Reader) {
		k, err := io.Copy(h, r)
		n += k
		if err != nil {
			fmt.Fprintln(os.Stderr, "crc32:", err)
			os.Exit(1)
		}
	}
	for _, arg := range os.Args[1:] {
		err := filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if strings.HasSuffix(p, ".zip") {
				z, err := zip.OpenReader(p)
				if err != nil {
					return err
				}
				defer z.Close()
				inflate.Register(&z.Reader)
				for _, f := range z.File {
					rc, err := f.Open()
					if err != nil {
						return err
					}
					sum(rc)
					rc.Close()
				}
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			sum(f)
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "crc32:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("%08x %d bytes\n", h.Sum32(), n)
}
