// Package bookingtest is the behaviour every service.BookingStore must have
// (Contract), run on SQLite and on PostgreSQL by their packages' tests.
package bookingtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

// T0 is the contract's clock: bookings are placed around it.
var T0 = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

// Booking is a scheduled booking of user on device of cluster EU from
// T0+from to T0+to.
func Booking(id, device, user string, from, to time.Duration) service.Booking {
	clear := true
	return service.Booking{ID: id, Device: device, User: user, Cluster: "EU", AppID: "bcapp",
		Start: T0.Add(from), End: T0.Add(to), Profile: "UDP-1", ClearCallHistory: &clear,
		State: service.BookingScheduled, Due: T0.Add(from), Created: T0.Add(-time.Hour), Updated: T0.Add(-time.Hour)}
}

// Contract runs the store contract on fresh stores from open.
func Contract(t *testing.T, open func(t *testing.T) service.BookingStore) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, service.BookingStore)
	}{
		{"keeps every field", keepsFields},
		{"refuses an overlap of a pending booking of the same device", overlaps},
		{"lets exactly one of concurrent overlapping bookings in", concurrentCreates},
		{"lists by filter, by start", lists},
		{"claims due work once until the claim expires", claims},
		{"gives concurrent claimers disjoint bookings", concurrentClaims},
		{"saves only under the claim that holds the booking", saves},
		{"claims one booking for a cancellation", claimOne},
		{"keeps storable huge and odd values", oddValues},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func keepsFields(t *testing.T, s service.BookingStore) {
	ctx := context.Background()
	b := Booking("b1", "SEP1", "user1", time.Hour, 2*time.Hour)
	b.Force, b.Code, b.Text = true, 26, "busy"
	b.Start = b.Start.Add(123 * time.Millisecond)
	must(t, s.Create(ctx, b))
	got, err := s.Get(ctx, "b1")
	must(t, err)
	if got.Start.Location() != time.UTC || !got.Start.Equal(b.Start) || !got.End.Equal(b.End) || !got.Due.Equal(b.Due) || !got.Created.Equal(b.Created) {
		t.Errorf("times: got %v %v %v, want %v %v %v (UTC ms)", got.Start, got.End, got.Due, b.Start, b.End, b.Due)
	}
	if got.Device != "SEP1" || got.User != "user1" || got.Cluster != "EU" || got.AppID != "bcapp" || !got.Force ||
		got.Profile != "UDP-1" || got.ClearCallHistory == nil || !*got.ClearCallHistory || got.State != service.BookingScheduled ||
		got.Code != 26 || got.Text != "busy" {
		t.Errorf("got %+v", got)
	}
	b2 := Booking("b2", "SEP2", "user1", time.Hour, 2*time.Hour)
	b2.ClearCallHistory = nil
	must(t, s.Create(ctx, b2))
	if got, _ := s.Get(ctx, "b2"); got.ClearCallHistory != nil {
		t.Errorf("clearCallHistory not given: got %v", *got.ClearCallHistory)
	}
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, service.ErrBookingNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

func overlaps(t *testing.T, s service.BookingStore) {
	ctx := context.Background()
	must(t, s.Create(ctx, Booking("a", "SEP1", "u1", time.Hour, 2*time.Hour)))
	for _, c := range []struct {
		b    service.Booking
		want error
	}{
		{Booking("b", "SEP1", "u2", 90*time.Minute, 3*time.Hour), service.ErrBookingOverlap},
		{Booking("c", "SEP1", "u2", 0, 3*time.Hour), service.ErrBookingOverlap},
		{Booking("d", "SEP1", "u2", 2*time.Hour, 3*time.Hour), nil}, // adjacent: the end is exclusive
		{Booking("e", "SEP1", "u2", 0, time.Hour), nil},
		{Booking("f", "SEP2", "u2", time.Hour, 2*time.Hour), nil},
	} {
		if err := s.Create(ctx, c.b); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("%s: got %v, want %v", c.b.ID, err, c.want)
		}
	}
	other := Booking("g", "SEP1", "u2", time.Hour, 2*time.Hour)
	other.Cluster = "US"
	must(t, s.Create(ctx, other))
	// A booking that ended does not block its time.
	done := Booking("h", "SEP3", "u1", time.Hour, 2*time.Hour)
	done.State = service.BookingCancelled
	must(t, s.Create(ctx, done))
	must(t, s.Create(ctx, Booking("i", "SEP3", "u2", time.Hour, 2*time.Hour)))
	if _, err := s.Get(ctx, "b"); !errors.Is(err, service.ErrBookingNotFound) {
		t.Errorf("a refused booking is not stored: %v", err)
	}
}

func concurrentCreates(t *testing.T, s service.BookingStore) {
	ctx := context.Background()
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Create(ctx, Booking(fmt.Sprintf("c%d", i), "SEPX", "u", time.Duration(i)*time.Minute, time.Hour+time.Duration(i)*time.Minute))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, service.ErrBookingOverlap):
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d overlapping bookings stored, want 1", ok, n)
	}
}

