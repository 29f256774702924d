package dashboard

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
	"golang.org/x/crypto/bcrypt"
)

// fakeConn records the operations the dashboard runs.
type fakeConn struct {
	mu     sync.Mutex
	reqs   []service.Request
	events []service.Event
}

func (f *fakeConn) Serve(_ context.Context, _ service.Credentials, req service.Request) service.Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	return service.Result{Op: req.Op, Device: req.Device, User: "alice", HasUser: true, Text: "ok"}
}

func (f *fakeConn) Finish(x *service.Exchange) bool {
	ev, ok := x.Event(time.Now())
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, ev)
	return ok
}

type fixture struct {
	d     *Dashboard
	store *historytest.Memory
	conn  *fakeConn
	logs  *bytes.Buffer
}

func hash(t *testing.T, pw string) string {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: historytest.NewMemory(), conn: &fakeConn{}, logs: &bytes.Buffer{}}
	d, err := New(Options{
		Users: []User{{Name: "admin", Role: RoleOperator, Hash: hash(t, "adminpw")},
			{Name: "desk", Role: RoleViewer, Hash: hash(t, "deskpw")}},
		Store: f.store, Conn: f.conn, Cred: service.Credentials{AppID: "bcdash", AppCertificate: "certsecret"},
		Version: "test", Logger: slog.New(slog.NewTextHandler(f.logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.d = d
	return f
}

func (f *fixture) do(t *testing.T, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	f.d.ServeHTTP(w, r)
	return w
}

func (f *fixture) signin(t *testing.T, name, pw string) *http.Cookie {
	t.Helper()
	w := f.do(t, formPost("/signin", url.Values{"name": {name}, "password": {pw}}))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("sign-in as %s: %d", name, w.Code)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || len(c.Value) < 43 {
				t.Errorf("cookie %+v", c)
			}
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

func formPost(target string, v url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestAuthMatrix(t *testing.T) {
	f := newFixture(t)
	admin, desk := f.signin(t, "admin", "adminpw"), f.signin(t, "desk", "deskpw")
	type auth func(r *http.Request)
	none := func(*http.Request) {}
	cookie := func(c *http.Cookie) auth { return func(r *http.Request) { r.AddCookie(c) } }
	basic := func(u, p string) auth { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
	tests := []struct {
		name, method, path string
		auth               auth
		want               int
	}{
		{"page without auth", "GET", "/", none, http.StatusSeeOther},
		{"history page without auth", "GET", "/history", none, http.StatusSeeOther},
		{"api without auth", "GET", "/api/history", none, http.StatusUnauthorized},
		{"csv without auth", "GET", "/history.csv", none, http.StatusUnauthorized},
		{"api with basic", "GET", "/api/history", basic("desk", "deskpw"), http.StatusOK},
		{"api with wrong password", "GET", "/api/history", basic("desk", "nope"), http.StatusUnauthorized},
		{"api with unknown user", "GET", "/api/history", basic("ghost", "nope"), http.StatusUnauthorized},
		{"api with cookie", "GET", "/api/history", cookie(desk), http.StatusOK},
		{"api with a forged cookie", "GET", "/api/history", cookie(&http.Cookie{Name: cookieName, Value: "forged"}), http.StatusUnauthorized},
		{"status with cookie", "GET", "/", cookie(desk), http.StatusOK},
		{"status with basic", "GET", "/", basic("admin", "adminpw"), http.StatusOK},
		{"device page", "GET", "/devices/SEP1", cookie(desk), http.StatusOK},
		{"user page", "GET", "/users/alice", cookie(desk), http.StatusOK},
		{"viewer confirm", "GET", "/devices/SEP1/logout", cookie(desk), http.StatusForbidden},
		{"viewer logout", "POST", "/devices/SEP1/logout", cookie(desk), http.StatusForbidden},
		{"operator confirm", "GET", "/devices/SEP1/logout", cookie(admin), http.StatusOK},
		{"operator logout", "POST", "/devices/SEP1/logout", cookie(admin), http.StatusOK},
		{"operator logout with basic", "POST", "/devices/SEP1/logout", basic("admin", "adminpw"), http.StatusOK},
		{"viewer check now", "POST", "/devices/SEP1/check", cookie(desk), http.StatusOK},
		{"logout without auth", "POST", "/devices/SEP1/logout", none, http.StatusSeeOther},
		{"style sheet", "GET", "/static/style.css", none, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			tt.auth(r)
			w := f.do(t, r)
			if w.Code != tt.want {
				t.Fatalf("%s %s: %d, want %d", tt.method, tt.path, w.Code, tt.want)
			}
			if got := w.Header().Get("Content-Security-Policy"); got != "default-src 'self'; frame-ancestors 'none'" {
				t.Errorf("CSP %q", got)
			}
			if w.Header().Get("X-Frame-Options") != "DENY" || w.Header().Get("X-Content-Type-Options") != "nosniff" ||
				w.Header().Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("security headers %v", w.Header())
			}
			if tt.want == http.StatusSeeOther && w.Header().Get("Location") != "/signin" {
				t.Errorf("Location %q", w.Header().Get("Location"))
			}
		})
	}
	if n := len(f.conn.reqs); n != 3 {
		t.Errorf("%d operations ran, want 3 (2 logouts by operators, 1 check)", n)
	}
	for _, ev := range f.conn.events {
		if ev.Actor == "" || ev.Status != http.StatusOK {
			t.Errorf("event %+v: want an actor and a status", ev)
		}
	}
	if strings.Contains(f.logs.String(), "adminpw") || strings.Contains(f.logs.String(), "certsecret") ||
		strings.Contains(f.logs.String(), admin.Value) {
		t.Errorf("a secret reached the log:\n%s", f.logs)
	}
	if !strings.Contains(f.logs.String(), "msg=audit event=dashboard.logout user=admin") {
		t.Errorf("no audit event for the logout:\n%s", f.logs)
	}
}

func TestSignoutEndsTheSession(t *testing.T) {
	f := newFixture(t)
	c := f.signin(t, "desk", "deskpw")
	r := httptest.NewRequest("POST", "/signout", nil)
	r.AddCookie(c)
	if w := f.do(t, r); w.Code != http.StatusSeeOther {
		t.Fatalf("signout: %d", w.Code)
	}
	r = httptest.NewRequest("GET", "/api/history", nil)
	r.AddCookie(c)
	if w := f.do(t, r); w.Code != http.StatusUnauthorized {
		t.Fatalf("after signout: %d", w.Code)
	}
}

// downStore is a session store whose database is unreachable.
type downStore struct{}

var errDown = errors.New("dial tcp 127.0.0.1:5432: connection refused")

func (downStore) Create(context.Context, string) (string, error)    { return "", errDown }
func (downStore) Get(context.Context, string) (string, bool, error) { return "", false, errDown }
func (downStore) Delete(context.Context, string) error              { return errDown }

// A session store that fails gives 503 and a WARN, never a sign-out, a
// crash or the token in the log.
func TestSessionStoreDown(t *testing.T) {
	f := newFixture(t)
	up := f.signin(t, "admin", "adminpw")
	f.d.sessions = downStore{}
	cookie := func(r *http.Request) *http.Request { r.AddCookie(up); return r }
	tests := []struct {
		name     string
		req      *http.Request
		wantType string
	}{
		{"page", cookie(httptest.NewRequest("GET", "/", nil)), "text/html"},
		{"api", cookie(httptest.NewRequest("GET", "/api/history", nil)), "application/json"},
		{"csv", cookie(httptest.NewRequest("GET", "/history.csv", nil)), "application/json"},
		{"signin", formPost("/signin", url.Values{"name": {"admin"}, "password": {"adminpw"}}), "text/html"},
		{"signout", cookie(httptest.NewRequest("POST", "/signout", nil)), "text/html"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.logs.Reset()
			w := f.do(t, tc.req)
			if w.Code != http.StatusServiceUnavailable || !strings.HasPrefix(w.Header().Get("Content-Type"), tc.wantType) ||
				!strings.Contains(w.Body.String(), "session store") {
				t.Fatalf("%d %s\n%s", w.Code, w.Header().Get("Content-Type"), w.Body)
			}
			if len(w.Result().Cookies()) != 0 {
				t.Errorf("cookies set: %v", w.Result().Cookies())
			}
			logs := f.logs.String()
			if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "connection refused") ||
				strings.Contains(logs, up.Value) {
				t.Errorf("want a WARN with the cause and without the token:\n%s", logs)
			}
		})
	}
}

func TestSigninThrottle(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	f.d.throttle.now = func() time.Time { return now }
	bad := url.Values{"name": {"desk"}, "password": {"wrong"}}
	for i := range 3 {
		if w := f.do(t, formPost("/signin", bad)); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, w.Code)
		}
	}
	w := f.do(t, formPost("/signin", url.Values{"name": {"desk"}, "password": {"deskpw"}}))
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("after 3 failures: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	r := httptest.NewRequest("GET", "/api/history", nil)
	r.SetBasicAuth("desk", "deskpw")
	if w := f.do(t, r); w.Code != http.StatusTooManyRequests {
		t.Fatalf("basic auth while throttled: %d", w.Code)
	}
	now = now.Add(time.Second)
	f.do(t, formPost("/signin", bad)) // 4th failure: 2 s
	now = now.Add(time.Second)
	if w := f.do(t, formPost("/signin", bad)); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("backoff did not double: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
	now = now.Add(time.Second)
	if w := f.do(t, formPost("/signin", url.Values{"name": {"desk"}, "password": {"deskpw"}})); w.Code != http.StatusSeeOther {
		t.Fatalf("after the wait: %d", w.Code)
	}
	if !strings.Contains(f.logs.String(), "outcome=throttled") || strings.Contains(f.logs.String(), "deskpw") {
		t.Errorf("audit log:\n%s", f.logs)
	}
}

func TestCrossSiteStateChangeRefused(t *testing.T) {
	f := newFixture(t)
	c := f.signin(t, "admin", "adminpw")
	for _, path := range []string{"/devices/SEP1/logout", "/signout", "/signin"} {
		r := httptest.NewRequest("POST", path, nil)
		r.AddCookie(c)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		if w := f.do(t, r); w.Code != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d", path, w.Code)
		}
		r = httptest.NewRequest("POST", path, nil)
		r.AddCookie(c)
		r.Header.Set("Origin", "https://evil.example")
		if w := f.do(t, r); w.Code != http.StatusForbidden {
			t.Errorf("foreign-origin POST %s: %d", path, w.Code)
		}
	}
	if len(f.conn.reqs) != 0 {
		t.Errorf("a cross-site request ran %v", f.conn.reqs)
	}
}

func TestPagesEscape(t *testing.T) {
	f := newFixture(t)
	probe := `<b>"x`
	rec := historytest.Row(1)
	rec.User, rec.Device, rec.Text = probe, probe, probe
	if err := f.store.Insert(context.Background(), []history.Record{rec}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/history", "/users/" + url.PathEscape(probe), "/devices/" + url.PathEscape(probe)} {
		r := httptest.NewRequest("GET", path, nil)
		r.SetBasicAuth("desk", "deskpw")
		w := f.do(t, r)
		body := w.Body.String()
		if w.Code != http.StatusOK || strings.Contains(body, probe) || !strings.Contains(body, "&lt;b&gt;&#34;x") {
			t.Errorf("%s: %d, probe not escaped:\n%s", path, w.Code, body)
		}
		// The only script is live.js, from the dashboard itself.
		scripts := strings.Count(body, "<script")
		if scripts != strings.Count(body, `<script src="/static/live.js" defer></script>`) ||
			strings.Contains(body, "http://") || strings.Contains(body, "https://") {
			t.Errorf("%s: inline script or external resource", path)
		}
	}
}

func TestFilterValidation(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		query   string
		want    int
		message string
	}{
		{"", 200, ""},
		{"device=SEP1&user=alice&cluster=US&op=login&code=0&outcome=success&from=2026-01-01T00:00&to=2026-01-02", 200, ""},
		{"limit=999999", 200, ""},
		{"limit=-5", 200, ""},
		{"op=drop", 400, "op: unknown operation"},
		{"code=abc", 400, "code: not a number"},
		{"outcome=meh", 400, "outcome: must be one of"},
		{"from=yesterday", 400, "from: not a time"},
		{"to=2026-13-01", 400, "to: not a time"},
		{"limit=ten", 400, "limit: not a number"},
		{"cursor=!!!", 400, "cursor: invalid"},
		{"device=" + strings.Repeat("x", 300), 400, "device: longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			for _, path := range []string{"/api/history", "/history", "/history.csv"} {
				r := httptest.NewRequest("GET", path+"?"+tt.query, nil)
				r.SetBasicAuth("desk", "deskpw")
				w := f.do(t, r)
				if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.message) {
					t.Errorf("%s: %d %q, want %d with %q", path, w.Code, w.Body.String(), tt.want, tt.message)
				}
			}
		})
	}
}

