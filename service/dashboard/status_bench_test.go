package dashboard

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history/historytest"
	"golang.org/x/crypto/bcrypt"
)

// BenchmarkStatusPage renders the status page from a full day of the
// series at the history's target rate (77 rows a minute, two clusters,
// 1,000 phones), with a session cookie (no bcrypt per request); the page
// reads no database. cmd/bcservice's BenchmarkStatusPage adds the start-up
// read of a month of SQLite history.
func BenchmarkStatusPage(b *testing.B) {
	now := time.Date(2026, 12, 6, 8, 30, 0, 0, time.UTC)
	rec := NewRecent(now.Add(-25 * time.Hour))
	for m := range 24 * 60 {
		for i := range 77 {
			at := now.Add(-time.Duration(m)*time.Minute + time.Duration(i)*time.Second/2)
			dev := (m*77 + i) % 1000
			cl := []string{"US", "EU"}[dev%2]
			code, class := 0, service.ClassSuccess
			if i%20 == 0 {
				code, class = 26, service.ClassCUCMError
			}
			e := event(at, service.OpLogin, "SEP"+strconv.Itoa(dev), "u"+strconv.Itoa(i), cl, code, class, 1+i%3)
			e.Duration = time.Duration(20+i*7) * time.Millisecond
			rec.Consume(e)
		}
	}
	for i := range 20 {
		rec.BreakerChanged(StateChange{At: now.Add(-time.Duration(i) * time.Hour), Cluster: "EU", Node: "n:8443", From: "closed", To: "open"})
	}
	h, _ := bcrypt.GenerateFromPassword([]byte("deskpw"), bcrypt.MinCost)
	d, err := New(Options{Users: []User{{Name: "desk", Role: RoleViewer, Hash: string(h)}},
		Store: historytest.NewMemory(), Conn: &fakeConn{}, Recent: rec, Now: func() time.Time { return now },
		Clusters: func() []ClusterStats { return []ClusterStats{{Cluster: "US"}, {Cluster: "EU"}} }})
	if err != nil {
		b.Fatal(err)
	}
	w := httptest.NewRecorder()
	d.ServeHTTP(w, formPost("/signin", url.Values{"name": {"desk"}, "password": {"deskpw"}}))
	var cookie *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			cookie = c
		}
	}
	if cookie == nil {
		b.Fatalf("sign-in: %d", w.Code)
	}
	size := 0
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		d.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size), "page-bytes")
	if f := os.Getenv("STATUS_PAGE_HTML"); f != "" {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		d.ServeHTTP(w, r)
		_ = os.WriteFile(f, w.Body.Bytes(), 0o600)
	}
}