func lists(t *testing.T, s service.BookingStore) {
	ctx := context.Background()
	must(t, s.Create(ctx, Booking("l3", "SEP1", "u1", 3*time.Hour, 4*time.Hour)))
	must(t, s.Create(ctx, Booking("l1", "SEP1", "u1", time.Hour, 2*time.Hour)))
	must(t, s.Create(ctx, Booking("l2", "SEP2", "u2", time.Hour, 2*time.Hour)))
	other := Booking("l4", "SEP3", "u1", time.Hour, 2*time.Hour)
	other.AppID, other.State = "other", service.BookingDone
	must(t, s.Create(ctx, other))
	for _, c := range []struct {
		f    service.BookingFilter
		want string
	}{
		{service.BookingFilter{}, "l1 l2 l4 l3"},
		{service.BookingFilter{Device: "SEP1"}, "l1 l3"},
		{service.BookingFilter{User: "u1"}, "l1 l4 l3"},
		{service.BookingFilter{AppID: "bcapp"}, "l1 l2 l3"},
		{service.BookingFilter{State: service.BookingDone}, "l4"},
		{service.BookingFilter{From: T0.Add(2 * time.Hour)}, "l3"},
		{service.BookingFilter{To: T0.Add(3 * time.Hour)}, "l1 l2 l4"},
		{service.BookingFilter{From: T0.Add(90 * time.Minute), To: T0.Add(200 * time.Minute)}, "l1 l2 l4 l3"},
		{service.BookingFilter{Limit: 2}, "l1 l2"},
		{service.BookingFilter{Device: "x'); DROP TABLE bookings; --"}, ""},
	} {
		list, err := s.List(ctx, c.f)
		must(t, err)
		if got := ids(list); got != c.want {
			t.Errorf("%+v: got %q, want %q", c.f, got, c.want)
		}
	}
}

func ids(list []service.Booking) string {
	out := make([]string, len(list))
	for i, b := range list {
		out[i] = b.ID
	}
	return strings.Join(out, " ")
}

func claims(t *testing.T, s service.BookingStore) {
	ctx := context.Background()
	must(t, s.Create(ctx, Booking("due", "SEP1", "u", 0, time.Hour)))
	must(t, s.Create(ctx, Booking("later", "SEP2", "u", time.Hour, 2*time.Hour)))
	active := Booking("active", "SEP3", "u", -time.Hour, time.Minute)
	active.State, active.Due = service.BookingActive, T0.Add(-time.Second)
	must(t, s.Create(ctx, active))
	ended := Booking("ended", "SEP4", "u", -time.Hour, -time.Minute)
	ended.State = service.BookingDone
	must(t, s.Create(ctx, ended))

	got, err := s.Claim(ctx, "A#1", T0, T0.Add(30*time.Second), 10)
	must(t, err)
	if ids(got) != "active due" {
		t.Fatalf("claimed %q, want the due pending bookings, oldest due first", ids(got))
	}
	for _, b := range got {
		if b.Claim != "A#1" || b.Attempts != 1 {
			t.Errorf("%s: claim %q attempts %d", b.ID, b.Claim, b.Attempts)
		}
	}
	if again, _ := s.Claim(ctx, "B#1", T0.Add(29*time.Second), T0.Add(time.Minute), 10); len(again) != 0 {
		t.Errorf("a live claim was claimed again: %q", ids(again))
	}
	taken, err := s.Claim(ctx, "B#2", T0.Add(30*time.Second), T0.Add(time.Minute), 1)
	must(t, err)
	if ids(taken) != "active" || taken[0].Attempts != 2 {
		t.Errorf("after the expiry, another claims it (limit 1, oldest due first): %q %+v", ids(taken), taken)
	}
}

