package service

import (
	"context"
	"errors"
	"testing"
	"time"
)

// slowCluster answers DeviceUser after delay, or when ctx ends.
type slowCluster struct {
	*memCluster
	delay     time.Duration
	cancelled chan struct{}
}

func (s *slowCluster) DeviceUser(ctx context.Context, cred Credentials, device string) (DeviceStatus, error) {
	select {
	case <-time.After(s.delay):
		return s.memCluster.DeviceUser(ctx, cred, device)
	case <-ctx.Done():
		close(s.cancelled)
		return DeviceStatus{}, ctx.Err()
	}
}

// The slow cluster answers after an hour, so an answer within the test's
// bound (30 s: generous for a loaded machine, an in-memory search takes
// microseconds) cannot have waited for it; its query must then be cancelled.
func TestSearchDoesNotWaitForSlowerClusters(t *testing.T) {
	eu := newMem("EU")
	eu.devices["SEPEU1"] = "EUUSER"
	us := &slowCluster{memCluster: newMem("US"), delay: time.Hour, cancelled: make(chan struct{})}
	c, err := NewConnector([]Cluster{eu, us}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const bound = 30 * time.Second
	answered := make(chan Result, 1)
	go func() {
		answered <- c.Serve(context.Background(), goodCred, Request{Op: OpLoggedInUser, Device: "SEPEU1"})
	}()
	select {
	case r := <-answered:
		if r.Code != 0 || r.User != "EUUSER" || r.Cluster != "EU" {
			t.Fatalf("got %+v, want EUUSER in EU", r)
		}
	case <-time.After(bound):
		t.Fatal("no answer: the search waited for the slow cluster")
	}
	select {
	case <-us.cancelled:
	case <-time.After(bound):
		t.Error("the slow cluster's query was not cancelled")
	}
}

func TestAskAllOrder(t *testing.T) {
	hit := func(v int) bool { return v > 0 }
	type answer struct {
		val   int
		err   error
		delay time.Duration
	}
	tests := []struct {
		name    string
		answers []answer
		want    int
	}{
		{"first wins over faster second", []answer{{1, nil, 30 * time.Millisecond}, {1, nil, 0}}, 0},
		{"second after first misses", []answer{{0, nil, 10 * time.Millisecond}, {1, nil, 0}}, 1},
		{"second after first fails", []answer{{0, errors.New("down"), 0}, {1, nil, 0}}, 1},
		{"no hit", []answer{{0, nil, 0}, {0, nil, 0}}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clusters := make([]Cluster, len(tt.answers))
			index := map[Cluster]int{}
			for i := range clusters {
				clusters[i] = newMem(string(rune('A' + i)))
				index[clusters[i]] = i
			}
			replies, won := askAll(context.Background(), clusters, nil, func(ctx context.Context, cl Cluster) (int, error) {
				a := tt.answers[index[cl]]
				time.Sleep(a.delay)
				return a.val, a.err
			}, hit)
			if won != tt.want {
				t.Fatalf("won %d, want %d (replies %+v)", won, tt.want, replies)
			}
		})
	}
}

func TestAskAllSkips(t *testing.T) {
	a, b := newMem("A"), newMem("B")
	asked := make(chan string, 2)
	_, won := askAll(context.Background(), []Cluster{a, b}, a, func(_ context.Context, cl Cluster) (bool, error) {
		asked <- cl.Code()
		return true, nil
	}, func(v bool) bool { return v })
	if won != 1 || len(asked) != 1 || <-asked != "B" {
		t.Errorf("won %d; the skipped cluster must not be asked", won)
	}
}
