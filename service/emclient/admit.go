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

// admit takes what a login or logout needs before CUCM is asked, and
// returns the function that gives it all back, or 1011. First the device's
// lock in this process (one request per phone per replica goes further);
// then, alone, a concurrency slot (with the bounded queue); with a
// coordinator, a place among the requests waiting for a shared slot (twice
// maxConcurrentRequests, so that a finishing request finds a local one to
// hand its slot to) and the shared device lock and slot, falling back to
// the local slot when the coordination is unavailable.
func (c *Client) admit(ctx context.Context, device string) (func(), error) {
	unlock, err := c.devices.lock(ctx, device)
	if err != nil {
		return nil, c.busy("waiting for device " + device)
	}
	if c.coord == nil {
		release, err := c.slot(ctx, c.lim)
		if err != nil {
			unlock()
			return nil, err
		}
		return func() { release(); unlock() }, nil
	}
	admitted, err := c.slot(ctx, c.admission)
	if err != nil {
		unlock()
		return nil, err
	}
	leave, err := c.coord.Enter(ctx, c.code, device, c.lim.capacity())
	if err != nil && ctx.Err() == nil {
		// The coordinator has logged and counted it: on local limits.
		leave, err = c.slot(ctx, c.lim)
	}
	if err != nil {
		admitted()
		unlock()
		return nil, c.busy("waiting for a request slot shared with the other replicas")
	}
	return func() { leave(); admitted(); unlock() }, nil
}

// slot takes a slot of l, or answers 1011 when its queue is full or ctx
// ended first.
func (c *Client) slot(ctx context.Context, l *limiter) (func(), error) {
	release, err := l.acquire(ctx)
	if err != nil {
		var le *limitError
		if errors.As(err, &le) && le.full {
			return nil, c.busy("too many requests queued")
		}
		return nil, c.busy("waiting for a request slot")
	}
	return release, nil
}
