package httpapi

import (
	"bytes"
	"strconv"
	"time"

	"github.com/emconnector/emconnector/service"
)

// encodeBookings renders getbookings' list as
// <bookings><booking><bookingID/><deviceName/><userID/><cluster/><start/><end/><state/><code/><text/></booking>…</bookings>
// (<bookings/> when empty); nothing for the other operations.
func encodeBookings(b *bytes.Buffer, list []service.Booking) {
	switch {
	case list == nil:
		return
	case len(list) == 0:
		b.WriteString("<bookings/>")
		return
	}
	b.WriteString("<bookings>")
	for _, bk := range list {
		j := bookingJSON(bk)
		b.WriteString("<booking>")
		element(b, "bookingID", j.BookingID)
		element(b, "deviceName", j.DeviceName)
		element(b, "userID", j.UserID)
		element(b, "cluster", j.Cluster)
		element(b, "start", j.Start)
		element(b, "end", j.End)
		element(b, "state", j.State)
		element(b, "code", strconv.Itoa(j.Code))
		element(b, "text", j.Text)
		b.WriteString("</booking>")
	}
	b.WriteString("</bookings>")
}

// jsonBooking is one booking of the list, with the XML element names.
type jsonBooking struct {
	BookingID  string `json:"bookingID"`
	DeviceName string `json:"deviceName"`
	UserID     string `json:"userID"`
	Cluster    string `json:"cluster"`
	Start      string `json:"start"`
	End        string `json:"end"`
	State      string `json:"state"`
	Code       int    `json:"code"`
	Text       string `json:"text"`
}

func bookingJSON(b service.Booking) jsonBooking {
	return jsonBooking{BookingID: b.ID, DeviceName: b.Device, UserID: b.User, Cluster: b.Cluster,
		Start: rfc3339(b.Start), End: rfc3339(b.End), State: string(b.State), Code: b.Code, Text: b.Text}
}

func bookingsJSON(list []service.Booking) []jsonBooking {
	out := make([]jsonBooking, len(list))
	for i, b := range list {
		out[i] = bookingJSON(b)
	}
	return out
}

func rfc3339(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }
