package features

import (
	"crypto/tls"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emconnector/emconnector/service/testpki"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// cucmsim serves plain HTTP only, so these specs put an HTTPS reverse proxy, with a
// certificate from a CA generated here, in front of one simulator node and give bcservice
// that https URL as the cluster's only node. What the specs prove is bcservice's side of the
// handshake: clusters[].caFile is what makes the node trusted, a node it does not trust never
// receives a request (the request carries the application credentials), and
// insecureSkipVerify works but is logged as a warning.

// tcProxy is an HTTPS reverse proxy in front of one cucmsim node.
type tcProxy struct {
	// URL is https://127.0.0.1:port, the certificate's address.
	URL string
	// served counts requests that came through a completed handshake; a refused
	// certificate must leave it unchanged.
	served atomic.Int64
}

// tcStartProxy serves node (http://host:port) over HTTPS with a certificate issued by ca
// for 127.0.0.1, on loopback, until the calling node's scope ends.
func tcStartProxy(ca *testpki.CA, node string) *tcProxy {
	GinkgoHelper()
	target, err := url.Parse(node)
	Expect(err).NotTo(HaveOccurred())
	certPEM, keyPEM := ca.Issue(GinkgoT(), "cucm node")
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	Expect(err).NotTo(HaveOccurred())
	upstream := &http.Transport{}
	DeferCleanup(upstream.CloseIdleConnections)
	// Rewrite (unlike Director) adds no X-Forwarded-For: the simulator sees a plain
	// request from loopback, as it would from bcservice directly.
	rp := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: upstream,
		ErrorLog:  log.New(GinkgoWriter, "tls proxy: ", 0),
	}
	p := &tcProxy{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.served.Add(1)
		rp.ServeHTTP(w, r)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	// Refused handshakes are expected here; their log lines go to the spec's output only.
	srv.Config.ErrorLog = log.New(GinkgoWriter, "tls proxy: ", 0)
	srv.StartTLS()
	DeferCleanup(srv.Close)
	Expect(srv.URL).To(HavePrefix("https://127.0.0.1:"), "the certificate names 127.0.0.1")
	p.URL = srv.URL
	return p
}

// tcInsecureWarning is the start-up WARN of a cluster with insecureSkipVerify (text log
// format, the one NewService configures).
var tcInsecureWarning = regexp.MustCompile(`level=WARN msg="TLS CERTIFICATE VERIFICATION DISABLED[^\n]*cluster=EU`)

// tcLogs is everything the service has logged so far.
func tcLogs(svc *Service) string { return string(svc.Session().Err.Contents()) }

var _ = Describe("ops: TLS towards CUCM", Ordered, func() {
	sim := UseSim(demoTopology)
	var (
		proxy               *tcProxy
		caFile, otherCAFile string
	)
	BeforeAll(func() {
		dir := GinkgoT().TempDir()
		ca, other := testpki.NewCA(GinkgoT(), "CUCM test CA"), testpki.NewCA(GinkgoT(), "another CA")
		caFile = writeOpsFile(dir, "cucm-ca.pem", ca.PEM)
		otherCAFile = writeOpsFile(dir, "other-ca.pem", other.PEM)
		proxy = tcStartProxy(ca, sim.NodeURL("EU", sim.Nodes("EU")[0]))
	})

	// tcService starts bcservice with EU as its only cluster, reached only through the
	// proxy (EM and AXL), plus the given TLS keys; it stops when the spec ends.
	tcService := func(keys map[string]any) *Service {
		GinkgoHelper()
		keys["nodes"] = []string{proxy.URL + emPath}
		keys["axl"] = []string{proxy.URL + axlPath}
		return newTunedService(sim, ServiceOptions{Clusters: []string{"EU"}}, keys)
	}

	It("logs in through an https node trusted by caFile", func() {
		svc := tcService(map[string]any{"caFile": caFile})
		before := proxy.served.Load()
		svc.API().POST("/api/login/{d}/{u}", opsDevice, opsUser).WithFormField("xml", opsAuthXML).
			Expect().Status(http.StatusOK).Body().Contains("<code>0</code>")
		Expect(sim.Logins("EU")).To(ConsistOf(And(HaveField("Device", opsDevice), HaveField("User", opsUser))))
		Expect(sim.Requests("EU")).To(ContainElement(HaveField("Operation", "login")))
		Expect(proxy.served.Load()).To(BeNumerically(">", before), "the login went through the TLS proxy")
		// A verified cluster is not reported as insecure (the start-up lines come before
		// "bcservice listening").
		Eventually(func() string { return tcLogs(svc) }).Should(ContainSubstring("bcservice listening"))
		Expect(tcLogs(svc)).NotTo(MatchRegexp(tcInsecureWarning.String()))
	})

	DescribeTable("answers 1002 and sends nothing when the node's certificate is not trusted",
		func(trust string) {
			keys := map[string]any{}
			if trust == "other CA" {
				keys["caFile"] = otherCAFile
			}
			svc := tcService(keys)
			sim.ClearRequests("EU")
			before := proxy.served.Load()
			svc.API().POST("/api/getloggedinuser/{d}", opsDevice).WithFormField("xml", opsAuthXML).
				Expect().Status(http.StatusOK).Body().
				Contains("<code>1002</code>").Contains("<text>CUCM cluster EU unreachable</text>")
			Expect(sim.Requests("EU")).To(BeEmpty(), "no request reached the simulator")
			Expect(proxy.served.Load()).To(Equal(before), "no request got past the handshake")
			// The 1002 is the certificate check, not some other transport failure.
			Eventually(func() string { return tcLogs(svc) }).WithTimeout(20 * time.Second).
				Should(ContainSubstring("x509: certificate signed by unknown authority"))
		},
		Entry("caFile of another CA", "other CA"),
		// Proves the proxy's certificate needs caFile (or insecureSkipVerify) at all.
		Entry("no caFile: the system roots do not know the generated CA", "system roots"),
	)

	It("works with insecureSkipVerify and no caFile, and warns about it at start", func() {
		svc := tcService(map[string]any{"insecureSkipVerify": true})
		svc.API().POST("/api/login/{d}/{u}", opsDevice, opsUser).WithFormField("xml", opsAuthXML).
			Expect().Status(http.StatusOK).Body().Contains("<code>0</code>")
		Expect(sim.Logins("EU")).To(ConsistOf(And(HaveField("Device", opsDevice), HaveField("User", opsUser))))
		Eventually(func() string { return tcLogs(svc) }).Should(MatchRegexp(tcInsecureWarning.String()))
		Expect(strings.Count(tcLogs(svc), "TLS CERTIFICATE VERIFICATION DISABLED")).To(Equal(1), "one warning per insecure cluster")
	})
})
