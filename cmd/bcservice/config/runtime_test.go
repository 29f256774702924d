package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/testpki"
)

func TestClusterClients(t *testing.T) {
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, testpki.NewCA(t, "CUCM CA").PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse([]byte(`clusters:
  - {code: EU, nodes: ["https://eu1/x", "https://eu2/x"], caFile: ` + caFile + `, maxQueue: 0, busyRetryMax: 3s}
  - {code: LAB, nodes: ["https://lab/x"], insecureSkipVerify: true, axl: ["https://lab/axl/"]}
  - {code: US, nodes: ["http://us/x"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := cfg.ClusterClients()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d clients, want 3", len(got))
	}
	eu, lab, us := got[0], got[1], got[2]
	checks := []struct {
		name string
		ok   bool
	}{
		{"EU nodes and default AXL", eu.Code == "EU" && len(eu.Nodes) == 2 && strings.Join(eu.AXL, " ") == "https://eu1/axl/ https://eu2/axl/"},
		{"EU limits", eu.MaxQueue == 0 && eu.BusyRetryMax == 3*time.Second && eu.Timeout == DefaultNodeTimeout && eu.MaxConcurrentRequests == DefaultMaxConcurrentRequests},
		{"EU trusts only caFile", eu.TLS != nil && eu.TLS.RootCAs != nil && !eu.TLS.InsecureSkipVerify},
		{"LAB skips verification", lab.TLS != nil && lab.TLS.InsecureSkipVerify && lab.TLS.RootCAs == nil},
		{"LAB AXL as configured", strings.Join(lab.AXL, " ") == "https://lab/axl/"},
		{"US system roots", us.TLS != nil && us.TLS.RootCAs == nil && !us.TLS.InsecureSkipVerify},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, got)
		}
	}
}

// TestClusterClientsBadCAFile: a caFile without a certificate stops the
// start rather than silently falling back to the system roots.
func TestClusterClientsBadCAFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(bad, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &Config{Clusters: []ClusterSpec{{Code: "EU", Nodes: []string{"https://h/x"}, CAFile: bad}}}
	cfg.ApplyDefaults()
	if _, err := cfg.ClusterClients(); err == nil || !strings.Contains(err.Error(), "clusters[0].caFile") {
		t.Fatalf("err = %v, want a clusters[0].caFile error", err)
	}
}

func TestHealthTargets(t *testing.T) {
	cfg := &Config{Clusters: []ClusterSpec{
		{Code: "EU", Nodes: []string{"http://a.example/emservice/EMServiceServlet", "https://b.example/x", "http://c.example:8080/x"}},
	}}
	got := cfg.HealthTargets()
	want := []string{"a.example:80", "b.example:443", "c.example:8080"}
	if len(got) != 1 || got[0].Cluster != "EU" || len(got[0].Addrs) != 3 {
		t.Fatalf("got %+v", got)
	}
	for i, w := range want {
		if got[0].Addrs[i] != w {
			t.Errorf("addr %d = %q, want %q", i, got[0].Addrs[i], w)
		}
	}
}

func TestAccessLists(t *testing.T) {
	cfg, err := Parse([]byte("access: {allow: [10.0.0.0/8], deny: [10.1.1.1], trustedProxies: [127.0.0.1]}\n" + oneCluster))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.AccessLists()
	if strings.Join(a.Allow, ",") != "10.0.0.0/8" || strings.Join(a.Deny, ",") != "10.1.1.1" || strings.Join(a.TrustedProxies, ",") != "127.0.0.1" {
		t.Errorf("access lists %+v", a)
	}
}
