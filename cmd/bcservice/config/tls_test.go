package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/testpki"
)

// writeCA writes a fresh CA's certificate and a certificate it signed, with
// its key, as PEM files in dir and returns their paths.
func writeCA(t *testing.T, dir string) (caPath, certPath, keyPath string) {
	t.Helper()
	ca := testpki.NewCA(t, "test CA")
	cert, key := ca.Issue(t, "bcservice")
	caPath, certPath, keyPath = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for p, data := range map[string][]byte{caPath: ca.PEM, certPath: cert, keyPath: key} {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return caPath, certPath, keyPath
}

func TestConfigTLS(t *testing.T) {
	dir := t.TempDir()
	ca, cert, key := writeCA(t, dir)
	_, other, _ := writeCA(t, t.TempDir())
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	cluster := "\nclusters: [{code: EU, nodes: [\"http://h/x\"]}]"
	tests := []struct {
		name     string
		tls      string
		wantKey  string // "" = valid
		wantMsg  string
		wantMode string
	}{
		{"no TLS", "{}", "", "", "none"},
		{"server only", "{certFile: " + cert + ", keyFile: " + key + "}", "", "", "none"},
		{"CA implies required", "{certFile: " + cert + ", keyFile: " + key + ", clientCAFile: " + ca + "}", "", "", "required"},
		{"optional", "{certFile: " + cert + ", keyFile: " + key + ", clientCAFile: " + ca + ", clientAuth: optional}", "", "", "optional"},
		{"alias verify", "{certFile: " + cert + ", keyFile: " + key + ", clientCAFile: " + ca + ", clientAuth: verify}", "", "", "required"},
		{"alias request", "{certFile: " + cert + ", keyFile: " + key + ", clientCAFile: " + ca + ", clientAuth: request}", "", "", "optional"},
		{"cert without key", "{certFile: " + cert + "}", "tls", "certFile and keyFile must be given together", ""},
		{"required without CA", "{certFile: " + cert + ", keyFile: " + key + ", clientAuth: required}", "tls.clientAuth", "required needs tls.clientCAFile", ""},
		{"unknown mode", "{certFile: " + cert + ", keyFile: " + key + ", clientAuth: maybe}", "tls.clientAuth", `"maybe" must be`, ""},
		{"CA without server cert", "{clientCAFile: " + ca + "}", "tls.clientCAFile", "client certificates need", ""},
		{"key does not match", "{certFile: " + other + ", keyFile: " + key + "}", "tls", "certificate and key", ""},
		{"garbage CA", "{certFile: " + cert + ", keyFile: " + key + ", clientCAFile: " + garbage + "}", "tls.clientCAFile", "no PEM certificate", ""},
		{"missing file", "{certFile: /nonexistent.pem, keyFile: " + key + "}", "tls.certFile", "no such file", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte("tls: " + tt.tls + cluster))
			if err != nil {
				t.Fatal(err)
			}
			checkProblem(t, cfg.Validate(), tt.wantKey, tt.wantMsg)
			if tt.wantMode != "" && cfg.TLS.ClientAuthMode() != tt.wantMode {
				t.Errorf("mode %q, want %q", cfg.TLS.ClientAuthMode(), tt.wantMode)
			}
		})
	}
}

func TestConfigOpsDefaults(t *testing.T) {
	cfg, err := Parse([]byte(`clusters: [{code: EU, nodes: ["http://h/x"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Log.Format != "json" {
		t.Errorf("log.format = %q, want json", cfg.Log.Format)
	}
	if cfg.Health.CacheFor != 2*time.Second || cfg.Health.DialTimeout != time.Second {
		t.Errorf("health = %+v, want cacheFor 2s, dialTimeout 1s", cfg.Health)
	}
	cfg.Health.CacheFor = time.Nanosecond
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "health.cacheFor") {
		t.Errorf("got %v, want a health.cacheFor error", err)
	}
}
