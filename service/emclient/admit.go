package emclient

import (
	"context"
	"errors"
)

// Coordinator shares a cluster's concurrency budget and its per-device locks
// with the other replicas of the service (service/postgres.Coordinator), so
// that several replicas together never send CUCM more than its
// maxConcurrentRequests, nor two requests for one phone at once.
type Coordinator interface {
	// Enter waits until this process holds device's lock and one of the
	// cluster's `slots` across all replicas, and returns the function that
	// gives both back. An error while ctx is still live means the
	// coordination is unavailable: the request then proceeds on this
	// process's own limits (availability before strictness); an error once
	// ctx has ended means the wait did not end in time.
	Enter(ctx context.Context, cluster, device string, slots int) (leave func(), err error)
}

// admit takes what a login or logout needs before CUCM is asked, in this
// order: the device's lock, a concurrency slot (with the bounded queue), then
// with a coordinator the same two across replicas. The local limits stay in
// front so that one replica never has more than maxConcurrentRequests
// requests (and PostgreSQL connections) contending for the shared ones. It
// returns the function that gives everything back, or 1011.
func (c *Client) admit(ctx context.Context, device string) (func(), error) {
	unlock, err := c.devices.lock(ctx, device)
	if err != nil {
		return nil, c.busy("waiting for device " + device)
	}
	release, err := c.lim.acquire(ctx)
	if err != nil {
		unlock()
		var le *limitError
		if errors.As(err, &le) && le.full {
			return nil, c.busy("too many requests queued")
		}
		return nil, c.busy("waiting for a request slot")
	}
	leave := func() {}
	if c.coord != nil {
		l, err := c.coord.Enter(ctx, c.code, device, cap(c.lim.slots))
		switch {
		case err == nil:
			leave = l
		case ctx.Err() != nil:
			release()
			unlock()
			return nil, c.busy("waiting for a request slot shared with the other replicas")
		default:
			// The coordinator has logged and counted it: on local limits.
		}
	}
	return func() {
		leave()
		release()
		unlock()
	}, nil
}
