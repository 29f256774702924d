// Package loadgen drives an operation under load and measures it: closed-loop (a fixed
// number of workers, each issuing its next request as soon as the previous one answers) for
// throughput, and open-loop (requests started on a fixed schedule, whatever the answers do)
// for latency. Every run is bounded both in request count and in time, so a slow or broken
// target can never make a benchmark hang.
package loadgen

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Request identifies one call of an Op.
type Request struct {
	// Seq numbers the requests of a run from 0, in the order they were started.
	Seq int
	// Worker is the closed-loop worker issuing the request (0..Workers-1); -1 in open loop,
	// where requests have no owner.
	Worker int
	// Iter counts the worker's own requests from 0 (closed loop); equal to Seq in open loop.
	Iter int
}

// Op performs one request. It returns nil when the answer was the expected one and an error
// describing the deviation otherwise; the error's text is tallied, so it should be short,
// stable across requests (no device names, no timings) and must never contain a secret.
type Op func(ctx context.Context, r Request) error

// Closed runs Workers workers that each issue requests back to back.
type Closed struct {
	// Workers is the number of concurrent requests in flight.
	Workers int
	// MaxRequests bounds the run's request count.
	MaxRequests int
	// Duration bounds the run's time: no request starts after it; requests in flight finish.
	Duration time.Duration
}

// Run drives op and returns the measurements. It returns early when ctx is cancelled.
func (c Closed) Run(ctx context.Context, op Op) *Stats {
	workers := max(c.Workers, 1)
	var next atomic.Int64 // the next Seq to hand out; requests are numbered before they start
	tally := newTally()
	lat := make([][]time.Duration, workers)

	start := time.Now()
	stopAt := start.Add(c.Duration)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for iter := 0; ; iter++ {
				if ctx.Err() != nil || !time.Now().Before(stopAt) {
					return
				}
				seq := int(next.Add(1) - 1)
				if seq >= c.MaxRequests {
					return
				}
				t0 := time.Now()
				err := op(ctx, Request{Seq: seq, Worker: w, Iter: iter})
				lat[w] = append(lat[w], time.Since(t0))
				tally.add(err)
			}
		})
	}
	wg.Wait()
	return newStats(lat, tally, time.Since(start))
}

// Open starts requests at a fixed rate for a bounded time.
type Open struct {
	// Rate is the number of requests started per second.
	Rate float64
	// Duration is how long requests keep being started.
	Duration time.Duration
	// MaxRequests bounds the request count (0: Rate*Duration).
	MaxRequests int
	// MaxInFlight bounds the concurrent requests (0: 256). A request due while the bound is
	// reached is not sent and counts as an error ("overloaded"): waiting for a free slot would
	// hide the target's slowness from the latencies (coordinated omission).
	MaxInFlight int
}

// errOverloaded is tallied for a request the open loop could not start because MaxInFlight
// requests were still outstanding.
var errOverloaded = errors.New("overloaded: too many requests in flight")

// Run drives op and returns the measurements. Requests start on schedule whatever the target
// does (each runs in its own goroutine), so a slow target cannot delay later requests; each
// latency is measured from the request's actual start. Measuring from the scheduled start
// instead would add the pacing timer's own wake-up lag, about 0.25 ms at p50 on a 2-core VM,
// to both sides of the direct/via-service comparison. Run returns once every started request
// has finished.
func (o Open) Run(ctx context.Context, op Op) *Stats {
	if o.Rate <= 0 {
		return newStats(nil, newTally(), 0)
	}
	n := int(o.Rate * o.Duration.Seconds())
	if o.MaxRequests > 0 {
		n = min(n, o.MaxRequests)
	}
	inFlight := o.MaxInFlight
	if inFlight <= 0 {
		inFlight = 256
	}
	slots := make(chan struct{}, inFlight)
	interval := time.Duration(float64(time.Second) / o.Rate)
	lat := make([]time.Duration, n) // each request writes only its own slot
	sent := make([]bool, n)
	tally := newTally()

	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	start := time.Now()
	var wg sync.WaitGroup
	for seq := range n {
		due := start.Add(time.Duration(seq) * interval)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
			case <-timer.C:
			}
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case slots <- struct{}{}:
		default:
			tally.add(errOverloaded)
			continue
		}
		sent[seq] = true
		wg.Go(func() {
			defer func() { <-slots }()
			t0 := time.Now()
			err := op(ctx, Request{Seq: seq, Worker: -1, Iter: seq})
			lat[seq] = time.Since(t0)
			tally.add(err)
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	done := lat[:0]
	for i, ok := range sent {
		if ok {
			done = append(done, lat[i])
		}
	}
	return newStats([][]time.Duration{done}, tally, elapsed)
}
