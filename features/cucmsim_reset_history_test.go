package features

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("cucmsim call history", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	hardReset := func(cluster, device string) {
		GinkgoHelper()
		sim.Node(cluster, sim.firstNode(cluster)).POST(axlPath).WithBasicAuth(appID, appCert).
			WithText(axlResetXML(device, `<isHardReset>true</isHardReset>`)).Expect().Status(http.StatusOK)
	}
	softReset := func(cluster, device string) {
		GinkgoHelper()
		sim.Node(cluster, sim.firstNode(cluster)).POST(axlPath).WithBasicAuth(appID, appCert).
			WithText(axlResetXML(device, `<isHardReset>false</isHardReset>`)).Expect().Status(http.StatusOK)
	}

	Describe("GET /v1/clusters/{code}/devices/{name}", func() {
		It("shows the device with the topology's call history and no resets", func() {
			d := sim.Device("EU", euDevice1)
			Expect(d).To(SatisfyAll(
				HaveField("Name", euDevice1), HaveField("Model", "Cisco 8845"), HaveField("EMEnabled", true),
				HaveField("CallHistory", seededHistory), HaveField("Resets", BeEmpty()), HaveField("User", ""),
			))
			Expect(sim.Device("EU", euDevice2).CallHistory).To(Equal(0), "a device without callHistory in the topology")
		})
		It("shows the logged-in user and profile, and the last login after a logout", func() {
			Expect(sim.EM("EU", emLogin{Device: euDevice1, User: euUser02, Profile: "UDP-EUUSER02-7970"}.XML()).Code()).To(Equal(0))
			Expect(sim.Device("EU", euDevice1)).To(SatisfyAll(HaveField("User", euUser02), HaveField("Profile", "UDP-EUUSER02-7970"), HaveField("EMCC", false)))
			Expect(sim.EM("EU", logoutXML(euDevice1)).Code()).To(Equal(0))
			Expect(sim.Device("EU", euDevice1)).To(SatisfyAll(HaveField("User", ""), HaveField("LastLogin", euUser02)))
		})
		It("finds the device whatever the spelling of its name and the cluster code", func() {
			Expect(sim.Device("eu", "sep1ce6c79baf1f").Name).To(Equal(euDevice1))
		})
		It("answers 404 with code 11 for an unknown device and 404 for an unknown cluster", func() {
			sim.Control().GET("/v1/clusters/EU/devices/"+unknownDevice).Expect().Status(http.StatusNotFound).
				JSON().Object().HasValue("code", 11)
			sim.Control().GET("/v1/clusters/XX/devices/" + euDevice1).Expect().Status(http.StatusNotFound)
		})
	})

	Describe("PUT /v1/clusters/{code}/devices/{name}/callHistory", func() {
		It("sets the count", func() {
			sim.SetCallHistory("EU", euDevice2, 25)
			Expect(sim.Device("EU", euDevice2).CallHistory).To(Equal(25))
		})
		DescribeTable("answers 400 for a bad body and changes nothing",
			func(body any) {
				sim.Control().PUT("/v1/clusters/EU/devices/" + euDevice1 + "/callHistory").WithJSON(body).
					Expect().Status(http.StatusBadRequest).JSON().Object().ContainsKey("error")
				Expect(sim.Device("EU", euDevice1).CallHistory).To(Equal(seededHistory))
			},
			Entry("no entries", map[string]any{}),
			Entry("negative entries", map[string]any{"entries": -1}),
			Entry("entries above 10000", map[string]any{"entries": 10001}),
			Entry("entries not a number", map[string]any{"entries": "lots"}),
			Entry("an unknown key", map[string]any{"entries": 3, "missed": 1}),
		)
		It("answers 400 for a body that is not JSON", func() {
			sim.Control().PUT("/v1/clusters/EU/devices/" + euDevice1 + "/callHistory").WithText("entries=3").
				Expect().Status(http.StatusBadRequest)
		})
		It("answers 404 with code 11 for an unknown device", func() {
			sim.Control().PUT("/v1/clusters/EU/devices/"+unknownDevice+"/callHistory").WithJSON(map[string]int{"entries": 3}).
				Expect().Status(http.StatusNotFound).JSON().Object().HasValue("code", 11)
		})
	})

	Describe("what clears it", func() {
		It("is emptied by a hard reset", func() {
			sim.SetCallHistory("US", usPlain1, 40)
			hardReset("US", usPlain1)
			Expect(sim.Device("US", usPlain1).CallHistory).To(Equal(0))
		})
		It("is kept by a soft reset", func() {
			sim.SetCallHistory("US", usPlain1, 40)
			softReset("US", usPlain1)
			Expect(sim.Device("US", usPlain1)).To(SatisfyAll(HaveField("CallHistory", 40), HaveField("Resets", HaveLen(1))))
		})
		It("is kept by an EM logout, as Cisco's EM API overview says", func() {
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(0))
			Expect(sim.EM("EU", logoutXML(euDevice1)).Code()).To(Equal(0))
			Expect(sim.Device("EU", euDevice1)).To(SatisfyAll(HaveField("CallHistory", seededHistory), HaveField("Resets", BeEmpty())))
		})
		It("is kept by logoutAll and by the expiry of a login", func() {
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(0))
			Expect(sim.EM("EU", logoutAllXML()).Code()).To(Equal(0))
			Expect(sim.EM("EU", emLogin{Device: euDevice1, User: almUser, Minutes: 5}.XML()).Code()).To(Equal(0))
			sim.AdvanceClock(6 * time.Minute)
			Expect(sim.Device("EU", euDevice1)).To(SatisfyAll(HaveField("User", ""), HaveField("CallHistory", seededHistory)))
		})
		It("is emptied by a logout followed by a hard reset, Cisco's remedy", func() {
			Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(0))
			Expect(sim.EM("EU", logoutXML(euDevice1)).Code()).To(Equal(0))
			hardReset("EU", euDevice1)
			Expect(sim.Device("EU", euDevice1).CallHistory).To(Equal(0))
		})
	})

	Describe("resets of the simulator", func() {
		// arrange gives EU's seeded device and a US device a changed history and a reset each.
		arrange := func() {
			GinkgoHelper()
			hardReset("EU", euDevice1)
			sim.SetCallHistory("US", usPlain1, 7)
			softReset("US", usPlain1)
		}
		It("POST /v1/reset restores every call history and clears every reset record", func() {
			arrange()
			sim.Reset()
			Expect(sim.Device("EU", euDevice1)).To(SatisfyAll(HaveField("CallHistory", seededHistory), HaveField("Resets", BeEmpty())))
			Expect(sim.Device("US", usPlain1)).To(SatisfyAll(HaveField("CallHistory", 0), HaveField("Resets", BeEmpty())))
		})
		It("POST /v1/clusters/{code}/reset restores that cluster only", func() {
			arrange()
			sim.ResetCluster("EU")
			Expect(sim.Device("EU", euDevice1)).To(SatisfyAll(HaveField("CallHistory", seededHistory), HaveField("Resets", BeEmpty())))
			Expect(sim.Device("US", usPlain1)).To(SatisfyAll(HaveField("CallHistory", 7), HaveField("Resets", HaveLen(1))))
		})
		It("POST /v1/clusters/{code}/devices/{name}/reset restores that device only", func() {
			arrange()
			sim.SetCallHistory("EU", euDevice2, 3)
			sim.ResetDevice("EU", euDevice1)
			Expect(sim.Device("EU", euDevice1)).To(SatisfyAll(HaveField("CallHistory", seededHistory), HaveField("Resets", BeEmpty())))
			Expect(sim.Device("EU", euDevice2).CallHistory).To(Equal(3))
			Expect(sim.Device("US", usPlain1).Resets).To(HaveLen(1))
		})
	})
})
