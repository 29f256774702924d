package topology

import (
	"bytes"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

const validBase = `clusters:
  - code: EU
    name: Europe
    nodes:
      - {name: eu-pub, listen: "127.0.0.1:18081"}
    policy: {multipleLogin: not-allowed, maxConcurrentRequests: 3, trustedIPs: [10.0.0.0/8, 192.168.1.1]}
    appUsers: [{id: bcapp, password: s3cret, emProxyRights: true}]
    profiles: [{name: UDP-A}, UDP-B]
    users:
      - {id: A, pin: "1234", profiles: [UDP-A, UDP-B]}
      - [B, "9999", UDP-B]
    devices:
      - {name: SEP000000000001, model: "Cisco 8845", emEnabled: false, callHistory: 7}
      - SEP000000000002
`

func TestParseValid(t *testing.T) {
	topo, err := Parse("t.yaml", []byte(validBase))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	c := topo.Clusters[0]
	if c.Policy.MaxConcurrentRequests != 3 || c.Policy.MultipleLogin != MultipleLoginNotAllowed || !c.Policy.AllowProxy {
		t.Errorf("policy = %+v", c.Policy)
	}
	if got := len(c.Policy.TrustedIPs); got != 2 || c.Policy.TrustedIPs[1].String() != "192.168.1.1/32" {
		t.Errorf("trustedIPs = %v", c.Policy.TrustedIPs)
	}
	if !c.AppUsers[0].AXLAccess {
		t.Errorf("axlAccess should default to emProxyRights")
	}
	if u := c.Users[1]; u.ID != "B" || u.PIN != "9999" || len(u.Profiles) != 1 || u.Profiles[0] != "UDP-B" || !u.EMCC {
		t.Errorf("compact user = %+v", u)
	}
	if d := c.Devices[0]; d.EMEnabled || !d.EMCCCapable || d.Model != "Cisco 8845" || d.CallHistory != 7 {
		t.Errorf("device 0 = %+v", d)
	}
	if d := c.Devices[1]; d.Name != "SEP000000000002" || !d.EMEnabled {
		t.Errorf("compact device = %+v", d)
	}
	if c.Profiles[1].Name != "UDP-B" {
		t.Errorf("compact profile = %+v", c.Profiles[1])
	}
}

func TestParseExtraDocuments(t *testing.T) {
	src := validBase + "---\ncluster: eu\nprofiles: [UDP-C]\nusers: [[C, \"1\", UDP-C]]\ndevices: [SEP000000000003]\n---\ncluster: EU\ndevices:\n  - SEP000000000001\n"
	_, err := Parse("t.yaml", []byte(src))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want a duplicate device error, got %v", err)
	}
	if e.Line != 23 || !strings.Contains(e.Problem, `duplicate device "SEP000000000001"`) {
		t.Errorf("got %v, want line 23 duplicate device", e)
	}
	topo, err := Parse("t.yaml", []byte(validBase+"---\ncluster: EU\nprofiles: [UDP-C]\nusers: [[C, \"1\", UDP-C]]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(topo.Clusters[0].Users); n != 3 {
		t.Errorf("users after merge = %d, want 3", n)
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name   string
		old    string // replaced in validBase
		new    string
		extra  string // appended
		want   string
		wantLn int
	}{
		{name: "duplicate device", extra: "      - SEP000000000002\n", want: `cluster "EU": duplicate device "SEP000000000002"`, wantLn: 15},
		{name: "device differing only in case", extra: "      - sep000000000002\n", want: `duplicate device "sep000000000002" (same name as "SEP000000000002"`, wantLn: 15},
		{name: "profile differing only in case", old: "UDP-B]\n    users", new: "UDP-B, udp-b]\n    users", want: `duplicate profile "udp-b" (same name as "UDP-B"`, wantLn: 8},
		{name: "user differing only in case", old: "[B, ", new: "[a, ", want: `duplicate user "a" (same name as "A"`, wantLn: 11},
		{name: "app user differing only in case", old: "[{id: bcapp, password: s3cret, emProxyRights: true}]", new: "[{id: x, password: p}, {id: X, password: p}]", want: `duplicate app user "X" (same name as "x"`, wantLn: 7},
		{name: "user spelt like an app user", old: "[B, ", new: "[BCAPP, ", want: `user "BCAPP" has the ID of app user "bcapp"`, wantLn: 11},
		{name: "a key given twice", old: "maxConcurrentRequests: 3", new: "maxConcurrentRequests: 3, maxConcurrentRequests: 4", want: `maxConcurrentRequests given twice (first on line 6)`, wantLn: 6},
		{name: "unknown emApiRoaming", old: "maxConcurrentRequests: 3", new: "emApiRoaming: sometimes", want: `unknown emApiRoaming "sometimes" (want afterPINCheck, always or never)`, wantLn: 6},
		{name: "unknown wording", old: "maxConcurrentRequests: 3", new: "wording: polite", want: `unknown wording "polite" (want devnet or field)`, wantLn: 6},
		{name: "error text code", old: "maxConcurrentRequests: 3", new: "errorTexts: {x: hello}", want: `errorTexts: "x" is not an EM code`, wantLn: 6},
		{name: "error text empty", old: "maxConcurrentRequests: 3", new: "errorTexts: {18: ''}", want: `errorTexts: code 18 needs a text`, wantLn: 6},
		{name: "latency operation", old: "maxConcurrentRequests: 3", new: "latency: {reboot: 1s}", want: `latency: unknown operation "reboot"`, wantLn: 6},
		{name: "latency duration", old: "maxConcurrentRequests: 3", new: "latency: {login: soon}", want: `latency login: want a duration`, wantLn: 6},
		{name: "unknown profile", old: "[B, \"9999\", UDP-B]", new: "[B, \"9999\", UDP-X]", want: `user "B": unknown profile "UDP-X"`, wantLn: 11},
		{name: "bad listen", old: `127.0.0.1:18081`, new: `127.0.0.1:99999`, want: `bad listen address "127.0.0.1:99999"`, wantLn: 5},
		{name: "listen not an address", old: `127.0.0.1:18081`, new: `nowhere`, want: `bad listen address`, wantLn: 5},
		{name: "unknown policy", old: "not-allowed", new: "sometimes", want: `unknown multipleLogin "sometimes"`, wantLn: 6},
		{name: "missing code", old: "code: EU", new: "code: ''", want: "cluster without a code", wantLn: 2},
		{name: "duplicate user", old: "[B, ", new: "[A, ", want: `duplicate user "A"`, wantLn: 11},
		{name: "duplicate app user", old: "[{id: bcapp, password: s3cret, emProxyRights: true}]", new: "[{id: x, password: p}, {id: x, password: p}]", want: `duplicate app user "x"`, wantLn: 7},
		{name: "bool type", old: "emEnabled: false", new: "emEnabled: maybe", want: "emEnabled: expected true or false", wantLn: 13},
		{name: "call history range", old: "callHistory: 7", new: "callHistory: -1", want: "callHistory must be 0..10000", wantLn: 13},
		{name: "call history type", old: "callHistory: 7", new: "callHistory: many", want: "callHistory: expected an integer", wantLn: 13},
		{name: "max login range", old: "maxConcurrentRequests: 3", new: "maxLoginMinutes: 20000", want: "maxLoginMinutes must be 0..10080", wantLn: 6},
		{name: "yaml syntax", old: "    users:\n", new: "    users: [\n", want: "invalid YAML", wantLn: 0},
		{name: "user in two clusters", extra: `  - code: US
    nodes: [{name: us-pub, listen: "127.0.0.1:18091"}]
    profiles: [UDP-A2]
    users: [{id: A, profiles: [UDP-A2]}]
`, want: `user "A" is already homed in cluster "EU"`, wantLn: 18},
		{name: "duplicate cluster", extra: `  - code: eu
    nodes: [{name: x, listen: "127.0.0.1:18099"}]
`, want: `duplicate cluster "eu"`, wantLn: 15},
		{name: "same listen", extra: `  - code: US
    nodes: [{name: x, listen: "127.0.0.1:18081"}]
`, want: `listen address "127.0.0.1:18081" already used by EU/eu-pub`, wantLn: 16},
		{name: "alias", extra: "  - &x {code: US, nodes: [{name: n, listen: \"127.0.0.1:0\"}]}\n  - *x\n", want: "aliases are not supported", wantLn: 16},
		{name: "unknown extra cluster", extra: "---\ncluster: XX\ndevices: [A]\n", want: `unknown cluster "XX"`, wantLn: 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := validBase
			if tt.old != "" {
				if !strings.Contains(src, tt.old) {
					t.Fatalf("test bug: %q not in base", tt.old)
				}
				src = strings.Replace(src, tt.old, tt.new, 1)
			}
			src += tt.extra
			_, err := Parse("demo.yaml", []byte(src))
			if err == nil {
				t.Fatalf("Parse accepted invalid input")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %q, want it to contain %q", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if tt.wantLn != 0 && e.Line != tt.wantLn {
				t.Errorf("got line %d (%v), want %d", e.Line, e, tt.wantLn)
			}
			if !strings.HasPrefix(err.Error(), "demo.yaml:") {
				t.Errorf("got %q, want FILE:LINE: prefix", err)
			}
		})
	}
}

