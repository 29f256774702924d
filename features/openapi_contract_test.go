package features

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The API contract: every answer a spec receives from a bcservice API listener, through
// Service.API(), rbClient(), fetch(), apiHTTPClient() or rbSendRaw, is checked against
// service/httpapi/openapi.yaml (the document the binary serves at /openapi.yaml). A
// violation fails the spec that received it, in the AfterEach below (answers received in a
// BeforeAll fail the container's first spec, those received in an AfterAll fail its last
// spec when the service stops).
//
// What is checked: the status is one the operation documents, the documented headers
// (X-Request-ID, Allow, X-BC-Build) are present and well formed, the Content-Type is one
// the answer documents, and the body fits its schema, the XML ones included (openapi_xml_test.go).
// A path the document does not describe (an unknown route, an extra segment) and a method
// an operation does not document are held against the answers every route has: 403, 404,
// 405, 413 and 500 with the result shape. A HEAD answer is checked for its status, its
// headers and an empty body.
//
// What is not: requests (the specs send bad input on purpose), answers that net/http gives
// before any handler runs (400, 431, 505: no X-Request-ID), and the answers of the
// simulator, the dashboard listener or a load balancer in front of the service.

// contract is the loaded document and the record of what the API listeners answered.
var contract = &apiContract{served: map[string]bool{}}

type apiContract struct {
	load       sync.Once
	doc        *openapi3.T
	fallback   *openapi3.Operation // the answers every path has
	err        error
	mu         sync.Mutex
	served     map[string]bool // host:port of the running bcservice API listeners
	violations []string
}

// document loads openapi.yaml once, with its servers dropped (the specs' services listen on
// ephemeral ports; paths are matched alone).
func (c *apiContract) document() (*openapi3.T, error) {
	c.load.Do(func() {
		openapi3filter.RegisterBodyDecoder("text/xml", decodeXMLBody)
		c.doc, c.err = openapi3.NewLoader().LoadFromFile(repoPath("service/httpapi/openapi.yaml"))
		if c.err != nil {
			return
		}
		c.doc.Servers = nil
		c.fallback = &openapi3.Operation{Responses: openapi3.NewResponses()}
		for status, name := range map[string]string{"403": "Denied", "404": "NotFound", "405": "MethodNotAllowed", "413": "TooLarge", "500": "Internal"} {
			c.fallback.Responses.Set(status, c.doc.Components.Responses[name])
		}
	})
	return c.doc, c.err
}

// serve starts checking the answers of the API listener at addr until the calling node's
// scope ends (when the service stops; its port may then go to another process). The answers
// received after the scope's last AfterEach (in an AfterAll) fail the scope there.
func (c *apiContract) serve(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.served[addr] = true
	DeferCleanup(func() {
		c.mu.Lock()
		delete(c.served, addr)
		c.mu.Unlock()
		failOnViolations()
	})
}

// observe checks one answer from req's host if it is an API listener; a violation is kept
// for the spec's AfterEach (observe runs on any goroutine).
func (c *apiContract) observe(req *http.Request, status int, header http.Header, body []byte) {
	c.mu.Lock()
	served := c.served[req.URL.Host]
	c.mu.Unlock()
	if !served {
		return
	}
	if err := c.validate(req, status, header, body); err != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.violations = append(c.violations, fmt.Sprintf("%s %s: HTTP %d %q: %v", req.Method, req.URL.Path, status, clipBody(body), err))
	}
}

// validate checks one answer to req against the document.
func (c *apiContract) validate(req *http.Request, status int, header http.Header, body []byte) error {
	doc, err := c.document()
	if err != nil {
		return err
	}
	if header.Get("X-Request-ID") == "" && status >= 400 {
		return nil // net/http's own answer: no handler ran
	}
	op := c.operation(req.Method, req.URL.EscapedPath())
	opts := &openapi3filter.Options{IncludeResponseStatus: true,
		// One line per violation rather than the whole schema; observe adds the body.
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}}
	if req.Method == http.MethodHead {
		// openapi3filter skips HEAD answers altogether; checked as a GET without body.
		if len(body) > 0 {
			return fmt.Errorf("a HEAD answer with a %d-byte body", len(body))
		}
		req = req.Clone(context.Background())
		req.Method = http.MethodGet
		opts.ExcludeResponseBody = true
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req,
			Route:   &routers.Route{Spec: doc, Path: req.URL.Path, Method: req.Method, Operation: op},
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: opts,
	})
}

// operation is the operation of the document for method on the escaped path, or the
// fallback. Paths are matched segment by segment as the service splits them: an empty
// segment is an empty parameter (/api/login//U is login with an empty device), and a literal
// segment beats a parameter (/api/login/ is "no device", not an empty {device}).
func (c *apiContract) operation(method, path string) *openapi3.Operation {
	segments := strings.Split(path, "/")
	best, bestLiterals := (*openapi3.PathItem)(nil), -1
	for template, item := range c.doc.Paths.Map() {
		want := strings.Split(template, "/")
		if len(want) != len(segments) {
			continue
		}
		literals := 0
		for i, w := range want {
			if strings.HasPrefix(w, "{") {
				continue
			}
			if w != segments[i] {
				literals = -1
				break
			}
			literals++
		}
		if literals > bestLiterals {
			best, bestLiterals = item, literals
		}
	}
	if best == nil || best.GetOperation(method) == nil {
		return c.fallback
	}
	return best.GetOperation(method)
}

// clipBody shortens an answer for a violation message.
func clipBody(body []byte) string {
	if len(body) > 300 {
		return string(body[:300]) + "…"
	}
	return string(body)
}

// takeViolations returns the violations recorded since the last call.
func (c *apiContract) takeViolations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.violations
	c.violations = nil
	return v
}

