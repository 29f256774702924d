package service

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte(`clusters: [{code: EU, nodes: ["http://127.0.0.1:18081/emservice/EMServiceServlet"]}]`))
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
		wantErr string // "" = valid
	}{
		{"demo", "clusters: [{code: EU, default: true, nodes: [\"http://h:1/x\"]}, {code: US, nodes: [\"https://h:2/x\"]}]", ""},
		{"no clusters", "listen: 127.0.0.1:1", "clusters: at least one cluster"},
		{"bad listen", "listen: nope\nclusters: [{code: EU, nodes: [\"http://h/x\"]}]", "listen:"},
		{"bad code", "clusters: [{code: \"E U\", nodes: [\"http://h/x\"]}]", "clusters[0].code"},
		{"duplicate code", "clusters: [{code: EU, nodes: [\"http://h/x\"]}, {code: eu, nodes: [\"http://h/x\"]}]", "clusters[1].code: duplicate"},
		{"two defaults", "clusters: [{code: A, default: true, nodes: [\"http://h/x\"]}, {code: B, default: true, nodes: [\"http://h/x\"]}]", "clusters[1].default"},
		{"no nodes", "clusters: [{code: EU}]", "clusters[0].nodes: at least one"},
		{"bad scheme", "clusters: [{code: EU, nodes: [\"ftp://h/x\"]}]", "clusters[0].nodes[0]"},
		{"credentials in URL", "clusters: [{code: EU, nodes: [\"http://u:pw@h/x\"]}]", "credentials in URLs"},
		{"limit too high", "clusters: [{code: EU, nodes: [\"http://h/x\"], maxConcurrentRequests: 101}]", "clusters[0].maxConcurrentRequests"},
		{"tiny timeout", "clusters: [{code: EU, nodes: [\"http://h/x\"], timeout: 1ns}]", "clusters[0].timeout"},
		{"missing CA file", "clusters: [{code: EU, nodes: [\"https://h/x\"], caFile: /nonexistent.pem}]", "clusters[0].caFile"},
		{"log format", "log: {format: xml}\nclusters: [{code: EU, nodes: [\"http://h/x\"]}]", "log.format"},
		{"write timeout", "requestTimeout: 30s\nclusters: [{code: EU, nodes: [\"http://h/x\"]}]", "server.writeTimeout"},
		{"access list", "access: {allow: [10.0.0.0/8, nonsense]}\nclusters: [{code: EU, nodes: [\"http://h/x\"]}]", "access.allow[1]"},
		{"tls half", "tls: {certFile: /x}\nclusters: [{code: EU, nodes: [\"http://h/x\"]}]", "tls: certFile and keyFile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tt.yaml))
			if err == nil {
				err = cfg.Validate()
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestDemoConfigMatchesTopology(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "testdata", "config", "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
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
	if _, err := os.Stat(filepath.Join("..", "testdata", "config", "search.yaml")); err != nil {
		t.Error(err)
	}
}
