// Package atomicfile replaces a file's content in one step: a reader sees the old file or
// the new one, never a partial write (address files polled by tests and scripts, generated
// topologies, results).
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write writes data to path with permissions perm through a temporary file in the same
// directory (so the rename stays on one file system): write, sync, close, then rename over
// path. On any failure the temporary file is removed and path is left as it was.
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteFunc(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFunc is Write for content streamed by write, which need not fit in memory; an error
// from write is returned as it is, with path left as it was.
func WriteFunc(path string, perm os.FileMode, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
