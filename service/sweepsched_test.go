package service

import (
	"context"
	"testing"
	"time"
)

// TestScheduledSweepRunsOnceOnTwoRunners starts two runners (two replicas) on one store at
// a time of day two seconds ahead: the run happens once, each phone is logged out once, and
// one report is kept.
func TestScheduledSweepRunsOnceOnTwoRunners(t *testing.T) {
	eu := newMem("EU")
	for _, d := range []string{"SEPHD1", "SEPHD2", "SEPHD3"} {
		eu.devices[d] = "user-" + d
	}
	conn, err := NewConnector([]Cluster{eu}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(2 * time.Second)
	sw := Sweep{Name: "night", Hour: at.Hour(), Minute: at.Minute(), Second: at.Second(), Location: time.UTC,
		Days: []time.Weekday{at.Weekday(), (at.Weekday() + 1) % 7}, Devices: "SEPHD*"}
	store := newMemSweeps()
	ctx, cancel := context.WithCancel(context.Background())
	var done []<-chan struct{}
	for _, owner := range []string{"A", "B"} {
		r := NewSweepRunner([]Sweep{sw}, conn, []SweepCluster{{"EU", eu}}, store, nil, Credentials{AppID: "bcsched", AppCertificate: "x"},
			SweepOptions{Owner: owner, Tick: 20 * time.Millisecond})
		done = append(done, r.Start(ctx))
	}
	deadline := time.Now().Add(30 * time.Second) // generous: the run is due in 2 s
	for {
		reps, _ := store.Reports(ctx, "night", 10)
		if len(reps) == 1 && reps[0].State == SweepDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no finished run: %+v", reps)
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
	time.Sleep(100 * time.Millisecond) // five ticks of the other runner: it must find the run finished
	cancel()
	for _, d := range done {
		<-d
	}
	var logouts []string
	eu.mu.Lock()
	for _, c := range eu.calls {
		if c == "Logout" {
			logouts = append(logouts, c)
		}
	}
	eu.mu.Unlock()
	if len(logouts) != 3 {
		t.Errorf("%d logouts, want 3 (one per phone, one run)", len(logouts))
	}
	reps, _ := store.Reports(ctx, "night", 10)
	if len(reps) != 1 || reps[0].LoggedOut != 3 || !reps[0].Scheduled.Equal(at.Truncate(time.Second)) {
		t.Errorf("reports %+v", reps)
	}
	for d, u := range eu.devices {
		if u != "" {
			t.Errorf("%s: %s still logged in", d, u)
		}
	}
}
