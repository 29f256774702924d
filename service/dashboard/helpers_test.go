package dashboard

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
)

func runtimeYield() { runtime.Gosched() }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func basicGet(target, name, pw string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.SetBasicAuth(name, pw)
	return r
}