func TestParseWordingAndLatency(t *testing.T) {
	src := strings.Replace(validBase, "maxConcurrentRequests: 3", "wording: field, errorTexts: {19: nobody}, latency: {login: 300ms, jitter: 100ms}", 1)
	topo, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p := topo.Clusters[0].Policy
	if p.EMAPIRoaming != RoamingAfterPINCheck {
		t.Errorf("emApiRoaming default = %q", p.EMAPIRoaming)
	}
	if p.Wording != WordingField || p.ErrorTexts[19] != "nobody" || p.Latency.ByOperation["login"] != 300*time.Millisecond || p.Latency.Jitter != 100*time.Millisecond {
		t.Errorf("policy = %+v", p)
	}
	topo, _ = Parse("t.yaml", []byte(validBase))
	if p := topo.Clusters[0].Policy; p.Wording != WordingDevNet || p.ErrorTexts != nil || p.Latency.ByOperation != nil {
		t.Errorf("default policy = %+v", p)
	}
}

func TestParseEMAPIRoaming(t *testing.T) {
	for _, v := range []EMAPIRoaming{RoamingAfterPINCheck, RoamingAlways, RoamingNever} {
		topo, err := Parse("t.yaml", []byte(strings.Replace(validBase, "maxConcurrentRequests: 3", "emApiRoaming: "+string(v), 1)))
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if got := topo.Clusters[0].Policy.EMAPIRoaming; got != v {
			t.Errorf("emApiRoaming = %q, want %q", got, v)
		}
	}
}

