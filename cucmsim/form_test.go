package cucmsim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFormValue(t *testing.T) {
	tests := []struct {
		form, want string
		found      bool
	}{
		{"xml=%3Cq%2F%3E", "<q/>", true},
		{"xml=<appCertificate>x;y</appCertificate>", "<appCertificate>x;y</appCertificate>", true},
		{"a=1;xml=2", "", false}, // ';' does not separate fields
		{"other=1&xml=a+b", "a b", true},
		{"xml=%zz&xml=ok", "ok", true}, // a bad field is skipped, like Tomcat
		{"xml=first&xml=second", "first", true},
		{"xml", "", true},
		{"", "", false},
	}
	for _, tt := range tests {
		got, found := formValue(tt.form, "xml")
		if got != tt.want || found != tt.found {
			t.Errorf("formValue(%q) = %q, %v; want %q, %v", tt.form, got, found, tt.want, tt.found)
		}
	}
}

func TestReadXMLParam(t *testing.T) {
	tests := []struct {
		name, target, ctype, body, want string
	}{
		{"form body", "/", "application/x-www-form-urlencoded", "xml=a;b", "a;b"},
		{"form body with charset", "/", "application/x-www-form-urlencoded; charset=UTF-8", "xml=a", "a"},
		{"query string wins", "/?xml=q", "application/x-www-form-urlencoded", "xml=b", "q"},
		{"other content type", "/", "text/xml", "xml=a", ""},
		{"no body", "/", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			if got := readXMLParam(httptest.NewRecorder(), r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
