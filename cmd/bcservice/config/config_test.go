package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := Parse([]byte(`clusters: [{code: EU, nodes: ["http://127.0.0.1:18081/emservice/EMServiceServlet"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cl := cfg.Clusters[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", cfg.Listen, DefaultListen},
		{"requestTimeout", cfg.RequestTimeout, 10 * time.Second},
		{"maxBodyBytes", cfg.MaxBodyBytes, int64(65536)},
		{"log.level", cfg.Log.Level, "info"},
		{"timeout", cl.Timeout, 5 * time.Second},
		{"maxConcurrentRequests", cl.MaxConcurrentRequests, 5},
		{"axl", strings.Join(cl.AXL, ","), "http://127.0.0.1:18081/axl/"},
		{"default cluster", cfg.DefaultCluster(), ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantKey string // "" = valid
		wantMsg string
	}{
		{"demo", "clusters: [{code: EU, default: true, nodes: [\"http://h:1/x\"]}, {code: US, nodes: [\"https://h:2/x\"]}]", "", ""},
		{"no clusters", "listen: 127.0.0.1:1", "clusters", "at least one cluster"},
		{"bad listen", "listen: nope\nclusters: [{code: EU, nodes: [\"http://h/x\"]}]", "listen", "host:port"},
		{"bad code", "clusters: [{code: \"E U\", nodes: [\"http://h/x\"]}]", "clusters[0].code", "1-32 characters"},
		{"duplicate code", "clusters: [{code: EU, nodes: [\"http://h/x\"]}, {code: eu, nodes: [\"http://h/x\"]}]", "clusters[1].code", "duplicate"},
		{"two defaults", "clusters: [{code: A, default: true, nodes: [\"http://h/x\"]}, {code: B, default: true, nodes: [\"http://h/x\"]}]", "clusters[1].default", "only one"},
		{"no nodes", "clusters: [{code: EU}]", "clusters[0].nodes", "at least one"},
		{"bad scheme", "clusters: [{code: EU, nodes: [\"ftp://h/x\"]}]", "clusters[0].nodes[0]", "scheme must be http or https"},
		{"credentials in URL", "clusters: [{code: EU, nodes: [\"http://u:pw@h/x\"]}]", "clusters[0].nodes[0]", "credentials in URLs"},
		{"limit too high", "clusters: [{code: EU, nodes: [\"http://h/x\"], maxConcurrentRequests: 101}]", "clusters[0].maxConcurrentRequests", "1..100"},
		{"tiny timeout", "clusters: [{code: EU, nodes: [\"http://h/x\"], timeout: 1ns}]", "clusters[0].timeout", "below the minimum of 1ms"},
		{"missing CA file", "clusters: [{code: EU, nodes: [\"https://h/x\"], caFile: /nonexistent.pem}]", "clusters[0].caFile", "no such file"},
		{"log format", "log: {format: xml}\nclusters: [{code: EU, nodes: [\"http://h/x\"]}]", "log.format", "text or json"},
		{"write timeout", "requestTimeout: 30s\nclusters: [{code: EU, nodes: [\"http://h/x\"]}]", "server.writeTimeout", "longer than requestTimeout"},
		{"access list", "access: {allow: [10.0.0.0/8, nonsense]}\nclusters: [{code: EU, nodes: [\"http://h/x\"]}]", "access.allow[1]", "not an IP address"},
		{"tls half", "tls: {certFile: /x}\nclusters: [{code: EU, nodes: [\"http://h/x\"]}]", "tls", "certFile and keyFile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkProblem(t, cfg.Validate(), tt.wantKey, tt.wantMsg)
		})
	}
}

func TestDemoConfigMatchesTopology(t *testing.T) {
	t.Setenv("BC_DASHBOARD_APP_CERTIFICATE", "s3cret") // the demo dashboard's, set by run-demo.sh
	cfg, err := Load(filepath.Join("..", "..", "..", "testdata", "config", "demo.yaml"), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:8080" || cfg.DefaultCluster() != "EU" || len(cfg.Clusters) != 2 {
		t.Fatalf("demo config: listen %s default %s clusters %d", cfg.Listen, cfg.DefaultCluster(), len(cfg.Clusters))
	}
	want := map[string][]string{
		"EU": {"http://127.0.0.1:18081/emservice/EMServiceServlet", "http://127.0.0.1:18082/emservice/EMServiceServlet"},
		"US": {"http://127.0.0.1:18091/emservice/EMServiceServlet", "http://127.0.0.1:18092/emservice/EMServiceServlet"},
	}
	for _, cl := range cfg.Clusters {
		if strings.Join(cl.Nodes, " ") != strings.Join(want[cl.Code], " ") {
			t.Errorf("cluster %s nodes %v, want %v", cl.Code, cl.Nodes, want[cl.Code])
		}
	}
	if _, err := os.Stat(filepath.Join("..", "..", "..", "testdata", "config", "search.yaml")); err != nil {
		t.Error(err)
	}
}

// checkProblem fails unless err is nil when wantKey is "", or Problems with
// one for wantKey whose text contains wantMsg.
func checkProblem(t *testing.T, err error, wantKey, wantMsg string) {
	t.Helper()
	if wantKey == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v, want Problems with %s", err, wantKey)
	}
	for _, p := range ps {
		if p.Key == wantKey && strings.Contains(p.Msg, wantMsg) {
			return
		}
	}
	t.Fatalf("problems %v, want one for %s containing %q", err, wantKey, wantMsg)
}

func TestCallHistoryAndCacheKeys(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "axl.secret")
	if err := os.WriteFile(pwFile, []byte("axl-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BC_TEST_AXL_PW", "env-pw")
	base := "clusters:\n  - code: EU\n    nodes: [\"http://127.0.0.1:1/emservice/EMServiceServlet\"]\n"
	tests := []struct {
		name, extra, top string
		wantErr          string
		check            func(t *testing.T, cfg *Config)
	}{
		{"defaults", "", "", "", func(t *testing.T, cfg *Config) {
			cls, _ := cfg.ClusterClients()
			if cfg.DeviceCache.TTL != DefaultDeviceCacheTTL || cfg.DeviceCache.Size != DefaultDeviceCacheSize || cls[0].ClearCallHistoryOnLogout || cls[0].AXLUser != "" {
				t.Errorf("defaults: %+v %+v", cfg.DeviceCache, cls[0])
			}
		}},
		{"onLogout with a password file", "    clearCallHistory: onLogout\n    axlUser: axladmin\n    axlPasswordFile: " + pwFile + "\n",
			"deviceCache: {ttl: 1m, size: 10}\n", "", func(t *testing.T, cfg *Config) {
				cls, err := cfg.ClusterClients()
				if err != nil || !cls[0].ClearCallHistoryOnLogout || cls[0].AXLUser != "axladmin" || cls[0].AXLPassword != "axl-pw" {
					t.Errorf("clients %+v, %v", cls, err)
				}
				if cfg.DeviceCache.TTL != time.Minute || cfg.DeviceCache.Size != 10 {
					t.Errorf("cache %+v", cfg.DeviceCache)
				}
			}},
		{"password from the environment", "    axlUser: axladmin\n    axlPasswordEnv: BC_TEST_AXL_PW\n", "", "", func(t *testing.T, cfg *Config) {
			cls, _ := cfg.ClusterClients()
			if cls[0].AXLPassword != "env-pw" {
				t.Errorf("password not read from the environment")
			}
		}},
		{"bad clearCallHistory", "    clearCallHistory: always\n", "", "clusters[0].clearCallHistory", nil},
		{"axlUser without password", "    axlUser: axladmin\n", "", "needs exactly one of axlPasswordFile and axlPasswordEnv", nil},
		{"unset environment variable", "    axlUser: axladmin\n    axlPasswordEnv: BC_TEST_NOPE\n", "", "BC_TEST_NOPE (axlPasswordEnv) is not set", nil},
		{"password without user", "    axlPasswordFile: " + pwFile + "\n", "", "no axlUser", nil},
		{"cache size 0", "", "deviceCache: {size: 0}\n", "deviceCache.size", nil},
		{"cache ttl without unit", "", "deviceCache: {ttl: 10}\n", "deviceCache.ttl", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "c.yaml")
			if err := os.WriteFile(path, []byte(tt.top+base+tt.extra), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path, Overrides{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "axl-pw") || strings.Contains(err.Error(), "env-pw") {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, cfg)
		})
	}
}
