package emclient

import (
	"bytes"
	"crypto/tls"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/fakecucm"
	"github.com/emconnector/emconnector/service/testpki"
)

func writePEM(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTLSTrust drives a deviceUserQuery to an https EM node whose
// certificate comes from a CA made here: caFile must be the only thing that
// makes it trusted (besides the lab switch insecureSkipVerify), and a refused
// certificate must look like an unreachable node (1002) without the request
// ever reaching CUCM, since the credentials travel in it.
func TestTLSTrust(t *testing.T) {
	ca, other := testpki.NewCA(t, "CUCM test CA"), testpki.NewCA(t, "another CA")
	caFile := writePEM(t, "ca.pem", ca.PEM)
	otherFile := writePEM(t, "other.pem", other.PEM)
	// A bundle: any CA in the file is trusted, not only the first.
	bundleFile := writePEM(t, "bundle.pem", append(append([]byte{}, other.PEM...), ca.PEM...))

	cases := []struct {
		name     string
		caFile   string
		insecure bool
		ok       bool
	}{
		{"caFile is the node's CA", caFile, false, true},
		{"caFile bundle holds the node's CA", bundleFile, false, true},
		{"no caFile: system roots do not know the CA", "", false, false},
		{"caFile is another CA", otherFile, false, false},
		{"insecureSkipVerify without caFile", "", true, true},
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
			s.CAFile, s.InsecureSkipVerify = tc.caFile, tc.insecure
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

// TestTLSBadCAFile: a caFile without a certificate must stop the client
// from being built rather than silently fall back to the system roots.
func TestTLSBadCAFile(t *testing.T) {
	s := spec("https://127.0.0.1:1/emservice/EMServiceServlet")
	s.CAFile = writePEM(t, "empty.pem", []byte("not a certificate\n"))
	if _, err := New(s, Options{}); err == nil || !strings.Contains(err.Error(), "caFile") {
		t.Fatalf("New with a caFile without certificates: err = %v, want a caFile error", err)
	}
}
