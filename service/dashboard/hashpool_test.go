package dashboard

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"testing"
)

// blockedPool is a pool of workers and queue whose comparisons wait for
// release; started tells when one runs.
func blockedPool(workers, queue int) (p *hashPool, started chan struct{}, release chan struct{}) {
	p = &hashPool{admitted: make(chan struct{}, workers+queue), running: make(chan struct{}, workers)}
	started, release = make(chan struct{}, 100), make(chan struct{})
	p.compare = func(_, _ []byte) error {
		started <- struct{}{}
		<-release
		return nil
	}
	return p, started, release
}

func TestHashPoolRefusesWhenFull(t *testing.T) {
	p, started, release := blockedPool(2, 3)
	var wg sync.WaitGroup
	results := make(chan error, 5)
	for range 5 { // 2 running, 3 queued
		wg.Go(func() {
			_, err := p.check(context.Background(), nil, nil)
			results <- err
		})
	}
	<-started
	<-started
	for len(p.admitted) < 5 { // the 3 others have queued
		runtimeYield()
	}
	if _, err := p.check(context.Background(), nil, nil); !errors.Is(err, errBusy) {
		t.Fatalf("a 6th attempt: %v, want errBusy at once", err)
	}
	close(release)
	wg.Wait()
	close(results)
	for err := range results {
		if err != nil {
			t.Errorf("an admitted attempt: %v", err)
		}
	}
	if ok, err := p.check(context.Background(), nil, nil); !ok || err != nil {
		t.Errorf("after the flood: %v %v", ok, err)
	}
}

func TestHashPoolQueuedClientLeaves(t *testing.T) {
	p, started, release := blockedPool(1, 1)
	defer close(release)
	go func() { _, _ = p.check(context.Background(), nil, nil) }()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := p.check(ctx, nil, nil); done <- err }()
	for len(p.admitted) < 2 {
		runtimeYield()
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("%v, want the context's error", err)
	}
	if n := len(p.admitted); n != 1 {
		t.Errorf("%d admitted after the client left, want 1", n)
	}
}

func TestHashPoolDefaults(t *testing.T) {
	p := newHashPool(0, 0)
	w := defaultHashWorkers()
	if cap(p.running) != w || cap(p.admitted) != 5*w || w < 1 {
		t.Errorf("workers %d, admitted %d; want %d and %d", cap(p.running), cap(p.admitted), w, 5*w)
	}
}

// A sign-in that finds the pool full gets 503 with Retry-After at once,
// on the form and with Basic credentials, and does not count as a failure.
func TestSigninBusy(t *testing.T) {
	f := newFixture(t)
	p, started, release := blockedPool(1, 0)
	f.d.hashes = p
	go func() { _, _ = p.check(context.Background(), nil, nil) }()
	<-started
	for range 5 {
		w := f.do(t, formPost("/signin", url.Values{"name": {"desk"}, "password": {"deskpw"}}))
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != busyRetry ||
			!contains(w.Body.String(), "Too many sign-ins at once") {
			t.Fatalf("form: %d %q", w.Code, w.Header().Get("Retry-After"))
		}
	}
	r := basicGet("/api/history", "desk", "deskpw")
	if w := f.do(t, r); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != busyRetry {
		t.Fatalf("basic: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
	if w := f.do(t, basicGet("/", "desk", "deskpw")); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("basic on a page: %d", w.Code)
	}
	close(release)
	f.d.hashes = newHashPool(1, 1)
	f.signin(t, "desk", "deskpw") // the busy attempts counted nowhere
	if !contains(f.logs.String(), "outcome=busy") {
		t.Errorf("no audit of the refusals:\n%s", f.logs)
	}
}
