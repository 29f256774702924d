package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/postgres/pgtest"
)

// replicas opens n coordinators on one new database, as n replicas would,
// and the database for inspection.
func replicas(t *testing.T, s *pgtest.Server, n int) ([]*Coordinator, *sql.DB) {
	t.Helper()
	dsn := s.CreateDB(t)
	out := make([]*Coordinator, n)
	for i := range out {
		c, err := NewCoordinator(dsn, CoordinatorOptions{Replica: fmt.Sprintf("test-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if !c.Status().Shared {
			t.Fatalf("replica %d not shared after start: %+v", i, c.Status())
		}
		t.Cleanup(c.Close)
		out[i] = c
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return out, db
}

// advisoryLocks counts the advisory locks granted in the database.
func advisoryLocks(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func enter(t *testing.T, c *Coordinator, cluster, device string, slots int, within time.Duration) (func(), error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	return c.Enter(ctx, cluster, device, slots)
}

// eventually waits up to 5 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("not within 5 s: %s", what)
}

// The budget is the cluster's total across replicas, and a release on one
// replica wakes a waiter on another at once (notification, not polling).
func TestBudgetSharedAcrossReplicas(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	rs, db := replicas(t, s, 2)
	a, b := rs[0], rs[1]
	l1, err := enter(t, a, "EU", "SEP1", 2, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := enter(t, b, "EU", "SEP2", 2, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enter(t, b, "EU", "SEP3", 2, 300*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third request with 2 slots taken: %v, want the deadline", err)
	}
	us, err := enter(t, a, "US", "SEP3", 1, time.Second)
	if err != nil {
		t.Fatalf("another cluster has its own budget: %v", err)
	}
	got := make(chan time.Time, 1)
	go func() {
		l3, err := enter(t, b, "eu", "SEP3", 2, 5*time.Second)
		if err == nil {
			got <- time.Now()
			l3()
		}
		close(got)
	}()
	time.Sleep(150 * time.Millisecond) // the waiter has tried and is waiting
	released := time.Now()
	l1()
	at, ok := <-got
	if !ok {
		t.Fatal("the waiter did not get the slot")
	}
	if wait := at.Sub(released); wait > 80*time.Millisecond {
		t.Errorf("the waiter got the slot %v after the release; a notification should wake it well within the %v poll", wait, DefaultCoordinationPoll)
	}
	l2()
	us()
	eventually(t, "every lock given back", func() bool { return advisoryLocks(t, db) == 0 })
}

// Two requests for one device never run at once, whichever replica has
// them; the one waiting holds no slot.
func TestDeviceLockAcrossReplicas(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	rs, db := replicas(t, s, 2)
	l1, err := enter(t, rs[0], "EU", "SEPAAA", 5, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enter(t, rs[1], "EU", "sepaaa", 5, 300*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("same device (any case) on another replica: %v, want the deadline", err)
	}
	if n := advisoryLocks(t, db); n != 2 {
		t.Errorf("%d advisory locks after the timed-out waiter, want 2 (the first request's device and slot)", n)
	}
	l2, err := enter(t, rs[1], "US", "SEPAAA", 5, time.Second)
	if err != nil {
		t.Fatalf("the same name in another cluster is another device: %v", err)
	}
	l1()
	l3, err := enter(t, rs[1], "EU", "SEPAAA", 5, time.Second)
	if err != nil {
		t.Fatalf("after the release: %v", err)
	}
	l2()
	l3()
	eventually(t, "every lock given back", func() bool { return advisoryLocks(t, db) == 0 })
}

// Under load from three replicas, no more than `slots` requests are ever in,
// and never two for one device. Each replica admits 2 × slots requests at
// once, as emclient does.
func TestCoordinationHoldsUnderLoad(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	rs, db := replicas(t, s, 3)
	const slots, requests, devices = 3, 90, 6
	var in atomic.Int32
	var most atomic.Int32
	var byDevice [devices]atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	admission := make([]chan struct{}, len(rs))
	for i := range admission {
		admission[i] = make(chan struct{}, 2*slots)
	}
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dev, r := i%devices, i%len(rs)
			admission[r] <- struct{}{}
			defer func() { <-admission[r] }()
			leave, err := enter(t, rs[r], "EU", fmt.Sprintf("SEP%d", dev), slots, 20*time.Second)
			if err != nil {
				errs <- err
				return
			}
			n := in.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			if byDevice[dev].Add(1) > 1 {
				errs <- fmt.Errorf("two requests in for device %d", dev)
			}
			time.Sleep(5 * time.Millisecond)
			byDevice[dev].Add(-1)
			in.Add(-1)
			leave()
		}()
	}
	wg.Wait()
	for i, r := range rs {
		t.Logf("replica %d: %+v", i, r.Status())
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if m := most.Load(); m > slots || m < 2 {
		t.Errorf("at most %d requests were in at once, want 2..%d", m, slots)
	}
	eventually(t, "every lock given back", func() bool { return advisoryLocks(t, db) == 0 })
}

// A replica that goes away holding a slot and a device (its sessions end,
// as when its process is killed; features/ kills a real one) frees them for the others within the
// poll interval of their waiters, without any notification.
func TestDeadReplicaReleases(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	rs, db := replicas(t, s, 2)
	dead, err := enter(t, rs[0], "EU", "SEPDEAD", 1, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		l, err := enter(t, rs[1], "EU", "SEPDEAD", 1, 5*time.Second)
		if err == nil {
			l()
		}
		got <- err
	}()
	time.Sleep(100 * time.Millisecond)
	died := time.Now()
	// No release statement, no notification: the sessions just end.
	if _, err := db.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'test-0'"); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("the survivor did not get the dead replica's device and slot: %v", err)
	}
	if d := time.Since(died); d > DefaultCoordinationPoll+time.Second {
		t.Errorf("took %v", d)
	}
	eventually(t, "every lock given back", func() bool { return advisoryLocks(t, db) == 0 })
	dead() // fails on the ended session, which is harmless
}

// With its database gone the coordinator answers at once that it is local
// (and says so in its status); once the database is back, it shares again.
func TestOutageFallsBackToLocalAndRecovers(t *testing.T) {
	s, err := pgtest.Start() // its own server: this test stops it
	s = pgtest.Require(t, s, err)
	defer s.Stop()
	c, err := NewCoordinator(s.CreateDB(t), CoordinatorOptions{Probe: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	held, err := enter(t, c, "EU", "SEP1", 1, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Halt(); err != nil {
		t.Fatal(err)
	}
	held() // the release fails: the session is gone anyway
	eventually(t, "local limits", func() bool { return !c.Status().Shared })
	start := time.Now()
	if _, err := enter(t, c, "EU", "SEP2", 1, 5*time.Second); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("enter during the outage: %v, want the local answer", err)
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("the local answer took %v; it must not wait for the database", d)
	}
	st := c.Status()
	if st.Fallbacks != 1 || st.Reason == "" {
		t.Errorf("status during the outage: %+v", st)
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "shared again", func() bool { return c.Status().Shared })
	l, err := enter(t, c, "EU", "SEP2", 1, 2*time.Second)
	if err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	l()
}

// An unusable DSN is refused without repeating its password.
func TestCoordinatorRefusesBadDSN(t *testing.T) {
	_, err := NewCoordinator("postgres://u:s3cret@host:notaport/db", CoordinatorOptions{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("err = %v", err)
	}
}

// A request that finishes hands its slot to a request of the same replica
// that waits for it, without going through PostgreSQL; after maxHandoffs in
// a row the slot goes back to PostgreSQL (where the other replicas' waiters
// get their turn), so the last of the chain got it from there.
func TestSlotHandedOverLocally(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	rs, db := replicas(t, s, 1)
	a := rs[0]
	held, err := enter(t, a, "EU", "SEP0", 1, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// A chain of maxHandoffs+1 local requests, each waiting for the one before.
	for i := 1; i <= maxHandoffs+1; i++ {
		next := make(chan func(), 1)
		go func() {
			l, err := enter(t, a, "EU", fmt.Sprintf("SEP%d", i), 1, 5*time.Second)
			if err != nil {
				t.Error(err)
				l = func() {}
			}
			next <- l
		}()
		eventually(t, "the next request waits", func() bool { return a.budget(clusterKey("EU")).waiters() == 1 })
		held()
		held = <-next
	}
	if got := a.Status().Handoffs; got != maxHandoffs {
		t.Errorf("%d handoffs, want %d", got, maxHandoffs)
	}
	held()
	eventually(t, "every lock given back", func() bool { return advisoryLocks(t, db) == 0 })
}