func concurrentClaims(t *testing.T, s service.BookingStore) {
	ctx := context.Background()
	const n = 40
	for i := range n {
		must(t, s.Create(ctx, Booking(fmt.Sprintf("k%02d", i), fmt.Sprintf("SEP%d", i), "u", 0, time.Hour)))
	}
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				got, err := s.Claim(ctx, fmt.Sprintf("W%d#x", w), T0, T0.Add(time.Minute), 3)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, b := range got {
					if prev, dup := seen[b.ID]; dup {
						t.Errorf("%s claimed by %s and %s", b.ID, prev, b.Claim)
					}
					seen[b.ID] = b.Claim
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d of %d claimed", len(seen), n)
	}
}

func saves(t *testing.T, s service.BookingStore) {
	ctx := context.Background()
	must(t, s.Create(ctx, Booking("s", "SEP1", "u", 0, time.Hour)))
	got, err := s.Claim(ctx, "A#1", T0, T0.Add(30*time.Second), 1)
	must(t, err)
	b := got[0]
	// A's claim expires and B takes the booking: A's late save is refused.
	stolen, err := s.Claim(ctx, "B#1", T0.Add(time.Minute), T0.Add(2*time.Minute), 1)
	must(t, err)
	b.State, b.Code, b.Text = service.BookingActive, 0, "late"
	if err := s.Save(ctx, b); !errors.Is(err, service.ErrClaimLost) {
		t.Errorf("save under a lost claim: %v", err)
	}
	nb := stolen[0]
	nb.State, nb.Due, nb.Attempts, nb.Code, nb.Text, nb.Updated = service.BookingActive, T0.Add(time.Hour), 0, 0, "Login successful", T0
	must(t, s.Save(ctx, nb))
	after, _ := s.Get(ctx, "s")
	if after.State != service.BookingActive || after.Text != "Login successful" || after.Claim != "" || !after.Due.Equal(T0.Add(time.Hour)) || !after.Updated.Equal(T0) {
		t.Errorf("saved: %+v", after)
	}
	if err := s.Save(ctx, nb); !errors.Is(err, service.ErrClaimLost) {
		t.Errorf("a released claim saves nothing: %v", err)
	}
	// Released: due again at its end.
	if got, _ := s.Claim(ctx, "C#1", T0.Add(time.Hour), T0.Add(2*time.Hour), 1); ids(got) != "s" {
		t.Errorf("the active booking is due at its end: %q", ids(got))
	}
}

func claimOne(t *testing.T, s service.BookingStore) {
	ctx := context.Background()
	must(t, s.Create(ctx, Booking("o", "SEP1", "u", time.Hour, 2*time.Hour)))
	b, ok, err := s.ClaimOne(ctx, "o", "X#1", T0, T0.Add(time.Minute))
	must(t, err)
	if !ok || b.Claim != "X#1" || b.Attempts != 0 {
		t.Errorf("a scheduled booking is claimed for a cancellation: %v %+v", ok, b)
	}
	if _, ok, _ := s.ClaimOne(ctx, "o", "Y#1", T0, T0.Add(time.Minute)); ok {
		t.Error("a held claim was taken")
	}
	b.State = service.BookingCancelled
	must(t, s.Save(ctx, b))
	if b, ok, _ := s.ClaimOne(ctx, "o", "Y#2", T0, T0.Add(time.Minute)); ok || b.State != service.BookingCancelled {
		t.Errorf("an ended booking is not claimed: %v %+v", ok, b)
	}
	if _, _, err := s.ClaimOne(ctx, "none", "Y#3", T0, T0.Add(time.Minute)); !errors.Is(err, service.ErrBookingNotFound) {
		t.Errorf("unknown: %v", err)
	}
}

// oddValues: the service stores only storable values (service.Storable):
// capped, valid UTF-8, no control characters. The stores keep them whole.
func oddValues(t *testing.T, s service.BookingStore) {
	ctx := context.Background()
	user := service.Storable(strings.Repeat("ü", 5000)+"\x00\xff\x1b[2J", service.MaxTextBytes)
	b := Booking("odd", "SEP1", user, 0, time.Hour)
	b.Text = service.Storable(strings.Repeat("'\"; DROP TABLE bookings; --", 500)+"\xc3\x28", service.MaxTextBytes)
	b.AppID = service.Storable("app\x00id", service.MaxNameBytes)
	must(t, s.Create(ctx, b))
	got, err := s.Get(ctx, "odd")
	must(t, err)
	if got.User != b.User || got.Text != b.Text || got.AppID != b.AppID {
		t.Errorf("odd values changed: %q / %q", got.User[:20], got.AppID)
	}
}
