package httpapi

import _ "embed" // for OpenAPIDocument

// OpenAPIDocument is the OpenAPI 3.0 description of the web service (openapi.yaml beside
// this file): every route, method, parameter, code and both answer formats. It is embedded
// so the binary can serve the document that matches its own routes; openapi_test.go keeps
// the two in step.
//
//go:embed openapi.yaml
var OpenAPIDocument []byte
