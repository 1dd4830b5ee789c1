// Package atomicfile writes a file so that readers see either its old
// content or the whole new one, never a torn file: the data goes to a
// temporary file in the same directory, which is synced to disk and then
// renamed over the target. On any error, or when the writer is closed
// without Commit, the temporary file is removed and the target is left as
// it was.
//
//	f, err := atomicfile.Create("report.json", 0o644)
//	if err != nil {
//		return err
//	}
//	defer f.Close() // removes the temporary file unless committed
//	if err := write(f); err != nil {
//		return err
//	}
//	return f.Commit()
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A File is a temporary file that becomes name on Commit.
type File struct {
	*os.File
	name string
	perm fs.FileMode
	done bool
}

// Create starts writing name: it creates a temporary file beside it. perm
// is the mode the file gets on Commit, as given (the umask does not apply:
// reading it would change it for the whole process for a moment).
func Create(name string, perm fs.FileMode) (*File, error) {
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &File{File: tmp, name: name, perm: perm}, nil
}

// Commit syncs the data to disk and renames the temporary file to the
// target name. After an error the temporary file is gone and the target
// is unchanged.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s: already closed", f.name)
	}
	f.done = true
	tmp := f.File.Name()
	err := f.File.Chmod(f.perm)
	if err == nil {
		err = f.File.Sync()
	}
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, f.name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: %s: %w", f.name, err)
	}
	syncDir(filepath.Dir(f.name))
	return nil
}

// Close abandons the file unless it was committed: the temporary file is
// removed, the target left as it was. It is safe to call after Commit.
func (f *File) Close() error {
	if f.done {
		return nil
	}
	f.done = true
	err := f.File.Close()
	if rerr := os.Remove(f.File.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
		err = rerr
	}
	return err
}

// WriteFile writes data to name atomically, as os.WriteFile writes it.
func WriteFile(name string, data []byte, perm fs.FileMode) error {
	f, err := Create(name, perm)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// syncDir syncs a directory so that a rename in it survives a crash; it is
// best effort (not every system can sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
