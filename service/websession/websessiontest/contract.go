// Package websessiontest is the behaviour every websession.Store must
// have, as a test function the stores' own tests run (the in-memory one in
// service/dashboard, the PostgreSQL one in service/postgres).
package websessiontest

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/websession"
)

// Idle and Absolute are the timeouts the contract opens its stores with.
const (
	Idle     = 30 * time.Minute
	Absolute = 2 * time.Hour
)

// Start is the contract clocks' first time.
var Start = time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

// Factory returns a new, empty store for one test whose sessions end idle
// after their last use and absolute after their creation, on the clock now.
type Factory func(t *testing.T, idle, absolute time.Duration, now func() time.Time) websession.Store

// Contract runs the behaviour every store must have: a session's user, its
// token (long, random, cookie-safe), deletion, the idle and the absolute
// timeout, and concurrent use. A store may refresh a session's last use
// lazily (at most every minute): the contract's uses are further apart.
func Contract(t *testing.T, open Factory) {
	tests := []struct {
		name string
		run  func(t *testing.T, s websession.Store, clock *Clock)
	}{
		{"RoundTrip", roundTrip},
		{"UnknownToken", unknownToken},
		{"Tokens", tokens},
		{"Delete", deleteEnds},
		{"IdleTimeout", idleTimeout},
		{"AbsoluteTimeout", absoluteTimeout},
		{"Concurrent", concurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewClock(Start)
			tc.run(t, open(t, Idle, Absolute, clock.Now), clock)
		})
	}
}

// Create opens a session for user or fails the test.
func Create(t testing.TB, s websession.Store, user string) string {
	t.Helper()
	token, err := s.Create(context.Background(), user)
	if err != nil {
		t.Fatalf("create %s: %v", user, err)
	}
	return token
}

// Want checks that token is live for user, or not live when user is "".
func Want(t testing.TB, s websession.Store, token, user string) {
	t.Helper()
	got, ok, err := s.Get(context.Background(), token)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if ok != (user != "") || got != user {
		t.Fatalf("get = %q, %v; want %q, %v", got, ok, user, user != "")
	}
}

func roundTrip(t *testing.T, s websession.Store, _ *Clock) {
	alice, bob := Create(t, s, "alice"), Create(t, s, "bob")
	Want(t, s, alice, "alice")
	Want(t, s, bob, "bob")
	Want(t, s, alice, "alice") // a Get does not consume the session
}

func unknownToken(t *testing.T, s websession.Store, _ *Clock) {
	token := Create(t, s, "alice")
	for _, other := range []string{"", "x", token[:len(token)-1], websession.NewToken(), "' OR '1'='1"} {
		Want(t, s, other, "")
	}
}

// cookieSafe is the URL-safe base64 of at least 32 bytes.
var cookieSafe = regexp.MustCompile(`^[A-Za-z0-9_-]{43,}$`)

func tokens(t *testing.T, s websession.Store, _ *Clock) {
	seen := map[string]bool{}
	for range 20 {
		token := Create(t, s, "alice")
		if !cookieSafe.MatchString(token) || seen[token] {
			t.Fatalf("token %q: want 43+ URL-safe characters, never repeated", token)
		}
		seen[token] = true
	}
}

func deleteEnds(t *testing.T, s websession.Store, _ *Clock) {
	ctx := context.Background()
	alice, bob := Create(t, s, "alice"), Create(t, s, "bob")
	if err := s.Delete(ctx, alice); err != nil {
		t.Fatal(err)
	}
	Want(t, s, alice, "")
	Want(t, s, bob, "bob")
	for _, token := range []string{alice, "unknown"} {
		if err := s.Delete(ctx, token); err != nil {
			t.Errorf("delete of a gone session: %v", err)
		}
	}
}

func idleTimeout(t *testing.T, s websession.Store, clock *Clock) {
	token := Create(t, s, "desk")
	clock.Add(Idle - time.Second)
	Want(t, s, token, "desk") // the idle timeout starts again
	clock.Add(Idle - time.Second)
	Want(t, s, token, "desk")
	clock.Add(Idle)
	Want(t, s, token, "")
}

func absoluteTimeout(t *testing.T, s websession.Store, clock *Clock) {
	token := Create(t, s, "desk")
	for range 4 { // used every 29 minutes: alive until the absolute limit
		clock.Add(29 * time.Minute)
		Want(t, s, token, "desk")
	}
	clock.Add(4 * time.Minute) // 2h00 after sign-in
	Want(t, s, token, "")
}

func concurrent(t *testing.T, s websession.Store, _ *Clock) {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			user := fmt.Sprintf("user%d", i)
			token, err := s.Create(context.Background(), user)
			if err == nil {
				err = check(s, token, user)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// check is Want for goroutines, which may not call t.Fatal.
func check(s websession.Store, token, user string) error {
	ctx := context.Background()
	got, ok, err := s.Get(ctx, token)
	if err == nil && (!ok || got != user) {
		err = fmt.Errorf("get = %q, %v; want %q", got, ok, user)
	}
	if err == nil {
		err = s.Delete(ctx, token)
	}
	return err
}
