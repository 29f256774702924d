package service

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// memBookings is an in-memory BookingStore for the scheduler's tests (the
// SQL stores run bookingtest.Contract).
type memBookings struct {
	mu    sync.Mutex
	rows  map[string]Booking
	until map[string]time.Time
}

func newMemBookings() *memBookings {
	return &memBookings{rows: map[string]Booking{}, until: map[string]time.Time{}}
}

func (m *memBookings) Create(_ context.Context, b Booking) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.rows {
		if o.State.Pending() && o.Overlaps(b) {
			return ErrBookingOverlap
		}
	}
	m.rows[b.ID] = b
	return nil
}

func (m *memBookings) Get(_ context.Context, id string) (Booking, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.rows[id]
	if !ok {
		return b, ErrBookingNotFound
	}
	return b, nil
}

func (m *memBookings) List(_ context.Context, f BookingFilter) ([]Booking, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Booking
	for _, b := range m.rows {
		if (f.Device == "" || b.Device == f.Device) && (f.AppID == "" || b.AppID == f.AppID) && (f.State == "" || b.State == f.State) {
			out = append(out, b)
		}
	}
	return out, nil
}

func (m *memBookings) Claim(_ context.Context, token string, now, until time.Time, limit int) ([]Booking, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Booking
	for id, b := range m.rows {
		if b.State.Pending() && !b.Due.After(now) && !m.until[id].After(now) && len(out) < limit {
			b.Claim, b.Attempts = token, b.Attempts+1
			m.rows[id], m.until[id] = b, until
			out = append(out, b)
		}
	}
	return out, nil
}

func (m *memBookings) ClaimOne(_ context.Context, id, token string, now, until time.Time) (Booking, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.rows[id]
	if !ok {
		return b, false, ErrBookingNotFound
	}
	if !b.State.Pending() || m.until[id].After(now) {
		return b, false, nil
	}
	b.Claim = token
	m.rows[id], m.until[id] = b, until
	return b, true, nil
}

func (m *memBookings) Save(_ context.Context, b Booking) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.rows[b.ID]; cur.Claim == "" || cur.Claim != b.Claim {
		return ErrClaimLost
	}
	b.Claim = ""
	m.rows[b.ID], m.until[b.ID] = b, time.Time{}
	return nil
}

// schedWorld is world's connector with bookings at a clock the test moves.
type schedWorld struct {
	t     *testing.T
	conn  *Connector
	eu    *memCluster
	store *memBookings
	sched *Scheduler
	mu    sync.Mutex
	now   time.Time
	rows  []Event
}

func newSchedWorld(t *testing.T) *schedWorld {
	w := &schedWorld{t: t, store: newMemBookings(), now: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	eu, us := newMem("EU"), newMem("US")
	eu.devices["SEPEU1"] = ""
	eu.users["EUUSER"] = "1234"
	eu.users["OTHER"] = ""
	us.users["USUSER"] = "5678"
	events := NewEmitter(ConsumerFunc(func(e Event) { w.mu.Lock(); w.rows = append(w.rows, e); w.mu.Unlock() }))
	c, err := NewConnector([]Cluster{eu, us}, Options{Default: "EU", Events: events, Now: w.clock})
	if err != nil {
		t.Fatal(err)
	}
	w.conn, w.eu = c, eu
	w.sched = c.EnableBookings(SchedulerConfig{Store: w.store, Cred: Credentials{AppID: "bcsched", AppCertificate: "x"},
		StartGrace: time.Minute, Owner: "test/1"})
	w.sched.retryIn = 10 * time.Second
	return w
}

func (w *schedWorld) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *schedWorld) advance(d time.Duration) {
	w.mu.Lock()
	w.now = w.now.Add(d)
	w.mu.Unlock()
}

// run is one scheduler pass, waited for.
func (w *schedWorld) run() {
	w.sched.tick(context.Background())
	w.sched.wg.Wait()
}

func (w *schedWorld) book(user string, start, end time.Duration, opts ...func(*Request)) Result {
	req := Request{Op: OpBook, Device: "SEPEU1", User: user, Booking: BookingOptions{Start: w.clock().Add(start), End: w.clock().Add(end)}}
	for _, o := range opts {
		o(&req)
	}
	return w.conn.Serve(context.Background(), goodCred, req)
}

func (w *schedWorld) booking(res Result) Booking {
	w.t.Helper()
	for _, f := range res.Fields {
		if f.Name == FieldBookingID {
			b, err := w.store.Get(context.Background(), f.Value)
			if err != nil {
				w.t.Fatal(err)
			}
			return b
		}
	}
	w.t.Fatalf("no booking in %+v", res)
	return Booking{}
}

func (w *schedWorld) calls(name string) int {
	w.eu.mu.Lock()
	defer w.eu.mu.Unlock()
	n := 0
	for _, c := range w.eu.calls {
		if c == name {
			n++
		}
	}
	return n
}

