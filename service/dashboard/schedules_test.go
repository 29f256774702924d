package dashboard

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

// fakeBookings holds bookings in memory and records cancellations.
type fakeBookings struct {
	mu        sync.Mutex
	list      []service.Booking
	filters   []service.BookingFilter
	cancelled []string
}

func (f *fakeBookings) List(_ context.Context, flt service.BookingFilter) ([]service.Booking, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, flt)
	var out []service.Booking
	for _, b := range f.list {
		if (flt.State == "" || b.State == flt.State) && (flt.Device == "" || b.Device == flt.Device) {
			out = append(out, b)
		}
	}
	return out, nil
}

func (f *fakeBookings) Cancel(_ context.Context, id string, keep bool) (service.Booking, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, b := range f.list {
		if b.ID == id {
			f.cancelled = append(f.cancelled, id)
			f.list[i].State = service.BookingCancelled
			return b, b.State == service.BookingActive && !keep, nil
		}
	}
	return service.Booking{}, false, service.Errorf(service.CodeBookingUnknown, "Booking %s not found", id)
}

func newSchedulesFixture(t *testing.T) (*fixture, *fakeBookings) {
	t.Helper()
	f := newFixture(t)
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	b := &fakeBookings{list: []service.Booking{
		{ID: "bactive", Device: "SEP1", User: "alice", Cluster: "EU", Start: t0, End: t0.Add(time.Hour), State: service.BookingActive, Text: "Login successful"},
		{ID: "bnext", Device: "SEP2", User: `<b>"x`, Cluster: "EU", Start: t0.Add(2 * time.Hour), End: t0.Add(3 * time.Hour), State: service.BookingScheduled},
	}}
	d, err := New(Options{Users: f.d.opts.Users, Store: f.store, Conn: f.conn, Cred: f.d.opts.Cred, Bookings: b,
		Logger: slog.New(slog.NewTextHandler(f.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.d = d
	return f, b
}

func TestSchedulesPage(t *testing.T) {
	f, b := newSchedulesFixture(t)
	desk, admin := f.signin(t, "desk", "deskpw"), f.signin(t, "admin", "adminpw")
	get := func(target string, c *http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.AddCookie(c)
		return f.do(t, r)
	}
	w := get("/schedules", desk)
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "bactive") || !strings.Contains(body, "bnext") {
		t.Fatalf("viewer: %d\n%s", w.Code, body)
	}
	if strings.Contains(body, "/cancel") || strings.Contains(body, `<b>"x`) {
		t.Errorf("a viewer gets no cancel form, and values are escaped:\n%s", body)
	}
	if w := get("/schedules", admin); !strings.Contains(w.Body.String(), `action="/schedules/bnext/cancel"`) {
		t.Errorf("operator: no cancel form\n%s", w.Body)
	}
	if w := get("/schedules?device=SEP1&day=2026-12-06", desk); w.Code != http.StatusOK || strings.Contains(w.Body.String(), "bnext") {
		t.Errorf("filtered by device: %d", w.Code)
	}
	if last := b.filters[len(b.filters)-1]; last.Device != "SEP1" || !last.From.Equal(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)) || !last.To.Equal(last.From.Add(24*time.Hour)) {
		t.Errorf("filter %+v", last)
	}
	for _, bad := range []string{"/schedules?day=tomorrow", "/schedules?device=" + strings.Repeat("d", 300), "/schedules?user=%ff"} {
		if w := get(bad, desk); w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d", bad[:min(len(bad), 40)], w.Code)
		}
	}

	post := func(target string, c *http.Cookie, v url.Values) *httptest.ResponseRecorder {
		r := formPost(target, v)
		r.AddCookie(c)
		return f.do(t, r)
	}
	if w := post("/schedules/bnext/cancel", desk, nil); w.Code != http.StatusForbidden || len(b.cancelled) != 0 {
		t.Errorf("viewer cancel: %d %v", w.Code, b.cancelled)
	}
	r := formPost("/schedules/bnext/cancel", nil)
	r.AddCookie(admin)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if w := f.do(t, r); w.Code != http.StatusForbidden || len(b.cancelled) != 0 {
		t.Errorf("cross-site cancel: %d", w.Code)
	}
	w = post("/schedules/bactive/cancel?device=SEP1", admin, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Booking bactive: Cancelled, alice logged out of SEP1") {
		t.Errorf("operator cancel: %d\n%s", w.Code, w.Body)
	}
	if w := post("/schedules/bnone/cancel", admin, nil); !strings.Contains(w.Body.String(), "code 1034") {
		t.Errorf("unknown booking: %s", w.Body)
	}
	if !strings.Contains(f.logs.String(), "event=dashboard.cancelbooking user=admin") {
		t.Errorf("no audit event:\n%s", f.logs)
	}
}

func TestSchedulesPageWithoutBookings(t *testing.T) {
	f := newFixture(t)
	c := f.signin(t, "desk", "deskpw")
	r := httptest.NewRequest(http.MethodGet, "/schedules", nil)
	r.AddCookie(c)
	if w := f.do(t, r); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Bookings are not configured") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
}
