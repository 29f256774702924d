package cucmsim

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/emconnector/emconnector/cucmsim/emxml"
)

// readXMLParam returns the xml parameter as CUCM's Tomcat finds it: the query string first,
// then a form-encoded body, the first value winning. "" when it is missing or the body is too
// large (both code 1).
func readXMLParam(w http.ResponseWriter, r *http.Request) string {
	if v, ok := formValue(r.URL.RawQuery, "xml"); ok {
		return v
	}
	if r.Body == nil || !isFormBody(r) {
		return ""
	}
	// Form encoding can triple the size of a 64 KiB document.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 3*emxml.MaxDocumentBytes+1024))
	if err != nil {
		return ""
	}
	v, _ := formValue(string(body), "xml")
	return v
}

func isFormBody(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// formValue finds name in an encoded form the way Tomcat does: fields are separated by '&'
// only (a ';' is data, unlike in Go's url.ParseQuery, which drops such a field), '+' is a
// blank, and a field whose name or value is not valid percent-encoding is skipped.
func formValue(form, name string) (string, bool) {
	for form != "" {
		var field string
		field, form, _ = strings.Cut(form, "&")
		k, v, _ := strings.Cut(field, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || key != name {
			continue
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			continue
		}
		return value, true
	}
	return "", false
}

// mergeSlashes collapses runs of '/' in the request path, as Tomcat does before mapping a
// request, so //emservice/EMServiceServlet reaches the servlet instead of a redirect.
func mergeSlashes(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "//") {
			r2 := r.Clone(r.Context())
			p := r.URL.Path
			for strings.Contains(p, "//") {
				p = strings.ReplaceAll(p, "//", "/")
			}
			r2.URL.Path, r2.URL.RawPath = p, ""
			r = r2
		}
		h.ServeHTTP(w, r)
	})
}
