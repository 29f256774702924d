package dashboard

import (
	"strconv"
	"testing"
	"time"
)

// A throttle step: the clock moves by advance, then name tries from addr;
// an admitted attempt ends as outcome ("fail", "ok" or "cancel").
type throttleStep struct {
	advance    time.Duration
	name, addr string
	outcome    string
	wantWait   time.Duration
	wantLimit  string
}

func fails(n int, name, addr string) []throttleStep {
	out := make([]throttleStep, n)
	for i := range out {
		out[i] = throttleStep{name: name, addr: addr, outcome: "fail"}
	}
	return out
}

func steps(groups ...[]throttleStep) []throttleStep {
	var out []throttleStep
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func one(s throttleStep) []throttleStep { return []throttleStep{s} }

func TestThrottle(t *testing.T) {
	const a, b = "192.0.2.1", "192.0.2.2"
	tests := []struct {
		name  string
		opts  ThrottleOptions
		steps []throttleStep
	}{
		{"3 free failures, then 1 s doubling", ThrottleOptions{}, steps(
			fails(3, "admin", a),
			one(throttleStep{name: "admin", addr: a, wantWait: time.Second, wantLimit: limitPair}),
			one(throttleStep{advance: time.Second, name: "admin", addr: a, outcome: "fail"}),
			one(throttleStep{name: "admin", addr: a, wantWait: 2 * time.Second, wantLimit: limitPair}),
			one(throttleStep{advance: 2 * time.Second, name: "admin", addr: a, outcome: "ok"}),
			fails(3, "admin", a), // the success cleared the pair
		)},
		{"the backoff stops at Max", ThrottleOptions{Max: 4 * time.Second}, steps(
			fails(3, "admin", a),
			one(throttleStep{advance: time.Second, name: "admin", addr: a, outcome: "fail"}),
			one(throttleStep{advance: 2 * time.Second, name: "admin", addr: a, outcome: "fail"}),
			one(throttleStep{advance: 4 * time.Second, name: "admin", addr: a, outcome: "fail"}),
			one(throttleStep{name: "admin", addr: a, wantWait: 4 * time.Second, wantLimit: limitPair}),
		)},
		{"attempts at once count as they are admitted", ThrottleOptions{}, steps(
			fails(3, "admin", a), // none has ended yet: each reserved its slot
			one(throttleStep{name: "admin", addr: a, wantWait: time.Second, wantLimit: limitPair}),
		)},
		{"a failing address does not lock the name out of another", ThrottleOptions{}, steps(
			fails(3, "admin", a),
			one(throttleStep{name: "admin", addr: a, wantWait: time.Second, wantLimit: limitPair}),
			one(throttleStep{name: "admin", addr: b, outcome: "ok"}),
			one(throttleStep{name: "admin", addr: a, wantWait: time.Second, wantLimit: limitPair}),
		)},
		{"an address spraying names is throttled", ThrottleOptions{}, steps(
			sprayNames(10, a),
			one(throttleStep{name: "admin", addr: a, wantWait: time.Second, wantLimit: limitAddress}),
			one(throttleStep{name: "admin", addr: b, outcome: "ok"}),
		)},
		{"a success gives back its own count only", ThrottleOptions{}, steps(
			sprayNames(9, a),
			one(throttleStep{name: "desk", addr: a, outcome: "ok"}),
			fails(1, "admin", a),
			one(throttleStep{name: "desk", addr: a, wantWait: time.Second, wantLimit: limitAddress}),
		)},
		{"a name failing from many addresses is refused everywhere", ThrottleOptions{NameLimit: 5}, steps(
			sprayAddresses(5, "admin"),
			one(throttleStep{advance: time.Minute, name: "admin", addr: b, wantWait: 14 * time.Minute, wantLimit: limitName}),
			one(throttleStep{name: "desk", addr: b, outcome: "ok"}),
			one(throttleStep{advance: 14 * time.Minute, name: "admin", addr: b, outcome: "ok"}),
		)},
		{"a negative NameLimit turns the name limit off", ThrottleOptions{NameLimit: -1}, steps(
			sprayAddresses(200, "admin"),
			one(throttleStep{name: "admin", addr: b, outcome: "ok"}),
		)},
		{"a key without a failure for the window starts over", ThrottleOptions{}, steps(
			fails(3, "admin", a),
			one(throttleStep{advance: 15 * time.Minute, name: "admin", addr: a, outcome: "fail"}),
			fails(2, "admin", a),
			one(throttleStep{name: "admin", addr: a, wantWait: time.Second, wantLimit: limitPair}),
		)},
		{"an attempt the pool refused does not count", ThrottleOptions{}, steps(
			fails(2, "admin", a),
			one(throttleStep{name: "admin", addr: a, outcome: "cancel"}),
			one(throttleStep{name: "admin", addr: a, outcome: "cancel"}),
			fails(1, "admin", a),
			one(throttleStep{name: "admin", addr: a, wantWait: time.Second, wantLimit: limitPair}),
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
			th := newThrottle(tt.opts, func() time.Time { return now })
			for i, s := range tt.steps {
				now = now.Add(s.advance)
				tk, wait, limit := th.reserve(s.name, s.addr)
				if wait != s.wantWait || limit != s.wantLimit {
					t.Fatalf("step %d (%s from %s): wait %v by %q, want %v by %q", i, s.name, s.addr, wait, limit, s.wantWait, s.wantLimit)
				}
				switch {
				case wait > 0:
				case s.outcome == "ok":
					th.succeeded(tk)
				case s.outcome == "cancel":
					th.cancel(tk)
				}
			}
		})
	}
}

func sprayNames(n int, addr string) []throttleStep {
	out := make([]throttleStep, n)
	for i := range out {
		out[i] = throttleStep{name: "made-up-" + strconv.Itoa(i), addr: addr, outcome: "fail"}
	}
	return out
}

func sprayAddresses(n int, name string) []throttleStep {
	out := make([]throttleStep, n)
	for i := range out {
		out[i] = throttleStep{name: name, addr: "198.51.100." + strconv.Itoa(i), outcome: "fail"}
	}
	return out
}

// A spray of made-up names from many addresses keeps the map bounded,
// and the keys are forgotten once their window has passed.
func TestThrottleStaysBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	th := newThrottle(ThrottleOptions{MaxKeys: 300}, func() time.Time { return now })
	for i := range 5000 {
		th.reserve("made-up-"+strconv.Itoa(i), "2001:db8::"+strconv.FormatInt(int64(i), 16))
	}
	if n := len(th.keys); n > 300 || th.lru.Len() != n {
		t.Fatalf("%d keys (%d in the LRU list), want at most 300", n, th.lru.Len())
	}
	now = now.Add(15 * time.Minute)
	th.reserve("admin", "192.0.2.1")
	if n := len(th.keys); n != 3 {
		t.Fatalf("%d keys after the window, want the 3 of the last attempt", n)
	}
}

// A name of 45 KB is kept capped in the throttle's keys.
func TestThrottleCapsNames(t *testing.T) {
	th := newThrottle(ThrottleOptions{}, time.Now)
	long := make([]byte, 45_000)
	for i := range long {
		long[i] = 'x'
	}
	th.reserve(string(long), "192.0.2.1")
	for k := range th.keys {
		if len(k) > 400 {
			t.Errorf("a key of %d bytes", len(k))
		}
	}
}
