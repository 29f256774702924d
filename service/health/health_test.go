package health

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeDial answers from a set of reachable addresses and counts dials.
type fakeDial struct {
	mu    sync.Mutex
	up    map[string]bool
	dials int
}

func (f *fakeDial) dial(_ context.Context, addr string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dials++
	if f.up[addr] {
		return nil
	}
	return errors.New("refused")
}

func TestCheck(t *testing.T) {
	targets := []Target{{Cluster: "EU", Addrs: []string{"eu1:80", "eu2:80"}}, {Cluster: "US", Addrs: []string{"us1:80"}}}
	tests := []struct {
		name        string
		up          []string
		ready       bool
		notReady    []string
		euReachable int
	}{
		{"all up", []string{"eu1:80", "eu2:80", "us1:80"}, true, nil, 2},
		{"one node per cluster", []string{"eu2:80", "us1:80"}, true, nil, 1},
		{"US down", []string{"eu1:80"}, false, []string{"US"}, 1},
		{"all down", nil, false, []string{"EU", "US"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeDial{up: map[string]bool{}}
			for _, a := range tt.up {
				f.up[a] = true
			}
			c := NewChecker(targets, Options{Dial: f.dial})
			r := c.Check(context.Background())
			if r.Ready != tt.ready {
				t.Errorf("Ready = %v, want %v", r.Ready, tt.ready)
			}
			if got := r.NotReady(); len(got) != len(tt.notReady) || (len(got) > 0 && got[0] != tt.notReady[0]) {
				t.Errorf("NotReady = %v, want %v", got, tt.notReady)
			}
			if r.Clusters[0].Reachable != tt.euReachable || r.Clusters[0].Nodes != 2 {
				t.Errorf("EU = %+v, want %d of 2 reachable", r.Clusters[0], tt.euReachable)
			}
		})
	}
}

func TestCheckIsCached(t *testing.T) {
	f := &fakeDial{up: map[string]bool{"eu1:80": true}}
	now := time.Unix(1000, 0)
	c := NewChecker([]Target{{Cluster: "EU", Addrs: []string{"eu1:80"}}},
		Options{Dial: f.dial, CacheFor: 2 * time.Second, Now: func() time.Time { return now }})
	for range 50 {
		c.Check(context.Background())
	}
	if f.dials != 1 {
		t.Fatalf("50 checks within the cache period dialled %d times, want 1", f.dials)
	}
	f.up["eu1:80"] = false
	if !c.Check(context.Background()).Ready {
		t.Error("cached report changed before the period ended")
	}
	now = now.Add(2 * time.Second)
	if c.Check(context.Background()).Ready {
		t.Error("report not refreshed after the period")
	}
	if f.dials != 2 {
		t.Errorf("dials = %d, want 2", f.dials)
	}
}

func TestCheckRealDial(t *testing.T) {
	// A port nobody listens on: the real dialler reports it unreachable.
	c := NewChecker([]Target{{Cluster: "EU", Addrs: []string{"127.0.0.1:1"}}}, Options{DialTimeout: 500 * time.Millisecond})
	if c.Check(context.Background()).Ready {
		t.Error("127.0.0.1:1 reported reachable")
	}
}
