package dashboard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
)

// 30 wrong passwords at once for one name from one address: the free
// attempts get 401, the rest 429 before bcrypt; the right password from
// another address still signs in.
func TestSigninConcurrentWrongPasswords(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 30 {
		wg.Go(func() {
			w := httptest.NewRecorder()
			f.d.ServeHTTP(w, formPost("/signin", url.Values{"name": {"desk"}, "password": {"wrong"}}))
			mu.Lock()
			codes[w.Code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[http.StatusUnauthorized] > 3 || codes[http.StatusUnauthorized]+codes[http.StatusTooManyRequests] != 30 {
		t.Fatalf("answers %v, want at most 3 × 401 and the rest 429", codes)
	}
	r := formPost("/signin", url.Values{"name": {"desk"}, "password": {"deskpw"}})
	r.RemoteAddr = "198.51.100.7:4321"
	if w := f.do(t, r); w.Code != http.StatusSeeOther {
		t.Fatalf("the right password from another address: %d", w.Code)
	}
}

// Every client value in an audit event is capped, the throttled ones too.
func TestAuditCapsClientValues(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("n", 45_000)
	for range 5 { // failed, then throttled
		f.do(t, basicGet("/api/history", long, "x"))
	}
	c := f.signin(t, "admin", "adminpw")
	r := httptest.NewRequest(http.MethodPost, "/devices/"+strings.Repeat("d", 45_000)+"/logout", nil)
	r.AddCookie(c)
	f.do(t, r)
	logs := f.logs.String()
	for _, want := range []string{"outcome=failed", "outcome=throttled", "event=dashboard.logout"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no %s in the log", want)
		}
	}
	for line := range strings.Lines(logs) {
		if len(line) > 2048 {
			t.Errorf("a log line of %d bytes: %.200s…", len(line), line)
		}
	}
}

func TestLinkBuilders(t *testing.T) {
	tests := []struct{ value, device, user, path string }{
		{"SEP000000000001", "/devices/SEP000000000001", "/users/SEP000000000001", "/devices/SEP000000000001"},
		{"a/b", "/devices/a%2Fb", "/users/a%2Fb", "/devices/a%2Fb"},
		{"../devices/X/logout", "/devices/..%2Fdevices%2FX%2Flogout", "/users/..%2Fdevices%2FX%2Flogout", "/devices/..%2Fdevices%2FX%2Flogout"},
		{"a b?c#d%", "/devices/a%20b%3Fc%23d%25", "/users/a%20b%3Fc%23d%25", "/devices/a%20b%3Fc%23d%25"},
		{"..", "/history?device=..", "/history?user=..", "/devices/%2E%2E"},
		{".", "/history?device=.", "/history?user=.", "/devices/%2E"},
		{"", "/history?device=", "/history?user=", "/devices/"},
	}
	for _, tt := range tests {
		if got := deviceURL(tt.value); got != tt.device {
			t.Errorf("deviceURL(%q) = %q, want %q", tt.value, got, tt.device)
		}
		if got := userURL(tt.value); got != tt.user {
			t.Errorf("userURL(%q) = %q, want %q", tt.value, got, tt.user)
		}
		if got := devicePath(tt.value); got != tt.path {
			t.Errorf("devicePath(%q) = %q, want %q", tt.value, got, tt.path)
		}
	}
}

// Links carry the value as one escaped segment and the routes take the
// escaped forms back.
func TestLinksEscapedAndRouted(t *testing.T) {
	f := newFixture(t)
	var rows []history.Record
	for i, v := range []struct{ device, user string }{
		{"SEP000000000001", "a/b"}, {"SEP000000000002", "../devices/X/logout"}, {"..", "alice"},
	} {
		rec := historytest.Row(i)
		rec.Device, rec.User = v.device, v.user
		rows = append(rows, rec)
	}
	if err := f.store.Insert(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	w := f.do(t, basicGet("/history", "desk", "deskpw"))
	for _, want := range []string{`href="/users/a%2fb"`, `href="/users/..%2fdevices%2fX%2flogout"`, `href="/history?device=..`} {
		if !strings.Contains(strings.ToLower(w.Body.String()), strings.ToLower(want)) {
			t.Errorf("/history has no %s", want)
		}
	}
	if strings.Contains(w.Body.String(), `href="/users/../`) || strings.Contains(w.Body.String(), `href="/users/a/b"`) {
		t.Errorf("an unescaped link:\n%s", w.Body)
	}
	for _, tc := range []struct{ path, want string }{
		{"/users/a%2Fb", "<h1>User a/b</h1>"},
		{"/users/..%2Fdevices%2FX%2Flogout", "<h1>User ../devices/X/logout</h1>"},
		{"/devices/%2E%2E", "<h1>Device ..</h1>"},
	} {
		w := f.do(t, basicGet(tc.path, "admin", "adminpw"))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("%s: %d, want 200 with %s", tc.path, w.Code, tc.want)
		}
	}
	w = f.do(t, basicGet("/devices/%2E%2E", "admin", "adminpw"))
	if !strings.Contains(w.Body.String(), `action="/devices/%2e%2e/check"`) && !strings.Contains(w.Body.String(), `action="/devices/%2E%2E/check"`) {
		t.Errorf("the check form of device ..:\n%s", w.Body)
	}
}

func TestStaticHasNoListing(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/static/", http.StatusNotFound},
		{"/static/style.css", http.StatusOK},
		{"/static/live.js", http.StatusOK},
		{"/static/nothing.css", http.StatusNotFound},
	} {
		w := f.do(t, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if w.Code != tc.want || strings.Contains(w.Body.String(), "style.css") && tc.want == http.StatusNotFound {
			t.Errorf("%s: %d, want %d\n%s", tc.path, w.Code, tc.want, w.Body)
		}
	}
}

// A sign-in never adopts the token the browser brought: it issues a fresh
// one and ends the session the old one named.
func TestSigninIssuesAFreshSession(t *testing.T) {
	f := newFixture(t)
	old := f.signin(t, "desk", "deskpw")
	for _, brought := range []*http.Cookie{{Name: cookieName, Value: "chosen-by-an-attacker"}, old} {
		r := formPost("/signin", url.Values{"name": {"desk"}, "password": {"deskpw"}})
		r.AddCookie(brought)
		w := f.do(t, r)
		cookies := w.Result().Cookies()
		if w.Code != http.StatusSeeOther || len(cookies) != 1 || cookies[0].Value == brought.Value {
			t.Fatalf("sign-in with %q: %d %v", brought.Value, w.Code, cookies)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/api/history", nil)
	r.AddCookie(old)
	if w := f.do(t, r); w.Code != http.StatusUnauthorized {
		t.Errorf("the session before the sign-in: %d, want 401", w.Code)
	}
}
