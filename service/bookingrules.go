package service

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// Bounds of a booking (cmd/bcservice/README.md, "Bookings").
const (
	// MaxBookingLength is the longest booking: CUCM's bound for
	// exclusiveDuration, the login's safety net.
	MaxBookingLength = 7 * 24 * time.Hour
	// BookingStartSlack is how far in the past a start may be (clocks and
	// slow clients): a start older than that is 1032.
	BookingStartSlack = time.Minute
	// MaxBookingIDLen bounds a booking ID in a path.
	MaxBookingIDLen = 64
)

// The option elements of the booking operations.
const (
	OptionStart  = "start"
	OptionEnd    = "end"
	OptionUser   = "user"
	OptionState  = "state"
	OptionFrom   = "from"
	OptionTo     = "to"
	OptionLogout = "logout"
)

// BookingOptions are the request options of book (start, end), getbookings
// (user, state, from, to) and cancelbooking (logout).
type BookingOptions struct {
	Start, End time.Time // zero: not given
	User       string
	State      BookingState
	From, To   time.Time
	// KeepLogin is <logout>false</logout>: cancelling an active booking
	// leaves the phone as it is.
	KeepLogin bool
}

// setBookingOption parses the booking operations' options; 1012 for a
// malformed value (echoed clipped), as the other options.
func (r *Request) setBookingOption(name, v string) error {
	o := &r.Booking
	switch name {
	case OptionStart, OptionEnd, OptionFrom, OptionTo:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return Errorf(CodeInvalidFormat, "Invalid %s %q: an RFC 3339 time such as 2026-12-06T09:00:00Z", name, clip(v))
		}
		dst := map[string]*time.Time{OptionStart: &o.Start, OptionEnd: &o.End, OptionFrom: &o.From, OptionTo: &o.To}[name]
		*dst = t.UTC()
	case OptionUser:
		if v == "" || !validUser(v) {
			return Errorf(CodeInvalidFormat, "Invalid user: 1-%d characters of valid UTF-8 without control characters", MaxUserLen)
		}
		o.User = v
	case OptionState:
		s := BookingState(strings.ToLower(v))
		if !validState(s) {
			return Errorf(CodeInvalidFormat, "Invalid state %q: scheduled, active, done, failed, cancelled or missed", clip(v))
		}
		o.State = s
	case OptionLogout:
		b, err := parseBool(v)
		if err != nil {
			return Errorf(CodeInvalidFormat, "Invalid logout %q: true or false", clip(v))
		}
		o.KeepLogin = !b
	}
	return nil
}

func validState(s BookingState) bool {
	for _, x := range BookingStates {
		if s == x {
			return true
		}
	}
	return false
}

// validBookingID refuses an empty or malformed booking ID (1012) before
// the store is asked; the ID itself is echoed clipped.
func validBookingID(id string) error {
	if id == "" {
		return Errorf(CodeInvalidFormat, "Booking ID empty")
	}
	if len(id) > MaxBookingIDLen || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return Errorf(CodeInvalidFormat, "Invalid booking ID %q: 1-%d characters of A-Z a-z 0-9 _ -", clip(Storable(id, MaxNameBytes)), MaxBookingIDLen)
	}
	return nil
}

// bookingTimes applies the time rules of a new booking at now: start
// defaults to now; end is required (1012), after start (1031), at most
// MaxBookingLength later (1033); a start more than BookingStartSlack ago is
// 1032. Times are kept to the second.
func bookingTimes(o BookingOptions, now time.Time) (start, end time.Time, err error) {
	start, end = o.Start, o.End
	if start.IsZero() {
		start = now
	}
	start, end = start.UTC().Truncate(time.Second), end.UTC().Truncate(time.Second)
	switch {
	case o.End.IsZero():
		return start, end, Errorf(CodeInvalidFormat, "Invalid end: <end> (an RFC 3339 time) is required")
	case !end.After(start):
		return start, end, Errorf(CodeBookingEndOrder, "Booking end %s is not after its start %s", fmtTime(end), fmtTime(start))
	case start.Before(now.Add(-BookingStartSlack)):
		return start, end, Errorf(CodeBookingStartPast, "Booking start %s is in the past", fmtTime(start))
	case end.Sub(start) > MaxBookingLength:
		return start, end, Errorf(CodeBookingTooLong, "Booking from %s to %s is longer than 7 days", fmtTime(start), fmtTime(end))
	}
	return start, end, nil
}

// fmtTime is the form of a time in answers: RFC 3339, UTC, whole seconds.
func fmtTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// newBookingID is 20 characters of base32 (100 random bits): not guessable,
// so an ID is not a handle to someone else's booking by enumeration.
func newBookingID() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails (Go 1.24)
	return "b" + strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))[:19]
}

// loginMinutes is the exclusiveDuration of a login at now for a booking
// ending at end: the minutes left, rounded up, within 1..MaxDurationMinutes.
func loginMinutes(now, end time.Time) int {
	m := int((end.Sub(now) + time.Minute - 1) / time.Minute)
	return min(max(m, 1), MaxDurationMinutes)
}
