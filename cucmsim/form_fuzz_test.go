package cucmsim

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzFormValue: the Tomcat-like form reader never panics and finds what
// url.ParseQuery finds once ';' is data and the fields that are not valid
// percent-encoding are dropped (Tomcat skips them).
func FuzzFormValue(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "fuzz", "forms.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		f.Add(strings.TrimSuffix(line, "\n"))
	}
	f.Fuzz(func(t *testing.T, form string) {
		v, found := formValue(form, "xml")
		var valid []string
		for field := range strings.SplitSeq(strings.ReplaceAll(form, ";", "%3B"), "&") {
			if _, err := url.ParseQuery(field); err == nil {
				valid = append(valid, field)
			}
		}
		q, _ := url.ParseQuery(strings.Join(valid, "&"))
		want, ok := q["xml"]
		if found != ok || (ok && v != want[0]) {
			t.Fatalf("formValue(%q) = %q, %v; url.ParseQuery of the valid fields found %q", form, v, found, want)
		}
	})
}
