package service

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeSelfSigned writes a self-signed certificate and its key as PEM files
// in dir and returns their paths.
func writeSelfSigned(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	write := func(p, typ string, b []byte) {
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(certPath, "CERTIFICATE", der)
	write(keyPath, "EC PRIVATE KEY", kder)
	return certPath, keyPath
}

func TestConfigTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeSelfSigned(t, dir)
	other, _ := writeSelfSigned(t, t.TempDir())
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	cluster := "\nclusters: [{code: EU, nodes: [\"http://h/x\"]}]"
	tests := []struct {
		name     string
		tls      string
		wantErr  string // "" = valid
		wantMode string
	}{
		{"no TLS", "{}", "", "none"},
		{"server only", "{certFile: " + cert + ", keyFile: " + key + "}", "", "none"},
		{"CA implies required", "{certFile: " + cert + ", keyFile: " + key + ", clientCAFile: " + cert + "}", "", "required"},
		{"optional", "{certFile: " + cert + ", keyFile: " + key + ", clientCAFile: " + cert + ", clientAuth: optional}", "", "optional"},
		{"alias verify", "{certFile: " + cert + ", keyFile: " + key + ", clientCAFile: " + cert + ", clientAuth: verify}", "", "required"},
		{"alias request", "{certFile: " + cert + ", keyFile: " + key + ", clientCAFile: " + cert + ", clientAuth: request}", "", "optional"},
		{"cert without key", "{certFile: " + cert + "}", "certFile and keyFile must be given together", ""},
		{"required without CA", "{certFile: " + cert + ", keyFile: " + key + ", clientAuth: required}", "tls.clientAuth: required needs tls.clientCAFile", ""},
		{"unknown mode", "{certFile: " + cert + ", keyFile: " + key + ", clientAuth: maybe}", `tls.clientAuth: "maybe"`, ""},
		{"CA without server cert", "{clientCAFile: " + cert + "}", "tls.clientCAFile: client certificates need", ""},
		{"key does not match", "{certFile: " + other + ", keyFile: " + key + "}", "tls: certificate and key", ""},
		{"garbage CA", "{certFile: " + cert + ", keyFile: " + key + ", clientCAFile: " + garbage + "}", "tls.clientCAFile:", ""},
		{"missing file", "{certFile: /nonexistent.pem, keyFile: " + key + "}", "tls.certFile:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte("tls: " + tt.tls + cluster))
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got %v, want valid", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if tt.wantMode != "" && cfg.TLS.ClientAuthMode() != tt.wantMode {
				t.Errorf("mode %q, want %q", cfg.TLS.ClientAuthMode(), tt.wantMode)
			}
		})
	}
}

func TestConfigOpsDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte(`clusters: [{code: EU, nodes: ["http://h/x"]}]`))
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
