package dashboard

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// reportFixture holds three overlapping sessions on 2026-12-01 (UTC) and
// a clock at 11:00.
func reportFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	at := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, time.UTC) }
	f.d.opts.Now = func() time.Time { return at(11, 0) }
	rec := func(t time.Time, op, dev, user, class string) history.Record {
		return history.Record{Time: t, ID: dev + op, Op: op, Device: dev, User: user, Cluster: "c1", Class: class}
	}
	rows := []history.Record{
		rec(at(8, 0), "login", "SEP1", "alice", "success"),
		rec(at(8, 5), "login", "=SEP4", "eve", "cucm_error"),
		rec(at(8, 10), "login", "SEP2", "bob", "success"),
		rec(at(8, 20), "login", "SEP3", "carol", "success"),
		rec(at(9, 0), "logout", "SEP1", "", "success"),
		rec(at(9, 30), "login", "SEP2", "dave", "success"),
		rec(at(10, 0), "logoutuser", "SEP3", "carol", "success"),
	}
	if err := f.store.Insert(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	return f
}

const reportQuery = "from=2026-12-01T08:00:00Z&to=2026-12-01T12:00:00Z&group=hour&zone=UTC"

func TestReportsJSON(t *testing.T) {
	f := reportFixture(t)
	w := f.do(t, basicGet("/api/reports?"+reportQuery, "desk", "deskpw"))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var rep struct {
		Groups []struct {
			Start                   string
			Logins, Failures, Users int
			PeakConcurrent          int
			LoggedInSeconds         int64
			MedianSessionSeconds    float64
		}
		MostUsed []struct{ Device string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Groups) != 4 || rep.Groups[0].PeakConcurrent != 3 || rep.Groups[0].Logins != 3 || rep.Groups[0].Failures != 1 ||
		rep.Groups[0].LoggedInSeconds != 9000 || rep.Groups[0].Start != "2026-12-01T08:00:00Z" || rep.MostUsed[0].Device != "SEP2" {
		t.Errorf("report %s", w.Body)
	}
}

func TestReportsBadFilters(t *testing.T) {
	f := reportFixture(t)
	for _, q := range []string{"group=month", "zone=Nowhere%2FCity", "from=2020-01-01&to=2026-01-01", "user=%FF", "device=%5B",
		"from=2026-12-02&to=2026-12-01", "to=" + strings.Repeat("9", 100), "from=2026-01-01&to=2026-12-01&group=hour"} {
		w := f.do(t, basicGet("/api/reports?"+q, "desk", "deskpw"))
		var e apiError
		if w.Code != http.StatusBadRequest || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error == "" {
			t.Errorf("%s: %d %s", q, w.Code, w.Body)
		}
		if w := f.do(t, basicGet("/reports.csv?"+q, "desk", "deskpw")); w.Code != http.StatusBadRequest {
			t.Errorf("csv %s: %d", q, w.Code)
		}
	}
	if w := f.do(t, basicGet("/reports.csv?table=secrets", "desk", "deskpw")); w.Code != http.StatusBadRequest {
		t.Errorf("unknown table: %d", w.Code)
	}
}

func TestReportsCSV(t *testing.T) {
	f := reportFixture(t)
	w := f.do(t, basicGet("/reports.csv?table=devices&"+reportQuery, "desk", "deskpw"))
	recs, err := csv.NewReader(w.Body).ReadAll()
	if w.Code != http.StatusOK || err != nil {
		t.Fatalf("%d %v", w.Code, err)
	}
	if len(recs) != 5 || recs[1][0] != "SEP2" || recs[1][3] != "10200" || recs[4][0] != "'=SEP4" {
		t.Errorf("devices CSV %q", recs)
	}
	w = f.do(t, basicGet("/reports.csv?"+reportQuery, "desk", "deskpw"))
	if recs, _ := csv.NewReader(w.Body).ReadAll(); len(recs) != 5 || recs[1][6] != "3" {
		t.Errorf("groups CSV %q", recs)
	}
}

func TestReportsPage(t *testing.T) {
	f := reportFixture(t)
	c := f.signin(t, "desk", "deskpw")
	w := f.do(t, cookieGet("/reports?"+reportQuery+"&device="+url.QueryEscape(`<script>`), c))
	body := w.Body.String()
	if w.Code != http.StatusOK || strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("%d, the filter not escaped: %s", w.Code, body)
	}
	body = f.do(t, cookieGet("/reports?"+reportQuery, c)).Body.String()
	for _, want := range []string{`<svg id="report-chart"`, "peak 3 at once", "<td>2h50m0s</td>", "/api/reports?"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if w := f.do(t, cookieGet("/reports?group=year", c)); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "group: must be hour, day or week") {
		t.Errorf("bad group: %d", w.Code)
	}
	if w := f.do(t, httptestGet("/reports")); w.Code != http.StatusSeeOther {
		t.Errorf("without a session: %d", w.Code)
	}
}

// httptestGet is a GET without credentials.
func httptestGet(target string) *http.Request {
	return httptest.NewRequest(http.MethodGet, target, nil)
}

// cookieGet is a GET signed in with c.
func cookieGet(target string, c *http.Cookie) *http.Request {
	r := httptestGet(target)
	r.AddCookie(c)
	return r
}

// Past maxReports reports at once, the next waits reportWait and gets 503.
func TestReportsBusy(t *testing.T) {
	f := reportFixture(t)
	defer func(w time.Duration) { reportWait = w }(reportWait)
	reportWait = 10 * time.Millisecond
	for range maxReports {
		f.d.reports <- struct{}{}
	}
	w := f.do(t, basicGet("/api/reports?"+reportQuery, "desk", "deskpw"))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "too many reports") {
		t.Errorf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	<-f.d.reports
	if w := f.do(t, basicGet("/api/reports?"+reportQuery, "desk", "deskpw")); w.Code != http.StatusOK {
		t.Errorf("with a slot free: %d", w.Code)
	}
}
