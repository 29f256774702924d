package features

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("cucmsim control API", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	Describe("GET /v1/clusters", func() {
		It("lists the topology's clusters with their bound nodes", func() {
			clusters := sim.Clusters()
			codes := make([]string, 0, len(clusters))
			for _, c := range clusters {
				codes = append(codes, c.Code)
			}
			Expect(codes).To(Equal([]string{"EU", "US", "LAB"}))
			Expect(clusters[0].Name).To(Equal("Europe"))
			Expect(clusters[0].Nodes).To(Equal([]NodeState{
				{Name: "eu-pub", Addr: sim.NodeAddr("EU", "eu-pub"), Up: true},
				{Name: "eu-sub1", Addr: sim.NodeAddr("EU", "eu-sub1"), Up: true},
			}))
		})

		It("shows each cluster's requests in progress against its limit and each node's recent latency", func() {
			Expect(sim.PostEMTo("EU", "eu-sub1", loginXML(euDevice1, almUser))).To(Equal(successXML))
			eu := sim.Control().GET("/v1/clusters").Expect().Status(http.StatusOK).JSON().Array().Value(0).Object()
			eu.Value("requestsInProgress").Number().IsEqual(0)
			eu.Value("maxConcurrentRequests").Number().IsEqual(5)
			nodes := eu.Value("nodes").Array()
			nodes.Value(0).Object().Value("latencyMs").Number().IsEqual(0) // eu-pub: no request yet
			nodes.Value(1).Object().Value("latencyMs").Number().Gt(0)      // eu-sub1 answered the login
		})
	})

	Describe("GET /v1/clusters/{code}/logins", func() {
		It("answers an empty list for a cluster without logins", func() {
			sim.Control().GET("/v1/clusters/LAB/logins").Expect().Status(http.StatusOK).JSON().Array().IsEmpty()
		})
		It("answers 404 for an unknown cluster", func() {
			sim.Control().GET("/v1/clusters/XX/logins").Expect().Status(http.StatusNotFound).
				JSON().Object().ContainsKey("error")
		})
	})

	Describe("PUT /v1/clusters/{code}/logins/{device}", func() {
		It("seeds a login bypassing policy", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			sim.PutLogin("EU", euDevice2, SeedLogin{User: almUser, Profile: "UDP-SHARED"})
			Expect(sim.Logins("EU")).To(Equal([]LoginState{
				{Device: euDevice2, User: almUser, Profile: "UDP-SHARED", Since: sim.Login("EU", euDevice2).Since},
				{Device: euDevice1, User: almUser, Profile: "UDP-ALMUSER01", Since: sim.Login("EU", euDevice1).Since},
			}), "sorted by device, default profile filled in, policy not-allowed bypassed")
			Expect(sim.EM("EU", userDevicesQueryXML(almUser)).Users()).To(Equal([]string{
				almUser + ":" + euDevice2 + "," + euDevice1,
			}))
		})
		DescribeTable("answers 404 with code for unknown names",
			func(device string, body map[string]any, code int) {
				sim.Control().PUT("/v1/clusters/EU/logins/"+device).WithJSON(body).Expect().
					Status(http.StatusNotFound).JSON().Object().
					ContainsKey("error").HasValue("code", code)
			},
			Entry("unknown device -> 11", unknownDevice, map[string]any{"user": almUser}, 11),
			Entry("unknown user -> 23", euDevice1, map[string]any{"user": "NOSUCHUSER"}, 23),
			Entry("unknown profile -> 12", euDevice1, map[string]any{"user": almUser, "profile": "UDP-NOSUCH"}, 12),
		)
		It("answers 404 for an unknown cluster", func() {
			sim.Control().PUT("/v1/clusters/XX/logins/" + euDevice1).WithJSON(map[string]any{"user": almUser}).
				Expect().Status(http.StatusNotFound)
		})
		It("answers 400 for a body that is not JSON", func() {
			sim.Control().PUT("/v1/clusters/EU/logins/" + euDevice1).WithText("{user:").
				Expect().Status(http.StatusBadRequest).JSON().Object().ContainsKey("error")
		})
	})

	Describe("DELETE /v1/clusters/{code}/logins/{device}", func() {
		It("removes the login", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			sim.DeleteLogin("EU", euDevice1)
			Expect(sim.Logins("EU")).To(BeEmpty())
		})
		It("answers 404 when nobody is logged in", func() {
			sim.Control().DELETE("/v1/clusters/EU/logins/" + euDevice1).Expect().Status(http.StatusNotFound)
		})
	})

	Describe("the request log", func() {
		It("records each EM request with node, method, operation, device, user, appID and code", func() {
			sim.PostEMTo("EU", "eu-sub1", loginXML(euDevice1, almUser))
			sim.PostEM("EU", loginXML(euDevice1, euUser02))
			reqs := sim.Requests("EU")
			Expect(reqs).To(HaveLen(2))
			Expect(reqs[0]).To(SatisfyAll(
				HaveField("Node", "eu-sub1"), HaveField("Method", "POST"), HaveField("Operation", "login"),
				HaveField("Device", euDevice1), HaveField("User", almUser), HaveField("AppID", appID),
				HaveField("Code", 0)))
			Expect(reqs[1]).To(SatisfyAll(HaveField("Node", "eu-pub"), HaveField("User", euUser02), HaveField("Code", 18)))
			Expect(reqs[1].Seq).To(BeNumerically(">", reqs[0].Seq))
		})
		It("records queries and faulted requests with the answered code", func() {
			sim.AddFault("EU", Fault{Operation: "logout", EMCode: emCode(6)})
			sim.PostEM("EU", logoutXML(euDevice1))
			sim.PostEM("EU", deviceUserQueryXML(euDevice1))
			Expect(sim.Requests("EU")).To(ConsistOf(
				SatisfyAll(HaveField("Operation", "logout"), HaveField("Code", 6)),
				SatisfyAll(HaveField("Operation", "deviceUserQuery"), HaveField("Device", euDevice1)),
			))
		})
		It("never holds the appCertificate, right or wrong, nor does the simulator's log", func() {
			sim.PostEM("EU", loginXML(euDevice1, almUser))
			sim.PostEM("EU", emLogin{AppID: appID, Cert: "Wr0ng-Certificate-42", Device: euDevice2, User: euUser02}.XML())
			sim.PostEM("EU", queryXMLAs(appID, "Wr0ng-Certificate-42", "deviceUserQuery", "deviceName", euDevice1))
			reqs := sim.Requests("EU")
			Expect(reqs).To(HaveLen(3))
			for _, r := range reqs {
				Expect(r.XML).To(ContainSubstring("<appCertificate>***</appCertificate>"))
				Expect(r.XML).NotTo(ContainSubstring(appCert))
				Expect(r.XML).NotTo(ContainSubstring("Wr0ng-Certificate-42"))
			}
			raw := sim.Control().GET("/v1/clusters/EU/requests").Expect().Status(http.StatusOK).Body().Raw()
			Expect(raw).NotTo(ContainSubstring(appCert))
			Expect(raw).NotTo(ContainSubstring("Wr0ng-Certificate-42"))
			logs := string(sim.Session().Out.Contents()) + string(sim.Session().Err.Contents())
			Expect(logs).NotTo(ContainSubstring(appCert))
			Expect(logs).NotTo(ContainSubstring("Wr0ng-Certificate-42"))
		})
		It("is cleared by DELETE", func() {
			sim.PostEM("EU", logoutXML(euDevice1))
			sim.ClearRequests("EU")
			Expect(sim.Requests("EU")).To(BeEmpty())
		})
		It("is kept per cluster", func() {
			sim.PostEM("US", logoutXML(usPlain1))
			Expect(sim.Requests("EU")).To(BeEmpty())
			Expect(sim.Requests("US")).To(HaveLen(1))
		})
	})
})
