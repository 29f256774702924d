package cucmsim

import (
	"sync"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

// pinChecks remembers when each user's home cluster last accepted the user's PIN through AXL
// doAuthenticateUser: with emApiRoaming afterPINCheck, that acceptance is what lets a visited
// cluster take the user's EM API login as an EMCC login (cmd/cucmsim/README.md, "Roaming
// through the EM API").
type pinChecks struct {
	mu sync.Mutex
	at map[string]int64 // folded user ID -> simulator time, Unix nanoseconds
}

// accepted records that user's PIN was accepted now (simulator time, Unix nanoseconds).
func (p *pinChecks) accepted(user string, now int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.at == nil {
		p.at = map[string]int64{}
	}
	p.at[fold(user)] = now
}

// take reports whether user's PIN was accepted within topology.PINCheckValidity before now,
// and forgets the acceptance: one accepted PIN vouches for one login, as EMCC's home cluster
// authenticates every login, so a later login without the PIN meets 23 again.
func (p *pinChecks) take(user string, now int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.at[fold(user)]
	delete(p.at, fold(user))
	return ok && now >= at && now-at <= int64(topology.PINCheckValidity)
}

// reset forgets every accepted PIN.
func (p *pinChecks) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.at = nil
}

// mayRoam reports whether this (visited) cluster takes an EM API login of user, homed in
// another cluster, as an EMCC login; when it does not, the login answers 23 as for a user the
// cluster does not know. With afterPINCheck it uses up the accepted PIN, whatever the login's
// outcome.
func (c *Cluster) mayRoam(user string) bool {
	switch c.policy.EMAPIRoaming {
	case topology.RoamingAlways:
		return true
	case topology.RoamingNever:
		return false
	default:
		return c.model.pins.take(user, c.model.Now().UnixNano())
	}
}
