package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/emconnector/emconnector/service"
)

// Bookings is what the Schedules page needs of the bookings
// (service.Scheduler): every app user's bookings, and a cancellation.
type Bookings interface {
	List(ctx context.Context, f service.BookingFilter) ([]service.Booking, error)
	Cancel(ctx context.Context, id string, keep bool) (b service.Booking, loggedOut bool, err error)
}

// schedulesView is the Schedules page: the upcoming and active bookings
// the filters select, and the outcome of a cancellation.
type schedulesView struct {
	// Off is true when the service has no schedules section.
	Off               bool
	Device, User, Day string
	Error             string
	Upcoming, Active  bookingTable
	Cancelled         *cancelOutcome
	// Sweeps is the page's Sweeps section (sweeps.go).
	Sweeps sweepsView
}

// bookingTable is one table of bookings; operators get a cancel form per
// row, whose action keeps the page's filters (Query).
type bookingTable struct {
	List     []service.Booking
	Operator bool
	Query    string
}

type cancelOutcome struct {
	ID, Text string
	OK       bool
}

// schedulesPage lists the pending bookings, filtered by device, user and
// day (UTC, YYYY-MM-DD: the bookings that overlap it).
func (d *Dashboard) schedulesPage(w http.ResponseWriter, r *http.Request) {
	v, status := d.schedules(r)
	v.Sweeps = d.sweepsSection(r)
	d.render(w, r, status, "schedules.html", v)
}

func (d *Dashboard) schedules(r *http.Request) (schedulesView, int) {
	q := r.URL.Query()
	v := schedulesView{Device: q.Get("device"), User: q.Get("user"), Day: q.Get("day"), Off: d.opts.Bookings == nil}
	if v.Off {
		return v, http.StatusOK
	}
	op, query := userFrom(r.Context()).Role == RoleOperator, filterQuery(v.Device, v.User, v.Day)
	v.Upcoming, v.Active = bookingTable{Operator: op, Query: query}, bookingTable{Operator: op, Query: query}
	f := service.BookingFilter{Device: v.Device, User: v.User}
	for name, s := range map[string]string{"device": v.Device, "user": v.User} {
		if len(s) > maxFilterLen || !utf8.ValidString(s) {
			v.Error = name + ": longer than 256 characters or not UTF-8"
			return v, http.StatusBadRequest
		}
	}
	if v.Day != "" {
		day, err := time.Parse("2006-01-02", v.Day)
		if err != nil {
			v.Error = "day: a date such as 2026-12-06"
			return v, http.StatusBadRequest
		}
		f.From, f.To = day, day.Add(24*time.Hour)
	}
	for _, st := range []service.BookingState{service.BookingScheduled, service.BookingActive} {
		f.State = st
		list, err := d.opts.Bookings.List(r.Context(), f)
		if err != nil {
			v.Error = "The bookings cannot be read now: " + service.Storable(err.Error(), service.MaxNameBytes)
			return v, http.StatusServiceUnavailable
		}
		if st == service.BookingScheduled {
			v.Upcoming.List = list
		} else {
			v.Active.List = list
		}
	}
	return v, http.StatusOK
}

// cancelBooking cancels a booking for an operator (its user is logged
// out when it is active, unless "keep" is checked) and shows the page
// with the outcome.
func (d *Dashboard) cancelBooking(w http.ResponseWriter, r *http.Request) {
	if d.opts.Bookings == nil {
		d.render(w, r, http.StatusNotFound, "message.html", message("No bookings", "Bookings are not configured."))
		return
	}
	id := r.PathValue("id")
	keep := r.PostFormValue("keep") == "on"
	b, loggedOut, err := d.opts.Bookings.Cancel(r.Context(), id, keep)
	out := &cancelOutcome{ID: service.Storable(id, service.MaxNameBytes), OK: err == nil, Text: "Cancelled"}
	switch {
	case err != nil:
		e := service.ErrorCode(err)
		out.Text = service.Storable(err.Error(), service.MaxTextBytes)
		d.audit("cancelbooking", userFrom(r.Context()).Name, d.clientIP(r).String(), "failed", "booking", id, "code", e)
	default:
		if loggedOut {
			out.Text = "Cancelled, " + b.User + " logged out of " + b.Device
		}
		d.audit("cancelbooking", userFrom(r.Context()).Name, d.clientIP(r).String(), "success", "booking", id, "device", b.Device)
	}
	v, status := d.schedules(r)
	v.Cancelled, v.Sweeps = out, d.sweepsSection(r)
	d.render(w, r, status, "schedules.html", v)
}

// filterQuery is the page's filters as a query string, so that the page
// shown after a cancellation keeps them.
func filterQuery(device, user, day string) string {
	q := url.Values{}
	for k, s := range map[string]string{"device": device, "user": user, "day": day} {
		if s != "" {
			q.Set(k, s)
		}
	}
	return q.Encode()
}
