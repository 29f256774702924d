// Package sweepstest is the contract every service.SweepStore (and
// service.RecentLogins) passes: the SQLite and the PostgreSQL stores run it.
package sweepstest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
)

// Store is what the contract needs: the sweeps' store on a fresh
// database, and a way to add a request-history row there.
type Store interface {
	service.SweepStore
	service.RecentLogins
}

var t0 = time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)

func claim(sweep, owner string, at, now time.Time, lease time.Duration) service.SweepClaim {
	return service.SweepClaim{Sweep: sweep, At: at, Owner: owner, Now: now, Until: now.Add(lease), AppID: "bcsched"}
}

// Insert adds request-history rows to the stores' database.
type Insert func(context.Context, []history.Record) error

// Contract runs the SweepStore and RecentLogins contract on stores made by
// open: each call a fresh database, with two stores on it (two replicas'
// pools) and a way to add history rows.
func Contract(t *testing.T, open func(t *testing.T) (a, b Store, insert Insert)) {
	ctx := context.Background()
	t.Run("recent logins: the latest successful login per device of the cluster", func(t *testing.T) {
		a, _, insert := open(t)
		row := func(minutes int, op, device, user, cluster string, code int) history.Record {
			return history.Record{Time: t0.Add(time.Duration(minutes) * time.Minute), ID: "r", Op: op, Device: device, User: user, Cluster: cluster, Code: code}
		}
		if err := insert(ctx, []history.Record{
			row(-50, "login", "SEPHD1", "old", "EU", 0),   // before since
			row(-20, "login", "SEPHD1", "alice", "EU", 0), // kept
			row(-10, "login", "sephd2", "bob", "EU", 0),   // any case
			row(-5, "login", "SEPHD2", "carol", "EU", 18), // failed: not a login
			row(-5, "logout", "SEPHD3", "", "EU", 0),      // not a login
			row(-5, "login", "SEPHD4", "dave", "US", 0),   // other cluster
			row(-1, "login", "SEPHD5", "erin", "EU", 0),   // not asked
			row(-2, "login", "SEPHD1", "frank", "eu", 0),  // latest, cluster in any case
		}); err != nil {
			t.Fatal(err)
		}
		got, err := a.RecentLogins(ctx, "EU", []string{"SEPHD1", "SEPHD2", "SEPHD3", "SEPHD4"}, t0.Add(-30*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]service.SeenLogin{"SEPHD1": {User: "frank", Time: t0.Add(-2 * time.Minute)}, "SEPHD2": {User: "bob", Time: t0.Add(-10 * time.Minute)}}
		if len(got) != len(want) || got["SEPHD1"] != want["SEPHD1"] || got["SEPHD2"] != want["SEPHD2"] {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	t.Run("one claim of a run, then finished", func(t *testing.T) {
		a, b, _ := open(t)
		got, err := a.Claim(ctx, claim("night", "A", t0, t0, time.Minute))
		if err != nil || !got.Claimed || got.Resumed {
			t.Fatalf("first claim: %+v, %v", got, err)
		}
		if got, err := b.Claim(ctx, claim("night", "B", t0, t0.Add(time.Second), time.Minute)); err != nil || got.Claimed || got.Finished {
			t.Fatalf("second replica claimed a held run: %+v, %v", got, err)
		}
		if ok, err := a.Renew(ctx, "night", "A", t0.Add(2*time.Minute)); !ok || err != nil {
			t.Fatalf("renew: %v %v", ok, err)
		}
		if ok, _ := b.Renew(ctx, "night", "B", t0.Add(2*time.Minute)); ok {
			t.Fatal("B renewed A's lease")
		}
		rep := service.SweepReport{Sweep: "night", Scheduled: t0, State: service.SweepDone, Started: t0, Finished: t0.Add(time.Minute),
			Examined: 5, LoggedIn: 3, LoggedOut: 2, Spared: 1, Failures: map[int]int{26: 1}}
		if err := a.Finish(ctx, "A", rep); err != nil {
			t.Fatal(err)
		}
		if got, err := b.Claim(ctx, claim("night", "B", t0, t0.Add(2*time.Minute), time.Minute)); err != nil || got.Claimed || !got.Finished {
			t.Fatalf("a finished run was claimed again: %+v, %v", got, err)
		}
		reps, err := b.Reports(ctx, "night", 10)
		if err != nil || len(reps) != 1 {
			t.Fatalf("reports: %+v, %v", reps, err)
		}
		r := reps[0]
		if r.State != service.SweepDone || !r.Scheduled.Equal(t0) || r.Examined != 5 || r.LoggedIn != 3 || r.LoggedOut != 2 || r.Spared != 1 ||
			r.FailureText() != "26:1" || r.AppID != "bcsched" || !r.Finished.Equal(t0.Add(time.Minute)) {
			t.Errorf("report %+v", r)
		}
	})
	t.Run("a run whose runner stopped is taken over once its lease ran out", func(t *testing.T) {
		a, b, _ := open(t)
		if got, _ := a.Claim(ctx, claim("night", "A", t0, t0, time.Minute)); !got.Claimed {
			t.Fatal("not claimed")
		}
		if stale, _ := b.Stale(ctx, "night", t0.Add(30*time.Second)); len(stale) != 0 {
			t.Errorf("stale while leased: %v", stale)
		}
		if got, _ := b.Claim(ctx, claim("night", "B", t0, t0.Add(30*time.Second), time.Minute)); got.Claimed {
			t.Fatal("taken over within the lease")
		}
		later := t0.Add(2 * time.Minute)
		stale, err := b.Stale(ctx, "night", later)
		if err != nil || len(stale) != 1 || !stale[0].Equal(t0) {
			t.Fatalf("stale: %v, %v", stale, err)
		}
		got, err := b.Claim(ctx, claim("night", "B", t0, later, time.Minute))
		if err != nil || !got.Claimed || !got.Resumed || !got.Started.Equal(t0) {
			t.Fatalf("take over: %+v, %v", got, err)
		}
		if ok, _ := a.Renew(ctx, "night", "A", later.Add(time.Minute)); ok {
			t.Error("the stopped runner still renews")
		}
		rep := service.SweepReport{Sweep: "night", Scheduled: t0, Resumed: true, State: service.SweepInterrupted, Started: t0, Finished: later}
		if err := a.Finish(ctx, "A", rep); err != nil {
			t.Fatal(err)
		}
		if reps, _ := b.Reports(ctx, "night", 1); len(reps) != 1 || reps[0].State != service.SweepRunning {
			t.Errorf("the old runner finished a run it lost: %+v", reps)
		}
		if err := b.Finish(ctx, "B", rep); err != nil {
			t.Fatal(err)
		}
		if reps, _ := b.Reports(ctx, "night", 1); len(reps) != 1 || reps[0].State != service.SweepInterrupted || !reps[0].Resumed {
			t.Errorf("after the new runner: %+v", reps)
		}
	})
	t.Run("replicas racing for one run: exactly one claims it", func(t *testing.T) {
		a, b, _ := open(t)
		var wg sync.WaitGroup
		claimed := make(chan string, 20)
		for i := range 20 {
			s, owner := a, "A"
			if i%2 == 1 {
				s, owner = b, "B"
			}
			owner += string(rune('a' + i))
			wg.Add(1)
			go func() {
				defer wg.Done()
				if got, err := s.Claim(ctx, claim("race", owner, t0, t0, time.Minute)); err == nil && got.Claimed {
					claimed <- owner
				}
			}()
		}
		wg.Wait()
		close(claimed)
		var owners []string
		for o := range claimed {
			owners = append(owners, o)
		}
		if len(owners) != 1 {
			t.Errorf("claimed by %v, want exactly one", owners)
		}
	})
	t.Run("a sweep's lease keeps a second run out", func(t *testing.T) {
		a, b, _ := open(t)
		if got, _ := a.Claim(ctx, claim("night", "A", t0, t0, time.Minute)); !got.Claimed {
			t.Fatal("not claimed")
		}
		manual := claim("night", "B", t0.Add(time.Second), t0.Add(time.Second), time.Minute)
		manual.Manual = true
		if got, _ := b.Claim(ctx, manual); got.Claimed {
			t.Error("a second run of a running sweep was claimed")
		}
		if got, _ := b.Claim(ctx, claim("day", "B", t0, t0, time.Minute)); !got.Claimed {
			t.Error("another sweep is kept out")
		}
	})
}
