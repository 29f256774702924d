package dashboard

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
)

func event(at time.Time, op service.Op, dev, user, cluster string, code int, class service.Class, attempts int) service.Event {
	return service.Event{ID: "r", Op: op, Device: dev, User: user, Cluster: cluster, Code: code, Class: class,
		Start: at, Duration: 40 * time.Millisecond, BusyRetries: attempts - 1}
}

// glanceFixture is a dashboard whose Recent got a scripted set of
// requests: in US two logins (one retried) and a busy 26, in EU a login
// then a logout of the same phone and a failure.
func glanceFixture(t *testing.T, now time.Time) (*Dashboard, *Recent) {
	t.Helper()
	rec := NewRecent(now.Add(-2 * time.Hour))
	for _, e := range []service.Event{
		event(now.Add(-5*time.Minute), service.OpLogin, "SEP1", "alice", "US", 0, service.ClassSuccess, 1),
		event(now.Add(-4*time.Minute), service.OpLogin, "SEP2", "bob", "US", 0, service.ClassSuccess, 2),
		event(now.Add(-4*time.Minute), service.OpLogin, "SEP3", "carol", "US", 26, service.ClassCUCMError, 3),
		event(now.Add(-3*time.Minute), service.OpLogin, "SEP9", "dave", "EU", 0, service.ClassSuccess, 1),
		event(now.Add(-2*time.Minute), service.OpLogout, "SEP9", "", "EU", 0, service.ClassSuccess, 1),
		event(now.Add(-90*time.Minute), service.OpLogout, "SEP8", "", "EU", 19, service.ClassCUCMError, 1),
	} {
		rec.Consume(e)
	}
	rec.BreakerChanged(StateChange{At: now.Add(-10 * time.Minute), Cluster: "EU", Node: "cucm-eu:8443", From: "closed", To: "open"})
	d, err := New(Options{Users: []User{{Name: "desk", Role: RoleViewer, Hash: hash(t, "deskpw")}},
		Store: historytest.NewMemory(), Conn: &fakeConn{}, Recent: rec, Now: func() time.Time { return now },
		Clusters: func() []ClusterStats { return []ClusterStats{{Cluster: "US"}, {Cluster: "EU"}} }})
	if err != nil {
		t.Fatal(err)
	}
	return d, rec
}

func TestStatusGlance(t *testing.T) {
	now := time.Date(2026, 12, 6, 8, 30, 20, 0, time.UTC)
	d, _ := glanceFixture(t, now)
	w := httptestDo(d, "/")
	body := w.Body.String()
	if os.Getenv("GLANCE_HTML") != "" {
		_ = os.WriteFile(os.Getenv("GLANCE_HTML"), w.Body.Bytes(), 0o600)
	}
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	from, to := "from=2026-12-06T07%3A31", "to=2026-12-06T08%3A31"
	hour := from + "&amp;" + to
	want := []string{
		`<a href="/history?` + hour + `">5 requests</a>, error rate 20.0 %`,
		`<a href="/history?code=26&amp;` + hour + `">1 answered busy (26)</a>`,
		`>2 retried after a busy answer (26)</a>`,
		`<a href="/history?` + from + `&amp;outcome=cucm_error&amp;` + to + `">cucm_error: 1</a>`,
		`<a href="/history?` + from + `&amp;outcome=success&amp;` + to + `">success: 4</a>`,
		`<a href="/history?from=2026-12-05T08%3A45&amp;to=2026-12-06T08%3A45">6 requests</a>`, // the day's window holds the 90-minute-old row
		// US: two phones, two logins in the hour; EU: none now (logged out), one login
		`<summary>2</summary>`,
		`<a href="/devices/SEP2">SEP2</a>: <a href="/users/bob">bob</a> since 2026-12-06 08:26:20.000`,
		`<a href="/history?cluster=US&amp;` + from + `&amp;op=login&amp;outcome=success&amp;` + to + `">2</a>`,
		`<a href="/history?cluster=EU&amp;` + from + `&amp;op=login&amp;outcome=success&amp;` + to + `">1</a>`,
		`<title>08:20:20 UTC: breaker of EU/cucm-eu:8443 closed → open</title>`,
		`fill="url(#pat-o-success)"`, `fill="url(#pat-busy)"`, `fill="url(#pat-retried)"`,
		`<title>1 answered busy (26) by CUCM, 08:26–08:27 UTC</title>`,
		`Duration of US, Last 60 minutes`,
		`<script src="/static/status.js" defer></script>`,
	}
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %s", s)
		}
	}
	if strings.Contains(body, `<summary>1</summary>`) {
		t.Error("EU's phone logged out still counts")
	}
}

