package cucmsim

import (
	"sync/atomic"
	"time"
)

// latencyEWMA is a node's recent answer time: an exponentially weighted moving average
// (weight 1/8 for the newest request, as TCP's smoothed RTT), kept in microseconds so that
// recording is one atomic compare-and-swap on the request's path. Zero until a request.
type latencyEWMA struct{ us atomic.Int64 }

// observe adds one request's answer time.
func (l *latencyEWMA) observe(d time.Duration) {
	sample := max(d.Microseconds(), 1)
	for {
		old := l.us.Load()
		next := sample
		if old != 0 {
			next = old + (sample-old)/8
		}
		if l.us.CompareAndSwap(old, next) {
			return
		}
	}
}

// millis is the average in milliseconds (0: no request yet).
func (l *latencyEWMA) millis() float64 { return float64(l.us.Load()) / 1000 }
