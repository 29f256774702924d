package dashboard

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/emconnector/emconnector/service"
)

// dayView is a device's day: its bookings of one UTC day, in any state,
// as a timeline (Chart) and a table.
type dayView struct {
	Off              bool
	Device, Day      string
	Prev, Next, List string // links: the previous and the next day, the Schedules page filtered alike
	Error            string
	Chart            dayChart
	Bookings         []service.Booking
	Capped           bool // the list reached service.MaxBookingList
}

// dayPage shows GET /schedules/devices/{device}?day=YYYY-MM-DD (UTC;
// today without a day). A device name no booking can have, or a bad day,
// is a 400 that does not repeat the value.
func (d *Dashboard) dayPage(w http.ResponseWriter, r *http.Request) {
	v, status := d.day(r)
	d.render(w, r, status, "scheduleday.html", v)
}

func (d *Dashboard) day(r *http.Request) (dayView, int) {
	v := dayView{Off: d.opts.Bookings == nil}
	device, dayText := r.PathValue("device"), r.URL.Query().Get("day")
	if !service.ValidDeviceName(device) {
		// the rule of a booking's device, which also keeps bytes a
		// database refuses (NUL) away from the store
		v.Error = "device: 1-" + strconv.Itoa(service.MaxDeviceLen) + " characters of A-Z a-z 0-9 _ . -"
		return v, http.StatusBadRequest
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	if dayText != "" {
		var err error
		if day, err = time.Parse("2006-01-02", dayText); err != nil {
			v.Error = "day: a date such as 2026-12-06"
			return v, http.StatusBadRequest
		}
	}
	v.Device, v.Day = device, day.Format("2006-01-02")
	v.Prev, v.Next = dayURL(device, day.AddDate(0, 0, -1)), dayURL(device, day.AddDate(0, 0, 1))
	v.List = "/schedules?" + filterQuery(device, "", v.Day)
	if v.Off {
		return v, http.StatusOK
	}
	f := service.BookingFilter{Device: device, From: day, To: day.Add(24 * time.Hour), Limit: service.MaxBookingList}
	list, err := d.opts.Bookings.List(r.Context(), f)
	if err != nil {
		v.Error = "The bookings cannot be read now: " + service.Storable(err.Error(), service.MaxNameBytes)
		return v, http.StatusServiceUnavailable
	}
	v.Bookings, v.Chart = dayBookings(day, list), newDayChart(day, list)
	v.Capped = len(list) >= service.MaxBookingList
	return v, http.StatusOK
}

// dayURL links to device's day view of day. A browser folds a segment
// "." or ".." (escaped or not), so those link to the Schedules page
// filtered by device and day instead (like deviceURL).
func dayURL(device string, day time.Time) string {
	d := day.UTC().Format("2006-01-02")
	if device == "" || device == "." || device == ".." {
		return "/schedules?" + filterQuery(device, "", d)
	}
	return "/schedules/devices/" + pathSegment(device) + "?" + url.Values{"day": {d}}.Encode()
}
