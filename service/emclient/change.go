package emclient

import (
	"context"
	"errors"
	"strings"

	"github.com/emconnector/emconnector/service"
)

// Login logs user into device with opts' profile (default: the user's
// default profile) and duration (EM exclusiveDuration, minutes). Returns nil
// on success, CUCM's EM error, 1002 when no node could be reached, 1010 when
// a login may have taken effect but reconciliation could not tell, 1011 when
// the wait for the device or a concurrency slot did not end in time. CUCM's
// busy code 26 is retried with backoff within ctx's deadline, then passed
// through. With opts.Force, whoever else is on the device is logged out
// first, under the same device lock (forceLogin).
func (c *Client) Login(ctx context.Context, cred service.Credentials, device, user string, opts service.LoginOptions) (service.LoginReport, error) {
	a := auth(cred)
	lr := LoginRequest{Device: device, User: user, Profile: opts.Profile}
	if opts.Duration > 0 {
		lr.Duration = &opts.Duration
	}
	body := EncodeLogin(a, lr)
	applied := func(d DeviceResult) bool { return !d.DoesNotExist && strings.EqualFold(d.User, user) }
	leave, err := c.admit(ctx, device)
	if err != nil {
		return service.LoginReport{}, err
	}
	defer leave()
	if !opts.Force {
		return service.LoginReport{}, c.changeLocked(ctx, a, "login", body, device, applied)
	}
	return c.forceLogin(ctx, a, body, device, applied)
}

// forceLogin asks who is on device and, when somebody is, logs them out
// before the login; the caller holds the device lock and one slot for the
// whole sequence, so no other request for the phone comes between. The report names the user replaced and
// says whether the device was left free: CUCM refused the login after the
// logout (an unknown outcome, 1010, leaves that open).
func (c *Client) forceLogin(ctx context.Context, a Auth, body, device string, applied func(DeviceResult) bool) (service.LoginReport, error) {
	var rep service.LoginReport
	st, err := c.queryDevice(ctx, a, device, 0)
	if err != nil {
		return rep, err
	}
	if !st.DoesNotExist && st.User != "" {
		if err := c.changeLocked(ctx, a, "logout", EncodeLogout(a, device), device, deviceFree); err != nil {
			return rep, err
		}
		rep.Replaced = st.User
	}
	err = c.changeLocked(ctx, a, "login", body, device, applied)
	var se *service.Error
	rep.LeftFree = err != nil && rep.Replaced != "" && errors.As(err, &se) && se.FromCUCM
	return rep, err
}

// deviceFree is the end state of a logout.
func deviceFree(d DeviceResult) bool { return !d.DoesNotExist && d.User == "" }

// Logout logs whoever is on device out; codes as for Login. A lost answer
// reconciled as "device free" is reported as success (even if the device was
// already free before: the end state is what the caller asked for).
func (c *Client) Logout(ctx context.Context, cred service.Credentials, device string) error {
	a := auth(cred)
	leave, err := c.admit(ctx, device)
	if err != nil {
		return err
	}
	defer leave()
	return c.changeLocked(ctx, a, "logout", EncodeLogout(a, device), device, deviceFree)
}

// changeLocked runs the exchange loop of a login or logout. When an answer is lost after the request may have reached
// CUCM, it asks the next node who is on the device before doing anything
// else: applied(state) true means the change took effect (success); a state
// that says otherwise means it did not (the request is sent again, to the
// next node); no state means the outcome is unknown (1010). This is the
// no-double-login rule. If such a resend is refused as already done (18 for
// a login, 19 for a logout), the lost attempt took effect after the check,
// and the device is asked once more before the refusal is reported.
// The caller has been admitted (admit).
func (c *Client) changeLocked(ctx context.Context, a Auth, op, body, device string, applied func(DeviceResult) bool) error {
	start, busyTries, resends := 0, 0, 0
	var lastBusy *Failure // CUCM's last busy answer, if the loop is retrying one
	for {
		x := c.exchange(ctx, op, body, start, false)
		switch {
		case x.resp != nil && x.resp.Success:
			return nil
		case x.resp != nil && x.resp.Failure != nil:
			f := x.resp.Failure
			if f.HasCode && f.Code == service.EMCodeBusy && c.backoff(ctx, busyTries) {
				busyTries, lastBusy = busyTries+1, f
				service.ExchangeFrom(ctx).BusyRetry()
				continue
			}
			if resends > 0 && f.HasCode && f.Code == alreadyDoneCode(op) {
				// A resend found the change already made: the attempt whose answer was
				// lost took effect after the check (a node may finish a request whose
				// connection died). Look once more rather than report a refusal.
				if state, ok := c.reconcile(ctx, a, device, x.node); ok && applied(state) {
					c.log.Info("reconciled lost answer", "op", op, "device", device, "result", "applied late")
					return nil
				}
			}
			return c.emError(f, a)
		case x.resp != nil:
			// A query-shaped answer to a request: CUCM did not do it.
			return c.unreachable(op + ": unexpected answer")
		case x.maybeSent:
			state, ok := c.reconcile(ctx, a, device, x.node+1)
			if !ok {
				return service.Errorf(service.CodeOutcomeUnknown, "%s outcome unknown: the answer from cluster %s was lost and the device state could not be checked", opTitle(op), c.code)
			}
			if applied(state) {
				c.log.Info("reconciled lost answer", "op", op, "device", device, "result", "applied")
				return nil
			}
			c.log.Info("reconciled lost answer", "op", op, "device", device, "result", "not applied, resending")
			resends++
			if resends > len(c.nodes) {
				return c.unreachable(op + ": every attempt lost its answer")
			}
			start = x.node + 1
		default:
			if ctx.Err() != nil && !x.tried {
				return c.deadlinePassed(lastBusy, a)
			}
			return c.unreachable(op)
		}
	}
}

// alreadyDoneCode is CUCM's answer to op when the device is already in the
// state op asks for: 18 "Another user logged in" to a login (the user itself,
// where CUCM refuses a relogin), 19 "No user logged in" to a logout.
func alreadyDoneCode(op string) int {
	if op == "login" {
		return 18
	}
	return 19
}

// reconcile asks nodes from index `from` on (wrapping) who is on device.
func (c *Client) reconcile(ctx context.Context, a Auth, device string, from int) (DeviceResult, bool) {
	if ctx.Err() != nil {
		return DeviceResult{}, false
	}
	d, err := c.queryDevice(ctx, a, device, from)
	if err != nil {
		return DeviceResult{}, false
	}
	return d, true
}
