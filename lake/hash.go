package lake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/evtxscan/evtxscan/internal/bucket"
)

// ContentHash returns the SHA-256, in hex, of the content of the inputs
// in paths: for each path in order, and for a folder each regular file
// under it (symbolic links followed, each folder once) in byte-wise order
// of its path relative to the folder, the hash takes the index of the
// path, the relative path ("" for a path that is a file), the size and the
// bytes of the file. Names of the inputs themselves and modification times
// do not count: an input copied or renamed has the same hash, and an
// input whose bytes changed has another. A bucket URL is hashed like a
// folder, its objects' keys below the prefix as relative paths (so it
// hashes like the same files in a local folder); its bytes are read for it.
func ContentHash(ctx context.Context, paths []string) (string, error) {
	h := sha256.New()
	io.WriteString(h, "evtxscan-content/1\x00")
	for i, p := range paths {
		if bucket.IsURL(p) {
			if err := hashBucket(ctx, h, i, p); err != nil {
				return "", err
			}
			continue
		}
		files, err := listFiles(p)
		if err != nil {
			return "", err
		}
		for _, f := range files {
			if err := hashFile(ctx, h, i, f); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// PartID returns the part id of a tenant's input: the first 8 bytes, in
// hex, of SHA-256("evtxscan-part/1", tenant, contentHash). Equal inputs of
// one tenant get the same id on every run, so a rerun replaces its own
// files; two tenants never share an id, even with equal inputs.
func PartID(tenant, contentHash string) string {
	s := sha256.Sum256([]byte("evtxscan-part/1\x00" + tenant + "\x00" + contentHash))
	return hex.EncodeToString(s[:8])
}

type fileRef struct {
	rel, abs string
}

// listFiles lists the regular files of an input: itself, or the files
// under a folder, sorted by relative path.
func listFiles(root string) ([]fileRef, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("lake: hashing input: %w", err)
	}
	if !fi.IsDir() {
		return []fileRef{{"", root}}, nil
	}
	var out []fileRef
	var seen []os.FileInfo
	var walk func(abs, rel string, fi os.FileInfo) error
	walk = func(abs, rel string, fi os.FileInfo) error {
		for _, s := range seen {
			if os.SameFile(s, fi) {
				return nil // a loop, or a folder reached twice
			}
		}
		seen = append(seen, fi)
		ents, err := os.ReadDir(abs)
		if err != nil {
			return fmt.Errorf("lake: hashing input: %w", err)
		}
		for _, e := range ents {
			a := filepath.Join(abs, e.Name())
			r := path.Join(rel, e.Name())
			efi, err := os.Stat(a) // follows links
			if err != nil {
				continue // a dangling link: not part of the content
			}
			switch {
			case efi.IsDir():
				if err := walk(a, r, efi); err != nil {
					return err
				}
			case efi.Mode().IsRegular():
				out = append(out, fileRef{r, a})
			}
		}
		return nil
	}
	if err := walk(root, "", fi); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b fileRef) int {
		switch {
		case a.rel < b.rel:
			return -1
		case a.rel > b.rel:
			return 1
		}
		return 0
	})
	return out, nil
}

func hashFile(ctx context.Context, h hash.Hash, index int, f fileRef) error {
	file, err := os.Open(f.abs)
	if err != nil {
		return fmt.Errorf("lake: hashing input: %w", err)
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return fmt.Errorf("lake: hashing input: %w", err)
	}
	io.WriteString(h, strconv.Itoa(index)+"\x00"+f.rel+"\x00"+strconv.FormatInt(fi.Size(), 10)+"\x00")
	buf := make([]byte, 256<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := file.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("lake: hashing %s: %w", f.abs, err)
		}
	}
}

// hashBucket hashes the objects under the bucket URL loc like the files
// of a folder.
func hashBucket(ctx context.Context, h hash.Hash, index int, loc string) error {
	b, err := bucket.Open(ctx, loc)
	if err != nil {
		return fmt.Errorf("lake: hashing input: %w", err)
	}
	defer b.Close()
	objs, err := b.List(ctx, "")
	if err != nil {
		return fmt.Errorf("lake: hashing %s: %w", bucket.Redact(loc), err)
	}
	for _, obj := range objs {
		k := obj.Key
		r, err := b.NewReader(ctx, k)
		if err != nil {
			return fmt.Errorf("lake: hashing %s/%s: %w", bucket.Redact(loc), k, err)
		}
		io.WriteString(h, strconv.Itoa(index)+"\x00"+k+"\x00"+strconv.FormatInt(obj.Size, 10)+"\x00")
		_, err = io.Copy(h, r) // the reader checks ctx
		r.Close()
		if err != nil {
			return fmt.Errorf("lake: hashing %s/%s: %w", bucket.Redact(loc), k, err)
		}
	}
	return nil
}