// The cluster parameter narrows the charts to one cluster; any other
// value is refused with 400 and the charts of every cluster, without
// echoing it.
func TestStatusScope(t *testing.T) {
	now := time.Date(2026, 12, 6, 8, 30, 20, 0, time.UTC)
	d, _ := glanceFixture(t, now)
	tests := []struct {
		name, value string
		code        int
		want        string
	}{
		{"one cluster", "US", 200, `<strong aria-current="page">US</strong>`},
		{"every cluster", "", 200, `<strong aria-current="page">all clusters</strong>`},
		{"unknown", "XX", 400, "cluster: not a cluster of this service"},
		{"markup", `<script>alert(1)</script>`, 400, "cluster: not a cluster of this service"},
		{"huge", strings.Repeat("A", 1<<16), 400, "cluster: not a cluster of this service"},
		{"invalid bytes", "\xff\x00", 400, "cluster: not a cluster of this service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptestDo(d, "/?"+url.Values{"cluster": {tt.value}}.Encode())
			body := w.Body.String()
			if w.Code != tt.code || !strings.Contains(body, tt.want) {
				t.Errorf("status %d, page has %q: %v", w.Code, tt.want, strings.Contains(body, tt.want))
			}
			if tt.code == 400 && (strings.Contains(body, "<script>alert") || strings.Contains(body, "AAAAAAAA")) {
				t.Error("the value is echoed")
			}
			if tt.value == "US" && strings.Contains(body, "Duration of EU") {
				t.Error("EU's chart shown with the US scope")
			}
		})
	}
}

func httptestDo(d *Dashboard, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	d.ServeHTTP(w, basicGet(target, "desk", "deskpw"))
	return w
}

// failingStore fails its first Query, then answers from Memory.
type failingStore struct {
	*historytest.Memory
	calls atomic.Int32
}

func (f *failingStore) Query(ctx context.Context, q history.Query) (history.Page, error) {
	if f.calls.Add(1) == 2 {
		return history.Page{}, errors.New("down")
	}
	return f.Memory.Query(ctx, q)
}

// Backfill reads the day's rows and each phone's newest change from the
// history, goes on after an error without counting a row twice, and a
// request served since wins over an older row.
func TestBackfill(t *testing.T) {
	start := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	mem := historytest.NewMemory()
	var rows []history.Record
	for i := range 2500 { // three pages
		rows = append(rows, history.Record{Time: start.Add(-time.Duration(i+1) * 10 * time.Second), Op: "deviceuserquery",
			Device: "SEPX", Cluster: "US", Class: "success", Duration: 5 * time.Millisecond})
	}
	rows = append(rows,
		history.Record{Time: start.Add(-72 * time.Hour), Op: "login", Device: "SEPOLD", User: "olga", Cluster: "US", Class: "success"},
		history.Record{Time: start.Add(-time.Hour), Op: "login", Device: "SEPNEW", User: "nina", Cluster: "EU", Class: "success"},
		history.Record{Time: start.Add(time.Minute), Op: "login", Device: "SEPAFTER", User: "x", Cluster: "EU", Class: "success"},
	)
	if err := mem.Insert(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	rec := NewRecent(start)
	rec.Consume(event(start.Add(time.Second), service.OpLogout, "SEPNEW", "", "EU", 0, service.ClassSuccess, 1))
	rec.Backfill(context.Background(), &failingStore{Memory: mem}, time.Millisecond)
	if ok, msg := rec.backfillState(); !ok || msg != "" {
		t.Fatalf("backfilled %v %q", ok, msg)
	}
	total := 0
	for _, b := range rec.series.window(start, 2, 24*60*time.Minute) {
		total += b.All.Total()
	}
	if total != 2500+1+1 { // the day's rows, SEPNEW's login and its logout since
		t.Errorf("counted %d rows, want 2502", total)
	}
	open, loaded := rec.phones.open()
	if !loaded || len(open["US"]) != 1 || open["US"][0].Device != "SEPOLD" || len(open["EU"]) != 0 {
		t.Errorf("open phones %v (loaded %v), want SEPOLD in US only", open, loaded)
	}
}

// Requests counted from many goroutines while pages are built lose none.
func TestRecentConcurrent(t *testing.T) {
	now := time.Date(2026, 12, 6, 8, 30, 0, 0, time.UTC)
	rec := NewRecent(now.Add(-time.Hour))
	const workers, each = 8, 300
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			_ = glance(rec, now, "", []string{"US"})
		}
	}()
	finished := make(chan struct{}, workers)
	for w := range workers {
		go func() {
			for i := range each {
				rec.Consume(event(now.Add(-time.Duration(i%50)*time.Minute), service.OpLogin, "SEP"+strconv.Itoa(w*each+i), "u", "US", 0, service.ClassSuccess, 1))
			}
			finished <- struct{}{}
		}()
	}
	for range workers {
		<-finished
	}
	<-done
	v := glance(rec, now, "", []string{"US"})
	if v.Windows[0].Total != workers*each || v.Clusters[0].PhonesCount != workers*each {
		t.Errorf("counted %d requests and %d phones, want %d", v.Windows[0].Total, v.Clusters[0].PhonesCount, workers*each)
	}
}
