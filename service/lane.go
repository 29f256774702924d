package service

import "context"

// Lane is the priority class of a request waiting for a CUCM slot: scheduled
// work (bookings, sweeps) yields to people, so an interactive request always
// takes the next free slot before queued scheduled work.
type Lane int

// The lanes, most urgent first.
const (
	LaneInteractive Lane = iota // API and dashboard requests: the zero value
	LaneScheduled               // bookings and sweeps
)

// String names the lane in metrics and logs.
func (l Lane) String() string {
	if l == LaneScheduled {
		return "scheduled"
	}
	return "interactive"
}

type laneKey struct{}

// WithLane marks ctx's requests as belonging to lane l.
func WithLane(ctx context.Context, l Lane) context.Context {
	return context.WithValue(ctx, laneKey{}, l)
}

// LaneOf is the lane ctx was marked with; interactive when unmarked.
func LaneOf(ctx context.Context) Lane {
	l, _ := ctx.Value(laneKey{}).(Lane)
	return l
}
