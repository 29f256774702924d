package cucmsim

import "time"

// OperationLatency is the policy's delay for one EM operation: its configured base plus a
// uniform offset in [-jitter, +jitter] drawn with rnd (a value in [0,1)), never below zero.
// Operations without a configured base answer at once, jitter or not.
func (c *Cluster) OperationLatency(op string, rnd func() float64) time.Duration {
	l := c.policy.Latency
	base, ok := l.ByOperation[op]
	if !ok {
		return 0
	}
	if l.Jitter > 0 {
		base += time.Duration((2*rnd() - 1) * float64(l.Jitter))
	}
	return max(base, 0)
}
