package features

import (
	"sync"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const fidelityTopology = "testdata/topology/fidelity.yaml"

var _ = Describe("cucmsim policy: wordings and realistic timing", Ordered, ContinueOnFailure, func() {
	sim := UseSim(fidelityTopology)

	Describe("error wordings selected per cluster", func() {
		DescribeTable("the field wording answers the texts public clients match on",
			func(x string, code int, text string) {
				r := sim.EM("FIELD", x)
				Expect(r.Code()).To(Equal(code))
				Expect(r.Text()).To(Equal(text))
			},
			Entry("3", logoutXMLAs(appID, "wrong", "SEPF00000000001"), 3, "DB Query Error: Application Authentication Error: Could not authenticate"),
			Entry("22", loginXML("SEPF000000000EE", "FUSER01"), 22, "Device does not allow hoteling"),
			Entry("19, overridden", logoutXML("SEPF00000000001"), 19, "No user logged in on device (asked by bcapp)"),
		)
		It("answers 18 as 'Phone currently has user logged in'", func() {
			sim.PutLogin("FIELD", "SEPF00000000001", SeedLogin{User: "FUSER01"})
			Expect(sim.PostEM("FIELD", loginXML("SEPF00000000001", "FUSER02"))).To(Equal(failureXML(18, "Phone currently has user logged in")))
		})
		It("words an injected code the same way", func() {
			sim.AddFault("FIELD", Fault{Operation: "login", EMCode: emCode(22)})
			Expect(sim.EM("FIELD", loginXML("SEPF00000000001", "FUSER01")).Text()).To(Equal("Device does not allow hoteling"))
		})
	})

	Describe("latency from the policy", func() {
		It("delays a login by the configured time within the jitter", func() {
			start := time.Now()
			Expect(sim.PostEM("SLOW", loginXML("SEP500000000001", "SUSER01"))).To(Equal(successXML))
			Expect(time.Since(start)).To(BeNumerically(">=", 2900*time.Millisecond), "3 s less the 100 ms jitter")
		})
		It("holds the busy slot while it waits, so a concurrent login gets 26", func() {
			var wg sync.WaitGroup
			var first string
			wg.Go(func() {
				defer GinkgoRecover()
				first = sim.PostEM("SLOW", loginXML("SEP500000000001", "SUSER01"))
			})
			Eventually(func() float64 {
				return sim.Control().GET("/v1/clusters").Expect().JSON().Array().
					Find(func(_ int, v *httpexpect.Value) bool { return v.Object().Value("code").String().Raw() == "SLOW" }).
					Object().Value("requestsInProgress").Number().Raw()
			}).WithPolling(pollInterval).Should(Equal(1.0), "the first login holds the only slot")
			Expect(sim.EM("SLOW", loginXML("SEP500000000002", "SUSER02")).Code()).To(Equal(26))
			wg.Wait()
			Expect(first).To(Equal(successXML))
		})
	})
})
