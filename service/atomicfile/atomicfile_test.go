package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name     string
		existing []byte // nil: no file at path before
		data     []byte
		perm     os.FileMode
	}{
		{"new file", nil, []byte(`{"listen":"127.0.0.1:1"}`), 0o600},
		{"replaces a file", []byte("old content, longer than the new"), []byte("new"), 0o644},
		{"empty data", []byte("old"), []byte{}, 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "addr.json")
			if tt.existing != nil {
				if err := os.WriteFile(path, tt.existing, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := Write(path, tt.data, tt.perm); err != nil {
				t.Fatalf("Write: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != string(tt.data) {
				t.Errorf("content = %q, %v; want %q", got, err, tt.data)
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != tt.perm {
				t.Errorf("mode = %v, %v; want %v", fi.Mode().Perm(), err, tt.perm)
			}
			assertOnly(t, dir, "addr.json")
		})
	}
}

func TestWriteFailureLeavesNoTemporaryFile(t *testing.T) {
	tests := []struct {
		name string
		path func(dir string) string
	}{
		{"missing directory", func(dir string) string { return filepath.Join(dir, "missing", "f") }},
		// Renaming a file over a directory fails after the temporary file was written.
		{"path is a directory", func(dir string) string {
			p := filepath.Join(dir, "sub")
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
			return p
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.path(dir)
			if err := Write(path, []byte("data"), 0o600); err == nil {
				t.Fatal("Write succeeded, want an error")
			}
			var keep []string
			if fi, err := os.Stat(path); err == nil && fi.IsDir() {
				keep = append(keep, filepath.Base(path))
			}
			assertOnly(t, dir, keep...)
		})
	}
}

func TestWriteFunc(t *testing.T) {
	errWrite := errors.New("generator failed")
	tests := []struct {
		name    string
		write   func(io.Writer) error
		want    string // content of path afterwards
		wantErr error
	}{
		{"streamed in parts", func(w io.Writer) error {
			for _, part := range []string{"a", "b", "c"} {
				if _, err := io.WriteString(w, part); err != nil {
					return err
				}
			}
			return nil
		}, "abc", nil},
		{"writer fails: old file kept", func(w io.Writer) error {
			io.WriteString(w, "partial")
			return errWrite
		}, "old", errWrite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "topo.yaml")
			if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := WriteFunc(path, 0o600, tt.write); !errors.Is(err, tt.wantErr) {
				t.Fatalf("WriteFunc = %v, want %v", err, tt.wantErr)
			}
			if got, err := os.ReadFile(path); err != nil || string(got) != tt.want {
				t.Errorf("content = %q, %v; want %q", got, err, tt.want)
			}
			assertOnly(t, dir, "topo.yaml")
		})
	}
}

func TestWriteReadOnlyDirectory(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs a directory the user cannot write to")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if err := Write(filepath.Join(dir, "f"), []byte("data"), 0o600); err == nil {
		t.Fatal("Write succeeded in a read-only directory")
	}
	assertOnly(t, dir)
}

// assertOnly fails unless dir holds exactly the names given.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("directory holds %q, want %q", got, names)
	}
	for i := range got {
		if got[i] != names[i] {
			t.Fatalf("directory holds %q, want %q", got, names)
		}
	}
}
