package httpapi

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/emclient"
	"github.com/emconnector/emconnector/service/fakecucm"
)

// fuzzMethods and fuzzContentTypes are what a fuzzed byte picks from.
var (
	fuzzMethods      = []string{http.MethodPost, http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions, "FROB"}
	fuzzContentTypes = []string{"application/x-www-form-urlencoded", "text/xml", "multipart/form-data; boundary=B", "application/json", ""}
)

// documentedCode reports whether code is in the table of codes of cmd/bcservice/README.md: EM
// codes 0-38 passed through, the transport codes and the service's 1001-1016.
func documentedCode(code int) bool {
	switch code {
	case service.CodeNotFound, service.CodeMethodNotAllowed, service.CodeBodyTooLarge:
		return true
	}
	return code >= 0 && code <= 38 || code >= service.CodeClusterNotFound && code <= service.CodeHistoryNotCleared
}

// fuzzHandler is the API in front of one fake cluster (EU, the default), as
// newEnv builds it.
func fuzzHandler(f *testing.F) http.Handler {
	f.Helper()
	cucm := fakecucm.New("bcapp", "s3cret")
	cucm.AddDevice("SEP1CE6C79BAF1F")
	cucm.AddUser("ALMUSER01", "1234")
	node := httptest.NewServer(cucm.Handler())
	f.Cleanup(node.Close)
	cfg := emclient.DefaultConfig("EU", node.URL+"/emservice/EMServiceServlet")
	cfg.AXL = []string{node.URL + "/axl/"}
	cl, err := emclient.New(cfg, emclient.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(cl.Close)
	conn, err := service.NewConnector([]service.Cluster{cl}, service.Options{Default: "EU"})
	if err != nil {
		f.Fatal(err)
	}
	return New(conn, Options{RequestTimeout: 5 * time.Second, MaxBodyBytes: 4096})
}

// FuzzHandlerPaths sends requests with fuzzed targets, methods and bodies
// through the whole handler: every answer is 200, 404, 405 or 413, and every
// result carries a documented <code> (a 500 would be a recovered panic).
func FuzzHandlerPaths(f *testing.F) {
	h := fuzzHandler(f)
	good := url.QueryEscape("<request><appID>bcapp</appID><appCertificate>s3cret</appCertificate></request>")
	seedLines(f, "paths.txt")
	f.Fuzz(func(t *testing.T, target string) {
		for i, body := range []string{"xml=" + good, "xml=%zz", "<request/>"} {
			method := fuzzMethods[(len(target)+i)%len(fuzzMethods)]
			ct := fuzzContentTypes[i%len(fuzzContentTypes)]
			checkAnswer(t, h, method, target, ct, body)
		}
	})
}

// checkAnswer sends one request written on the wire (so that only targets a
// server would accept are tried) and checks the answer.
func checkAnswer(t *testing.T, h http.Handler, method, target, contentType, body string) {
	t.Helper()
	raw := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: bc\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", method, target, contentType, len(body), body)
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil || req.RequestURI == "*" {
		return // net/http answers 400 before any handler runs (ServeMux for "*")
	}
	req.RemoteAddr = "127.0.0.1:1234"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	switch rec.Code {
	case http.StatusOK, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge:
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		if strings.HasPrefix(req.URL.Path, "/api/") {
			t.Fatalf("%s %q: API path redirected to %q", method, target, rec.Header().Get("Location"))
		}
		return // ServeMux cleans other paths (//x, /a/../b) with a redirect
	default:
		t.Fatalf("%s %q: HTTP %d %q", method, target, rec.Code, rec.Body.String())
	}
	out := rec.Body.String()
	if !strings.Contains(out, "<response><result>") {
		return // getversioninfo, HEAD, the operations endpoints
	}
	m := codeRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("%s %q: result without <code>: %q", method, target, out)
	}
	if code, _ := strconv.Atoi(m[1]); !documentedCode(code) {
		t.Fatalf("%s %q: undocumented code %d in %q", method, target, code, out)
	}
}
