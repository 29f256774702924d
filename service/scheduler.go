package service

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// SchedulerConfig configures the bookings' scheduler (cmd/bcservice/README.md,
// "Bookings").
type SchedulerConfig struct {
	Store BookingStore
	// Cred is the schedules' EM app user: every booking action runs as it.
	Cred Credentials
	// StartGrace is how long a busy or occupied start is retried.
	StartGrace time.Duration
	// Owner names this scheduler in its claims (e.g. "host/pid"): unique
	// among the replicas sharing the store.
	Owner string
	// ActionTimeout bounds one CUCM operation of a booking (the service's
	// requestTimeout); a claim lasts two of them plus 5 s (claimLease).
	ActionTimeout time.Duration
	// Poll is how often due work is looked for (default 1 s).
	Poll   time.Duration
	Logger *slog.Logger
}

// Scheduler runs due bookings: a claim makes a booking this scheduler's,
// then it logs in (at the start) or out (at the end) through the
// Connector, as the schedules' app user, in the scheduled lane, with the
// actor booking:<id>, and saves the outcome. At most maxInFlight
// bookings are worked on at once.
type Scheduler struct {
	conn    *Connector
	store   BookingStore
	cfg     SchedulerConfig
	lease   time.Duration
	log     *slog.Logger
	wakeup  chan struct{}
	slots   chan struct{}
	wg      sync.WaitGroup
	warnMu  sync.Mutex
	warned  time.Time
	retryIn time.Duration
}

const (
	maxInFlight = 8
	// bookingRetry is the pause between two tries of a busy start or end.
	bookingRetry = 2 * time.Second
	warnEvery    = 30 * time.Second
)

// EnableBookings gives c the booking operations over cfg.Store and
// returns their scheduler, which the caller runs (Run).
func (c *Connector) EnableBookings(cfg SchedulerConfig) *Scheduler {
	if cfg.ActionTimeout <= 0 {
		cfg.ActionTimeout = DefaultRequestTimeout
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{conn: c, store: cfg.Store, cfg: cfg, lease: claimLease(cfg.ActionTimeout), log: cfg.Logger,
		wakeup: make(chan struct{}, 1), slots: make(chan struct{}, maxInFlight), retryIn: bookingRetry}
	c.sched = s
	return s
}

// claimLease is how long a claim holds: a step's two CUCM operations (a
// query and the login or logout) plus 5 s, after which another scheduler
// may take a booking whose scheduler died (cmd/bcservice/README.md,
// "Bookings": 25 s with the default requestTimeout).
func claimLease(action time.Duration) time.Duration { return 2*action + 5*time.Second }

// Lease is how long this scheduler's claims hold.
func (s *Scheduler) Lease() time.Duration { return s.lease }

// Run looks for due bookings every Poll (and when a booking is made) until
// ctx ends, then waits for the bookings in hand: each step runs to its end
// on its own deadline, so that a stop does not leave an action half done.
func (s *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		s.tick(ctx)
		select {
		case <-ctx.Done():
			s.wg.Wait()
			return
		case <-t.C:
		case <-s.wakeup:
		}
	}
}

// wake makes Run look now (a booking starting now need not wait a Poll).
func (s *Scheduler) wake() {
	select {
	case s.wakeup <- struct{}{}:
	default:
	}
}

// tick claims as many due bookings as there are free slots and starts
// a step for each.
func (s *Scheduler) tick(ctx context.Context) {
	free := maxInFlight - len(s.slots)
	if free <= 0 || ctx.Err() != nil {
		return
	}
	now := s.conn.now()
	qctx, cancel := context.WithTimeout(ctx, s.cfg.ActionTimeout)
	due, err := s.store.Claim(qctx, s.token(), now, now.Add(s.lease), free)
	cancel()
	if err != nil {
		s.logStoreError(err)
		return
	}
	for _, b := range due {
		s.slots <- struct{}{}
		s.wg.Add(1)
		go func() {
			defer func() { <-s.slots; s.wg.Done() }()
			s.step(b)
		}()
	}
}

// step carries a claimed booking one step on and saves it.
func (s *Scheduler) step(b Booking) {
	ctx, cancel := context.WithTimeout(context.Background(), s.lease-5*time.Second)
	defer cancel()
	now := s.conn.now()
	switch b.State {
	case BookingScheduled:
		b = s.start(ctx, b, now)
	case BookingActive:
		b = s.end(ctx, b, now)
	}
	b.Updated = s.conn.now()
	sctx, scancel := context.WithTimeout(context.Background(), s.cfg.ActionTimeout)
	defer scancel()
	if err := s.store.Save(sctx, b); err != nil {
		s.logStoreError(err)
	}
}

