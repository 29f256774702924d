package features

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service/testpki"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/crypto/bcrypt"
)

// hyListener is one of bcservice's listeners as a spec reaches it: its host:port and, for
// an HTTPS one, the CA its certificate chains to.
type hyListener struct {
	addr string
	ca   *testpki.CA
}

// hyAnswers is what came back on one connection: the answers in order, and whether the
// server closed the connection after them (rather than leaving it open, idle).
type hyAnswers struct {
	answers []*http.Response
	closed  bool
}

// hySend writes raw (one or more pipelined requests) on a new connection to l and reads
// every answer until the server closes the connection or stays quiet for a second.
func hySend(l hyListener, raw string) hyAnswers {
	GinkgoHelper()
	conn, err := net.DialTimeout("tcp", l.addr, httpTimeout)
	Expect(err).NotTo(HaveOccurred())
	defer conn.Close()
	if l.ca != nil {
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(l.ca.PEM)
		conn = tls.Client(conn, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	}
	Expect(conn.SetDeadline(time.Now().Add(httpTimeout))).To(Succeed())
	_, err = io.WriteString(conn, raw)
	Expect(err).NotTo(HaveOccurred())
	var out hyAnswers
	r := bufio.NewReader(conn)
	for {
		Expect(conn.SetReadDeadline(time.Now().Add(time.Second))).To(Succeed())
		resp, err := http.ReadResponse(r, nil)
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return out
		case err != nil:
			out.closed = true
			return out
		}
		_, err = io.Copy(io.Discard, resp.Body)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		out.answers = append(out.answers, resp)
	}
}

// hyGet is a plain GET of path through hySend, closing the connection after it.
func hyGet(l hyListener, path string) *http.Response {
	GinkgoHelper()
	got := hySend(l, "GET "+path+" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
	Expect(got.answers).To(HaveLen(1))
	return got.answers[0]
}

// hyStart starts bcservice with its dashboard in front of sim (HTTPS on both listeners with
// a certificate from ca when ca is set) and returns the API and dashboard listeners.
func hyStart(sim *Sim, ca *testpki.CA) (api, dash hyListener) {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("adminpw"), bcrypt.MinCost)
	Expect(err).NotTo(HaveOccurred())
	extra := map[string]any{
		"history": map[string]any{"dsn": "sqlite:" + filepath.Join(dir, "history.db"), "flushTimeout": "1s"},
		"dashboard": map[string]any{
			"listen":  "127.0.0.1:0",
			"users":   []map[string]any{{"name": "admin", "role": "operator", "passwordHash": string(hash)}},
			"emAppID": appID, "emAppCertificateEnv": "BC_DASH_CERT",
		},
	}
	if ca != nil {
		cert, key := ca.Issue(GinkgoT(), "bcservice")
		extra["tls"] = map[string]any{"certFile": writeOpsFile(dir, "server.pem", cert), "keyFile": writeOpsFile(dir, "server.key", key)}
	}
	configPath := filepath.Join(dir, "bcservice.yaml")
	writeServiceConfig(configPath, sim, ServiceOptions{Extra: extra})
	svc, dashURL := startDashboardService(configPath, []string{"BC_DASH_CERT=" + appCert})
	return hyListener{addr: strings.TrimPrefix(svc.BaseURL(), "http://"), ca: ca},
		hyListener{addr: strings.TrimPrefix(dashURL, "http://"), ca: ca}
}

// smuggle is a request framed two ways: by Content-Length its body is "0\r\n\r" and the
// next request starts with "\n"; by Transfer-Encoding its body ends at "0\r\n\r\n" and
// "GET /healthz" follows, pipelined. A proxy that goes by Content-Length would not see
// that second request, so the service must not answer it.
const smuggle = "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" +
	"0\r\n\r\n" +
	"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

