package service

import (
	"context"
	"time"
)

// RunNow runs the sweep named name now with cred (the runsweep operation):
// dry reports what it would do and changes nothing (nor keeps a report).
// Returns 1099 for an unknown name, 1097 while a run of the sweep is in
// progress here or on another replica.
func (r *SweepRunner) RunNow(ctx context.Context, cred Credentials, name string, dry bool) (SweepReport, error) {
	sw, ok := r.sweep(name)
	if !ok {
		return SweepReport{}, Errorf(CodeSweepNotFound, "No sweep is named %q", clip(name))
	}
	now := r.o.Now()
	rep := SweepReport{Sweep: sw.Name, Scheduled: now, Manual: true, DryRun: dry, State: SweepRunning, AppID: cred.AppID, Started: now}
	if dry {
		r.execute(ctx, sw, cred, &rep)
		rep.State, rep.Finished = SweepDone, r.o.Now()
		return rep, nil
	}
	local := r.local[sw.Name]
	if !local.TryLock() {
		return SweepReport{}, errSweepBusy(sw.Name)
	}
	defer local.Unlock()
	got, err := r.store.Claim(ctx, SweepClaim{Sweep: sw.Name, At: now, Manual: true, AppID: cred.AppID, Owner: r.o.Owner, Now: now, Until: now.Add(r.o.Lease)})
	if err != nil {
		return SweepReport{}, Errorf(CodeInternal, "The sweep could not be claimed: %v", err)
	}
	if !got.Claimed {
		return SweepReport{}, errSweepBusy(sw.Name)
	}
	// The run goes on if the caller leaves: it is claimed and must finish.
	return r.run(context.WithoutCancel(ctx), sw, cred, rep), nil
}

// run executes a claimed run under its lease, renewed while it runs, and
// records its report (unless the lease was lost: another runner has it).
func (r *SweepRunner) run(ctx context.Context, sw Sweep, cred Credentials, rep SweepReport) SweepReport {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lost := make(chan bool, 1)
	go r.renew(ctx, cancel, sw.Name, lost)
	r.o.Logger.Info("sweep started", "sweep", sw.Name, "scheduled", rep.Scheduled, "manual", rep.Manual, "resumed", rep.Resumed)
	r.execute(ctx, sw, cred, &rep)
	stopped := ctx.Err() != nil // the process is stopping, or the lease was lost
	cancel()
	if <-lost || stopped {
		// Left running: once the lease runs out, another runner (or this
		// one's next start) resumes it.
		rep.State = SweepInterrupted
		r.o.Logger.Warn("sweep: run stopped before its end, left to be resumed", "sweep", sw.Name, "scheduled", rep.Scheduled)
		return rep
	}
	rep.State, rep.Finished = SweepDone, r.o.Now()
	if err := r.store.Finish(context.WithoutCancel(ctx), r.o.Owner, rep); err != nil {
		r.o.Logger.Error("sweep: report not kept", "sweep", sw.Name, "error", err)
	}
	r.o.Logger.Info("sweep finished", "sweep", sw.Name, "examined", rep.Examined, "loggedIn", rep.LoggedIn,
		"loggedOut", rep.LoggedOut, "spared", rep.Spared, "failures", rep.FailureText())
	return rep
}

// renew extends the lease every third of it until ctx ends, then says on
// lost whether the lease was lost. A renewal that fails or takes longer
// than a third of the lease stops the run at once: the lease still has a
// third left then, so the run has stopped before another runner can take
// it over.
func (r *SweepRunner) renew(ctx context.Context, stop context.CancelFunc, name string, lost chan<- bool) {
	t := time.NewTicker(r.o.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			lost <- false
			return
		case <-t.C:
		}
		// Bounded, so that a hung statement stops the run before the lease
		// can run out under it.
		rctx, cancel := context.WithTimeout(ctx, r.o.Lease/3)
		ok, err := r.store.Renew(rctx, name, r.o.Owner, r.o.Now().Add(r.o.Lease))
		cancel()
		if ctx.Err() != nil {
			lost <- false
			return
		}
		if err != nil || !ok {
			r.o.Logger.Warn("sweep: lease not renewed, stopping the run", "sweep", name, "error", err)
			stop()
			lost <- true
			return
		}
	}
}

