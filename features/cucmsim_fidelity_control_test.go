package features

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("cucmsim scoped reset", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	BeforeEach(func() {
		sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
		sim.PutLogin("EU", euDevice2, SeedLogin{User: "EUUSER03"})
		sim.PutLogin("US", usPlain1, SeedLogin{User: "USUSER02"})
		sim.AddFault("EU", Fault{Device: euDevice2, EMCode: emCode(6)})
	})

	It("resets one cluster and leaves the others alone", func() {
		sim.Control().POST("/v1/clusters/EU/reset").Expect().Status(http.StatusNoContent)
		Expect(sim.Logins("EU")).To(BeEmpty())
		Expect(sim.Faults("EU")).To(BeEmpty())
		Expect(sim.Requests("EU")).To(BeEmpty())
		Expect(sim.Logins("US")).To(HaveLen(1))
	})
	It("resets one device: its login, its last user and its faults", func() {
		Expect(sim.PostEM("EU", logoutXML(euDevice1))).To(Equal(successXML))
		sim.Control().POST("/v1/clusters/EU/devices/{name}/reset", euDevice1).Expect().Status(http.StatusNoContent)
		sim.Control().POST("/v1/clusters/EU/devices/{name}/reset", euDevice2).Expect().Status(http.StatusNoContent)
		Expect(sim.EM("EU", deviceUserQueryXML(euDevice1, euDevice2)).Devices()).To(Equal([]string{
			euDevice1 + ":none", euDevice2 + ":none"}), "no login and no last user, the fault on the device gone")
		Expect(sim.Faults("EU")).To(BeEmpty())
		Expect(sim.Logins("US")).To(HaveLen(1))
	})
	It("answers 404 with code 11 for an unknown device", func() {
		sim.Control().POST("/v1/clusters/EU/devices/SEPNOSUCH/reset").Expect().
			Status(http.StatusNotFound).JSON().Object().HasValue("code", 11)
	})
})
