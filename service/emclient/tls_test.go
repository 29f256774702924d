package emclient

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/fakecucm"
	"github.com/emconnector/emconnector/service/testpki"
)

// pool is a cert pool of the PEM certificates given.
func pool(t *testing.T, pems ...[]byte) *x509.CertPool {
	t.Helper()
	p := x509.NewCertPool()
	for _, pem := range pems {
		if !p.AppendCertsFromPEM(pem) {
			t.Fatal("no certificate in PEM")
		}
	}
	return p
}

// TestTLSTrust drives a deviceUserQuery to an https EM node whose
// certificate comes from a CA made here: the configured roots must be the only
// thing that makes it trusted (besides the lab switch InsecureSkipVerify;
// bcservice's config package turns caFile into the roots), and a refused
// certificate must look like an unreachable node (1002) without the request
// ever reaching CUCM, since the credentials travel in it.
func TestTLSTrust(t *testing.T) {
	ca, other := testpki.NewCA(t, "CUCM test CA"), testpki.NewCA(t, "another CA")
	cases := []struct {
		name string
		tls  *tls.Config
		ok   bool
	}{
		{"roots hold the node's CA", &tls.Config{RootCAs: pool(t, ca.PEM)}, true},
		{"roots hold another CA and the node's", &tls.Config{RootCAs: pool(t, other.PEM, ca.PEM)}, true},
		{"no TLS config: system roots do not know the CA", nil, false},
		{"roots hold another CA", &tls.Config{RootCAs: pool(t, other.PEM)}, false},
		{"InsecureSkipVerify without roots", &tls.Config{InsecureSkipVerify: true}, true}, //nolint:gosec // the lab switch under test
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cucm := fakecucm.New(cred.AppID, cred.AppCertificate)
			cucm.AddDevice(dev)
			cucm.SetLogin(dev, user)
			srv := httptest.NewUnstartedServer(cucm.Handler())
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.KeyPair(t, "cucm node")}}
			// Refused handshakes are the point of half the cases; keep the
			// server's "TLS handshake error" lines out of the test output.
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			srv.StartTLS()
			t.Cleanup(srv.Close)
			if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") {
				t.Fatalf("server URL %s: the certificate is for 127.0.0.1 over https", srv.URL)
			}

			s := spec(srv.URL + "/emservice/EMServiceServlet")
			// A generous per-attempt timeout: a refused certificate fails at
			// once, and a loaded machine must not turn success into a timeout.
			s.Timeout = 5 * time.Second
			s.TLS = tc.tls
			var logs bytes.Buffer
			c, err := New(s, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.Close)

			st, err := c.DeviceUser(ctxT(t, 10*time.Second), cred, dev)
			if tc.ok {
				if err != nil {
					t.Fatalf("DeviceUser: %v (log: %s)", err, logs.String())
				}
				if !st.Exists || st.User != user {
					t.Fatalf("DeviceUser = %+v, want %s logged in", st, user)
				}
				if n := cucm.Count("deviceUserQuery"); n != 1 {
					t.Fatalf("node saw %d deviceUserQuery, want 1", n)
				}
				return
			}
			if code(err) != service.CodeUnreachable {
				t.Fatalf("DeviceUser error %v (code %d), want %d (unreachable)", err, code(err), service.CodeUnreachable)
			}
			// The failure must be the certificate check, not some other
			// transport trouble that would make this case pass by accident.
			if !strings.Contains(logs.String(), "tls: failed to verify certificate") {
				t.Fatalf("debug log does not name the certificate check:\n%s", logs.String())
			}
			if n := len(cucm.Requests()); n != 0 {
				t.Fatalf("node saw %d requests through an untrusted connection, want 0", n)
			}
		})
	}
}
