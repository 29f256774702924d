package features

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The EM rules the Business Connector 1.4 logout flow relies on: which cluster knows a user's
// devices, what logoutAll ends, when a timed login ends and which profile a login uses.
var _ = Describe("cucmsim EM rules behind logout and reset", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	Describe("userDevicesQuery over several clusters", func() {
		BeforeEach(func() {
			// EUROAM01 is homed in EU: one login at home, one EMCC login on a US phone.
			Expect(sim.EM("EU", loginXML(euDevice2, euRoamer)).Code()).To(Equal(0))
			sim.AcceptPIN("EU", euRoamer, "5678")
			Expect(sim.EM("US", loginXML(usPlain1, euRoamer)).Code()).To(Equal(0))
			Expect(sim.Login("US", usPlain1)).To(HaveField("EMCC", true))
		})
		It("answers the home cluster's devices only on the home cluster", func() {
			Expect(sim.EM("EU", userDevicesQueryXML(euRoamer)).Users()).To(Equal([]string{euRoamer + ":" + euDevice2}))
		})
		It("answers <doesNotExist/> on a visited cluster, even while the user holds an EMCC login there", func() {
			Expect(sim.EM("US", userDevicesQueryXML(euRoamer)).Users()).To(Equal([]string{euRoamer + ":doesNotExist"}))
		})
		It("answers every named user by the asked cluster's view, in request order", func() {
			sim.PutLogin("US", usPlain2, SeedLogin{User: usUser02})
			Expect(sim.EM("EU", userDevicesQueryXML(usUser02, euRoamer, almUser)).Users()).To(Equal([]string{
				usUser02 + ":doesNotExist", euRoamer + ":" + euDevice2, almUser + ":none",
			}))
			Expect(sim.EM("US", userDevicesQueryXML(usUser02, euRoamer, almUser)).Users()).To(Equal([]string{
				usUser02 + ":" + usPlain2, euRoamer + ":doesNotExist", almUser + ":doesNotExist",
			}))
		})
		It("still shows the device of a logout-and-reset only until the logout", func() {
			Expect(sim.EM("EU", logoutXML(euDevice2)).Code()).To(Equal(0))
			Expect(sim.EM("EU", userDevicesQueryXML(euRoamer)).Users()).To(Equal([]string{euRoamer + ":none"}))
			Expect(sim.Login("US", usPlain1)).To(HaveField("User", euRoamer), "a logout on EU leaves the EMCC login on US")
		})
	})

	Describe("logoutAll", func() {
		It("ends every login of its cluster, EMCC logins included, and none of another cluster", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			sim.AcceptPIN("EU", euRoamer, "5678")
			Expect(sim.EM("US", loginXML(usPlain1, euRoamer)).Code()).To(Equal(0))
			sim.PutLogin("US", usPlain2, SeedLogin{User: usUser02})
			Expect(sim.EM("US", logoutAllXML()).Code()).To(Equal(0))
			Expect(sim.Logins("US")).To(BeEmpty())
			Expect(sim.Logins("EU")).To(ConsistOf(HaveField("Device", euDevice1)))
			Expect(sim.EM("US", deviceUserQueryXML(usPlain1)).Devices()).To(Equal([]string{usPlain1 + ":none,last=" + euRoamer}))
		})
		It("resets no phone: call histories and reset records stay", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			Expect(sim.EM("EU", logoutAllXML()).Code()).To(Equal(0))
			Expect(sim.Device("EU", euDevice1)).To(SatisfyAll(HaveField("CallHistory", seededHistory), HaveField("Resets", BeEmpty())))
		})
	})

	Describe("exclusiveDuration", func() {
		It("ends a login when the simulator clock passes its time", func() {
			Expect(sim.EM("EU", emLogin{Device: euDevice1, User: almUser, Minutes: 15}.XML()).Code()).To(Equal(0))
			sim.AdvanceClock(14 * time.Minute)
			Expect(sim.Device("EU", euDevice1).User).To(Equal(almUser))
			Expect(sim.EM("EU", userDevicesQueryXML(almUser)).Users()).To(Equal([]string{almUser + ":" + euDevice1}))
			sim.AdvanceClock(time.Minute)
			Expect(sim.Device("EU", euDevice1)).To(SatisfyAll(HaveField("User", ""), HaveField("LastLogin", almUser)))
			Expect(sim.EM("EU", userDevicesQueryXML(almUser)).Users()).To(Equal([]string{almUser + ":none"}))
			Expect(sim.EM("EU", logoutXML(euDevice1)).Code()).To(Equal(19))
			Expect(sim.EM("EU", loginXML(euDevice1, euUser02)).Code()).To(Equal(0), "the phone is free again")
		})
	})

	Describe("deviceProfile on login", func() {
		It("uses the named profile", func() {
			Expect(sim.EM("EU", emLogin{Device: euDevice1, User: euUser02, Profile: "UDP-EUUSER02-7970"}.XML()).Code()).To(Equal(0))
			Expect(sim.Device("EU", euDevice1).Profile).To(Equal("UDP-EUUSER02-7970"))
		})
		It("uses the user's default profile when none is named", func() {
			Expect(sim.EM("EU", loginXML(euDevice1, euUser02)).Code()).To(Equal(0))
			Expect(sim.Device("EU", euDevice1).Profile).To(Equal("UDP-EUUSER02-8845"))
		})
		It("answers 12 for an unknown profile and logs nobody in", func() {
			r := sim.EM("EU", emLogin{Device: euDevice1, User: euUser02, Profile: "UDP-NOSUCH"}.XML())
			Expect(r.Code()).To(Equal(12))
			Expect(r.Text()).To(Equal("Dev. Profile not found"))
			Expect(sim.Device("EU", euDevice1).User).To(BeEmpty())
		})
	})
})
