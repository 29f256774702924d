package emclient

import (
	"context"
	"strings"

	"github.com/emconnector/emconnector/service"
)

// DeviceUser asks who is on device. Returns CUCM's EM error, 1002 or 1011.
func (c *Client) DeviceUser(ctx context.Context, cred service.Credentials, device string) (service.DeviceStatus, error) {
	unlock, err := c.devices.lock(ctx, device)
	if err != nil {
		return service.DeviceStatus{}, c.busy("waiting for device " + device)
	}
	defer unlock()
	a := auth(cred)
	d, err := c.queryDevice(ctx, a, device, 0)
	if err != nil {
		return service.DeviceStatus{}, err
	}
	return service.DeviceStatus{Exists: !d.DoesNotExist, User: d.User}, nil
}

// UserDevices asks where user is logged in. Returns CUCM's EM error, 1002 or
// 1011.
func (c *Client) UserDevices(ctx context.Context, cred service.Credentials, user string) (service.UserStatus, error) {
	a := auth(cred)
	resp, err := c.query(ctx, a, "userDevicesQuery", EncodeQuery(a, UserDevicesQuery, user), 0)
	if err != nil {
		return service.UserStatus{}, err
	}
	for _, u := range resp.UserDevices {
		if strings.EqualFold(u.ID, user) {
			return service.UserStatus{Exists: !u.DoesNotExist, Devices: u.Devices}, nil
		}
	}
	if len(resp.UserDevices) == 1 {
		// Some servers normalise the ID; one result for one name is ours.
		u := resp.UserDevices[0]
		return service.UserStatus{Exists: !u.DoesNotExist, Devices: u.Devices}, nil
	}
	return service.UserStatus{}, c.unreachable("userDevicesQuery answer without the user")
}

func (c *Client) queryDevice(ctx context.Context, a Auth, device string, from int) (DeviceResult, error) {
	resp, err := c.query(ctx, a, "deviceUserQuery", EncodeQuery(a, DeviceUserQuery, device), from)
	if err != nil {
		return DeviceResult{}, err
	}
	for _, d := range resp.DeviceUsers {
		if strings.EqualFold(d.Name, device) {
			return d, nil
		}
	}
	if len(resp.DeviceUsers) == 1 {
		return resp.DeviceUsers[0], nil
	}
	return DeviceResult{}, c.unreachable("deviceUserQuery answer without the device")
}

// query sends an idempotent query, failing over on any transport failure and
// retrying CUCM's busy code with backoff. A failure answer is an EM error.
func (c *Client) query(ctx context.Context, a Auth, op, body string, from int) (*Response, error) {
	var lastBusy *Failure
	for busyTries := 0; ; busyTries++ {
		x := c.exchange(ctx, op, body, from, true)
		switch {
		case x.resp == nil:
			if ctx.Err() != nil && !x.tried {
				return nil, c.deadlinePassed(lastBusy, a)
			}
			return nil, c.unreachable(op)
		case x.resp.Failure != nil:
			f := x.resp.Failure
			if f.HasCode && f.Code == service.EMCodeBusy && c.backoff(ctx, busyTries) {
				lastBusy = f
				continue
			}
			return nil, c.emError(f, a)
		case x.resp.Success:
			return nil, c.unreachable(op + ": unexpected answer")
		}
		return x.resp, nil
	}
}
