package access

import (
	"net/netip"
	"testing"
)

func TestPolicy(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		peer    string
		xff     []string
		client  string // "" = the zero Addr
		allowed bool
	}{
		{"empty lists allow all", Config{}, "192.0.2.1", nil, "192.0.2.1", true},
		{"allow list hit", Config{Allow: []string{"127.0.0.0/8"}}, "127.0.0.1", nil, "127.0.0.1", true},
		{"allow list miss", Config{Allow: []string{"10.0.0.0/8"}}, "127.0.0.1", nil, "127.0.0.1", false},
		{"deny wins over allow", Config{Allow: []string{"127.0.0.0/8"}, Deny: []string{"127.0.0.1/32"}}, "127.0.0.1", nil, "127.0.0.1", false},
		{"deny single address", Config{Deny: []string{"127.0.0.1"}}, "127.0.0.2", nil, "127.0.0.2", true},
		{"mapped IPv6 peer", Config{Allow: []string{"127.0.0.1"}}, "::ffff:127.0.0.1", nil, "127.0.0.1", true},
		{"IPv6 prefix", Config{Allow: []string{"2001:db8::/32"}}, "2001:db8::5", nil, "2001:db8::5", true},
		{"XFF ignored from untrusted peer", Config{Allow: []string{"10.0.0.0/8"}}, "192.0.2.1", []string{"10.1.1.1"}, "192.0.2.1", false},
		{"XFF from trusted proxy", Config{Allow: []string{"10.0.0.0/8"}, TrustedProxies: []string{"192.0.2.1"}}, "192.0.2.1", []string{"10.1.1.1"}, "10.1.1.1", true},
		{"right-most untrusted wins over spoofed left", Config{Allow: []string{"10.0.0.0/8"}, TrustedProxies: []string{"192.0.2.0/24"}},
			"192.0.2.1", []string{"10.9.9.9, 203.0.113.7", "192.0.2.2"}, "203.0.113.7", false},
		{"all hops trusted: left-most", Config{TrustedProxies: []string{"192.0.2.0/24"}}, "192.0.2.1", []string{"192.0.2.3, 192.0.2.2"}, "192.0.2.3", true},
		{"no XFF from trusted proxy: the proxy", Config{TrustedProxies: []string{"192.0.2.1"}}, "192.0.2.1", nil, "192.0.2.1", true},
		{"garbage hop refused by allow list", Config{Allow: []string{"0.0.0.0/0"}, TrustedProxies: []string{"192.0.2.1"}}, "192.0.2.1", []string{"nonsense"}, "", false},
		{"garbage hop with empty allow list", Config{TrustedProxies: []string{"192.0.2.1"}}, "192.0.2.1", []string{"nonsense"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := p.ClientIP(netip.MustParseAddr(tt.peer), tt.xff)
			want := netip.Addr{}
			if tt.client != "" {
				want = netip.MustParseAddr(tt.client)
			}
			if got != want {
				t.Errorf("ClientIP(%s, %q) = %v, want %v", tt.peer, tt.xff, got, want)
			}
			if a := p.Allowed(got); a != tt.allowed {
				t.Errorf("Allowed(%v) = %v, want %v", got, a, tt.allowed)
			}
		})
	}
}

func TestPolicyRejectsBadPrefix(t *testing.T) {
	_, err := New(Config{Deny: []string{"10.0.0.0/8", "x"}})
	if err == nil || err.Error() != `access.deny[1]: "x" is not an IP address or CIDR prefix` {
		t.Errorf("got %v", err)
	}
}
