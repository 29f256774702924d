package service

import (
	"context"
	"errors"
	"time"
)

// BookingState is where a booking is in its life (cmd/bcservice/README.md,
// "Bookings"): scheduled → active → done, or failed, cancelled, missed.
type BookingState string

// The states of a booking.
const (
	BookingScheduled BookingState = "scheduled" // waiting for its start (or retrying it)
	BookingActive    BookingState = "active"    // logged in, waiting for its end
	BookingDone      BookingState = "done"      // logged in and out again
	BookingFailed    BookingState = "failed"    // CUCM refused the login (or the logout): Code says why
	BookingCancelled BookingState = "cancelled" // cancelled through the API before it ended
	BookingMissed    BookingState = "missed"    // no scheduler ran between its start and its end
)

// BookingStates lists every state, in life order.
var BookingStates = []BookingState{BookingScheduled, BookingActive, BookingDone, BookingFailed, BookingCancelled, BookingMissed}

// Pending reports whether the scheduler still has work for a booking in s.
func (s BookingState) Pending() bool { return s == BookingScheduled || s == BookingActive }

// Booking is "user User on device Device of cluster Cluster from Start to
// End". The PIN of a roaming user is checked when the booking is made and
// never kept: it is not a field.
type Booking struct {
	ID      string
	Device  string
	User    string
	Cluster string // the resolved cluster code, never ""
	// AppID is the app user that made the booking: through the API, only
	// it lists and cancels it.
	AppID      string
	Start, End time.Time
	// Force, Profile and ClearCallHistory are the login's and the logout's
	// options (Request.Login, Request.ClearCallHistory).
	Force            bool
	Profile          string
	ClearCallHistory *bool
	State            BookingState
	// Code and Text are the last outcome: of the last login or logout
	// attempt, or of the cancellation.
	Code int
	Text string
	// Due is when the scheduler next looks at the booking: its start (or
	// the next try of a busy start) while scheduled, its end while active.
	Due time.Time
	// Attempts counts the claims of the current step (its start or its
	// end): more than one means an earlier claim did not finish it (a
	// retry, or a scheduler that died), so the device is asked first.
	Attempts         int
	Created, Updated time.Time
	// Claim is the token of the claim that gave the booking to its
	// holder (BookingStore.Claim); Save releases it.
	Claim string
}

// Overlaps reports whether b and o are on the same device at the same time.
func (b Booking) Overlaps(o Booking) bool {
	return b.Cluster == o.Cluster && b.Device == o.Device && b.Start.Before(o.End) && o.Start.Before(b.End)
}

// BookingFilter selects bookings for a list; zero fields select all.
type BookingFilter struct {
	Device, User, AppID string
	State               BookingState
	// From and To select bookings that overlap [From, To).
	From, To time.Time
	// Limit caps the list (0: MaxBookingList).
	Limit int
}

// MaxBookingList caps one getbookings answer.
const MaxBookingList = 500

// Errors of a BookingStore.
var (
	// ErrBookingOverlap: another pending booking of the device overlaps.
	ErrBookingOverlap = errors.New("booking overlaps another booking of the device")
	// ErrBookingNotFound: no booking has that ID.
	ErrBookingNotFound = errors.New("booking not found")
	// ErrClaimLost: the claim expired and another scheduler took the booking.
	ErrClaimLost = errors.New("booking claim lost")
)

// BookingStore keeps bookings (service/sqlite and service/postgres, through
// service/bookingsql). Claims make a due booking one scheduler's, across
// replicas, until the claim expires: a scheduler that dies between claim
// and action loses the booking to another after that time, never the
// action. Implementations are safe for concurrent use.
type BookingStore interface {
	// Create stores b, unless a pending booking of the same cluster and
	// device overlaps it (ErrBookingOverlap); check and insert are atomic
	// across replicas.
	Create(ctx context.Context, b Booking) error
	// Get returns the booking id (ErrBookingNotFound).
	Get(ctx context.Context, id string) (Booking, error)
	// List returns the bookings f selects, by start then ID.
	List(ctx context.Context, f BookingFilter) ([]Booking, error)
	// Claim gives the claim token, until until, up to limit pending
	// bookings that are due at now and that no live claim holds, oldest
	// due first; each one's Attempts is counted up. Tokens are unique per
	// claim (owner and a random part), so that a claim a scheduler lost
	// by its expiry is never taken for the one that replaced it.
	Claim(ctx context.Context, token string, now, until time.Time, limit int) ([]Booking, error)
	// ClaimOne gives the token booking id when it is pending and no live
	// claim holds it; ok is false (b as it is) when it has ended or
	// another claim holds it.
	ClaimOne(ctx context.Context, id, token string, now, until time.Time) (b Booking, ok bool, err error)
	// Save writes b's state, code, text, due, attempts and update time
	// and releases its claim b.Claim; ErrClaimLost when that claim no
	// longer holds the booking.
	Save(ctx context.Context, b Booking) error
}
