package emclient

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// The breaker reports each state change with its time: to open at the
// failure that opens it, to half-open at the end of the open period (once
// the probe answered), and out of half-open at the probe's answer.
func TestBreakerReportsChanges(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	type step struct {
		after time.Duration // since t0
		ok    bool
	}
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"successes change nothing", []step{{0, true}, {time.Second, true}}, nil},
		{"below the threshold", []step{{0, false}, {time.Second, true}}, nil},
		{"opens at the threshold", []step{{0, false}, {time.Second, false}},
			[]string{"closed→open @1s"}},
		{"a good probe closes it", []step{{0, false}, {time.Second, false}, {20 * time.Second, true}},
			[]string{"closed→open @1s", "open→half-open @11s", "half-open→closed @20s"}},
		{"a failed probe opens it again", []step{{0, false}, {time.Second, false}, {15 * time.Second, false}},
			[]string{"closed→open @1s", "open→half-open @11s", "half-open→open @15s"}},
		{"failures while open change nothing", []step{{0, false}, {time.Second, false}, {2 * time.Second, false}},
			[]string{"closed→open @1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := t0
			b := newBreaker(2, 10*time.Second, func() time.Time { return now })
			var got []string
			b.changed = func(from, to string, at time.Time) {
				got = append(got, fmt.Sprintf("%s→%s @%s", from, to, at.Sub(t0)))
			}
			for _, s := range tt.steps {
				now = t0.Add(s.after)
				if s.ok {
					b.success()
				} else {
					b.failure()
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
