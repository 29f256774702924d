package features

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("ops: health, readiness, metrics, JSON and audit", Ordered, func() {
	sim := UseSim(demoTopology)
	var svc *Service
	BeforeAll(func() {
		svc = NewService(sim, ServiceOptions{
			Env:   []string{"BC_LOG_FORMAT=json"},
			Extra: map[string]any{"health": map[string]any{"cacheFor": "100ms", "dialTimeout": "500ms"}},
		})
	})
	AfterEach(func() {
		for _, n := range sim.Nodes("US") {
			sim.NodeUp("US", n)
		}
	})

	It("answers /healthz with 200 ok", func() {
		svc.API().GET("/healthz").Expect().Status(http.StatusOK).Body().IsEqual("ok\n")
	})

	It("is ready while every cluster has a reachable node, and names the cluster that has none", func() {
		svc.API().GET("/readyz").Expect().Status(http.StatusOK).JSON().Object().HasValue("status", "ready")
		sim.NodeDown("US", sim.Nodes("US")[0])
		svc.API().GET("/readyz").Expect().Status(http.StatusOK) // one US node is enough
		for _, n := range sim.Nodes("US") {
			sim.NodeDown("US", n)
		}
		Eventually(func() int {
			res, err := apiHTTPClient().Get(svc.BaseURL() + "/readyz")
			if err != nil {
				return 0
			}
			res.Body.Close()
			return res.StatusCode
		}).WithTimeout(20 * time.Second).WithPolling(50 * time.Millisecond).Should(Equal(http.StatusServiceUnavailable))
		obj := svc.API().GET("/readyz").Expect().Status(http.StatusServiceUnavailable).JSON().Object()
		obj.HasValue("status", "not ready")
		obj.Value("notReady").Array().IsEqual([]string{"US"})
		svc.API().GET("/healthz").Expect().Status(http.StatusOK) // liveness does not depend on CUCM
	})

	It("answers in JSON when asked, XML otherwise", func() {
		svc.API().POST("/api/login/{d}/{u}", opsDevice, opsUser).WithFormField("xml", opsAuthXML).
			WithHeader("Accept", "application/json").
			Expect().Status(http.StatusOK).
			HasContentType("application/json").
			JSON().Object().IsEqual(map[string]any{"deviceName": opsDevice, "userID": opsUser, "code": 0,
			"text": "Login successful for " + opsUser + " on device " + opsDevice})
		svc.API().GET("/api/getversioninfo").WithHeader("Accept", "application/json").
			Expect().JSON().Object().IsEqual(map[string]any{"appversion": "1.4", "appname": "Business Connector"})
		svc.API().GET("/api/nothing").WithHeader("Accept", "application/json").
			Expect().Status(http.StatusNotFound).JSON().Object().IsEqual(map[string]any{"code": 404, "text": "Unknown API route"})
		svc.API().GET("/api/getversioninfo").WithHeader("Accept", "*/*").
			Expect().HasContentType("text/xml").Body().HasPrefix("<?xml")
	})

	It("counts requests and CUCM calls in /metrics without devices, users or PINs as labels", func() {
		svc.API().POST("/api/login/{d}/{u}/EU/4321", opsDevice, opsUser).WithFormField("xml", opsAuthXML).
			Expect().Status(http.StatusOK).Body().Contains("<code>0</code>")
		body := svc.API().GET("/metrics").Expect().Status(http.StatusOK).Body().Raw()
		Expect(body).To(ContainSubstring(`bcservice_requests_total{code="0",op="login",outcome="success"}`))
		Expect(body).To(MatchRegexp(`bcservice_cucm_calls_total\{cluster="EU",node="127\.0\.0\.1:\d+",op="login",outcome="success"\} \d`))
		Expect(body).To(ContainSubstring(`bcservice_request_duration_seconds_bucket{op="login"`))
		Expect(body).To(ContainSubstring(`bcservice_cucm_breaker_state{cluster="US"`))
		Expect(body).To(ContainSubstring(`bcservice_cucm_inflight_requests{cluster="EU"} 0`))
		Expect(body).To(ContainSubstring(`bcservice_cucm_queued_requests{cluster="EU"} 0`))
		Expect(body).NotTo(ContainSubstring(opsDevice))
		Expect(body).NotTo(ContainSubstring(opsUser))
		Expect(body).NotTo(ContainSubstring("4321"))
	})

	const opsPIN = "90817263544536271809"
	It("writes one JSON audit event per login and logout, without certificate or PIN", func() {
		// A PIN long and odd enough never to turn up by chance inside a logged number.
		svc.API().POST("/api/login/{d}/{u}/EU/{pin}", opsDevice, opsUser, opsPIN).WithFormField("xml", opsAuthXML).
			WithHeader("X-Request-ID", "audit-login-1").Expect().Status(http.StatusOK)
		svc.API().POST("/api/logout/{d}", opsDevice).WithFormField("xml", opsAuthXML).
			WithHeader("X-Request-ID", "audit-logout-1").Expect().Status(http.StatusOK)
		var audits []map[string]any
		Eventually(func() []map[string]any {
			audits = nil
			for _, line := range strings.Split(string(svc.Session().Err.Contents()), "\n") {
				var ev map[string]any
				if json.Unmarshal([]byte(line), &ev) == nil && ev["msg"] == "audit" &&
					(ev["id"] == "audit-login-1" || ev["id"] == "audit-logout-1") {
					audits = append(audits, ev)
				}
			}
			return audits
		}).WithTimeout(10 * time.Second).WithPolling(20 * time.Millisecond).Should(HaveLen(2))
		Expect(audits[0]).To(And(HaveKeyWithValue("operation", "login"), HaveKeyWithValue("device", opsDevice),
			HaveKeyWithValue("user", opsUser), HaveKeyWithValue("cluster", "EU"), HaveKeyWithValue("code", 0.0),
			HaveKeyWithValue("outcome", "success"), HaveKeyWithValue("remote", "127.0.0.1")))
		Expect(audits[1]).To(And(HaveKeyWithValue("operation", "logout"), HaveKeyWithValue("code", 0.0)))
		logs := string(svc.Session().Err.Contents())
		Expect(logs).NotTo(ContainSubstring(opsCert))
		Expect(logs).NotTo(ContainSubstring(opsPIN))
	})
})

