package features

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("cucmsim fault injection", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	Describe("an emCode fault", func() {
		It("answers the code with the spec's text and leaves the state alone", func() {
			sim.AddFault("EU", Fault{Operation: "login", EMCode: emCode(6)})
			Expect(sim.PostEM("EU", loginXML(euDevice1, almUser))).To(Equal(failureXML(6, "Database Error")))
			Expect(sim.Logins("EU")).To(BeEmpty())
		})
		It("answers a custom emText", func() {
			sim.AddFault("EU", Fault{Operation: "login", EMCode: emCode(6), EMText: "DB deadlock"})
			Expect(sim.PostEM("EU", loginXML(euDevice1, almUser))).To(Equal(failureXML(6, "DB deadlock")))
		})
		It("hits count requests, lists the remaining count, then stops", func() {
			sim.AddFault("EU", Fault{Operation: "login", EMCode: emCode(6), Count: 2})
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(6))
			Expect(sim.Faults("EU")).To(ConsistOf(HaveKeyWithValue("remaining", BeNumerically("==", 1))))
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(6))
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(0))
		})
		It("lasts until cleared when count is 0", func() {
			sim.AddFault("EU", Fault{Operation: "logout", EMCode: emCode(7)})
			for range 3 {
				Expect(sim.EM("EU", logoutXML(euDevice1)).Code()).To(Equal(7))
			}
			sim.ClearFaults("EU")
			Expect(sim.Faults("EU")).To(BeEmpty())
			Expect(sim.EM("EU", logoutXML(euDevice1)).Code()).To(Equal(19))
		})
		It("hits queries too, with a whole-query failure", func() {
			sim.AddFault("EU", Fault{Operation: "deviceUserQuery", EMCode: emCode(6)})
			Expect(sim.PostEM("EU", deviceUserQueryXML(euDevice1))).To(Equal(failureXML(6, "Database Error")))
			Expect(sim.EM("EU", userDevicesQueryXML(almUser)).Users()).To(Equal([]string{almUser + ":none"}))
		})
	})

	Describe("fault scope", func() {
		It("hits only the named operation", func() {
			sim.AddFault("EU", Fault{Operation: "logout", EMCode: emCode(6)})
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(0))
			Expect(sim.EM("EU", logoutXML(euDevice1)).Code()).To(Equal(6))
		})
		It("hits only the named device", func() {
			sim.AddFault("EU", Fault{Device: euDevice1, EMCode: emCode(6)})
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(6))
			Expect(sim.EM("EU", loginXML(euDevice2, almUser)).Code()).To(Equal(0))
		})
		It("hits only the named user", func() {
			sim.AddFault("EU", Fault{User: euUser02, EMCode: emCode(9)})
			Expect(sim.EM("EU", loginXML(euDevice1, euUser02)).Code()).To(Equal(9))
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(0))
		})
		It("hits only the named node", func() {
			sim.AddFault("EU", Fault{Node: "eu-pub", EMCode: emCode(6)})
			Expect(decodeEM(sim.PostEMTo("EU", "eu-pub", loginXML(euDevice1, almUser))).Code()).To(Equal(6))
			Expect(decodeEM(sim.PostEMTo("EU", "eu-sub1", loginXML(euDevice1, almUser))).Code()).To(Equal(0))
		})
		It("hits only its own cluster", func() {
			sim.AddFault("US", Fault{EMCode: emCode(6)})
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(0))
			Expect(sim.EM("US", loginXML(usPlain1, usUser02)).Code()).To(Equal(6))
		})
	})

	Describe("a latency fault", func() {
		It("delays the answer by at least the latency and then carries the login out", func() {
			sim.AddFault("EU", Fault{Operation: "login", Latency: "300ms"})
			start := time.Now()
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(0))
			Expect(time.Since(start)).To(BeNumerically(">=", 300*time.Millisecond))
			Expect(sim.Logins("EU")).To(HaveLen(1))
		})
		It("combines with an effect", func() {
			sim.AddFault("EU", Fault{Operation: "login", Latency: "200ms", EMCode: emCode(6)})
			start := time.Now()
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(6))
			Expect(time.Since(start)).To(BeNumerically(">=", 200*time.Millisecond))
		})
	})

	Describe("an httpStatus fault", func() {
		It("answers the bare status without carrying the login out", func() {
			sim.AddFault("EU", Fault{Operation: "login", HTTPStatus: http.StatusServiceUnavailable})
			sim.Node("EU", "eu-pub").POST(emPath).WithFormField("xml", loginXML(euDevice1, almUser)).
				Expect().Status(http.StatusServiceUnavailable)
			Expect(sim.Logins("EU")).To(BeEmpty())
		})
	})

	Describe("a drop fault", func() {
		It("closes the connection without an answer and without carrying the login out", func() {
			sim.AddFault("EU", Fault{Operation: "login", Drop: true})
			_, err := rawPost(sim.EMServiceURL("EU", "eu-pub"), loginXML(euDevice1, almUser))
			Expect(err).To(HaveOccurred())
			Expect(sim.Logins("EU")).To(BeEmpty())
		})
	})

	Describe("a body fault", func() {
		DescribeTable("garbles the answer so no XML parser accepts it",
			func(kind string) {
				sim.AddFault("EU", Fault{Operation: "login", Body: kind})
				body, err := rawPost(sim.EMServiceURL("EU", "eu-pub"), loginXML(euDevice1, almUser))
				Expect(err).NotTo(HaveOccurred())
				Expect(xml.Unmarshal([]byte(body), new(emResponse))).NotTo(Succeed(), "body %q", body)
				Expect(sim.Logins("EU")).To(BeEmpty(), "without after, the login is not carried out")
			},
			Entry("malformed", "malformed"),
			Entry("truncated", "truncated"),
			Entry("empty", "empty"),
		)
	})

	Describe("a fault with after: true", func() {
		It("carries the login out, then drops the answer (the client never hears)", func() {
			sim.AddFault("EU", Fault{Operation: "login", Drop: true, After: true})
			_, err := rawPost(sim.EMServiceURL("EU", "eu-pub"), loginXML(euDevice1, almUser))
			Expect(err).To(HaveOccurred())
			Expect(sim.Logins("EU")).To(ConsistOf(HaveField("User", almUser)))
		})
		It("carries the logout out, then answers a truncated body", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			sim.AddFault("EU", Fault{Operation: "logout", Body: "truncated", After: true})
			body, err := rawPost(sim.EMServiceURL("EU", "eu-pub"), logoutXML(euDevice1))
			Expect(err).NotTo(HaveOccurred())
			Expect(len(body)).To(BeNumerically("<", len(successXML)))
			Expect(sim.Logins("EU")).To(BeEmpty())
		})
		It("carries the login out, then answers an HTTP 500", func() {
			sim.AddFault("EU", Fault{Operation: "login", HTTPStatus: 500, After: true})
			sim.Node("EU", "eu-pub").POST(emPath).WithFormField("xml", loginXML(euDevice1, almUser)).
				Expect().Status(http.StatusInternalServerError)
			Expect(sim.Logins("EU")).To(HaveLen(1))
		})
		It("carries the login out, then delays the answer", func() {
			sim.AddFault("EU", Fault{Operation: "login", Latency: "200ms", After: true})
			start := time.Now()
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(0))
			Expect(time.Since(start)).To(BeNumerically(">=", 200*time.Millisecond))
		})
	})

	Describe("a fault the control API refuses", func() {
		DescribeTable("answers 400 with a JSON error",
			func(body map[string]any) {
				sim.Control().POST("/v1/clusters/EU/faults").WithJSON(body).Expect().
					Status(http.StatusBadRequest).JSON().Object().ContainsKey("error")
			},
			Entry("no effect", map[string]any{"operation": "login"}),
			Entry("unknown operation", map[string]any{"operation": "dance", "emCode": 6}),
			Entry("unknown body kind", map[string]any{"body": "garbage"}),
			Entry("unparsable latency", map[string]any{"latency": "soon"}),
		)
		It("answers 404 for an unknown cluster", func() {
			sim.Control().POST("/v1/clusters/XX/faults").WithJSON(map[string]any{"emCode": 6}).Expect().
				Status(http.StatusNotFound)
		})
	})
})

