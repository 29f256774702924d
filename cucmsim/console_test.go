package cucmsim

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// consoleGet fetches a console path without following redirects.
func consoleGet(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestConsoleFiles(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		path        string
		status      int
		contentType string
		csp         bool
	}{
		{"/ui/", http.StatusOK, "text/html; charset=utf-8", true},
		{"/ui/console.js", http.StatusOK, "text/javascript; charset=utf-8", true},
		{"/ui/console.css", http.StatusOK, "text/css; charset=utf-8", true},
		{"/ui/codes.json", http.StatusOK, "application/json", true},
		{"/ui", http.StatusMovedPermanently, "", false},
		{"/ui/index.html", http.StatusNotFound, "application/json", false},
		{"/ui/nothing.js", http.StatusNotFound, "", true},
		{"/ui/a/b", http.StatusNotFound, "application/json", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, _ := consoleGet(t, h.admin+tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.contentType != "" && resp.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), tt.contentType)
			}
			if got := resp.Header.Get("Content-Security-Policy"); tt.csp && got != consoleCSP {
				t.Errorf("CSP %q, want %q", got, consoleCSP)
			}
			if tt.status == http.StatusMovedPermanently && resp.Header.Get("Location") != "/ui/" {
				t.Errorf("Location %q, want /ui/", resp.Header.Get("Location"))
			}
		})
	}
}

// TestConsolePageHasNoInlineCode: the CSP forbids inline script and style; the page must not
// need them (a browser would silently refuse them).
func TestConsolePageHasNoInlineCode(t *testing.T) {
	h := newHarness(t)
	_, page := consoleGet(t, h.admin+"/ui/")
	scripts := regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1)
	if len(scripts) == 0 {
		t.Fatal("no script tag")
	}
	for _, s := range scripts {
		if !strings.Contains(s, ` src="/ui/`) {
			t.Errorf("inline script %s", s)
		}
	}
	for _, bad := range []string{"<style", " style=", " onclick=", " onload=", " onsubmit=", "javascript:"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{
		`<option value="EU">EU</option>`,
		`<option value="doDeviceReset">doDeviceReset</option>`,
		`<option value="18" title="` + CodeAdvice(18) + `">18 Another user logged in</option>`,
		`<tr data-code="38"><td>38</td><td>EMCC Not Allowed</td><td class="advice">` + CodeAdvice(38) + `</td></tr>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestConsoleCodes(t *testing.T) {
	h := newHarness(t)
	var codes []consoleCode
	if st := h.call(t, http.MethodGet, "/ui/codes.json", nil, &codes); st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
	if len(codes) != len(Codes()) {
		t.Fatalf("%d codes, want %d", len(codes), len(Codes()))
	}
	for i, c := range Codes() {
		if codes[i].Code != c || codes[i].Text != CodeText(c) {
			t.Errorf("codes[%d] = %+v, want %d %q", i, codes[i], c, CodeText(c))
		}
	}
}

// TestDeleteOneFault is DELETE /v1/clusters/{code}/faults/{id}, the console's remove button.
func TestDeleteOneFault(t *testing.T) {
	h := newHarness(t)
	code := CodeDatabase
	var a, b struct{ ID string }
	h.call(t, http.MethodPost, "/v1/clusters/EU/faults", FaultSpec{Device: "SEP1", EMCode: &code}, &a)
	h.call(t, http.MethodPost, "/v1/clusters/EU/faults", FaultSpec{Device: "SEP2", EMCode: &code}, &b)
	tests := []struct {
		name   string
		path   string
		status int
		left   []string
	}{
		{"removes that fault only", "/v1/clusters/EU/faults/" + a.ID, http.StatusNoContent, []string{b.ID}},
		{"an unknown ID is 404", "/v1/clusters/EU/faults/" + a.ID, http.StatusNotFound, []string{b.ID}},
		{"another cluster's ID is 404", "/v1/clusters/US/faults/" + b.ID, http.StatusNotFound, []string{b.ID}},
		{"an unknown cluster is 404", "/v1/clusters/XX/faults/" + b.ID, http.StatusNotFound, []string{b.ID}},
		{"the last one", "/v1/clusters/eu/faults/" + b.ID, http.StatusNoContent, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if st := h.call(t, http.MethodDelete, tt.path, nil, nil); st != tt.status {
				t.Fatalf("status %d, want %d", st, tt.status)
			}
			var list []FaultInfo
			h.call(t, http.MethodGet, "/v1/clusters/EU/faults", nil, &list)
			ids := []string{}
			for _, f := range list {
				ids = append(ids, f.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.left, ",") {
				t.Errorf("faults left %v, want %v", ids, tt.left)
			}
		})
	}
}

// TestEveryCodeHasAdvice: the console's code list says what to do for every code answered.
func TestEveryCodeHasAdvice(t *testing.T) {
	for _, c := range Codes() {
		if CodeAdvice(c) == "" {
			t.Errorf("code %d has no advice", c)
		}
	}
	if len(codeAdvice) != len(Codes()) {
		t.Errorf("%d advices for %d codes", len(codeAdvice), len(Codes()))
	}
}