func TestSchedulerLogsInAtStartAndOutAtEnd(t *testing.T) {
	w := newSchedWorld(t)
	res := w.book("EUUSER", time.Minute, time.Hour)
	if res.Code != 0 {
		t.Fatalf("book: %+v", res)
	}
	w.run()
	if w.eu.devices["SEPEU1"] != "" {
		t.Fatal("logged in before the start")
	}
	w.advance(time.Minute)
	w.run()
	b := w.booking(res)
	if w.eu.devices["SEPEU1"] != "EUUSER" || b.State != BookingActive || w.eu.durations["SEPEU1"] != 59 {
		t.Fatalf("at start: on %q, %+v, duration %d", w.eu.devices["SEPEU1"], b, w.eu.durations["SEPEU1"])
	}
	w.advance(59 * time.Minute)
	w.run()
	if b := w.booking(res); w.eu.devices["SEPEU1"] != "" || b.State != BookingDone {
		t.Fatalf("at end: on %q, %+v", w.eu.devices["SEPEU1"], b)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var acts []string
	for _, e := range w.rows {
		if e.Actor != "" {
			if e.Actor != "booking:"+b.ID || e.AppID != "bcsched" {
				t.Errorf("action %s by %q as %q", e.Op, e.Actor, e.AppID)
			}
			acts = append(acts, string(e.Op))
		}
	}
	if want := []string{"login", "getloggedinuser", "logout"}; !slices.Equal(acts, want) {
		t.Errorf("actions %v, want %v", acts, want)
	}
}

func TestSchedulerStates(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *schedWorld)
		start time.Duration // of the booking, from now
		force bool
		steps []time.Duration // clock moves, each followed by a pass
		want  BookingState
		code  int
		on    string
	}{
		{"occupied until the grace ends: failed with CUCM's 18", func(w *schedWorld) { w.eu.devices["SEPEU1"] = "OTHER" },
			0, false, []time.Duration{0, 10 * time.Second, 30 * time.Second, 30 * time.Second}, BookingFailed, 18, "OTHER"},
		{"occupied, then free within the grace: active", func(w *schedWorld) { w.eu.devices["SEPEU1"] = "OTHER" },
			0, false, []time.Duration{0, 5 * time.Second, -1, 10 * time.Second}, BookingActive, 0, "EUUSER"},
		{"force replaces whoever is there", func(w *schedWorld) { w.eu.devices["SEPEU1"] = "OTHER" },
			0, true, []time.Duration{0}, BookingActive, 0, "EUUSER"},
		{"busy CUCM is retried", func(w *schedWorld) { w.eu.fail["Login"] = CUCMError(26, "busy") },
			0, false, []time.Duration{0}, BookingScheduled, 26, ""},
		{"a refusal fails at once", func(w *schedWorld) { w.eu.fail["Login"] = CUCMError(22, "EM disabled") },
			0, false, []time.Duration{0}, BookingFailed, 22, ""},
		{"down through the whole booking: missed", nil, time.Minute, false, []time.Duration{2 * time.Hour}, BookingMissed, 0, ""},
		{"a restart after the start: started late", nil, time.Minute, false, []time.Duration{30 * time.Minute}, BookingActive, 0, "EUUSER"},
		{"a restart after the end of an active one: logged out at once", nil, 0, false, []time.Duration{0, 3 * time.Hour}, BookingDone, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newSchedWorld(t)
			res := w.book("EUUSER", tt.start, time.Hour, func(r *Request) { r.Login.Force = tt.force })
			if res.Code != 0 {
				t.Fatalf("book: %+v", res)
			}
			if tt.setup != nil {
				tt.setup(w)
			}
			for _, d := range tt.steps {
				if d < 0 { // the other user leaves
					w.eu.devices["SEPEU1"] = ""
					continue
				}
				w.advance(d)
				w.run()
			}
			b := w.booking(res)
			if b.State != tt.want || b.Code != tt.code || w.eu.devices["SEPEU1"] != tt.on {
				t.Errorf("state %s code %d (%s), on %q; want %s %d on %q", b.State, b.Code, b.Text, w.eu.devices["SEPEU1"], tt.want, tt.code, tt.on)
			}
		})
	}
}

func TestSchedulerTakesOverWithoutASecondLogin(t *testing.T) {
	w := newSchedWorld(t)
	res := w.book("EUUSER", 0, time.Hour)
	// A scheduler claimed it, logged in and died before saving.
	if _, err := w.store.Claim(context.Background(), "dead/1#x", w.clock(), w.clock().Add(w.sched.Lease()), 1); err != nil {
		t.Fatal(err)
	}
	w.eu.devices["SEPEU1"] = "EUUSER"
	w.run()
	if b := w.booking(res); b.State != BookingScheduled {
		t.Fatalf("a live claim is left alone: %+v", b)
	}
	w.advance(w.sched.Lease())
	w.run()
	if b := w.booking(res); b.State != BookingActive || w.calls("Login") != 0 {
		t.Fatalf("after the lease: %+v, %d logins", b, w.calls("Login"))
	}
}

