package dashboard

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

// fakeSweeps is the runner's read side: two sweeps, reports for one.
type fakeSweeps struct {
	reports map[string][]service.SweepReport
	fail    map[string]bool
}

func (f *fakeSweeps) Sweeps() []service.Sweep {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	return []service.Sweep{
		{Name: "hotdesk-night", Hour: 23, Days: []time.Weekday{time.Monday, time.Friday}, Location: ams,
			Clusters: []string{"EU"}, Devices: "SEPHD*", MinLoginAge: 30 * time.Minute},
		{Name: "byhand", Devices: "SEP<b>*"},
	}
}

func (f *fakeSweeps) Reports(_ context.Context, name string, limit int) ([]service.SweepReport, error) {
	if f.fail[name] {
		return nil, errors.New("database down")
	}
	return f.reports[name], nil
}

// sweepConn answers runsweep like the Connector: a report, or code.
type sweepConn struct {
	fakeConn
	mu    sync.Mutex
	code  int
	creds []service.Credentials
	runs  []service.Request
}

func (c *sweepConn) Serve(ctx context.Context, cred service.Credentials, req service.Request) service.Result {
	if req.Op != service.OpRunSweep {
		return c.fakeConn.Serve(ctx, cred, req)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.creds, c.runs = append(c.creds, cred), append(c.runs, req)
	if c.code != 0 {
		return service.Result{Op: req.Op, Code: c.code, Text: "Sweep " + req.Name + " is running"}
	}
	verb := "logged out"
	if req.DryRun {
		verb = "would log out"
	}
	return service.Result{Op: req.Op, Text: "Sweep " + req.Name + " " + verb + " 2 device(s)",
		Fields: []service.Field{{Name: "sweep", Value: req.Name}, {Name: "examined", Value: "8"}, {Name: "loggedIn", Value: "3"},
			{Name: "loggedOut", Value: "2"}, {Name: "spared", Value: "1"}, {Name: "failed", Value: "0"}, {Name: "failures", Value: ""}},
		Devices: []service.DeviceResult{{Device: "SEPHD1", Cluster: "EU", Text: "Would log out <i>bob"}, {Device: "SEPHD2", Cluster: "EU"}}}
}

func newSweepsFixture(t *testing.T) (*fixture, *sweepConn, *fakeSweeps) {
	t.Helper()
	f := newFixture(t)
	conn := &sweepConn{}
	t0 := time.Date(2026, 12, 5, 22, 0, 0, 0, time.UTC)
	sw := &fakeSweeps{fail: map[string]bool{"byhand": true}, reports: map[string][]service.SweepReport{"hotdesk-night": {{
		Sweep: "hotdesk-night", State: service.SweepDone, AppID: "bcsched", Started: t0, Finished: t0.Add(90 * time.Second),
		Examined: 40, LoggedIn: 12, LoggedOut: 10, Spared: 1, Failures: map[int]int{6: 1},
	}}}}
	d, err := New(Options{Users: f.d.opts.Users, Store: f.store, Conn: conn, Cred: f.d.opts.Cred, Sweeps: sw,
		Now:    func() time.Time { return time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC) }, // a Sunday
		Logger: slog.New(slog.NewTextHandler(f.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.d = d
	return f, conn, sw
}

func TestSchedulesPageSweeps(t *testing.T) {
	f, _, _ := newSweepsFixture(t)
	get := func(c *http.Cookie) string {
		r := httptest.NewRequest(http.MethodGet, "/schedules", nil)
		r.AddCookie(c)
		w := f.do(t, r)
		if w.Code != http.StatusOK {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		return w.Body.String()
	}
	body := get(f.signin(t, "desk", "deskpw"))
	for _, want := range []string{
		`<td>hotdesk-night</td><td>23:00:00 (Europe/Amsterdam)</td><td>mon, fri</td><td>EU</td><td><code>SEPHD*</code></td><td>30m0s</td>`,
		// the next run after Sunday 09:00 UTC: Monday 23:00 in Amsterdam, 22:00 UTC
		"Mon 2026-12-07 23:00:00 CET (2026-12-07 22:00:00 UTC)",
		"<td>2026-12-05 22:00:00</td><td>2026-12-05 22:01:30</td><td>done</td><td>scheduled</td><td>bcsched</td><td>40</td><td>12</td><td>10</td><td>1</td><td>6:1</td>",
		"never (run by hand only)", "none scheduled", "<code>SEP&lt;b&gt;*</code>", "The runs cannot be read now: database down",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in\n%s", want, body)
		}
	}
	if strings.Contains(body, "/preview") || strings.Contains(body, "/run") {
		t.Errorf("a viewer gets no sweep buttons")
	}
	if !strings.Contains(get(f.signin(t, "admin", "adminpw")), `action="/schedules/sweeps/hotdesk-night/preview"`) {
		t.Errorf("an operator gets the preview button")
	}
}

func TestSchedulesPageWithoutSweeps(t *testing.T) {
	f := newFixture(t)
	r := httptest.NewRequest(http.MethodGet, "/schedules", nil)
	r.AddCookie(f.signin(t, "admin", "adminpw"))
	if w := f.do(t, r); !strings.Contains(w.Body.String(), "Sweeps are not configured") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	r = formPost("/schedules/sweeps/x/run", nil)
	r.AddCookie(f.signin(t, "admin", "adminpw"))
	if w := f.do(t, r); w.Code != http.StatusNotFound {
		t.Errorf("run without sweeps: %d", w.Code)
	}
}

func TestSweepPreviewAndRun(t *testing.T) {
	f, conn, _ := newSweepsFixture(t)
	admin, desk := f.signin(t, "admin", "adminpw"), f.signin(t, "desk", "deskpw")
	post := func(target string, c *http.Cookie, site string) *httptest.ResponseRecorder {
		r := formPost(target, nil)
		r.AddCookie(c)
		if site != "" {
			r.Header.Set("Sec-Fetch-Site", site)
		}
		return f.do(t, r)
	}

	w := post("/schedules/sweeps/hotdesk-night/preview", admin, "same-origin")
	body := w.Body.String()
	for _, want := range []string{"Sweep hotdesk-night would log out 2 device(s)", "<th scope=\"row\">Would log out</th><td>2</td>",
		"Would log out &lt;i&gt;bob", `action="/schedules/sweeps/hotdesk-night/run"`, "Run now", "<td>none</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("preview: no %q in\n%s", want, body)
		}
	}
	if len(conn.runs) != 1 || !conn.runs[0].DryRun || conn.runs[0].Name != "hotdesk-night" || conn.creds[0].AppID != "bcdash" {
		t.Fatalf("preview runs %+v with %+v", conn.runs, conn.creds)
	}

	w = post("/schedules/sweeps/hotdesk-night/run", admin, "")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Sweep hotdesk-night logged out 2 device(s)") || strings.Contains(w.Body.String(), "Run now") {
		t.Errorf("run: %d\n%s", w.Code, w.Body)
	}
	if len(conn.runs) != 2 || conn.runs[1].DryRun {
		t.Fatalf("run: %+v", conn.runs)
	}
	ev := conn.events[len(conn.events)-1]
	if ev.Actor != "admin" || ev.Op != service.OpRunSweep {
		t.Errorf("the run's event: actor %q op %q", ev.Actor, ev.Op)
	}
	if !strings.Contains(f.logs.String(), "event=dashboard.runsweep user=admin") {
		t.Errorf("no audit event:\n%s", f.logs)
	}

	conn.code = service.CodeSweepRunning
	if w := post("/schedules/sweeps/hotdesk-night/run", admin, ""); w.Code != http.StatusConflict ||
		!strings.Contains(w.Body.String(), "code 1097: Sweep hotdesk-night is running") {
		t.Errorf("busy: %d\n%s", w.Code, w.Body)
	}
	if w := post("/schedules/sweeps/hotdesk-night/preview", admin, ""); strings.Contains(w.Body.String(), "Run now") {
		t.Errorf("a failed preview offers no run")
	}

	runs := len(conn.runs)
	for _, tc := range []struct {
		name, target string
		c            *http.Cookie
		site         string
		want         int
	}{
		{"viewer preview", "/schedules/sweeps/hotdesk-night/preview", desk, "", http.StatusForbidden},
		{"viewer run", "/schedules/sweeps/hotdesk-night/run", desk, "", http.StatusForbidden},
		{"cross-site run", "/schedules/sweeps/hotdesk-night/run", admin, "cross-site", http.StatusForbidden},
		{"unknown sweep", "/schedules/sweeps/nightly/run", admin, "", http.StatusNotFound},
		{"markup in the name", "/schedules/sweeps/%3Cscript%3E/preview", admin, "", http.StatusBadRequest},
		{"long name", "/schedules/sweeps/" + strings.Repeat("n", 65) + "/run", admin, "", http.StatusBadRequest},
		{"invalid UTF-8", "/schedules/sweeps/%ff/run", admin, "", http.StatusBadRequest},
		{"GET run", "/schedules/sweeps/hotdesk-night/run", admin, "get", http.StatusMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w *httptest.ResponseRecorder
			if tc.site == "get" {
				r := httptest.NewRequest(http.MethodGet, tc.target, nil)
				r.AddCookie(tc.c)
				w = f.do(t, r)
			} else {
				w = post(tc.target, tc.c, tc.site)
			}
			if w.Code != tc.want {
				t.Errorf("%d, want %d", w.Code, tc.want)
			}
			if b := w.Body.String(); strings.Contains(b, "<script>") || strings.Contains(b, "nightly") || strings.Contains(b, "nnnnnnnn") {
				t.Errorf("the name is echoed:\n%s", b)
			}
		})
	}
	if len(conn.runs) != runs {
		t.Errorf("refused requests ran the sweep: %+v", conn.runs[runs:])
	}
}
