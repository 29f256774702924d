package httpapi

import (
	"net/http"
	"slices"
	"testing"
)

// TestHeadWhereverGet: every route that serves GET serves HEAD with the GET
// answer's status and headers (Content-Length included) and no body
// (RFC 9110 §9.1); routes without GET refuse HEAD with 405 like any other
// method.
func TestHeadWhereverGet(t *testing.T) {
	e := newEnv(t, true)
	for _, rt := range Routes() {
		path := openAPIPath(rt.Pattern)
		if !slices.Contains(rt.Methods, http.MethodGet) {
			if slices.Contains(rt.Methods, http.MethodHead) {
				t.Errorf("%s serves HEAD without GET", path)
			}
			continue
		}
		t.Run(path, func(t *testing.T) {
			if !slices.Contains(rt.Methods, http.MethodHead) {
				t.Fatalf("methods %v: GET without HEAD", rt.Methods)
			}
			get, _ := e.do(t, http.MethodGet, path, "", "")
			head, body := e.do(t, http.MethodHead, path, "", "")
			if head.StatusCode != get.StatusCode || body != "" {
				t.Fatalf("HEAD = %d with %d body bytes, GET = %d", head.StatusCode, len(body), get.StatusCode)
			}
			for _, h := range []string{"Content-Type", "Cache-Control", "X-BC-Build", "Vary"} {
				if head.Header.Get(h) != get.Header.Get(h) {
					t.Errorf("%s: HEAD %q, GET %q", h, head.Header.Get(h), get.Header.Get(h))
				}
			}
			// /metrics changes between the two requests; the others are fixed.
			if path != "/metrics" && head.ContentLength != get.ContentLength {
				t.Errorf("Content-Length: HEAD %d, GET %d", head.ContentLength, get.ContentLength)
			}
		})
	}
}

// TestHeadRefusedWhereNoGet: HEAD on a POST-only route is 405 with the
// Allow header, and the Allow header of a GET route names HEAD.
func TestHeadRefusedWhereNoGet(t *testing.T) {
	e := newEnv(t, true)
	tests := []struct{ method, path, allow string }{
		{http.MethodHead, "/api/login/SEP1CE6C79BAF1F/ALMUSER01", "POST"},
		{http.MethodHead, "/api/login//ALMUSER01", "POST"},
		{http.MethodPut, "/api/getversioninfo", "GET, HEAD, POST"},
		{http.MethodPost, "/healthz", "GET, HEAD"},
	}
	for _, tt := range tests {
		res, _ := e.do(t, tt.method, tt.path, "", "")
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != tt.allow {
			t.Errorf("%s %s = %d Allow %q, want 405 Allow %q", tt.method, tt.path, res.StatusCode, res.Header.Get("Allow"), tt.allow)
		}
	}
}
