package features

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/emconnector/emconnector/service/testpki"
	. "github.com/onsi/gomega"
)

// Fixtures of the ops specs (demo topology), kept here so they do not depend on other
// spec files' names.
const (
	opsDevice  = "SEP1CE6C79BAF1F"
	opsUser    = "ALMUSER01"
	opsAuthXML = "<request><appID>bcapp</appID><appCertificate>s3cret</appCertificate></request>"
	opsCert    = "s3cret"
)

func writeOpsFile(dir, name string, data []byte) string {
	p := filepath.Join(dir, name)
	Expect(os.WriteFile(p, data, 0o600)).To(Succeed())
	return p
}

// tlsClient trusts ca and presents the given client certificate (none when certPEM is nil).
func tlsClient(ca *testpki.CA, certPEM, keyPEM []byte) *http.Client {
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.PEM)
	tc := &tls.Config{RootCAs: roots}
	if certPEM != nil {
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		Expect(err).NotTo(HaveOccurred())
		tc.Certificates = []tls.Certificate{pair}
	}
	return &http.Client{Timeout: httpTimeout, Transport: checkedTransport(&http.Transport{TLSClientConfig: tc})}
}

// HTTPSURL is the service's https://host:port (for a service started with tls.* keys).
func (s *Service) HTTPSURL() string { return "https://" + strings.TrimPrefix(s.BaseURL(), "http://") }
