package dashboard

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

func TestNewDayChart(t *testing.T) {
	day := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	bk := func(id string, start, end time.Time, st service.BookingState) service.Booking {
		return service.Booking{ID: id, Device: "SEP1", User: "u-" + id, Start: start, End: end, State: st}
	}
	type want struct {
		id                 string
		x, w, textX        float64
		y                  int
		anchor, label      string
		fromPrev, intoNext bool
	}
	for _, c := range []struct {
		name string
		list []service.Booking
		want []want
	}{
		{"none", nil, nil},
		{"only other days", []service.Booking{bk("y", at(-3, 0), at(0, 0), service.BookingDone), bk("t", at(24, 0), at(25, 0), service.BookingScheduled)}, nil},
		{"one in the morning", []service.Booking{bk("a", at(9, 0), at(10, 30), service.BookingActive)},
			[]want{{"a", 360, 60, 426, 26, "start", "u-a 09:00–10:30, active", false, false}}},
		{"several, in order of start, one lane each, labels beside their blocks (the late one to its left)", []service.Booking{
			bk("late", at(18, 0), at(20, 0), service.BookingScheduled),
			bk("early", at(6, 15), at(7, 0), service.BookingDone),
		}, []want{
			{"early", 250, 30, 286, 26, "start", "u-early 06:15–07:00, done", false, false},
			{"late", 720, 80, 714, 56, "end", "u-late 18:00–20:00, scheduled", false, false},
		}},
		{"crossing both midnights, labelled inside", []service.Booking{bk("n", at(-2, 0), at(26, 0), service.BookingActive)},
			[]want{{"n", 0, 960, 4, 26, "start", "← u-n Dec 5 22:00–Dec 7 02:00, active →", true, true}}},
		{"from the day before, ending at midnight", []service.Booking{
			bk("p", at(-1, 0), at(1, 0), service.BookingDone), bk("m", at(23, 0), at(24, 0), service.BookingScheduled),
		}, []want{
			{"p", 0, 40, 46, 26, "start", "← u-p Dec 5 23:00–01:00, done", true, false},
			{"m", 920, 40, 914, 56, "end", "u-m 23:00–24:00, scheduled", false, false},
		}},
		{"a few seconds stay visible", []service.Booking{bk("s", at(12, 0), at(12, 0).Add(5*time.Second), service.BookingFailed)},
			[]want{{"s", 480, dayMinBlockW, 489, 26, "start", "u-s 12:00–12:00, failed", false, false}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := newDayChart(day, c.list)
			if len(got.Hours) != 25 || got.Hours[24].X != dayChartW || got.Hours[3].Label != "3:00" || got.Hours[24].Anchor != "end" {
				t.Errorf("hours %+v", got.Hours)
			}
			if wantH := dayChartTop + max(len(c.want), 1)*dayChartLane + 4; got.H != wantH {
				t.Errorf("height %d, want %d", got.H, wantH)
			}
			if len(got.Blocks) != len(c.want) {
				t.Fatalf("%d blocks, want %d: %+v", len(got.Blocks), len(c.want), got.Blocks)
			}
			for i, w := range c.want {
				b := got.Blocks[i]
				g := want{b.ID, b.X, b.W, b.TextX, b.Y, b.Anchor, b.Label, b.FromPrev, b.IntoNext}
				if g != w {
					t.Errorf("block %d:\n got %+v\nwant %+v", i, g, w)
				}
				if !strings.Contains(b.Title, "Booking "+w.id+": u-"+w.id+" on SEP1, ") || !strings.HasSuffix(b.Title, " UTC, "+string(b.State)) {
					t.Errorf("tooltip %q", b.Title)
				}
			}
		})
	}
}

