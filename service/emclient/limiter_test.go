package emclient

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

// TestLimiterLanes queues callers of both lanes behind a full limiter, in
// the order given (i = interactive, s = scheduled), frees the slot one
// release at a time and checks who gets it: every interactive caller before
// any scheduled one, each lane oldest first.
func TestLimiterLanes(t *testing.T) {
	tests := []struct {
		arrivals string
		want     string
	}{
		{"s1 s2 i1", "i1 s1 s2"},
		{"i1 s1 i2", "i1 i2 s1"},
		{"s1 s2 s3", "s1 s2 s3"},
		{"i1 i2", "i1 i2"},
		{"s1 i1 s2 i2", "i1 i2 s1 s2"},
	}
	for _, tt := range tests {
		t.Run(tt.arrivals, func(t *testing.T) {
			l := newLimiter(1, 10)
			hold, err := l.acquire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := make(chan string)
			next := make(chan struct{})
			for n, name := range strings.Fields(tt.arrivals) {
				ctx := context.Background()
				if name[0] == 's' {
					ctx = service.WithLane(ctx, service.LaneScheduled)
				}
				go func() {
					release, err := l.acquire(ctx)
					if err != nil {
						got <- "error " + err.Error()
						return
					}
					got <- name
					<-next
					release()
				}()
				waitQueued(t, l, n+1)
			}
			hold()
			var order []string
			for range strings.Fields(tt.arrivals) {
				order = append(order, <-got)
				next <- struct{}{}
			}
			if strings.Join(order, " ") != tt.want {
				t.Errorf("served %v, want %s", order, tt.want)
			}
			deadline := time.Now().Add(5 * time.Second)
			for l.inFlight() != 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond) // the last release runs after its handshake
			}
			if l.inFlight() != 0 || l.queued() != 0 {
				t.Errorf("leak: inFlight %d queued %d", l.inFlight(), l.queued())
			}
		})
	}
}

// waitQueued waits until n callers wait, so that arrivals keep their order.
func waitQueued(t *testing.T, l *limiter, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for l.queued() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d queued, want %d", l.queued(), n)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// TestLimiterLaneLeaves checks that a scheduled waiter whose context ends
// leaves its queue without taking a slot, and the counts by lane.
func TestLimiterLaneLeaves(t *testing.T) {
	l := newLimiter(1, 2)
	hold, _ := l.acquire(context.Background())
	ctx, cancel := context.WithCancel(service.WithLane(context.Background(), service.LaneScheduled))
	done := make(chan error)
	go func() { _, err := l.acquire(ctx); done <- err }()
	waitQueued(t, l, 1)
	if now, total := l.queuedIn(service.LaneScheduled); now != 1 || total != 1 {
		t.Errorf("scheduled lane: %d now, %d total", now, total)
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("cancelled waiter got a slot")
	}
	hold()
	if got := fmt.Sprint(l.inFlight(), l.queued()); got != "0 0" {
		t.Errorf("inFlight queued = %s", got)
	}
	if now, total := l.queuedIn(service.LaneInteractive); !reflect.DeepEqual([]int64{int64(now), total}, []int64{0, 0}) {
		t.Errorf("interactive lane: %d, %d", now, total)
	}
}