// start logs a scheduled booking's user in: late when its start has
// passed (a restart), never when its end has passed (missed, or failed
// when it was tried). After an unfinished earlier claim the device is
// asked first, so that a login a dead scheduler made is not made twice.
func (s *Scheduler) start(ctx context.Context, b Booking, now time.Time) Booking {
	if !now.Before(b.End) {
		// A scheduler that died after its login left the user on the
		// device: the booking has ended, so the logout is due now.
		if b.Attempts > 1 {
			if who := s.act(ctx, b, Request{Op: OpLoggedInUser}); who.Code == CodeSuccess && strings.EqualFold(who.User, b.User) {
				return s.endWith(ctx, b, now, who)
			}
		}
		if b.Code == CodeSuccess && b.Text == "" {
			return b.finish(BookingMissed, CodeSuccess, "Missed: no scheduler ran between its start and its end")
		}
		return b.finish(BookingFailed, b.Code, b.Text)
	}
	if b.Attempts > 1 {
		if res := s.act(ctx, b, Request{Op: OpLoggedInUser}); res.Code == CodeSuccess && strings.EqualFold(res.User, b.User) {
			b.State, b.Due, b.Attempts = BookingActive, b.End, 0
			b.Code, b.Text = CodeSuccess, "Logged in (found on the device)"
			return b
		}
	}
	res := s.act(ctx, b, Request{Op: OpLogin, User: b.User,
		Login: LoginOptions{Profile: b.Profile, Force: b.Force, Duration: loginMinutes(now, b.End)}})
	b.Code, b.Text = res.Code, Storable(res.Text, MaxTextBytes)
	switch {
	case res.Code == CodeSuccess:
		b.State, b.Due, b.Attempts = BookingActive, b.End, 0
	case s.retryable(res, b.Force) && (b.Attempts <= 1 || now.Before(b.Start.Add(s.cfg.StartGrace))):
		b.Due = minTime(now.Add(s.retryIn), b.End)
	default:
		b.State = BookingFailed
	}
	return b
}

// end logs an active booking's user out, unless somebody else is on the
// device by now (a forced login): they are left as they are.
func (s *Scheduler) end(ctx context.Context, b Booking, now time.Time) Booking {
	return s.endWith(ctx, b, now, s.act(ctx, b, Request{Op: OpLoggedInUser}))
}

// endWith is end with who, the device's answer to "who is logged in".
func (s *Scheduler) endWith(ctx context.Context, b Booking, now time.Time, who Result) Booking {
	switch {
	case who.Code == CodeSuccess && who.User == "":
		return b.finish(BookingDone, CodeSuccess, "Done: the device was already free")
	case who.Code == CodeSuccess && !strings.EqualFold(who.User, b.User):
		return b.finish(BookingDone, CodeSuccess, "Done: another user is on the device now and was left logged in")
	}
	res := s.act(ctx, b, Request{Op: OpLogout, ClearCallHistory: b.ClearCallHistory})
	b.Code, b.Text = res.Code, Storable(res.Text, MaxTextBytes)
	switch {
	case res.Code == CodeSuccess || res.Code == CodeHistoryNotCleared || (res.FromCUCM && res.Code == emCodeNoUser):
		b.State = BookingDone
	case s.retryable(res, true) && now.Before(b.End.Add(s.cfg.StartGrace)):
		b.Due = now.Add(s.retryIn)
	default:
		b.State = BookingFailed
	}
	return b
}

// emCodeNoUser is CUCM's "no user logged in" (19): a logout that finds
// the device free has nothing left to do.
const emCodeNoUser = 19

// emCodeOccupied is CUCM's "another user is logged in" (18).
const emCodeOccupied = 18

// retryable reports an outcome worth another try within the grace: CUCM
// busy (26, 1011), unreachable (1002), an unknown outcome (1010, settled
// by asking the device first next time), or, without force, a device
// occupied by another user (18).
func (s *Scheduler) retryable(res Result, force bool) bool {
	switch res.Code {
	case CodeBusy, CodeUnreachable, CodeOutcomeUnknown:
		return true
	case EMCodeBusy:
		return res.FromCUCM
	case emCodeOccupied:
		return res.FromCUCM && !force
	}
	return false
}