// Start runs the scheduled sweeps until ctx ends; wait for the returned
// channel to close before closing what the runner uses.
func (r *SweepRunner) Start(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		finished := make(chan struct{}, len(r.sweeps))
		for _, sw := range r.sweeps {
			go func() {
				defer func() { finished <- struct{}{} }()
				r.schedule(ctx, sw)
			}()
		}
		for range r.sweeps {
			<-finished
		}
	}()
	return done
}

// schedule is one sweep's scheduler: it sleeps until the next run (at most
// a Tick at a time, looking for unfinished runs meanwhile), then runs it
// unless another runner did.
func (r *SweepRunner) schedule(ctx context.Context, sw Sweep) {
	next := sw.Next(r.o.Now())
	if next.IsZero() {
		return
	}
	for ctx.Err() == nil {
		r.recoverStale(ctx, sw)
		if wait := next.Sub(r.o.Now()); wait > 0 {
			sleep(ctx, min(wait, r.o.Tick))
			continue
		}
		r.scheduled(ctx, sw, next)
		next = sw.Next(later(next, r.o.Now()))
	}
}

// scheduled makes sure the run at `at` happens once: claimed here, or
// found finished or held elsewhere (then retried every Tick while within
// the resume window, so a run whose runner dies is taken over).
func (r *SweepRunner) scheduled(ctx context.Context, sw Sweep, at time.Time) {
	for ctx.Err() == nil && r.o.Now().Sub(at) < r.o.ResumeWindow {
		done, err := r.claimScheduled(ctx, sw, at)
		if err != nil {
			r.o.Logger.Warn("sweep: claim failed", "sweep", sw.Name, "scheduled", at, "error", err)
		}
		if done {
			return
		}
		sleep(ctx, r.o.Tick)
	}
}

// claimScheduled claims and runs the run at `at`; done is true when it
// ran here or had finished.
func (r *SweepRunner) claimScheduled(ctx context.Context, sw Sweep, at time.Time) (done bool, err error) {
	local := r.local[sw.Name]
	local.Lock()
	defer local.Unlock()
	now := r.o.Now()
	got, err := r.store.Claim(ctx, SweepClaim{Sweep: sw.Name, At: at, AppID: r.cred.AppID, Owner: r.o.Owner, Now: now, Until: now.Add(r.o.Lease)})
	if err != nil || !got.Claimed {
		return got.Finished, err
	}
	rep := SweepReport{Sweep: sw.Name, Scheduled: at, Resumed: got.Resumed, State: SweepRunning, AppID: r.cred.AppID, Started: got.Started}
	r.run(ctx, sw, r.cred, rep)
	return true, nil
}

// recoverStale takes over sw's runs left unfinished by a runner that
// stopped: resumed within the resume window, else reported interrupted.
func (r *SweepRunner) recoverStale(ctx context.Context, sw Sweep) {
	stale, err := r.store.Stale(ctx, sw.Name, r.o.Now())
	if err != nil {
		r.o.Logger.Warn("sweep: looking for unfinished runs failed", "sweep", sw.Name, "error", err)
		return
	}
	for _, at := range stale {
		if r.o.Now().Sub(at) < r.o.ResumeWindow {
			_, _ = r.claimScheduled(ctx, sw, at)
			continue
		}
		r.interrupt(ctx, sw, at)
	}
}

// interrupt reports the run at `at` interrupted.
func (r *SweepRunner) interrupt(ctx context.Context, sw Sweep, at time.Time) {
	now := r.o.Now()
	got, err := r.store.Claim(ctx, SweepClaim{Sweep: sw.Name, At: at, Owner: r.o.Owner, Now: now, Until: now.Add(r.o.Lease)})
	if err != nil || !got.Claimed {
		return
	}
	rep := SweepReport{Sweep: sw.Name, Scheduled: at, Resumed: true, State: SweepInterrupted, Started: got.Started, Finished: now}
	if err := r.store.Finish(ctx, r.o.Owner, rep); err != nil {
		r.o.Logger.Warn("sweep: interrupted run not recorded", "sweep", sw.Name, "error", err)
		return
	}
	r.o.Logger.Warn("sweep: run interrupted and too old to resume", "sweep", sw.Name, "scheduled", at)
}

// Reports returns the latest runs of the sweep named name, newest first.
func (r *SweepRunner) Reports(ctx context.Context, name string, limit int) ([]SweepReport, error) {
	return r.store.Reports(ctx, name, limit)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
