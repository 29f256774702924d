package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/testpki"
)

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunServesTLSWithClientCertificates(t *testing.T) {
	dir := t.TempDir()
	ca, other := testpki.NewCA(t, "test CA"), testpki.NewCA(t, "other CA")
	srvCert, srvKey := ca.Issue(t, "bcservice")
	goodCert, goodKey := ca.Issue(t, "client")
	badCert, badKey := other.Issue(t, "intruder")
	cfg := "listen: \"127.0.0.1:0\"\n" +
		"tls: {certFile: " + writeFile(t, dir, "srv.pem", srvCert) + ", keyFile: " + writeFile(t, dir, "srv.key", srvKey) +
		", clientCAFile: " + writeFile(t, dir, "ca.pem", ca.PEM) + ", clientAuth: required}\n" +
		"clusters:\n  - {code: EU, nodes: [\"https://127.0.0.1:1/emservice/EMServiceServlet\"], insecureSkipVerify: true}\n" +
		"  - {code: US, nodes: [\"https://127.0.0.1:2/emservice/EMServiceServlet\"]}\n"
	logs := &syncBuffer{}
	addrFile := filepath.Join(dir, "addr.json")
	m := &Main{ConfigPath: writeFile(t, dir, "bc.yaml", []byte(cfg)), AddrFile: addrFile, Stderr: logs}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	addr := waitAddr(t, addrFile, done)

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.PEM)
	client := func(certPEM, keyPEM []byte) *http.Client {
		tc := &tls.Config{RootCAs: roots}
		if certPEM != nil {
			pair, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				t.Fatal(err)
			}
			tc.Certificates = []tls.Certificate{pair}
		}
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
	}
	tests := []struct {
		name       string
		certPEM    []byte
		keyPEM     []byte
		wantRefuse bool
	}{
		{"client certificate from the CA", goodCert, goodKey, false},
		{"no client certificate", nil, nil, true},
		{"certificate from another CA", badCert, badKey, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := client(tt.certPEM, tt.keyPEM).Get("https://" + addr + "/healthz")
			if tt.wantRefuse {
				if err == nil {
					res.Body.Close()
					t.Fatalf("got HTTP %d, want a refused handshake", res.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("status %d", res.StatusCode)
			}
		})
	}
	// Go's TLS server answers plain HTTP with 400 and closes.
	if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP on the TLS listener: status %d, want 400", res.StatusCode)
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"level":"WARN"`) || !strings.Contains(out, "TLS CERTIFICATE VERIFICATION DISABLED") || !strings.Contains(out, `"cluster":"EU"`) {
		t.Errorf("no insecureSkipVerify warning for EU in logs:\n%s", out)
	}
	if strings.Count(out, "TLS CERTIFICATE VERIFICATION DISABLED") != 1 {
		t.Errorf("want exactly one warning (EU only):\n%s", out)
	}
}
