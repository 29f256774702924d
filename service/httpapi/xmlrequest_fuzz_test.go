package httpapi

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/emconnector/emconnector/service"
)

// fuzzSeeds is the top-level seed directory (testdata/fuzz/README.md).
var fuzzSeeds = filepath.Join("..", "..", "testdata", "fuzz")

// seedLines adds every line of the seed file name as one input.
func seedLines(f *testing.F, name string) {
	f.Helper()
	data, err := os.ReadFile(filepath.Join(fuzzSeeds, name))
	if err != nil {
		f.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		f.Add(strings.TrimSuffix(line, "\n"))
	}
}

// seedFiles adds every file of the seed directory dir as one input.
func seedFiles(f *testing.F, dir string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join(fuzzSeeds, dir, "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in %s: %v", dir, err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
}

// escapeText is s as XML character data.
func escapeText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s)) // writes to a bytes.Buffer never fail
	return b.String()
}

// reencode writes m as a fresh <request>, every value escaped.
func reencode(m requestMessage) string {
	var b strings.Builder
	b.WriteString("<request><appID>" + escapeText(m.cred.AppID) + "</appID><appCertificate>" + escapeText(m.cred.AppCertificate) + "</appCertificate>")
	for _, o := range m.options {
		b.WriteString("<" + o.Name + ">" + escapeText(o.Value) + "</" + o.Name + ">")
	}
	b.WriteString("</request>")
	return b.String()
}

// FuzzParseRequestXML: the `xml` parameter decoder never panics, fails only
// with 1006 and never quotes the input; what it accepts, re-encoded, decodes
// to the same values; and its allocations grow linearly with the input.
func FuzzParseRequestXML(f *testing.F) {
	seedFiles(f, "requestxml")
	f.Fuzz(func(t *testing.T, raw string) {
		m, err := parseRequestXML(raw)
		if err != nil {
			var e *service.Error
			if !errors.As(err, &e) || e.Code != service.CodeMalformedXML {
				t.Fatalf("error %v, want code 1006", err)
			}
			if len(raw) > 8 && strings.Contains(e.Text, raw) {
				t.Fatalf("error text %q quotes the input", e.Text)
			}
		} else {
			again, err := parseRequestXML(reencode(m))
			if err != nil {
				t.Fatalf("re-encoded %q refused: %v", reencode(m), err)
			}
			if again.cred != m.cred || !equalFields(again.options, m.options) {
				t.Fatalf("round trip changed the message: %+v, then %+v", m, again)
			}
		}
		expectLinearAllocs(t, raw)
	})
}

func equalFields(a, b []service.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// expectLinearAllocs embeds unit k and 2k times in a request (as a deep
// nest and as siblings) and checks the bytes parseRequestXML allocates at
// most double, with slack: a cost per token that grows with the input (e.g.
// with the nesting depth) would make them quadruple. Allocations stand in for
// time because they are exact where wall time on a shared machine is not.
func expectLinearAllocs(t *testing.T, unit string) {
	t.Helper()
	if unit == "" || len(unit) > 256 {
		return
	}
	k := 4096 / len(unit)
	for _, build := range []func(n int) string{
		func(n int) string { return "<request>" + strings.Repeat(unit, n) + "</request>" },
		func(n int) string {
			return "<request>" + strings.Repeat("<x>"+unit, n) + strings.Repeat("</x>", n) + "</request>"
		},
	} {
		small, large := allocBytes(build(k)), allocBytes(build(2*k))
		if large > 2*small+64<<10 {
			t.Fatalf("allocations not linear in the input: %d bytes for %d copies of %q, %d bytes for %d", small, k, unit, large, 2*k)
		}
	}
}

// allocBytes is what one parseRequestXML of doc allocates.
func allocBytes(doc string) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _ = parseRequestXML(doc)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// FuzzFormValue: formValue never panics and agrees with url.ParseQuery
// once ';' is made data (Go's parser would refuse it as a separator): the
// same forms are unreadable, and the value found is ParseQuery's first.
func FuzzFormValue(f *testing.F) {
	seedLines(f, "forms.txt")
	f.Fuzz(func(t *testing.T, form string) {
		v, found, err := formValue(form, "xml")
		q, qerr := url.ParseQuery(strings.ReplaceAll(form, ";", "%3B"))
		if (err != nil) != (qerr != nil) {
			t.Fatalf("formValue(%q) error %v, url.ParseQuery error %v", form, err, qerr)
		}
		if err != nil {
			if found || v != "" {
				t.Fatalf("error %v with a value %q", err, v)
			}
			return
		}
		want, ok := q["xml"]
		if found != ok || (ok && v != want[0]) {
			t.Fatalf("formValue(%q) = %q, %v; url.ParseQuery found %q", form, v, found, want)
		}
	})
}

// TestParseRequestXMLLinear runs the allocation check on the shapes that cost
// most per byte: deep nesting, many siblings, attributes, entity references,
// comments, long text.
func TestParseRequestXMLLinear(t *testing.T) {
	for _, unit := range []string{"<x>", "<x/>", `<x a="1" b="2" c="3"/>`, "&amp;&lt;", "<!--c-->", "text", "<appID>", `<x xmlns:a="u"/>`} {
		expectLinearAllocs(t, unit)
	}
}
