package emclient

import (
	"context"
	"testing"
	"time"
)

func TestBreakerStates(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	type step struct {
		do        string // fail, ok, wait, allow
		wantAllow bool
		wantState string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"opens after 3 consecutive failures", []step{
			{"fail", false, "closed"}, {"fail", false, "closed"}, {"fail", false, "open"}, {"allow", false, "open"},
		}},
		{"a success resets the count", []step{
			{"fail", false, "closed"}, {"fail", false, "closed"}, {"ok", false, "closed"}, {"fail", false, "closed"}, {"allow", true, "closed"},
		}},
		{"half-open lets one probe through", []step{
			{"fail", false, "closed"}, {"fail", false, "closed"}, {"fail", false, "open"}, {"wait", false, "half-open"},
			{"allow", true, "half-open"}, {"allow", false, "half-open"}, {"ok", false, "closed"}, {"allow", true, "closed"},
		}},
		{"a failed probe reopens", []step{
			{"fail", false, "closed"}, {"fail", false, "closed"}, {"fail", false, "open"}, {"wait", false, "half-open"},
			{"allow", true, "half-open"}, {"fail", false, "open"}, {"allow", false, "open"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = time.Unix(0, 0)
			b := newBreaker(3, time.Second, clock)
			for i, s := range tt.steps {
				switch s.do {
				case "fail":
					b.failure()
				case "ok":
					b.success()
				case "wait":
					now = now.Add(time.Second)
				case "allow":
					if got := b.allow(); got != s.wantAllow {
						t.Fatalf("step %d: allow() = %v, want %v", i, got, s.wantAllow)
					}
				}
				if got := b.state(); got != s.wantState {
					t.Fatalf("step %d (%s): state %s, want %s", i, s.do, got, s.wantState)
				}
			}
		})
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(2, 1)
	ctx := context.Background()
	r1, err1 := l.acquire(ctx)
	r2, err2 := l.acquire(ctx)
	if err1 != nil || err2 != nil || l.inFlight() != 2 {
		t.Fatalf("two slots: %v %v, inFlight %d", err1, err2, l.inFlight())
	}
	got := make(chan error, 1)
	go func() {
		r, err := l.acquire(ctx)
		if err == nil {
			r()
		}
		got <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for l.queued() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("third caller never queued")
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	if _, err := l.acquire(ctx); err == nil || !err.(*limitError).full {
		t.Errorf("fourth caller: %v, want queue full", err)
	}
	r1()
	if err := <-got; err != nil {
		t.Errorf("queued caller: %v", err)
	}
	r2()
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	ra, _ := l.acquire(ctx)
	rb, _ := l.acquire(ctx)
	if _, err := l.acquire(short); err == nil || err.(*limitError).full {
		t.Errorf("waiting past the deadline: %v, want a deadline error", err)
	}
	ra()
	rb()
	if l.inFlight() != 0 || l.queued() != 0 {
		t.Errorf("leak: inFlight %d queued %d", l.inFlight(), l.queued())
	}
}

func TestDeviceLocks(t *testing.T) {
	d := newDeviceLocks()
	ctx := context.Background()
	unlock, err := d.lock(ctx, "SEPA")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := d.lock(short, "sepa"); err == nil {
		t.Error("same device (any case) locked twice")
	}
	unlockB, err := d.lock(ctx, "SEPB")
	if err != nil {
		t.Errorf("other device blocked: %v", err)
	}
	unlockB()
	unlock()
	unlock2, err := d.lock(ctx, "SEPA")
	if err != nil {
		t.Fatalf("relock after unlock: %v", err)
	}
	unlock2()
	if n := d.size(); n != 0 {
		t.Errorf("%d lock entries left, want 0", n)
	}
}
