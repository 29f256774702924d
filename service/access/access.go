// Package access holds the API's and the dashboard's IP allow and deny
// lists and the X-Forwarded-For policy that finds the client address they
// judge (cmd/bcservice/README.md, "Access lists"): a transport concern both listeners
// share, kept out of the domain.
package access

import (
	"fmt"
	"net/netip"
	"strings"
)

// Config lists IP addresses or CIDR prefixes (Policy enforces
// them): deny wins, an empty allow list allows all, and X-Forwarded-For is
// believed only from TrustedProxies.
type Config struct {
	Allow          []string
	Deny           []string
	TrustedProxies []string
}

// Policy decides which client addresses may use the service
// (config `access`). The deny list wins over the allow list; an empty allow
// list allows every address. X-Forwarded-For is honoured only when the
// direct peer is a trusted proxy, so a client cannot pick its own address.
type Policy struct {
	allow, deny, trusted []netip.Prefix
}

// New parses the (validated) access configuration.
func New(c Config) (*Policy, error) {
	var p Policy
	var err error
	if p.allow, err = parsePrefixes("access.allow", c.Allow); err != nil {
		return nil, err
	}
	if p.deny, err = parsePrefixes("access.deny", c.Deny); err != nil {
		return nil, err
	}
	if p.trusted, err = parsePrefixes("access.trustedProxies", c.TrustedProxies); err != nil {
		return nil, err
	}
	return &p, nil
}

func parsePrefixes(key string, list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for i, s := range list {
		p, ok := parsePrefix(s)
		if !ok {
			return nil, fmt.Errorf("%s[%d]: %q is not an IP address or CIDR prefix", key, i, s)
		}
		out = append(out, p)
	}
	return out, nil
}

// ValidEntry reports whether s is an IP address or CIDR prefix, as the
// access lists take them.
func ValidEntry(s string) bool {
	_, ok := parsePrefix(s)
	return ok
}

// parsePrefix accepts an address (a one-address prefix) or a CIDR prefix.
// IPv4-mapped IPv6 forms are unmapped so that 127.0.0.1 and ::ffff:127.0.0.1
// are the same client.
func parsePrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

// ClientIP returns the address the access lists judge. peer is the direct
// TCP peer; xff holds the X-Forwarded-For header values in order. Unless the
// peer is a trusted proxy the header is ignored (anyone can send it). When
// it is, the list is read from the right (the entries the trusted proxies
// appended) and the first address that is not a trusted proxy is the
// client. An unparseable entry reached before that yields the zero Addr,
// which no list matches (so it is refused when an allow list exists). When
// every entry is a trusted proxy, the left-most one is the client.
func (p *Policy) ClientIP(peer netip.Addr, xff []string) netip.Addr {
	peer = peer.Unmap()
	if !p.isTrusted(peer) {
		return peer
	}
	var hops []string
	for _, h := range xff {
		for _, part := range strings.Split(h, ",") {
			if part = strings.TrimSpace(part); part != "" {
				hops = append(hops, part)
			}
		}
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return netip.Addr{}
		}
		client = a.Unmap()
		if !p.isTrusted(client) {
			return client
		}
	}
	return client
}

// Allowed reports whether addr may use the service: not in the deny list,
// and in the allow list when that is not empty. The zero Addr (unknown
// client) matches no list.
func (p *Policy) Allowed(addr netip.Addr) bool {
	addr = addr.Unmap()
	if contains(p.deny, addr) {
		return false
	}
	return len(p.allow) == 0 || contains(p.allow, addr)
}

func (p *Policy) isTrusted(a netip.Addr) bool { return contains(p.trusted, a) }

func contains(list []netip.Prefix, a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
