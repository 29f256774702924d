package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

// TestBudgetLanes queues waiters of both lanes on a budget in the order
// given (i = interactive, s = scheduled) and hands slots over one at a
// time: every interactive waiter gets one before any scheduled waiter, each
// lane oldest first. A poke follows the same order.
func TestBudgetLanes(t *testing.T) {
	tests := []struct {
		arrivals string
		want     string
	}{
		{"s1 s2 i1", "i1 s1 s2"},
		{"i1 s1 i2", "i1 i2 s1"},
		{"s1 i1 s2 i2", "i1 i2 s1 s2"},
		{"s1 s2", "s1 s2"},
	}
	for _, tt := range tests {
		for _, byPoke := range []bool{false, true} {
			t.Run(tt.arrivals, func(t *testing.T) {
				b := &budget{}
				got := make(chan string, 8)
				for n, name := range strings.Fields(tt.arrivals) {
					ctx := context.Background()
					if name[0] == 's' {
						ctx = service.WithLane(ctx, service.LaneScheduled)
					}
					go func() {
						s, err := b.await(ctx, 0, time.Minute)
						if err != nil || (s == nil) != byPoke {
							got <- "unexpected"
							return
						}
						got <- name
					}()
					deadline := time.Now().Add(5 * time.Second)
					for b.waiters() != n+1 {
						if time.Now().After(deadline) {
							t.Fatal("waiter never queued")
						}
						time.Sleep(time.Millisecond) // polling with a deadline
					}
				}
				var order []string
				for range strings.Fields(tt.arrivals) {
					if byPoke {
						b.poke()
					} else if !b.handTo(&slot{}) {
						t.Fatal("no waiter to hand to")
					}
					order = append(order, <-got)
				}
				if strings.Join(order, " ") != tt.want {
					t.Errorf("served %v, want %s (poke %v)", order, tt.want, byPoke)
				}
			})
		}
	}
}
