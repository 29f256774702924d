package httpapi

import (
	_ "embed" // the OpenAPI document is served from the binary
	"net/http"
)

// OpenAPIDocument is the OpenAPI 3 description of the API (openapi.yaml
// beside this file), checked against Routes by the tests and served at
// GET /openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPIDocument []byte

// openAPI serves OpenAPIDocument.
func openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(OpenAPIDocument)
}
