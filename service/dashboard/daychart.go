package dashboard

import (
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/emconnector/emconnector/service"
)

// Geometry of a device's day chart (SVG viewBox units; it scales to the
// page): one lane per booking under an hour axis, so that bookings that
// overlap (a cancelled one and its successor) stay apart and every block
// has room for its label.
const (
	dayChartW     = 960 // 24 hours: 40 units an hour
	dayChartTop   = 22  // the hour labels
	dayChartLane  = 30
	dayChartBlock = 22 // a block's height in its lane
	dayMinBlockW  = 3  // a booking of a few seconds stays visible
)

// dayChart is a device's day drawn as a 24-hour timeline.
type dayChart struct {
	W, H   int
	Hours  []dayTick
	Blocks []dayBlock
}

// dayTick is an hour line of the axis; Label is set every third hour,
// anchored so that 0:00 and 24:00 stay inside the chart.
type dayTick struct {
	X             int
	Label, Anchor string
}

// dayBlock is one booking's block, clipped to the day. Label is drawn in
// the block or beside it (user, times, state: readable without colour),
// Title is its tooltip; FromPrev and IntoNext mark a booking crossing midnight.
type dayBlock struct {
	ID                 string
	X, W               float64
	Y, TextY           int
	TextX              float64
	Anchor             string // "start", or "end" for a label left of its block
	State              service.BookingState
	Label, Title       string
	FromPrev, IntoNext bool
}

// newDayChart lays out the bookings of day (its UTC midnight) in order of
// their start; bookings that do not overlap the day are left out.
func newDayChart(day time.Time, list []service.Booking) dayChart {
	c := dayChart{W: dayChartW}
	for h := 0; h <= 24; h++ {
		t := dayTick{X: h * dayChartW / 24, Anchor: "middle"}
		if h%3 == 0 {
			t.Label = strconv.Itoa(h) + ":00"
		}
		switch h {
		case 0:
			t.Anchor = "start"
		case 24:
			t.Anchor = "end"
		}
		c.Hours = append(c.Hours, t)
	}
	for _, b := range dayBookings(day, list) {
		c.Blocks = append(c.Blocks, dayBlockOf(day, b, len(c.Blocks)))
	}
	c.H = dayChartTop + max(len(c.Blocks), 1)*dayChartLane + 4
	return c
}

// dayBookings is the bookings that overlap day, in order of their start.
func dayBookings(day time.Time, list []service.Booking) []service.Booking {
	end := day.Add(24 * time.Hour)
	var out []service.Booking
	for _, b := range list {
		if b.Start.Before(end) && b.End.After(day) {
			out = append(out, b)
		}
	}
	slices.SortStableFunc(out, func(a, b service.Booking) int { return a.Start.Compare(b.Start) })
	return out
}

func dayBlockOf(day time.Time, b service.Booking, lane int) dayBlock {
	from, to := max(b.Start.Sub(day), 0), min(b.End.Sub(day), 24*time.Hour)
	x := dayX(from)
	blk := dayBlock{
		ID: b.ID, State: b.State, X: x, W: max(dayX(to)-x, dayMinBlockW),
		Y:        dayChartTop + lane*dayChartLane + (dayChartLane-dayChartBlock)/2,
		FromPrev: b.Start.Before(day), IntoNext: b.End.After(day.Add(24 * time.Hour)),
	}
	blk.TextY = blk.Y + dayChartBlock/2 + 4
	blk.Label = b.User + " " + dayClock(day, b.Start) + "–" + dayClock(day, b.End) + ", " + string(b.State)
	if blk.FromPrev {
		blk.Label = "← " + blk.Label
	}
	if blk.IntoNext {
		blk.Label += " →"
	}
	blk.TextX, blk.Anchor = labelPlace(blk.X, blk.W, blk.Label)
	blk.Title = "Booking " + b.ID + ": " + b.User + " on " + b.Device + ", " +
		b.Start.UTC().Format("2006-01-02 15:04") + " – " + b.End.UTC().Format("2006-01-02 15:04") + " UTC, " + string(b.State)
	if b.Text != "" {
		blk.Title += " (" + b.Text + ")"
	}
	return blk
}

// dayCharW is a generous width of a label's character (12px text in
// viewBox units), to tell whether a label fits in its block.
const dayCharW = 7

// labelPlace puts a label in its block when it fits, else beside it: to
// its right, or to its left when the right has no room.
func labelPlace(x, w float64, label string) (float64, string) {
	lw := float64(utf8.RuneCountInString(label) * dayCharW)
	switch {
	case w >= lw+8:
		return x + 4, "start"
	case x+w+6+lw <= dayChartW:
		return x + w + 6, "start"
	}
	return x - 6, "end"
}

// dayX is the position of an offset into the day, to a hundredth of a unit.
func dayX(d time.Duration) float64 {
	return math.Round(d.Minutes()/(24*60)*dayChartW*100) / 100
}

// dayClock is t as the chart labels it: the time alone on the day shown
// (its end midnight is 24:00), with its date on another day.
func dayClock(day, t time.Time) string {
	t = t.UTC()
	if t.Equal(day.Add(24 * time.Hour)) {
		return "24:00"
	}
	if t.Before(day) || !t.Before(day.Add(24*time.Hour)) {
		return t.Format("Jan 2 15:04")
	}
	return t.Format("15:04")
}
