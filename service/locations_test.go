package service

import (
	"context"
	"testing"
	"time"
)

func TestLocations(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	eu, us := newMem("EU"), newMem("US")
	l := newLocations(time.Minute, 2, clock)
	if l.get("SEP1") != nil {
		t.Fatal("empty cache hit")
	}
	l.put("SEP1", eu)
	if l.get("sep1") != eu {
		t.Error("device names must match case-insensitively")
	}
	l.put("SEP2", us)
	l.get("SEP1") // SEP1 is now the most recently used
	l.put("SEP3", us)
	if l.get("SEP2") != nil {
		t.Error("the least recently used entry was not evicted")
	}
	if l.get("SEP1") != eu || l.get("SEP3") != us {
		t.Error("recent entries lost")
	}
	now = now.Add(2 * time.Minute)
	if l.get("SEP1") != nil {
		t.Error("expired entry used")
	}
	l.put("SEP4", eu)
	l.forget("SEP4")
	if l.get("SEP4") != nil {
		t.Error("forgotten entry used")
	}
	st := l.stats()
	if st.Hits != 4 || st.Misses != 4 || st.Size != 1 {
		t.Errorf("stats %+v, want 4 hits, 4 misses, 1 entry", st)
	}
}

func TestConnectorRemembersSearchedDevices(t *testing.T) {
	c, eu, us := world(t, "")
	ctx := context.Background()
	who := Request{Op: OpLoggedInUser, Device: "SEPUS1"}
	if r := c.Serve(ctx, goodCred, who); r.Code != 0 || r.Cluster != "US" {
		t.Fatalf("first request: %+v", r)
	}
	eu.calls, us.calls = nil, nil
	if r := c.Serve(ctx, goodCred, who); r.Code != 0 || r.Cluster != "US" {
		t.Fatalf("second request: %+v", r)
	}
	if len(eu.calls) != 0 || len(us.calls) != 1 {
		t.Errorf("second request asked EU %v and US %v; want only US once", eu.calls, us.calls)
	}
	// The device moves to EU: US says 11, the entry is dropped and the device found again.
	delete(us.devices, "SEPUS1")
	eu.devices["SEPUS1"] = ""
	if r := c.Serve(ctx, goodCred, Request{Op: OpLogout, Device: "SEPUS1"}); r.Code != 19 || r.Cluster != "EU" {
		t.Errorf("after the move: %+v, want 19 from EU", r)
	}
	if st := c.LocationStats(); st.Hits != 2 || st.Misses != 1 {
		t.Errorf("stats %+v, want 2 hits 1 miss", st)
	}
}
