package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// openAPIDoc is the part of openapi.yaml this test reads.
type openAPIDoc struct {
	OpenAPI string                               `yaml:"openapi"`
	Paths   map[string]map[string]map[string]any `yaml:"paths"`
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := yaml.Unmarshal(OpenAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Fatalf("openapi %q, want 3.0.x", doc.OpenAPI)
	}
	return doc
}

// documented returns path -> sorted upper-case methods.
func (d openAPIDoc) documented() map[string][]string {
	out := map[string][]string{}
	for p, item := range d.Paths {
		for m := range item {
			if slices.Contains(httpMethods, m) {
				out[p] = append(out[p], strings.ToUpper(m))
			}
		}
		slices.Sort(out[p])
	}
	return out
}

// openAPIPath is how a ServeMux pattern is written in OpenAPI: "{$}" (the
// exact trailing-slash match) is just the trailing slash.
func openAPIPath(pattern string) string { return strings.TrimSuffix(pattern, "{$}") }

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t).documented()
	served := map[string]bool{}
	for _, r := range Routes() {
		p := openAPIPath(r.Pattern)
		served[p] = true
		want := slices.Sorted(slices.Values(r.Methods))
		if got, ok := doc[p]; !ok {
			t.Errorf("route %s %v is not in openapi.yaml", p, want)
		} else if !slices.Equal(got, want) {
			t.Errorf("route %s: documented methods %v, served %v", p, got, want)
		}
	}
	for p := range doc {
		if !served[p] {
			t.Errorf("openapi.yaml documents %s, which is not a route", p)
		}
	}
}

func TestOpenAPIPathsAreServed(t *testing.T) {
	e := newEnv(t, true)
	sample := strings.NewReplacer("{device}", "SEP1CE6C79BAF1F", "{user}", "ALMUSER01", "{cluster}", "EU", "{pin}", "1234")
	for p, methods := range loadOpenAPI(t).documented() {
		for _, m := range methods {
			t.Run(m+" "+p, func(t *testing.T) {
				target := sample.Replace(p)
				if strings.Contains(target, "{") {
					t.Fatalf("path %s has an undocumented parameter", p)
				}
				body := ""
				ctype := ""
				if m == http.MethodPost {
					body, ctype = url.Values{"xml": {authXML}}.Encode(), "application/x-www-form-urlencoded"
				}
				res, got := e.do(t, m, target, ctype, body)
				if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed {
					t.Errorf("%s %s: HTTP %d %s", m, target, res.StatusCode, got)
				}
			})
		}
	}
}
