package service

import (
	"context"
	"errors"
	"fmt"
)

// Names of the booking answers' fields.
const (
	FieldBookingID = "bookingID"
	FieldStart     = "start"
	FieldEnd       = "end"
	FieldState     = "state"
	FieldLoggedOut = "loggedOut"
)

// callerCheckDevice is the device asked about to check a caller's
// credentials when the request names none: any answer but an error
// (<doesNotExist/> included) proves a valid app user with EM proxy rights.
const callerCheckDevice = "SEP000000000000"

// bookingOperations are the booking rows of the operation table
// (cmd/bcservice/README.md, "Bookings").
var bookingOperations = []Operation{
	{
		Op: OpBook, Path: "/api/book/{device}/{user}/{cluster}/{pin}", Methods: []string{"POST"},
		Required: 2, Credentials: true, User: UserFromRequest,
		Options: []string{OptionStart, OptionEnd, OptionForce, OptionDeviceProfile, OptionClearCallHistory},
		Success: func(r Request, f Found) string {
			return fmt.Sprintf("Booking %s: %s on device %s from %s to %s", f.field(FieldBookingID), r.User, r.Device,
				f.field(FieldStart), f.field(FieldEnd))
		},
		Failure: func(r Request) string { return fmt.Sprintf("Booking failed for %s on device %s", r.User, r.Device) },
		run:     (*Connector).book,
	},
	{
		Op: OpGetBookings, Path: "/api/getbookings/{device}", Methods: []string{"POST"},
		AllOptional: true, Credentials: true, Options: []string{OptionUser, OptionState, OptionFrom, OptionTo},
		Success: func(r Request, f Found) string { return fmt.Sprintf("%d booking(s)", len(f.Bookings)) },
		Failure: func(r Request) string { return "Get bookings failed" },
		run:     (*Connector).getBookings,
	},
	{
		Op: OpCancel, Path: "/api/cancelbooking/{bookingID}", Methods: []string{"POST"},
		Credentials: true, Options: []string{OptionLogout},
		Success: func(r Request, f Found) string {
			if f.field(FieldLoggedOut) == "true" {
				return "Booking " + r.BookingID + " cancelled, its user logged out"
			}
			return "Booking " + r.BookingID + " cancelled"
		},
		Failure: func(r Request) string { return "Cancel of booking " + r.BookingID + " failed" },
		run:     (*Connector).cancelBooking,
	},
}

var errBookingsOff = Errorf(CodeBookingsOff, "Bookings are not configured (no schedules section)")

// book checks req with CUCM as a login would be checked (the app user is
// valid with EM proxy rights, the device exists, the device's cluster knows
// the user), without logging in, then stores the booking. Returns the time
// rules' 1012/1031/1032/1033, the codes of a login's checks (1001, 11,
// 10, 3, 1002), 1037 for a user of another cluster, 1030 for an overlap
// and 1035 without schedules.
func (c *Connector) book(ctx context.Context, cred Credentials, req Request) (Found, error) {
	if c.sched == nil {
		return Found{}, errBookingsOff
	}
	now := c.now()
	start, end, err := bookingTimes(req.Booking, now)
	if err != nil {
		return Found{}, err
	}
	found, err := c.onDevice(ctx, cred, req, func(cl Cluster, known *DeviceStatus) (Found, error) {
		return Found{Cluster: cl.Code()}, c.checkBooking(ctx, cred, req, cl, known)
	})
	if err != nil {
		return found, err
	}
	b := Booking{ID: newBookingID(), Device: req.Device, User: Storable(req.User, MaxTextBytes), Cluster: found.Cluster,
		AppID: Storable(cred.AppID, MaxNameBytes), Start: start, End: end, Force: req.Login.Force,
		Profile: Storable(req.Login.Profile, MaxNameBytes), ClearCallHistory: req.ClearCallHistory,
		State: BookingScheduled, Due: start, Created: now, Updated: now}
	if err := c.sched.store.Create(ctx, b); err != nil {
		return found, c.storeError(err, b)
	}
	found.Fields = []Field{{FieldBookingID, b.ID}, {FieldStart, fmtTime(start)}, {FieldEnd, fmtTime(end)}}
	c.sched.wake()
	return found, nil
}

