package topology

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// seedTopologies adds the bundled topologies and the fuzz seeds (testdata/fuzz/topology).
func seedTopologies(f *testing.F) {
	f.Helper()
	for _, pattern := range []string{"testdata/topology/*.yaml", "testdata/fuzz/topology/*.yaml"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", filepath.FromSlash(pattern)))
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	var gen bytes.Buffer
	if err := Generate(&gen, GenOptions{Devices: 6, Users: 4, Clusters: 2}); err != nil {
		f.Fatal(err)
	}
	f.Add(gen.Bytes())
}

// FuzzParse: the topology loader never panics, and every problem it reports
// is an *Error naming the file and a line inside it.
func FuzzParse(f *testing.F) {
	seedTopologies(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		topo, err := Parse("t.yaml", data)
		if err == nil {
			if topo == nil || len(topo.Clusters) == 0 {
				t.Fatalf("accepted without clusters: %+v", topo)
			}
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range unjoin(err) {
			var te *Error
			if !errors.As(e, &te) {
				continue // the "stopped after N problems" note
			}
			if te.File != "t.yaml" || te.Line < 1 || te.Line > lines {
				t.Fatalf("problem %v is not on a line of the %d-line file", te, lines)
			}
		}
	})
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// FuzzCompactDoc: whatever the compact reader accepts, yaml.v3 accepts too
// and decodes to the same entries (assertSameAsYAML).
func FuzzCompactDoc(f *testing.F) {
	seedTopologies(f)
	f.Add([]byte("---\ncluster: EU\nprofiles:\n  - true\n  - 0x10\n"))
	f.Add([]byte("---\ncluster: LAB\nusers:\n    - [user.name@example.com, \"1\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range splitDocuments(data)[1:] {
			if x, ok := decodeCompactDoc(c); ok {
				assertSameAsYAML(t, c, x)
			}
		}
	})
}