var _ = Describe("ops: HTTP hygiene of the API and dashboard listeners", Ordered, func() {
	sim := UseSim(demoTopology)
	var ca *testpki.CA
	listeners := map[string]*hyListener{}
	BeforeAll(func() {
		ca = testpki.NewCA(GinkgoT(), "hygiene CA")
		api, dash := hyStart(sim, nil)
		apiTLS, dashTLS := hyStart(sim, ca)
		listeners["API"], listeners["dashboard"] = &api, &dash
		listeners["API over TLS"], listeners["dashboard over TLS"] = &apiTLS, &dashTLS
	})
	// each is the spec, then one entry per listener, as DescribeTable takes them.
	each := func(spec func(name string)) []any {
		return []any{spec, Entry("the API", "API"), Entry("the dashboard", "dashboard"),
			Entry("the API over TLS", "API over TLS"), Entry("the dashboard over TLS", "dashboard over TLS")}
	}

	Context("when a request carries both Content-Length and Transfer-Encoding", func() {
		DescribeTable("answers 400, closes the connection and leaves a pipelined request unanswered",
			each(func(name string) {
				got := hySend(*listeners[name], smuggle)
				Expect(got.answers).To(HaveLen(1), "only the first request is answered")
				Expect(got.answers[0].StatusCode).To(Equal(http.StatusBadRequest))
				Expect(got.answers[0].Close).To(BeTrue(), "the answer says Connection: close")
				Expect(got.closed).To(BeTrue(), "the server closed the connection")
			})...)
	})

	Context("when an HTTP/1.0 request carries Transfer-Encoding", func() {
		It("answers 400 and closes the connection (RFC 9112 §6.1: its framing is faulty)", func() {
			got := hySend(*listeners["API"], "POST /healthz HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"+
				"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
			Expect(got.answers).To(HaveLen(1))
			Expect(got.answers[0].StatusCode).To(Equal(http.StatusBadRequest))
			Expect(got.closed).To(BeTrue())
		})
	})

	Context("when requests are well framed", func() {
		DescribeTable("answers a chunked request and the request pipelined after it on one connection",
			each(func(name string) {
				got := hySend(*listeners[name], "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"+
					"3\r\nabc\r\n0\r\n\r\n"+"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
				Expect(got.answers).To(HaveLen(2))
				for _, a := range got.answers {
					Expect(a.StatusCode).NotTo(Equal(http.StatusBadRequest))
				}
			})...)
	})

	Context("when a listener serves TLS", func() {
		DescribeTable("answers carry Strict-Transport-Security with server.hstsMaxAge (one year by default)",
			func(name, path string) {
				Expect(hyGet(*listeners[name], path).Header.Get("Strict-Transport-Security")).To(Equal("max-age=31536000"))
			},
			Entry("the API", "API over TLS", "/healthz"),
			Entry("the dashboard", "dashboard over TLS", "/signin"),
			Entry("an API error", "API over TLS", "/no/such/route"))
	})

	Context("when a listener serves plain HTTP", func() {
		DescribeTable("answers carry no Strict-Transport-Security (a browser ignores it there)",
			func(name, path string) {
				Expect(hyGet(*listeners[name], path).Header.Values("Strict-Transport-Security")).To(BeEmpty())
			},
			Entry("the API", "API", "/healthz"),
			Entry("the dashboard", "dashboard", "/signin"))
	})

	Context("when server.hstsMaxAge is 0s", func() {
		It("sends no Strict-Transport-Security even under TLS", func() {
			dir := GinkgoT().TempDir()
			cert, key := ca.Issue(GinkgoT(), "bcservice")
			svc := NewService(sim, ServiceOptions{Extra: map[string]any{
				"tls":    map[string]any{"certFile": writeOpsFile(dir, "s.pem", cert), "keyFile": writeOpsFile(dir, "s.key", key)},
				"server": map[string]any{"hstsMaxAge": "0s"},
			}})
			api := hyListener{addr: strings.TrimPrefix(svc.BaseURL(), "http://"), ca: ca}
			Expect(hyGet(api, "/healthz").Header.Values("Strict-Transport-Security")).To(BeEmpty())
		})
	})
})
