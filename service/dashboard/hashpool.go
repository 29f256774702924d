package dashboard

import (
	"context"
	"errors"
	"runtime"

	"golang.org/x/crypto/bcrypt"
)

// errBusy is a sign-in refused because the bcrypt pool and its queue are
// full: answered at once with 503 and Retry-After (cmd/bcservice/README.md, "Dashboard sign-in").
var errBusy = errors.New("dashboard: too many sign-ins at once")

// busyRetry is the Retry-After of a sign-in refused with errBusy, seconds.
const busyRetry = "1"

// hashPool runs the bcrypt comparisons of sign-ins on a few workers with a
// short queue, so that a flood of sign-ins cannot take the CPUs the API
// listener needs: an attempt that finds the workers and the queue full is
// refused at once instead of waiting.
type hashPool struct {
	admitted chan struct{} // a token per attempt running or queued
	running  chan struct{} // a token per attempt running
	compare  func(hash, pw []byte) error
}

// defaultHashWorkers is half the CPUs Go may use, at least one.
func defaultHashWorkers() int { return max(runtime.GOMAXPROCS(0)/2, 1) }

// newHashPool returns a pool of workers (default defaultHashWorkers) with
// room for queue waiting attempts (default 4 per worker).
func newHashPool(workers, queue int) *hashPool {
	if workers <= 0 {
		workers = defaultHashWorkers()
	}
	if queue <= 0 {
		queue = 4 * workers
	}
	return &hashPool{admitted: make(chan struct{}, workers+queue), running: make(chan struct{}, workers),
		compare: bcrypt.CompareHashAndPassword}
}

// check reports whether pw matches hash; errBusy when the pool is full,
// ctx's error when the client left while queued.
func (p *hashPool) check(ctx context.Context, hash, pw []byte) (bool, error) {
	select {
	case p.admitted <- struct{}{}:
	default:
		return false, errBusy
	}
	defer func() { <-p.admitted }()
	select {
	case p.running <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-p.running }()
	return p.compare(hash, pw) == nil, nil
}
