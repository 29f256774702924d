package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: the configuration loader never panics, and every problem Parse
// or Validate reports names a key.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/config/*.yaml", "testdata/fuzz/config/*.yaml"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "..", filepath.FromSlash(pattern)))
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if cfg == nil {
			if err == nil {
				t.Fatal("no configuration and no error")
			}
			return
		}
		expectKeys(t, err)
		expectKeys(t, cfg.Validate())
	})
}

func expectKeys(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ps Problems
	if !errors.As(err, &ps) || len(ps) == 0 {
		t.Fatalf("error %v is not a list of problems", err)
	}
	for _, p := range ps {
		if p.Key == "" {
			t.Fatalf("problem without a key: %v", p)
		}
	}
}