var _ = Describe("cucmsim nodes", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	Context("when a node is down", func() {
		It("refuses connections there while the other node keeps serving", func() {
			sim.NodeDown("EU", "eu-pub")
			Expect(sim.Cluster("EU").Nodes).To(ConsistOf(
				SatisfyAll(HaveField("Name", "eu-pub"), HaveField("Up", false)),
				SatisfyAll(HaveField("Name", "eu-sub1"), HaveField("Up", true)),
			))
			_, err := rawPost(sim.EMServiceURL("EU", "eu-pub"), loginXML(euDevice1, almUser))
			Expect(errors.Is(err, syscall.ECONNREFUSED)).To(BeTrue(), "got %v, want connection refused", err)
			Expect(decodeEM(sim.PostEMTo("EU", "eu-sub1", loginXML(euDevice1, almUser))).Code()).To(Equal(0))
		})
	})

	Context("when the node comes up again", func() {
		It("serves on the same address with the cluster's state", func() {
			addr := sim.NodeAddr("EU", "eu-pub")
			sim.NodeDown("EU", "eu-pub")
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			sim.NodeUp("EU", "eu-pub")
			Expect(sim.Cluster("EU").Nodes).To(ContainElement(SatisfyAll(
				HaveField("Name", "eu-pub"), HaveField("Addr", addr), HaveField("Up", true))))
			Expect(decodeEM(sim.PostEMTo("EU", "eu-pub", deviceUserQueryXML(euDevice1))).Devices()).To(Equal([]string{
				euDevice1 + ":user=ALMUSER01,last=ALMUSER01,emcc=no",
			}))
		})
	})

	It("answers 404 for an unknown node", func() {
		sim.Control().POST("/v1/clusters/EU/nodes/nope/down").Expect().Status(http.StatusNotFound)
	})
})