func TestDayURL(t *testing.T) {
	day := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"SEP1":                "/schedules/devices/SEP1?day=2026-12-06",
		"a/b ?#":              "/schedules/devices/a%2Fb%20%3F%23?day=2026-12-06",
		"../../devices/X/out": "/schedules/devices/..%2F..%2Fdevices%2FX%2Fout?day=2026-12-06",
		"..":                  "/schedules?day=2026-12-06&device=..",
		"":                    "/schedules?day=2026-12-06",
	} {
		if got := dayURL(in, day); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

func TestDayPage(t *testing.T) {
	f, b := newSchedulesFixture(t)
	t0 := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
	b.list = append(b.list,
		service.Booking{ID: "bnight", Device: "SEP1", User: "bob", Cluster: "EU", Start: t0, End: t0.Add(4 * time.Hour), State: service.BookingScheduled},
		service.Booking{ID: "bgone", Device: "SEP1", User: "carol", Cluster: "EU", Start: t0.Add(-10 * time.Hour), End: t0.Add(-9 * time.Hour), State: service.BookingCancelled, Code: 0, Text: "Cancelled"},
	)
	desk, admin := f.signin(t, "desk", "deskpw"), f.signin(t, "admin", "adminpw")
	get := func(target string, c *http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.AddCookie(c)
		return f.do(t, r)
	}
	w := get("/schedules/devices/SEP1?day=2026-12-06", desk)
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("%d\n%s", w.Code, body)
	}
	for _, want := range []string{
		"Bookings of SEP1 on 2026-12-06 (UTC)", `<svg id="day-chart"`,
		"alice 09:00–10:00, active", "carol 12:00–13:00, cancelled", "bob 22:00–Dec 7 02:00, scheduled →",
		"<title>Booking bnight: bob on SEP1, 2026-12-06 22:00 – 2026-12-07 02:00 UTC, scheduled</title>",
		`href="/schedules/devices/SEP1?day=2026-12-05"`, `href="/schedules/devices/SEP1?day=2026-12-07"`,
		`<td>bactive</td>`, `<td>bgone</td>`, `<td>bnight</td>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in\n%s", want, body)
		}
	}
	if strings.Contains(body, "bnext") || strings.Index(body, "<td>bactive</td>") > strings.Index(body, "<td>bgone</td>") {
		t.Errorf("another device's booking, or out of order")
	}
	if last := b.filters[len(b.filters)-1]; last.Device != "SEP1" || last.State != "" || !last.From.Equal(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)) || !last.To.Equal(last.From.Add(24*time.Hour)) {
		t.Errorf("filter %+v", last)
	}
	if w := get("/schedules/devices/SEP1?day=2026-12-08", admin); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "No bookings on this device that day.") {
		t.Errorf("an empty day: %d", w.Code)
	}
	if w := get("/schedules/devices/SEP1", desk); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), time.Now().UTC().Format("2006-01-02")) {
		t.Errorf("today: %d", w.Code)
	}
	if w := get("/schedules", desk); !strings.Contains(w.Body.String(), `<a class="dayview" href="/schedules/devices/SEP2?day=2026-12-06"`) {
		t.Errorf("the Schedules page links a booking's device to its day view:\n%s", w.Body)
	}
	for _, bad := range []string{
		"/schedules/devices/SEP1?day=tomorrow%3Cscript%3E", "/schedules/devices/SEP1?day=2026-13-01",
		"/schedules/devices/" + strings.Repeat("d", 300) + "?day=2026-12-06", "/schedules/devices/%ff%3Cscript%3E",
		"/schedules/devices/a%00b", "/schedules/devices/a%2Fscript", "/schedules/devices/%2E%2E", "/schedules/devices/" + strings.Repeat("d", 65),
	} {
		w := get(bad, desk)
		if w.Code != http.StatusBadRequest || strings.Contains(w.Body.String(), "script") || strings.Contains(w.Body.String(), "ddddd") || strings.Contains(w.Body.String(), "tomorrow") {
			t.Errorf("%s: %d\n%s", bad[:min(len(bad), 40)], w.Code, w.Body)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/schedules/devices/SEP1", nil)
	if w := f.do(t, r); w.Code != http.StatusSeeOther {
		t.Errorf("signed out: %d", w.Code)
	}
}

func TestDayPageWithoutBookings(t *testing.T) {
	f := newFixture(t)
	r := httptest.NewRequest(http.MethodGet, "/schedules/devices/SEP1?day=2026-12-06", nil)
	r.AddCookie(f.signin(t, "desk", "deskpw"))
	if w := f.do(t, r); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Bookings are not configured") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
}