func TestAPIHistoryPagesAndCSV(t *testing.T) {
	f := newFixture(t)
	var rows []history.Record
	for i := range 25 {
		rows = append(rows, historytest.Row(i))
	}
	rows[3].Text = "=HYPERLINK(\"x\")"
	if err := f.store.Insert(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	var got []row
	next := ""
	for pages := 0; ; pages++ {
		r := httptest.NewRequest("GET", "/api/history?limit=10&cursor="+next, nil)
		r.SetBasicAuth("desk", "deskpw")
		w := f.do(t, r)
		var p apiPage
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != 200 {
			t.Fatalf("page %d: %d %v", pages, w.Code, err)
		}
		got = append(got, p.Rows...)
		if next = p.Next; next == "" {
			break
		}
	}
	if len(got) != 25 || got[0].ID != "req-24" || got[24].ID != "req-0" {
		t.Fatalf("paged %d rows, first %v", len(got), got[0])
	}
	r := httptest.NewRequest("GET", "/history.csv?limit=5", nil)
	r.SetBasicAuth("desk", "deskpw")
	w := f.do(t, r)
	recs, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || w.Code != 200 || len(recs) != 26 {
		t.Fatalf("csv: %d, %d records, %v", w.Code, len(recs), err)
	}
	if recs[0][0] != "time" || recs[1][1] != "req-24" || recs[22][8] != "'=HYPERLINK(\"x\")" {
		t.Errorf("csv rows: %v %v %v", recs[0], recs[1], recs[22])
	}
	r = httptest.NewRequest("GET", "/history.csv?device=SEP000000000001", nil)
	r.SetBasicAuth("desk", "deskpw")
	recs, _ = csv.NewReader(f.do(t, r).Body).ReadAll()
	if len(recs) != 9 {
		t.Errorf("filtered csv: %d records, want 8 rows and the header", len(recs))
	}
}
