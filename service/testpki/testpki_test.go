package testpki

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
)

// A certificate the CA issues verifies against the CA's PEM for server and client use at
// 127.0.0.1, and not against another CA.
func TestIssuedCertificateVerifiesOnlyAgainstItsCA(t *testing.T) {
	ca, other := NewCA(t, "CA"), NewCA(t, "other")
	certPEM, _ := ca.Issue(t, "leaf")
	block, _ := pem.Decode(certPEM)
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		roots  []byte
		usage  x509.ExtKeyUsage
		wantOK bool
	}{
		{"own CA, server", ca.PEM, x509.ExtKeyUsageServerAuth, true},
		{"own CA, client", ca.PEM, x509.ExtKeyUsageClientAuth, true},
		{"other CA", other.PEM, x509.ExtKeyUsageServerAuth, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			roots := x509.NewCertPool()
			roots.AppendCertsFromPEM(tt.roots)
			_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1", KeyUsages: []x509.ExtKeyUsage{tt.usage}})
			if (err == nil) != tt.wantOK {
				t.Errorf("Verify error = %v, want ok=%v", err, tt.wantOK)
			}
		})
	}
	if pair := ca.KeyPair(t, "pair"); len(pair.Certificate) != 1 || pair.PrivateKey == nil {
		t.Errorf("KeyPair = %d certificates, key %v; want one certificate and its key", len(pair.Certificate), pair.PrivateKey != nil)
	}
}
