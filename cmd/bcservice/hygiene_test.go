package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/cmd/bcservice/config"
	"github.com/emconnector/emconnector/service/testpki"
)

// echo answers with the request's method, path, body length and whether it
// came over TLS, so that a test sees which requests the handler served.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	fmt.Fprintf(w, "%s %s %d tls=%v", r.Method, r.URL.Path, len(body), r.TLS != nil)
})

// startHygienic serves echo through newHTTPServer on a loopback port; with
// tlsConfig it serves HTTPS. It returns a dialer of raw connections.
func startHygienic(t *testing.T, hstsMaxAge time.Duration, tlsConfig *tls.Config, clientTLS *tls.Config) func() net.Conn {
	t.Helper()
	cfg := &config.Config{}
	cfg.ApplyDefaults()
	if hstsMaxAge >= 0 {
		cfg.Server.HSTSMaxAge = hstsMaxAge
	}
	srv := newHTTPServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), echo, tlsConfig)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.serve(ln) }()
	t.Cleanup(func() {
		_ = srv.close()
		<-done
	})
	return func() net.Conn {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if clientTLS != nil {
			c = tls.Client(c, clientTLS)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		t.Cleanup(func() { c.Close() })
		return c
	}
}

// exchange writes raw requests on one connection and reads every answer
// until the server closes it or goes quiet.
func exchange(t *testing.T, c net.Conn, raw string) []*http.Response {
	t.Helper()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	var out []*http.Response
	for {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			return out
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		out = append(out, resp)
	}
}

func bodyOf(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// pipelinedGET closes the connection after its answer, so that a test
// need not wait for the server to go quiet; keepGET keeps it open.
const (
	pipelinedGET = "GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	keepGET      = "GET /second HTTP/1.1\r\nHost: x\r\n\r\n"
	smuggling    = "POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + pipelinedGET
)

// TestHygieneFraming: on either kind of listener, a request with both
// Content-Length and Transfer-Encoding gets 400 and the connection closes
// unread; well-framed requests, chunked ones included, are served in turn
// on one connection.
func TestHygieneFraming(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	listeners := []struct {
		name     string
		srv, cli *tls.Config
	}{{"plain HTTP", nil, nil}, {"TLS", serverTLS, clientTLS}}
	tests := []struct {
		name  string
		raw   string
		wants []string // status and body of each answer, in order
	}{
		{"Content-Length and Transfer-Encoding", smuggling, []string{"400 400 Bad Request: both Content-Length and Transfer-Encoding\n"}},
		{"Transfer-Encoding on HTTP/1.0", "POST /first HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n0\r\n\r\n" + pipelinedGET,
			[]string{"400 400 Bad Request: Transfer-Encoding on an HTTP/1.0 request\n"}},
		{"chunked, then another request", "POST /first HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + pipelinedGET,
			[]string{"200 POST /first 3 tls=%v", "200 GET /second 0 tls=%v"}},
		{"Content-Length, then another request", "POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" + pipelinedGET,
			[]string{"200 POST /first 3 tls=%v", "200 GET /second 0 tls=%v"}},
		{"OPTIONS * answered as net/http does", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n" + pipelinedGET,
			[]string{"200 ", "200 GET /second 0 tls=%v"}},
		{"a smuggled request after a good one", keepGET + smuggling,
			[]string{"200 GET /second 0 tls=%v", "400 400 Bad Request: both Content-Length and Transfer-Encoding\n"}},
	}
	for _, l := range listeners {
		for _, tt := range tests {
			t.Run(l.name+"/"+tt.name, func(t *testing.T) {
				dial := startHygienic(t, -1, l.srv, l.cli)
				answers := exchange(t, dial(), tt.raw)
				var got []string
				for _, a := range answers {
					got = append(got, fmt.Sprintf("%d %s", a.StatusCode, bodyOf(a)))
				}
				var want []string
				for _, w := range tt.wants {
					if strings.Contains(w, "%v") {
						w = fmt.Sprintf(w, l.srv != nil)
					}
					want = append(want, w)
				}
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("answers %q, want %q", got, want)
				}
				if last := answers[len(answers)-1]; last.StatusCode == http.StatusBadRequest && !last.Close {
					t.Errorf("the 400 does not close the connection: %v", last.Header)
				}
			})
		}
	}
}

// TestHygieneHSTS: answers over TLS carry Strict-Transport-Security with
// server.hstsMaxAge, none when it is 0s, and plain HTTP never does.
func TestHygieneHSTS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	tests := []struct {
		name     string
		maxAge   time.Duration
		srv, cli *tls.Config
		want     string
	}{
		{"TLS, default", -1, serverTLS, clientTLS, "max-age=31536000"},
		{"TLS, a day", 24 * time.Hour, serverTLS, clientTLS, "max-age=86400"},
		{"TLS, off", 0, serverTLS, clientTLS, ""},
		{"plain HTTP", -1, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dial := startHygienic(t, tt.maxAge, tt.srv, tt.cli)
			answers := exchange(t, dial(), "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			if len(answers) != 1 {
				t.Fatalf("%d answers", len(answers))
			}
			if got := answers[0].Header.Get("Strict-Transport-Security"); got != tt.want {
				t.Errorf("Strict-Transport-Security %q, want %q", got, tt.want)
			}
		})
	}
}

// testTLS is a server configuration with a certificate for 127.0.0.1 and a
// client configuration that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	ca := testpki.NewCA(t, "hygiene CA")
	certPEM, keyPEM := ca.Issue(t, "bcservice")
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.PEM)
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}},
		&tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
}