// checkBooking is a login's checks on cl without the login: who is on
// the device (which needs a valid app user with proxy rights; 11 when the
// device does not exist), then whether cl knows the user (1037 when not).
func (c *Connector) checkBooking(ctx context.Context, cred Credentials, req Request, cl Cluster, known *DeviceStatus) error {
	if known == nil {
		st, err := cl.DeviceUser(ctx, cred, req.Device)
		if err != nil {
			return err
		}
		known = &st
	}
	if !known.Exists {
		return CUCMError(EMCodeDeviceNotFound, "Device does not exist")
	}
	us, err := cl.UserDevices(ctx, cred, req.User)
	if err != nil {
		return err
	}
	if !us.Exists {
		// The scheduled login would need the home cluster to vouch for the
		// PIN at that time (CUCM answers 23 otherwise), and the service
		// never keeps a PIN until then.
		return Errorf(CodeBookingRoaming, "User %s is not known in cluster %s: a user of another cluster cannot be booked (the PIN would have to be kept until the start)", req.User, cl.Code())
	}
	return nil
}

// storeError turns a store's error into the answer's: 1030 for an
// overlap, 1034 for an unknown ID, 1011 when the database cannot be used
// (the cause is logged by nobody here: it may quote the DSN's host).
func (c *Connector) storeError(err error, b Booking) error {
	switch {
	case errors.Is(err, ErrBookingOverlap):
		return Errorf(CodeBookingOverlap, "Device %s is already booked between %s and %s", b.Device, fmtTime(b.Start), fmtTime(b.End))
	case errors.Is(err, ErrBookingNotFound):
		return Errorf(CodeBookingUnknown, "Booking %s not found", b.ID)
	case isDeadline(err):
		return asError(err)
	}
	c.sched.logStoreError(err)
	return Errorf(CodeBusy, "Service busy: the bookings database cannot be used now")
}

// checkCaller asks CUCM who is on device (callerCheckDevice when none)
// in the cluster code names (else the default, else the first one) with
// cred: only an app user CUCM accepts, with EM proxy rights, lists or
// cancels bookings. Returns the cluster's code and CUCM's refusal.
func (c *Connector) checkCaller(ctx context.Context, cred Credentials, device, code string) (string, error) {
	cl := c.def
	if code != "" {
		named, err := c.named(code)
		if err != nil {
			return "", err
		}
		cl = named
	}
	if cl == nil && len(c.clusters) > 0 {
		cl = c.clusters[0]
	}
	if cl == nil {
		return "", Errorf(CodeClusterNotFound, "No cluster is configured")
	}
	if device == "" {
		device = callerCheckDevice
	}
	_, err := cl.DeviceUser(ctx, cred, device)
	return cl.Code(), err
}

// getBookings lists the caller's bookings (those its appID made) that the
// path's device and the options select, checking the caller with CUCM
// first.
func (c *Connector) getBookings(ctx context.Context, cred Credentials, req Request) (Found, error) {
	if c.sched == nil {
		return Found{}, errBookingsOff
	}
	if _, err := c.checkCaller(ctx, cred, req.Device, ""); err != nil {
		return Found{}, err
	}
	o := req.Booking
	list, err := c.sched.store.List(ctx, BookingFilter{Device: req.Device, User: o.User, AppID: Storable(cred.AppID, MaxNameBytes),
		State: o.State, From: o.From, To: o.To, Limit: MaxBookingList})
	if err != nil {
		return Found{}, c.storeError(err, Booking{})
	}
	if list == nil {
		list = []Booking{}
	}
	return Found{Bookings: list}, nil
}

// cancelBooking cancels the caller's booking req.BookingID: a scheduled
// one never runs; an active one is logged out now unless the request says
// <logout>false</logout>. 1034 for an ID the caller did not book, 1036
// for a booking that has ended, a logout's code when the logout failed
// (the booking then stays active).
func (c *Connector) cancelBooking(ctx context.Context, cred Credentials, req Request) (Found, error) {
	if c.sched == nil {
		return Found{}, errBookingsOff
	}
	b, err := c.sched.store.Get(ctx, req.BookingID)
	if err == nil && b.AppID != Storable(cred.AppID, MaxNameBytes) {
		err = ErrBookingNotFound // another app user's booking is not this caller's to see
	}
	if err != nil {
		return Found{}, c.storeError(err, Booking{ID: req.BookingID})
	}
	found := Found{Cluster: b.Cluster}
	if _, err := c.checkCaller(ctx, cred, b.Device, b.Cluster); err != nil {
		return found, err
	}
	b, loggedOut, err := c.sched.cancel(ctx, b.ID, req.Booking.KeepLogin)
	if b.ID == "" { // gone meanwhile: nothing to report but the code
		return found, err
	}
	found.Fields = []Field{{FieldBookingID, b.ID}, {FieldState, string(b.State)}}
	if loggedOut {
		found.Fields = append(found.Fields, Field{FieldLoggedOut, "true"})
	}
	return found, err
}