var _ = Describe("cucmsim busy (maxConcurrentRequests)", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	Context("when EU's 5 slots are held by slow logins", func() {
		It("answers 26 at once to a 6th login/logout, serves queries, and frees the slots afterwards", func() {
			wait := holdLogins(sim, "EU", holdTime, [][2]string{
				{euPlain1, almUser}, {euPlain2, euUser02}, {"SEPE00000000003", euUser03},
				{"SEPE00000000004", "EUUSER04"}, {"SEPE00000000005", "EUUSER05"},
			})
			Expect(sim.EM("EU", logoutXML("SEPE00000000006")).Code()).To(Equal(26))

			start := time.Now()
			Expect(sim.PostEM("EU", loginXML("SEPE00000000006", "EUUSER06"))).To(Equal(failureXML(26, "Busy, please try again")))
			Expect(time.Since(start)).To(BeNumerically("<", holdTime/2), "busy answers at once")
			Expect(sim.EM("EU", logoutAllXML()).Code()).To(Equal(26))
			Expect(sim.EM("EU", deviceUserQueryXML(euPlain1)).Devices()).To(HaveLen(1), "queries are not counted")
			Expect(sim.EM("US", loginXML(usPlain1, usUser02)).Code()).To(Equal(0), "each cluster has its own slots")

			Expect(wait()).To(Equal([]int{0, 0, 0, 0, 0}))
			Expect(sim.EM("EU", logoutXML("SEPE00000000006")).Code()).To(Equal(19))
			Expect(sim.Logins("EU")).To(HaveLen(5))
		})
	})
})

var _ = Describe("cucmsim reset and clock", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	It("POST /v1/reset restores logins, faults, request log, node states and clock", func() {
		sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser, Minutes: 60})
		Expect(sim.EM("US", loginXML(usPlain1, usUser02)).Code()).To(Equal(0))
		sim.AddFault("EU", Fault{EMCode: emCode(6)})
		sim.NodeDown("EU", "eu-sub1")
		sim.AdvanceClock(24 * time.Hour)
		Expect(sim.Requests("US")).NotTo(BeEmpty())

		sim.Reset()

		Expect(sim.Logins("EU")).To(BeEmpty())
		Expect(sim.Logins("US")).To(BeEmpty())
		Expect(sim.Faults("EU")).To(BeEmpty())
		Expect(sim.Requests("US")).To(BeEmpty())
		Expect(sim.Cluster("EU").Nodes).To(HaveEach(HaveField("Up", true)))
		Expect(decodeEM(sim.PostEMTo("EU", "eu-sub1", loginXML(euDevice1, almUser))).Code()).To(Equal(0))
		l := sim.Login("EU", euDevice1)
		Expect(l).NotTo(BeNil())
		Expect(mustTime(l.Since)).To(BeTemporally("~", time.Now(), time.Hour), "clock offset is gone")
	})

	It("POST /v1/clock moves login times forward", func() {
		sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
		sim.AdvanceClock(90 * time.Minute)
		sim.PutLogin("EU", euDevice2, SeedLogin{User: euUser02})
		first, second := sim.Login("EU", euDevice1), sim.Login("EU", euDevice2)
		Expect(mustTime(second.Since).Sub(mustTime(first.Since))).To(BeNumerically(">=", 90*time.Minute))
	})

	It("expires a seeded login with minutes", func() {
		sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser, Minutes: 5})
		Expect(sim.Login("EU", euDevice1)).To(HaveField("Expires", Not(BeEmpty())))
		sim.AdvanceClock(6 * time.Minute)
		Expect(sim.Logins("EU")).To(BeEmpty())
	})

	It("refuses an unparsable advance with 400", func() {
		sim.Control().POST("/v1/clock").WithJSON(map[string]string{"advance": "later"}).Expect().
			Status(http.StatusBadRequest).JSON().Object().ContainsKey("error")
	})
})

// rawPost sends one EM request with a plain client (no retries, no assertions), for specs
// that expect the exchange itself to fail.
func rawPost(endpoint, x string) (string, error) {
	client := &http.Client{Timeout: httpTimeout}
	resp, err := client.PostForm(endpoint, url.Values{"xml": {x}})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return string(data), err
}
