package cucmsim

import (
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"testing"
)

// TestConsolePresetsLoad: every preset is listed once, embedded, and a valid scenario of the
// demo topology, loaded through PUT /v1/scenario as the console sends it.
func TestConsolePresetsLoad(t *testing.T) {
	files, err := fs.Glob(consoleFiles, "console/presets/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, p := range consolePresets {
		listed = append(listed, "console/presets/"+p.File)
	}
	slices.Sort(files)
	slices.Sort(listed)
	if !slices.Equal(files, listed) {
		t.Fatalf("embedded %v, listed %v", files, listed)
	}
	h := newHarness(t)
	for _, p := range consolePresets {
		t.Run(p.File, func(t *testing.T) {
			resp, doc := consoleGet(t, h.admin+"/ui/presets/"+p.File)
			if resp.StatusCode != http.StatusOK || path.Ext(p.File) != ".json" {
				t.Fatalf("GET /ui/presets/%s: %d", p.File, resp.StatusCode)
			}
			req, _ := http.NewRequest(http.MethodPut, h.admin+"/v1/scenario", strings.NewReader(doc))
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != http.StatusNoContent {
				t.Fatalf("PUT /v1/scenario: %d", r.StatusCode)
			}
		})
	}
	t.Run("what they set", func(t *testing.T) {
		var logins []loginJSON
		h.call(t, "GET", "/v1/clusters/EU/logins", nil, &logins)
		if len(logins) != 1 || logins[0].User != "USROAM01" || !logins[0].EMCC {
			t.Errorf("after pin-roaming.json: %+v", logins)
		}
	})
}