// contractTransport hands every answer to contract.observe; the body is read in full first
// and handed on unchanged.
type contractTransport struct{ base http.RoundTripper }

func (t contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.base.RoundTrip(req)
	if err != nil {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	contract.observe(req, res.StatusCode, res.Header, body)
	return res, nil
}

// checkedTransport wraps base (nil: http.DefaultTransport) so that its answers from API
// listeners are checked against the document.
func checkedTransport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return contractTransport{base: base}
}

// apiHTTPClient is a bounded plain client whose answers from API listeners are checked.
func apiHTTPClient() *http.Client {
	return &http.Client{Timeout: httpTimeout, Transport: checkedTransport(nil)}
}

// Every spec fails on the contract violations of the answers it received.
var _ = AfterEach(failOnViolations)

// failOnViolations fails the current node with the violations recorded since the last check.
func failOnViolations() {
	if v := contract.takeViolations(); len(v) > 0 {
		Fail("answers of bcservice that service/httpapi/openapi.yaml does not describe:\n" + strings.Join(v, "\n"))
	}
}

var _ = Describe("the OpenAPI contract check of the feature specs", func() {
	// canned checks one made-up answer to method path.
	canned := func(method, path string, status int, header map[string]string, body string) error {
		req, err := http.NewRequest(method, "http://127.0.0.1:1"+path, nil)
		Expect(err).NotTo(HaveOccurred())
		h := http.Header{"X-Request-Id": {"r1"}}
		for k, v := range header {
			h.Set(k, v)
		}
		return contract.validate(req, status, h, []byte(body))
	}
	const (
		xmlType  = "text/xml; charset=utf-8"
		jsonType = "application/json; charset=utf-8"
		decl     = "<?xml version='1.0' encoding='UTF-8'?>\n"
		login    = "/api/login/SEP1/ALMUSER01"
	)
	ct := func(t string) map[string]string { return map[string]string{"Content-Type": t} }

	DescribeTable("accepts the answers the document describes",
		func(method, path string, status int, header map[string]string, body string) {
			Expect(canned(method, path, status, header, body)).To(Succeed())
		},
		Entry("a login in XML", http.MethodPost, login, 200, ct(xmlType),
			decl+"<response><result><deviceName>SEP1</deviceName><userID>ALMUSER01</userID><code>0</code><text>ok</text></result></response>"),
		Entry("a CUCM code above 38 in JSON", http.MethodPost, login, 200, ct(jsonType), `{"deviceName":"SEP1","code":42,"text":"x"}`),
		Entry("a device list in XML", http.MethodPost, "/api/logoutuser/U", 200, ct(xmlType),
			decl+"<response><result><userID>U</userID><devices><device><cluster>EU</cluster><code>1002</code><text>x</text></device></devices><code>1002</code><text>x</text></result></response>"),
		Entry("an empty device segment", http.MethodPost, "/api/login//U", 200, ct(xmlType), decl+"<response><result><deviceName></deviceName><code>404</code><text>Device ID empty</text></result></response>"),
		Entry("an unknown route's 404", http.MethodPost, "/api/logoff/SEP1", 404, ct(xmlType), decl+"<response><result><code>404</code><text>Unknown API route</text></result></response>"),
		Entry("HEAD on getversioninfo", http.MethodHead, "/api/getversioninfo", 200, map[string]string{"Content-Length": "111"}, ""),
		Entry("net/http's own 431", http.MethodGet, "/api/getversioninfo", 431, map[string]string{"X-Request-ID": "", "Content-Type": "text/plain; charset=utf-8"}, "431 Request Header Fields Too Large"),
	)

	DescribeTable("catches an answer the document does not describe",
		func(method, path string, status int, header map[string]string, body string) {
			Expect(canned(method, path, status, header, body)).NotTo(Succeed())
		},
		Entry("code as a string in JSON", http.MethodPost, login, 200, ct(jsonType), `{"deviceName":"SEP1","code":"0","text":"ok"}`),
		Entry("code that is no number in XML", http.MethodPost, login, 200, ct(xmlType),
			decl+"<response><result><deviceName>SEP1</deviceName><code>zero</code><text>ok</text></result></response>"),
		Entry("an undocumented element in XML", http.MethodPost, login, 200, ct(xmlType),
			decl+"<response><result><pin>1234</pin><code>0</code><text>ok</text></result></response>"),
		Entry("a result without its <response>", http.MethodPost, login, 200, ct(xmlType), decl+"<result><code>0</code><text>ok</text></result>"),
		Entry("an undocumented status", http.MethodPost, login, 502, ct(xmlType), decl+"<response><result><code>0</code><text>ok</text></result></response>"),
		Entry("an undocumented content type", http.MethodPost, login, 200, ct("text/html"), "<html></html>"),
		Entry("a 405 without Allow", http.MethodGet, login, 405, ct(xmlType), decl+"<response><result><code>405</code><text>x</text></result></response>"),
		Entry("a HEAD answer with a body", http.MethodHead, "/healthz", 200, nil, "ok\n"),
		Entry("an answer without X-Request-ID", http.MethodGet, "/healthz", 200, map[string]string{"X-Request-ID": "", "Content-Type": "text/plain"}, "ok\n"),
	)

	It("checks only the answers of running API listeners", func() {
		req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/healthz", nil)
		Expect(err).NotTo(HaveOccurred())
		contract.observe(req, 200, http.Header{}, []byte("not ok"))
		Expect(contract.takeViolations()).To(BeEmpty(), "127.0.0.1:1 is no API listener")
		contract.serve("127.0.0.1:1")
		contract.observe(req, 200, http.Header{}, []byte("not ok"))
		Expect(contract.takeViolations()).To(HaveLen(1))
	})
})
