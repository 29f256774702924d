package service

import (
	"net/netip"
	"testing"
)

func TestAccessPolicy(t *testing.T) {
	tests := []struct {
		name    string
		cfg     AccessConfig
		peer    string
		xff     []string
		client  string // "" = the zero Addr
		allowed bool
	}{
		{"empty lists allow all", AccessConfig{}, "192.0.2.1", nil, "192.0.2.1", true},
		{"allow list hit", AccessConfig{Allow: []string{"127.0.0.0/8"}}, "127.0.0.1", nil, "127.0.0.1", true},
		{"allow list miss", AccessConfig{Allow: []string{"10.0.0.0/8"}}, "127.0.0.1", nil, "127.0.0.1", false},
		{"deny wins over allow", AccessConfig{Allow: []string{"127.0.0.0/8"}, Deny: []string{"127.0.0.1/32"}}, "127.0.0.1", nil, "127.0.0.1", false},
		{"deny single address", AccessConfig{Deny: []string{"127.0.0.1"}}, "127.0.0.2", nil, "127.0.0.2", true},
		{"mapped IPv6 peer", AccessConfig{Allow: []string{"127.0.0.1"}}, "::ffff:127.0.0.1", nil, "127.0.0.1", true},
		{"IPv6 prefix", AccessConfig{Allow: []string{"2001:db8::/32"}}, "2001:db8::5", nil, "2001:db8::5", true},
		{"XFF ignored from untrusted peer", AccessConfig{Allow: []string{"10.0.0.0/8"}}, "192.0.2.1", []string{"10.1.1.1"}, "192.0.2.1", false},
		{"XFF from trusted proxy", AccessConfig{Allow: []string{"10.0.0.0/8"}, TrustedProxies: []string{"192.0.2.1"}}, "192.0.2.1", []string{"10.1.1.1"}, "10.1.1.1", true},
		{"right-most untrusted wins over spoofed left", AccessConfig{Allow: []string{"10.0.0.0/8"}, TrustedProxies: []string{"192.0.2.0/24"}},
			"192.0.2.1", []string{"10.9.9.9, 203.0.113.7", "192.0.2.2"}, "203.0.113.7", false},
		{"all hops trusted: left-most", AccessConfig{TrustedProxies: []string{"192.0.2.0/24"}}, "192.0.2.1", []string{"192.0.2.3, 192.0.2.2"}, "192.0.2.3", true},
		{"no XFF from trusted proxy: the proxy", AccessConfig{TrustedProxies: []string{"192.0.2.1"}}, "192.0.2.1", nil, "192.0.2.1", true},
		{"garbage hop refused by allow list", AccessConfig{Allow: []string{"0.0.0.0/0"}, TrustedProxies: []string{"192.0.2.1"}}, "192.0.2.1", []string{"nonsense"}, "", false},
		{"garbage hop with empty allow list", AccessConfig{TrustedProxies: []string{"192.0.2.1"}}, "192.0.2.1", []string{"nonsense"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewAccessPolicy(tt.cfg)
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

func TestAccessPolicyRejectsBadPrefix(t *testing.T) {
	_, err := NewAccessPolicy(AccessConfig{Deny: []string{"10.0.0.0/8", "x"}})
	if err == nil || err.Error() != `access.deny[1]: "x" is not an IP address or CIDR prefix` {
		t.Errorf("got %v", err)
	}
}

func TestResultClass(t *testing.T) {
	tests := []struct {
		r    Result
		want Class
	}{
		{Result{Code: 0}, ClassSuccess},
		{Result{Code: 18, FromCUCM: true}, ClassCUCMError},
		{Result{Code: CodeCUCMUnknownError, FromCUCM: true}, ClassCUCMError},
		{Result{Code: 11}, ClassCUCMError},
		{Result{Code: CodeMalformedXML}, ClassInvalid},
		{Result{Code: CodeMethodNotAllowed}, ClassInvalid},
		{Result{Code: CodePINInvalid}, ClassRejected},
		{Result{Code: CodeAccessDenied}, ClassRejected},
		{Result{Code: CodeUnreachable}, ClassUnavailable},
		{Result{Code: CodeBusy}, ClassUnavailable},
		{Result{Code: CodeInternal}, ClassError},
	}
	for _, tt := range tests {
		if got := tt.r.Class(); got != tt.want {
			t.Errorf("Result{Code:%d, FromCUCM:%v}.Class() = %q, want %q", tt.r.Code, tt.r.FromCUCM, got, tt.want)
		}
	}
}

func TestResultForMarksCUCM(t *testing.T) {
	r := ResultFor(Request{Op: OpLogout, Device: "SEP1"}, Found{Cluster: "EU"}, CUCMError(19, "No user logged in"))
	if !r.FromCUCM || r.Class() != ClassCUCMError {
		t.Errorf("got FromCUCM %v outcome %q, want true, cucm_error", r.FromCUCM, r.Class())
	}
	r = ResultFor(Request{Op: OpLogout, Device: "SEP1"}, Found{}, Errorf(CodeUnreachable, "CUCM cluster EU unreachable"))
	if r.FromCUCM || r.Class() != ClassUnavailable {
		t.Errorf("got FromCUCM %v outcome %q, want false, unavailable", r.FromCUCM, r.Class())
	}
}