func TestBookRefusals(t *testing.T) {
	w := newSchedWorld(t)
	if res := w.book("EUUSER", time.Minute, time.Hour); res.Code != 0 {
		t.Fatal(res)
	}
	w.eu.devices["SEPX"] = ""
	for _, tt := range []struct {
		name string
		req  func(r *Request)
		want int
	}{
		{"overlap", nil, CodeBookingOverlap},
		{"unknown device", func(r *Request) {
			r.Device = "SEPNONE"
			r.Booking.Start = r.Booking.End.Add(time.Hour)
			r.Booking.End = r.Booking.Start.Add(time.Hour)
		}, EMCodeDeviceNotFound},
		{"roaming user without PIN", func(r *Request) { r.Device, r.User = "SEPX", "USUSER" }, CodeBookingRoaming},
		{"roaming user, wrong PIN", func(r *Request) { r.Device, r.User, r.PIN = "SEPX", "USUSER", "1" }, CodeBookingRoaming},
		{"roaming user, right PIN", func(r *Request) { r.Device, r.User, r.PIN = "SEPX", "USUSER", "5678" }, CodeBookingRoaming},
		{"end before start", func(r *Request) { r.Device = "SEPX"; r.Booking.End = r.Booking.Start.Add(-time.Second) }, CodeBookingEndOrder},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(w.store.rows)
			res := w.book("EUUSER", 2*time.Minute, 2*time.Hour, func(r *Request) {
				if tt.req != nil {
					tt.req(r)
				}
			})
			if res.Code != tt.want || len(w.store.rows) != before {
				t.Errorf("code %d (%s), want %d; %d stored", res.Code, res.Text, tt.want, len(w.store.rows)-before)
			}
		})
	}
	for _, c := range w.conn.clusters {
		if slices.Contains(c.(*memCluster).calls, "AuthenticateUser") {
			t.Errorf("%s checked a PIN: a booking never books a roaming user", c.Code())
		}
	}
	if w.calls("Login") != 0 {
		t.Error("booking logs nobody in")
	}
}

func TestCancelBooking(t *testing.T) {
	w := newSchedWorld(t)
	cancel := func(b Booking, keep bool, appID string) Result {
		return w.conn.Serve(context.Background(), Credentials{AppID: appID, AppCertificate: "s"},
			Request{Op: OpCancel, BookingID: b.ID, Booking: BookingOptions{KeepLogin: keep}})
	}
	scheduled := w.booking(w.book("EUUSER", time.Hour, 2*time.Hour))
	if res := cancel(scheduled, false, "intruder"); res.Code != CodeBookingUnknown {
		t.Errorf("another app user's booking: %+v", res)
	}
	if res := cancel(scheduled, false, "bcapp"); res.Code != 0 {
		t.Fatalf("cancel: %+v", res)
	}
	w.advance(time.Hour)
	w.run()
	if w.calls("Login") != 0 {
		t.Error("a cancelled booking ran")
	}
	if res := cancel(scheduled, false, "bcapp"); res.Code != CodeBookingNotPending {
		t.Errorf("twice: %+v", res)
	}
	for _, keep := range []bool{false, true} {
		active := w.booking(w.book("EUUSER", 0, time.Hour))
		w.run()
		res := cancel(active, keep, "bcapp")
		if want := map[bool]string{false: "", true: "EUUSER"}[keep]; res.Code != 0 || w.eu.devices["SEPEU1"] != want {
			t.Errorf("keep=%v: %+v, on %q", keep, res, w.eu.devices["SEPEU1"])
		}
		w.eu.devices["SEPEU1"] = ""
	}
}

func TestBookingsOff(t *testing.T) {
	c, _, _ := world(t, "EU")
	for _, op := range []Op{OpBook, OpGetBookings, OpCancel} {
		res := c.Serve(context.Background(), goodCred, Request{Op: op, Device: "SEPEU1", User: "EUUSER", BookingID: "b1",
			Booking: BookingOptions{End: time.Now().Add(time.Hour)}})
		if res.Code != CodeBookingsOff {
			t.Errorf("%s: %+v", op, res)
		}
	}
}

func TestSchedulerLogsOutAfterADeadLoginPastTheEnd(t *testing.T) {
	w := newSchedWorld(t)
	res := w.book("EUUSER", 0, time.Minute)
	// A scheduler claimed it, logged in and died before saving; the end passes meanwhile.
	if _, err := w.store.Claim(context.Background(), "dead/1#x", w.clock(), w.clock().Add(w.sched.Lease()), 1); err != nil {
		t.Fatal(err)
	}
	w.eu.devices["SEPEU1"] = "EUUSER"
	w.advance(2 * time.Minute)
	w.run()
	if b := w.booking(res); b.State != BookingDone || w.eu.devices["SEPEU1"] != "" {
		t.Fatalf("%+v, on %q", b, w.eu.devices["SEPEU1"])
	}
}
