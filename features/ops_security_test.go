package features

import (
	"io"
	"net/http"
	"net/url"

	"github.com/emconnector/emconnector/service/testpki"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("ops: TLS with client certificates", Ordered, func() {
	sim := UseSim(demoTopology)
	var (
		svc                 *Service
		ca, other           *testpki.CA
		goodCert, goodKey   []byte
		otherCert, otherKey []byte
	)
	BeforeAll(func() {
		dir := GinkgoT().TempDir()
		ca, other = testpki.NewCA(GinkgoT(), "ops test CA"), testpki.NewCA(GinkgoT(), "another CA")
		srvCert, srvKey := ca.Issue(GinkgoT(), "bcservice")
		goodCert, goodKey = ca.Issue(GinkgoT(), "app")
		otherCert, otherKey = other.Issue(GinkgoT(), "intruder")
		svc = NewService(sim, ServiceOptions{Extra: map[string]any{"tls": map[string]any{
			"certFile":     writeOpsFile(dir, "server.pem", srvCert),
			"keyFile":      writeOpsFile(dir, "server.key", srvKey),
			"clientCAFile": writeOpsFile(dir, "clients.pem", ca.PEM),
			"clientAuth":   "required",
		}}})
	})

	It("serves the API over HTTPS to a client with a certificate from the client CA", func() {
		res, err := tlsClient(ca, goodCert, goodKey).PostForm(svc.HTTPSURL()+"/api/login/"+opsDevice+"/"+opsUser,
			url.Values{"xml": {opsAuthXML}})
		Expect(err).NotTo(HaveOccurred())
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		Expect(res.StatusCode).To(Equal(http.StatusOK))
		Expect(string(body)).To(ContainSubstring("<code>0</code>"))
		Expect(sim.Logins("EU")).To(ContainElement(HaveField("User", opsUser)))
	})

	It("refuses a client without a certificate in the handshake", func() {
		_, err := tlsClient(ca, nil, nil).Get(svc.HTTPSURL() + "/api/getversioninfo")
		Expect(err).To(HaveOccurred())
	})

	It("refuses a certificate from another CA", func() {
		_, err := tlsClient(ca, otherCert, otherKey).Get(svc.HTTPSURL() + "/api/getversioninfo")
		Expect(err).To(HaveOccurred())
	})
})

var _ = Describe("ops: IP access lists", Ordered, func() {
	sim := UseSim(demoTopology)
	const denied = "<?xml version='1.0' encoding='UTF-8'?>\n<response><result><code>1015</code><text>Access denied</text></result></response>"
	var allowLoopback, denyLocalhost, allowOnly10, behindProxy *Service
	BeforeAll(func() {
		allowLoopback = NewService(sim, ServiceOptions{Extra: map[string]any{"access": map[string]any{"allow": []string{"127.0.0.0/8"}}}})
		denyLocalhost = NewService(sim, ServiceOptions{Extra: map[string]any{"access": map[string]any{
			"allow": []string{"127.0.0.0/8"}, "deny": []string{"127.0.0.1/32"}}}})
		allowOnly10 = NewService(sim, ServiceOptions{Extra: map[string]any{"access": map[string]any{"allow": []string{"10.0.0.0/8"}}}})
		behindProxy = NewService(sim, ServiceOptions{Extra: map[string]any{"access": map[string]any{
			"allow": []string{"10.0.0.0/8"}, "deny": []string{"10.66.0.0/16"}, "trustedProxies": []string{"127.0.0.1"}}}})
	})

	It("serves clients in the allow list", func() {
		allowLoopback.API().POST("/api/login/{d}/{u}", opsDevice, opsUser).WithFormField("xml", opsAuthXML).
			Expect().Status(http.StatusOK).Body().Contains("<code>0</code>")
	})

	It("refuses a denied address with 403 and code 1015, as XML or JSON, before touching CUCM", func() {
		sim.ClearRequests("EU")
		denyLocalhost.API().POST("/api/login/{d}/{u}", opsDevice, opsUser).WithFormField("xml", opsAuthXML).
			Expect().Status(http.StatusForbidden).Body().IsEqual(denied)
		denyLocalhost.API().GET("/api/getversioninfo").WithHeader("Accept", "application/json").
			Expect().Status(http.StatusForbidden).JSON().Object().IsEqual(map[string]any{"code": 1015, "text": "Access denied"})
		Expect(sim.Requests("EU")).To(BeEmpty())
		Expect(sim.Logins("EU")).To(BeEmpty())
	})

	It("ignores X-Forwarded-For from a peer that is not a trusted proxy", func() {
		allowOnly10.API().GET("/api/getversioninfo").WithHeader("X-Forwarded-For", "10.1.2.3").
			Expect().Status(http.StatusForbidden).Body().IsEqual(denied)
		denyLocalhost.API().GET("/api/getversioninfo").WithHeader("X-Forwarded-For", "127.0.0.2").
			Expect().Status(http.StatusForbidden)
	})

	It("believes X-Forwarded-For from a trusted proxy, right-most untrusted address first", func() {
		behindProxy.API().GET("/api/getversioninfo").WithHeader("X-Forwarded-For", "10.1.2.3").
			Expect().Status(http.StatusOK)
		behindProxy.API().GET("/api/getversioninfo").WithHeader("X-Forwarded-For", "10.66.0.5").
			Expect().Status(http.StatusForbidden)
		// A client prepending an allowed address does not get past the proxy's own entry.
		behindProxy.API().GET("/api/getversioninfo").WithHeader("X-Forwarded-For", "10.1.2.3, 192.0.2.7").
			Expect().Status(http.StatusForbidden)
		// The log names the resolved client, not the proxy.
		Eventually(func() string { return string(behindProxy.Session().Err.Contents()) }).
			Should(And(ContainSubstring("code=1015 status=403"), ContainSubstring("remote=192.0.2.7 peer=127.0.0.1:")))
	})
})