var _ = Describe("ops: slow clients", Ordered, func() {
	sim := UseSim(demoTopology)
	// The time is the feature here, bounded generously: the cut comes within 4 s of
	// readHeaderTimeout (room for a loaded machine under -race), far before readTimeout (30 s,
	// so that only the header timeout can be what cut it) and before the byte-a-40-ms client
	// would have sent its whole request (about 9 s).
	const headerTimeout = 400 * time.Millisecond
	const slack = 4 * time.Second
	var svc *Service
	BeforeAll(func() {
		svc = NewService(sim, ServiceOptions{RequestTimeout: 2 * time.Second, Extra: map[string]any{"server": map[string]any{
			"readHeaderTimeout": headerTimeout.String(), "readTimeout": "30s", "writeTimeout": "3s"}}})
	})

	It("cuts a slowloris client off after readHeaderTimeout while serving others", func() {
		// The clock is read before the dial: the server's header timer cannot start earlier.
		start := time.Now()
		conn, err := net.Dial("tcp", strings.TrimPrefix(svc.BaseURL(), "http://"))
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		request := "GET /api/getversioninfo HTTP/1.1\r\nHost: bcservice\r\nX-Slow: " + strings.Repeat("a", 200) + "\r\n\r\n"
		closed := false
		buf := make([]byte, 512)
		for i := 0; i < len(request) && time.Since(start) < headerTimeout+slack; i++ {
			if _, err := conn.Write([]byte{request[i]}); err != nil {
				closed = true
				break
			}
			// Poll the connection for the server closing it (a read times out while it is open).
			Expect(conn.SetReadDeadline(time.Now().Add(40 * time.Millisecond))).To(Succeed())
			n, err := conn.Read(buf)
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				Expect(string(buf[:n])).NotTo(ContainSubstring("200 OK"), "the slow request was served")
				closed = true
				break
			}
			if i%5 == 0 {
				// Other clients are served meanwhile.
				svc.API().GET("/api/getversioninfo").Expect().Status(http.StatusOK)
			}
		}
		elapsed := time.Since(start)
		Expect(closed).To(BeTrue(), "the slow connection was still open after %s", elapsed)
		Expect(elapsed).To(BeNumerically(">=", headerTimeout-50*time.Millisecond))
		Expect(elapsed).To(BeNumerically("<", headerTimeout+slack))
		svc.API().GET("/api/getversioninfo").Expect().Status(http.StatusOK)
	})
})
