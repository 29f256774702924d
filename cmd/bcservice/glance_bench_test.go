package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/dashboard"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/sqlite"
	"golang.org/x/crypto/bcrypt"
)

// BenchmarkStatusPage measures the dashboard's status page over a month of
// history in SQLite (cmd/bcbench/README.md, "The status page"): once, the
// reads at start (each phone's newest change over the month and the day's
// rows, reported as backfill-ms), then the page itself, rendered from the
// in-memory series. BENCH_GLANCE_RATE sets the rows a minute (default 20,
// a month of 864,000 rows; the history's scale target is about 77).
//
//	go test -run '^$' -bench StatusPage -benchtime 200x ./cmd/bcservice/
func BenchmarkStatusPage(b *testing.B) {
	rate := 20
	if s := os.Getenv("BENCH_GLANCE_RATE"); s != "" {
		rate, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	end := time.Now().UTC().Truncate(time.Minute)
	loadStart := time.Now()
	n := loadMonth(b, store, end, rate)
	b.Logf("loaded %d rows (%d a minute over 30 days) in %v", n, rate, time.Since(loadStart).Round(time.Second))

	recent := dashboard.NewRecent(end)
	t0 := time.Now()
	recent.Backfill(ctx, store, time.Second)
	backfill := time.Since(t0)
	b.Logf("backfill (each phone's newest change over the month, the day's rows): %v", backfill)

	hash, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	d, err := dashboard.New(dashboard.Options{Users: []dashboard.User{{Name: "v", Role: dashboard.RoleViewer, Hash: string(hash)}},
		Store: store, Conn: nopConn{}, Recent: recent,
		Clusters: func() []dashboard.ClusterStats { return []dashboard.ClusterStats{{Cluster: "US"}, {Cluster: "EU"}} }})
	if err != nil {
		b.Fatal(err)
	}
	cookie := signIn(b, d)
	b.ResetTimer()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		d.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
	b.ReportMetric(float64(backfill.Milliseconds()), "backfill-ms")
	b.ReportMetric(float64(n), "rows")
}

// loadMonth writes rate rows a minute over the 30 days before end: logins,
// logouts and queries on 1,000 phones in two clusters, some failures and
// busy answers.
func loadMonth(b *testing.B, store history.Store, end time.Time, rate int) int {
	rng := rand.New(rand.NewPCG(1, 2))
	start := end.Add(-30 * 24 * time.Hour)
	batch := make([]history.Record, 0, 5000)
	n := 0
	for m := start; m.Before(end); m = m.Add(time.Minute) {
		for i := range rate {
			batch = append(batch, benchRow(rng, m.Add(time.Duration(i)*time.Minute/time.Duration(rate))))
		}
		if len(batch) >= 4000 {
			if err := store.Insert(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			n += len(batch)
			batch = batch[:0]
		}
	}
	if err := store.Insert(context.Background(), batch); err != nil {
		b.Fatal(err)
	}
	return n + len(batch)
}

func benchRow(rng *rand.Rand, at time.Time) history.Record {
	dev := rng.IntN(1000)
	r := history.Record{Time: at, ID: "bench", Device: fmt.Sprintf("SEP%012d", dev), Cluster: []string{"US", "EU"}[dev%2],
		Class: "success", Duration: time.Duration(20+rng.IntN(400)) * time.Millisecond, Client: "10.0.0.1", AppID: "bcapp"}
	switch p := rng.IntN(100); {
	case p < 35:
		r.Op, r.User = "login", fmt.Sprintf("user%d", rng.IntN(5000))
	case p < 65:
		r.Op = "logout"
	case p < 90:
		r.Op = "deviceuserquery"
	case p < 95:
		r.Op, r.Class, r.Code = "login", "cucm_error", 26
	default:
		r.Op, r.Class, r.Code = "logout", "cucm_error", 19
	}
	return r
}

type nopConn struct{}

func (nopConn) Serve(context.Context, service.Credentials, service.Request) service.Result {
	return service.Result{}
}
func (nopConn) Finish(*service.Exchange) bool { return true }

// signIn gets a session cookie, so that the measured requests do not pay
// for bcrypt.
func signIn(b *testing.B, d http.Handler) *http.Cookie {
	r := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(url.Values{"name": {"v"}, "password": {"pw"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	d.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.Value != "" {
			return c
		}
	}
	b.Fatalf("sign-in: status %d, no cookie", w.Code)
	return nil
}