func TestParseResolvesProfileSpelling(t *testing.T) {
	topo, err := Parse("t.yaml", []byte(strings.Replace(validBase, "[B, \"9999\", UDP-B]", "[B, \"9999\", udp-b]", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := topo.Clusters[0].Users[1].Profiles; len(got) != 1 || got[0] != "UDP-B" {
		t.Errorf("profiles = %q, want the configured spelling UDP-B", got)
	}
}

func TestParseNeverPanics(t *testing.T) {
	inputs := []string{"", "---", "[]", "clusters: 3", "clusters: [3]", "clusters:\n  - nodes: 4\n", "\x00\xff", "---\n---\ncluster: A\n", "clusters: [{code: A, nodes: [{}]}]"}
	for _, in := range inputs {
		if _, err := Parse("x.yaml", []byte(in)); err == nil {
			t.Errorf("Parse(%q) accepted invalid input", in)
		}
	}
}

// cpuTime is the CPU time (user and system) this test process has used.
// Unlike the wall clock it does not grow with the other processes of a
// loaded machine, which is what makes a cost bound in a unit test stable.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestGenerateLoadsFast(t *testing.T) {
	var buf bytes.Buffer
	start, cpu := time.Now(), cpuTime(t)
	if err := Generate(&buf, GenOptions{Devices: 100_000, Users: 100_000, Clusters: 2}); err != nil {
		t.Fatal(err)
	}
	genTime, genCPU := time.Since(start), cpuTime(t)-cpu
	start, cpu = time.Now(), cpuTime(t)
	topo, err := Parse("gen.yaml", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	loadTime, loadCPU := time.Since(start), cpuTime(t)-cpu
	t.Logf("generate %v (CPU %v), parse %v (CPU %v), %d bytes", genTime, genCPU, loadTime, loadCPU, buf.Len())
	if n := len(topo.Clusters[0].Devices) + len(topo.Clusters[1].Devices); n != 100_000 {
		t.Errorf("devices = %d, want 100000", n)
	}
	if got := topo.Clusters[1].Users[0]; got.ID != GeneratedUserID(50_000) || got.Profiles[0] != "UDP-USER050001" || got.PIN != "1234" {
		t.Errorf("first US user = %+v", got)
	}
	if got := GeneratedDeviceName(254); got != "SEP0000000000FF" {
		t.Errorf("GeneratedDeviceName(254) = %q", got)
	}
	// The bounds are on CPU time, which a loaded machine does not inflate (the wall
	// time of the parse reached 31 s beside the feature suites under -race). They are
	// generous regression guards, not the targets (< 2 s and < 1 s of wall time on an
	// idle machine): without the race detector generating costs about 0.15 s of CPU
	// and parsing 0.8 s, with it about 1 s and 4 s; a quadratic slip on 100,000
	// devices would cost far more than the bounds.
	if genCPU > 10*time.Second || loadCPU > 20*time.Second {
		t.Errorf("too slow: generate %v of CPU, parse %v of CPU", genCPU, loadCPU)
	}
}
