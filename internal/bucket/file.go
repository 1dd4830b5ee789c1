package bucket

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// openFile opens file:///folder as a bucket: its keys are the paths of
// its files below the folder, with "/". The options gocloud.dev's fileblob
// took (metadata, create_dir, no_tmp_dir) are accepted and have no
// effect: nothing here writes attributes beside the files.
func openFile(l location) (Bucket, error) {
	if err := onlyOptions(l.query, "metadata", "create_dir", "no_tmp_dir"); err != nil {
		return nil, err
	}
	p := l.path
	if runtime.GOOS == "windows" && len(p) > 2 && p[0] == '/' && p[2] == ':' {
		p = p[1:]
	}
	dir := filepath.FromSlash(p)
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, errors.New(dir + " is not a folder")
	}
	return &fileBucket{dir: dir}, nil
}

type fileBucket struct{ dir string }

func (b *fileBucket) abs(key string) string { return filepath.Join(b.dir, filepath.FromSlash(key)) }

func (b *fileBucket) Close() error { return nil }

// List walks the folder (not following links to folders) in key order.
func (b *fileBucket) List(ctx context.Context, prefix string) ([]Object, error) {
	var out []Object
	err := filepath.WalkDir(b.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(b.dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()})
		return nil
	})
	sortObjects(out)
	return out, err
}

func (b *fileBucket) NewReader(_ context.Context, key string) (io.ReadCloser, error) {
	return os.Open(b.abs(key))
}

func (b *fileBucket) ReadAll(_ context.Context, key string) ([]byte, error) {
	return os.ReadFile(b.abs(key))
}

func (b *fileBucket) WriteAll(ctx context.Context, key string, data []byte, _ string) error {
	w, err := b.NewWriter(ctx, key, "", 0)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}

// NewWriter writes a temporary file beside the key's, renamed into place
// by Close.
func (b *fileBucket) NewWriter(_ context.Context, key, _ string, _ int) (Writer, error) {
	p := b.abs(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".*.tmp")
	if err != nil {
		return nil, err
	}
	return &fileWriter{f: f, final: p}, nil
}

type fileWriter struct {
	f     *os.File
	final string
}

func (w *fileWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

func (w *fileWriter) Close() error {
	err := w.f.Close()
	if err == nil {
		err = os.Rename(w.f.Name(), w.final)
	}
	if err != nil {
		os.Remove(w.f.Name())
	}
	return err
}

func (w *fileWriter) Abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

func (b *fileBucket) Copy(ctx context.Context, dst, src string) error {
	data, err := b.ReadAll(ctx, src)
	if err != nil {
		return err
	}
	return b.WriteAll(ctx, dst, data, "")
}

func (b *fileBucket) Delete(_ context.Context, key string) error {
	return os.Remove(b.abs(key))
}
