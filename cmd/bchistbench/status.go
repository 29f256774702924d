package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/dashboard"
	"github.com/emconnector/emconnector/service/history"
	"golang.org/x/crypto/bcrypt"
)

// statusTarget is the status page's target (issue 20: < 100 ms).
const statusTarget = 100 * time.Millisecond

// statusTimings are the status page's figures on one store: the reads at
// start (each phone's newest change and the last day's rows, which fill
// the page's in-memory series) and the page's own times.
type statusTimings struct {
	startup time.Duration
	d       []time.Duration
}

// measureStatus fills the status page's series from the store as
// bcservice does at start, then times n status pages (GET / with a
// session cookie) after one unmeasured.
func measureStatus(ctx context.Context, st history.Store, g *generator, n int) (statusTimings, error) {
	var t statusTimings
	now := g.start.Add(span)
	recent := dashboard.NewRecent(now)
	start := time.Now()
	recent.Backfill(ctx, st, time.Second)
	t.startup = time.Since(start)
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		return t, err
	}
	d, err := dashboard.New(dashboard.Options{Users: []dashboard.User{{Name: "v", Role: dashboard.RoleViewer, Hash: string(hash)}},
		Store: st, Conn: nopConn{}, Recent: recent, Now: func() time.Time { return now },
		Clusters: func() []dashboard.ClusterStats {
			out := make([]dashboard.ClusterStats, clusters)
			for i := range out {
				out[i].Cluster = fmt.Sprintf("C%d", i+1)
			}
			return out
		}})
	if err != nil {
		return t, err
	}
	cookie, err := signIn(d)
	if err != nil {
		return t, err
	}
	for i := range n + 1 {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		start := time.Now()
		d.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			return t, fmt.Errorf("status page: %d", w.Code)
		}
		if i > 0 {
			t.d = append(t.d, time.Since(start))
		}
	}
	return t, nil
}

// nopConn is the dashboard's connection to CUCM, which the status page
// does not use.
type nopConn struct{}

func (nopConn) Serve(context.Context, service.Credentials, service.Request) service.Result {
	return service.Result{}
}
func (nopConn) Finish(*service.Exchange) bool { return true }

// signIn gets a session cookie, so that the measured pages do not pay for
// bcrypt.
func signIn(d http.Handler) (*http.Cookie, error) {
	r := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(url.Values{"name": {"v"}, "password": {"pw"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	d.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.Value != "" {
			return c, nil
		}
	}
	return nil, fmt.Errorf("sign-in: status %d, no cookie", w.Code)
}

// printStatus prints one line per store, with the target.
func printStatus(out io.Writer, results []result) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "store\tstatus page\tn\tp50\tp95\ttarget p95\tstart-up read\t")
	for _, r := range results {
		p95 := percentile(r.status.d, 95)
		verdict := "ok"
		if p95 >= statusTarget {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "%s\tGET /\t%d\t%s\t%s\t< %v %s\t%v\t\n", r.store, len(r.status.d), ms(percentile(r.status.d, 50)), ms(p95),
			statusTarget, verdict, r.status.startup.Round(time.Millisecond))
	}
	w.Flush()
}
