package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a leaf certificate for 127.0.0.1 usable by servers and
// clients; it returns the PEM certificate and key.
func (ca *testCA) issue(t *testing.T, cn string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

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
	ca, other := newTestCA(t, "test CA"), newTestCA(t, "other CA")
	srvCert, srvKey := ca.issue(t, "bcservice")
	goodCert, goodKey := ca.issue(t, "client")
	badCert, badKey := other.issue(t, "intruder")
	cfg := "listen: \"127.0.0.1:0\"\n" +
		"tls: {certFile: " + writeFile(t, dir, "srv.pem", srvCert) + ", keyFile: " + writeFile(t, dir, "srv.key", srvKey) +
		", clientCAFile: " + writeFile(t, dir, "ca.pem", ca.pem) + ", clientAuth: required}\n" +
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
	roots.AppendCertsFromPEM(ca.pem)
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
