package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
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
	sample := strings.NewReplacer("{device}", "SEP1CE6C79BAF1F", "{user}", "ALMUSER01", "{cluster}", "EU", "{pin}", "1234", "{bookingID}", "b0000", "{name}", "hotdesk-night")
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

// TestOpenAPIDocumentIsValid: the document is valid OpenAPI 3.0 (every $ref
// resolves, every link names an operation, every pattern compiles). The
// examples are not checked: an XML example is the answer's bytes as a
// string, which a checker would hold against the object schema.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPIDocument)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if err := doc.Validate(t.Context(), openapi3.DisableExamplesValidation()); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
}

// TestOpenAPIParameterLimits: the path parameters' schemas accept exactly
// what the service's validation accepts, on the boundaries the codes name
// (service.Request.Validate: 1008, 1009, 1012).
func TestOpenAPIParameterLimits(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPIDocument)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	tests := []struct {
		param, value string
		valid        bool
	}{
		{"device", "SEP1CE6C79BAF1F", true},
		{"device", strings.Repeat("A", 64), true},
		{"device", strings.Repeat("A", 65), false},
		{"device", "SEP!1", false},
		{"device", "a.b-c_d", true},
		{"device", ".", false},
		{"device", "..", false},
		{"device", "...", true},
		{"device", ".a", true},
		{"device", "", false},
		{"user", "ALMUSER01", true},
		{"user", "Jürgen Müller/2", true},
		{"user", strings.Repeat("ü", 128), true},
		{"user", strings.Repeat("u", 129), false},
		{"user", "AL\x01M", false},
		{"user", "AL\u0085M", false},
		{"user", " \u3000\u00a0", false},
		{"user", "", false},
		{"cluster", "EU", true},
		{"cluster", "e_u-1", true},
		{"cluster", strings.Repeat("C", 33), false},
		{"cluster", "E$U", false},
		{"pin", "1234", true},
		{"pin", strings.Repeat("1", 33), false},
		{"pin", "12ab", false},
	}
	for _, tt := range tests {
		schema := doc.Components.Parameters[tt.param].Value.Schema.Value
		err := schema.VisitJSON(tt.value)
		if (err == nil) != tt.valid {
			t.Errorf("%s %q: valid = %v, want %v (%v)", tt.param, tt.value, err == nil, tt.valid, err)
		}
	}
}

// TestOpenAPILinksChain: every link names an operation of the document, sets
// only parameters that operation has, from path parameters the linking
// operation has, so tools can chain login → getloggedinuser → logout.
func TestOpenAPILinksChain(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPIDocument)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	byID := map[string]*openapi3.Operation{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			byID[op.OperationID] = op
		}
	}
	chained := map[string]bool{}
	for _, op := range byID {
		for status, res := range op.Responses.Map() {
			for name, link := range res.Value.Links {
				target := byID[link.Value.OperationID]
				if target == nil {
					t.Errorf("%s %s link %s: no operation %q", op.OperationID, status, name, link.Value.OperationID)
					continue
				}
				chained[op.OperationID+"→"+target.OperationID] = true
				for param, expr := range link.Value.Parameters {
					from, ok := strings.CutPrefix(expr.(string), "$request.path.")
					if target.Parameters.GetByInAndName("path", param) == nil || !ok || op.Parameters.GetByInAndName("path", from) == nil {
						t.Errorf("%s link %s: parameter %s = %v does not chain", op.OperationID, name, param, expr)
					}
				}
			}
		}
	}
	for _, want := range []string{"loginDeviceUser→getloggedinuserDevice", "getloggedinuserDevice→logoutDevice", "loginDeviceUser→logoutDevice"} {
		if !chained[want] {
			t.Errorf("no link %s", want)
		}
	}
}
