package topology

import (
	"bytes"
	"reflect"
	"testing"
)

// TestCompactDocMatchesYAML checks that whatever decodeCompactDoc accepts decodes exactly as
// the yaml.v3 path does, and that it refuses (falls back) on everything outside its subset.
func TestCompactDocMatchesYAML(t *testing.T) {
	var gen bytes.Buffer
	if err := Generate(&gen, GenOptions{Devices: 50, Users: 30, Clusters: 3}); err != nil {
		t.Fatal(err)
	}
	chunks := splitDocuments(gen.Bytes())
	if len(chunks) < 2 {
		t.Fatalf("generated topology has %d documents, want several", len(chunks))
	}
	for i, c := range chunks[1:] {
		x, ok := decodeCompactDoc(c)
		if !ok {
			t.Fatalf("generated document %d was refused by the compact decoder", i+1)
		}
		assertSameAsYAML(t, c, x)
	}

	accepted := []string{
		"---\ncluster: EU\nprofiles:\n  - P1\n  - \"P 2\"\nusers:\n  - [U1, \"0012\", P1, \"P 2\"]\n  - [U2, 1234]\ndevices:\n  - SEP001122334455\n",
		"---\ncluster: \"US\"\n# a comment line\n\ndevices:\n- SEPAABBCCDDEEFF\n",
		"---\ncluster: LAB\nusers:\n    - [user.name@example.com, \"1\"]\n",
		"---\ncluster: EU\nprofiles:\n  - true\n  - 0x10\n",
	}
	for _, doc := range accepted {
		c := chunk{data: []byte(doc), firstLine: 40}
		x, ok := decodeCompactDoc(c)
		if !ok {
			t.Errorf("refused %q", doc)
			continue
		}
		assertSameAsYAML(t, c, x)
	}

	refused := []string{
		"---\nprofiles:\n  - P1\n",                           // no cluster
		"---\ncluster: EU\nprofiles:\n  - P1 # note\n",       // trailing comment
		"---\ncluster: EU\nprofiles:\n  - \"\"\n",            // empty name: the YAML path reports it
		"---\ncluster: EU\ndevices:\n  - null\n",             // null-like word
		"---\ncluster: EU\ndevices:\n  - {name: SEP1}\n",     // flow mapping
		"---\ncluster: EU\nusers:\n  - [U1]\n",               // user without a PIN
		"---\ncluster: EU\nusers:\n  - [U1, 'x']\n",          // single quotes
		"---\ncluster: EU\nusers:\n  - [U1, \"a\\tb\"]\n",    // escapes
		"---\ncluster: EU\ncluster: US\n",                    // repeated key
		"---\ncluster: EU\nnodes:\n  - n1\n",                 // unknown key
		"---\ncluster: EU\ndevices: []\n",                    // inline value on a list key
		"---\ncluster: EU\ndevices:\n  - SEP1\n    - SEP2\n", // ragged indentation
		"---\ncluster: EU\r\ndevices:\r\n  - SEP1\r\n",       // CR
		"---\ncluster: EU\ndevices:\n\t- SEP1\n",             // tab
		"--- !tag\ncluster: EU\n",                            // content after the marker
		"---\ncluster: EU\n  - SEP1\n",                       // item before any list
		"---\ncluster: &a EU\n",                              // anchor
	}
	for _, doc := range refused {
		if _, ok := decodeCompactDoc(chunk{data: []byte(doc), firstLine: 1}); ok {
			t.Errorf("accepted %q, want a fallback to yaml.v3", doc)
		}
	}
}

func assertSameAsYAML(t *testing.T, c chunk, got *extraDoc) {
	t.Helper()
	want := parseYAMLChunk("topology.yaml", c, false)
	if len(want.errs) > 0 {
		t.Fatalf("yaml.v3 path reports %v for a document the compact decoder accepted:\n%s", want.errs[0], c.data)
	}
	if !reflect.DeepEqual(got, want.extra) {
		t.Errorf("compact and yaml.v3 decodings differ for\n%s\ncompact: %+v\nyaml:    %+v", c.data, got, want.extra)
	}
}
