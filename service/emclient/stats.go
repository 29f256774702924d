package emclient

import "github.com/emconnector/emconnector/service"

// Stats is a snapshot of a client's load and node health, read by the
// metrics collector at scrape time (so there is no second copy of the state
// to keep in sync).
type Stats struct {
	Cluster string
	// InFlight login/logout requests hold a concurrency slot; Queued wait
	// for one. With a coordinator, InFlight counts the requests admitted
	// (holding a shared slot or waiting for one) and Queued those waiting
	// to be admitted.
	InFlight, Queued int
	// MaxConcurrent and MaxQueue are the configured limits.
	MaxConcurrent, MaxQueue int
	// ScheduledQueued of the Queued requests are scheduled work (bookings,
	// sweeps), which yields the next free slot to people. Waits counts the
	// requests that ever had to queue, by lane (interactive, scheduled).
	ScheduledQueued int
	Waits           [2]int64
	Nodes           []NodeStats
}

// NodeStats is one node's breaker state.
type NodeStats struct {
	// Node is host:port of the node URL.
	Node string
	// Breaker is closed, open or half-open.
	Breaker string
}

// Stats returns the current snapshot.
func (c *Client) Stats() Stats {
	l := c.lim
	if c.admission != nil {
		l = c.admission
	}
	s := Stats{
		Cluster:       c.code,
		InFlight:      l.inFlight(),
		Queued:        l.queued(),
		MaxConcurrent: c.lim.capacity(),
		MaxQueue:      c.lim.queue,
	}
	s.ScheduledQueued, s.Waits[1] = l.queuedIn(service.LaneScheduled)
	_, s.Waits[0] = l.queuedIn(service.LaneInteractive)
	for _, n := range c.nodes {
		s.Nodes = append(s.Nodes, NodeStats{Node: n.host, Breaker: n.br.state()})
	}
	return s
}