func (b Booking) finish(state BookingState, code int, text string) Booking {
	b.State, b.Code, b.Text = state, code, text
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// act runs one operation on b's device and cluster as the schedules' app
// user, in the scheduled lane, inside an Exchange of its own whose actor
// is booking:<id>: it is logged, counted and kept in the history like an
// API request.
func (s *Scheduler) act(ctx context.Context, b Booking, req Request) Result {
	req.Device, req.Cluster = b.Device, b.Cluster
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ActionTimeout)
	defer cancel()
	x := NewExchange(actionID(b.ID), "", "", "", s.conn.now())
	x.SetActor("booking:" + b.ID)
	return ServeAs(WithLane(ctx, LaneScheduled), Server(s.conn), x, s.cfg.Cred, req)
}

// token is a new claim token: the owner and a random part.
func (s *Scheduler) token() string { return s.cfg.Owner + "#" + randomHex(6) }

// actionID is the request ID of a booking's action: the booking's ID and
// a random suffix (at most 64 characters of the request-ID alphabet).
func actionID(id string) string { return id + "-" + randomHex(4) }

// cancel claims booking id (waiting while a step holds it, until ctx
// ends: 1011), logs an active booking's user out unless keep, and saves
// it cancelled. A failed logout leaves the booking active (its code is
// returned); loggedOut reports a logout done.
func (s *Scheduler) cancel(ctx context.Context, id string, keep bool) (b Booking, loggedOut bool, err error) {
	for {
		now := s.conn.now()
		var ok bool
		b, ok, err = s.store.ClaimOne(ctx, id, s.token(), now, now.Add(s.lease))
		switch {
		case err != nil:
			return b, false, s.conn.storeError(err, Booking{ID: id})
		case !b.State.Pending():
			return b, false, Errorf(CodeBookingNotPending, "Booking %s has ended (%s): nothing to cancel", id, b.State)
		case ok:
			return s.cancelClaimed(ctx, b, keep)
		}
		select {
		case <-ctx.Done():
			return b, false, Errorf(CodeBusy, "Service busy: booking %s is being started or ended right now; try again", id)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *Scheduler) cancelClaimed(ctx context.Context, b Booking, keep bool) (Booking, bool, error) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ActionTimeout)
	defer cancel()
	loggedOut, text := false, "Cancelled"
	if b.State == BookingActive && !keep {
		res := s.act(ctx, b, Request{Op: OpLogout, ClearCallHistory: b.ClearCallHistory})
		switch {
		case res.Code == CodeSuccess || res.Code == CodeHistoryNotCleared:
			loggedOut, text = true, "Cancelled, logged out"
		case res.FromCUCM && res.Code == emCodeNoUser:
			text = "Cancelled (the device was already free)"
		default:
			// The booking stays active: its claim is released as it was.
			b.Updated = s.conn.now()
			_ = s.store.Save(sctx, b)
			return b, false, &Error{Code: res.Code, Text: res.Text}
		}
	}
	b.State, b.Code, b.Text, b.Updated = BookingCancelled, CodeSuccess, text, s.conn.now()
	if err := s.store.Save(sctx, b); err != nil {
		return b, loggedOut, s.conn.storeError(err, b)
	}
	return b, loggedOut, nil
}

// logStoreError logs a database error at most every warnEvery.
func (s *Scheduler) logStoreError(err error) {
	if errors.Is(err, ErrClaimLost) {
		s.log.Warn("bookings: a claim expired before its step was saved; another scheduler took the booking", "error", err)
		return
	}
	s.warnMu.Lock()
	defer s.warnMu.Unlock()
	if now := time.Now(); now.Sub(s.warned) >= warnEvery {
		s.warned = now
		s.log.Warn("bookings: the database cannot be used now", "error", err)
	}
}

// List returns the bookings f selects, of every app user (the dashboard's
// Schedules page; the API lists only the caller's).
func (s *Scheduler) List(ctx context.Context, f BookingFilter) ([]Booking, error) {
	list, err := s.store.List(ctx, f)
	if err != nil {
		return nil, s.conn.storeError(err, Booking{})
	}
	return list, nil
}

// Cancel cancels booking id whoever made it (an operator on the
// dashboard), as cancelbooking does: an active booking's user is logged
// out unless keep. loggedOut reports a logout done; the error carries the
// code cancelbooking would answer.
func (s *Scheduler) Cancel(ctx context.Context, id string, keep bool) (b Booking, loggedOut bool, err error) {
	if err := validBookingID(id); err != nil {
		return Booking{}, false, err
	}
	return s.cancel(ctx, id, keep)
}
