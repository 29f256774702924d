package features

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// Fixtures of testdata/topology/demo.yaml the specs name. Each comment says what makes it special.
const (
	euDevice1     = "SEP1CE6C79BAF1F" // the Business Connector doc's example phone
	euDevice2     = "SEP001120F678E2"
	euPlain1      = "SEPE00000000001"
	euPlain2      = "SEPE00000000002"
	euEMDisabled  = "SEPEEEEEEEEEEEE" // emEnabled: false
	euNoEMCC      = "SEPE000000000FF" // emccCapable: false
	dupDevice     = "SEPDDDDDDDDDDDD" // exists in EU and US
	usPlain1      = "SEPA00000000001"
	usPlain2      = "SEPA00000000002"
	usNoEMCC      = "SEPA000000000FF"
	usEMDisabled  = "SEPAEEEEEEEEEEE"
	labDevice1    = "SEPB00000000001"
	labDevice2    = "SEPB00000000002"
	unknownDevice = "SEPFFFFFFFFFFFF"

	almUser   = "ALMUSER01" // one profile UDP-ALMUSER01
	euUser02  = "EUUSER02"  // two profiles, the first is the default
	euNoProf  = "EUNOPROF"  // no profile
	euLocked  = "EULOCKED"
	euNoEMCCU = "EUNOEMCC" // emcc: false
	euRoamer  = "EUROAM01"
	emAtUser  = "em@cisco.com"
	euSelf    = "EUSELF" // end user with password selfpass
	euUser03  = "EUUSER03"
	usUser02  = "USUSER02"
	usUser03  = "USUSER03"
	labUser   = "LABUSER01"
)

var _ = Describe("cucmsim EMService", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	Describe("login", func() {
		Context("when the device is free and the user has a default profile", func() {
			It("returns <success/> and records the login with the default profile", func() {
				Expect(sim.PostEM("EU", loginXML(euDevice1, almUser))).To(Equal(successXML))
				Expect(sim.Logins("EU")).To(ConsistOf(
					SatisfyAll(
						HaveField("Device", euDevice1), HaveField("User", almUser),
						HaveField("Profile", "UDP-ALMUSER01"), HaveField("EMCC", false),
						HaveField("Expires", ""),
					)))
				Expect(sim.EM("EU", deviceUserQueryXML(euDevice1)).Devices()).To(Equal([]string{
					euDevice1 + ":user=ALMUSER01,last=ALMUSER01,emcc=no",
				}))
			})
		})

		Context("when the user has several profiles and none is named", func() {
			It("uses the first (default) profile", func() {
				Expect(sim.EM("EU", loginXML(euDevice1, euUser02)).Code()).To(Equal(0))
				Expect(sim.Login("EU", euDevice1)).To(HaveField("Profile", "UDP-EUUSER02-8845"))
			})
		})

		Context("when a profile is named", func() {
			It("uses that profile, even one not associated with the user", func() {
				Expect(sim.EM("EU", emLogin{Device: euDevice1, User: euUser02, Profile: "UDP-EUUSER02-7970"}.XML()).Code()).To(Equal(0))
				Expect(sim.Login("EU", euDevice1)).To(HaveField("Profile", "UDP-EUUSER02-7970"))
				Expect(sim.EM("EU", emLogin{Device: euDevice2, User: almUser, Profile: "UDP-SHARED"}.XML()).Code()).To(Equal(0))
				Expect(sim.Login("EU", euDevice2)).To(HaveField("Profile", "UDP-SHARED"))
			})
		})

		Context("when another user is on the device", func() {
			It("returns code 18 and keeps the first login", func() {
				sim.PutLogin("EU", euDevice1, SeedLogin{User: euUser02})
				Expect(sim.PostEM("EU", loginXML(euDevice1, almUser))).To(Equal(golden("failure_code18_response.xml")))
				Expect(sim.Login("EU", euDevice1)).To(HaveField("User", euUser02))
			})
		})

		Context("when the same user logs in again on the same device", func() {
			It("returns 18 under sameUserRelogin: error (EU)", func() {
				Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(0))
				Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(18))
			})
			It("succeeds and refreshes the login under sameUserRelogin: success (US)", func() {
				Expect(sim.EM("US", emLogin{Device: usPlain1, User: usUser02, Minutes: 30}.XML()).Code()).To(Equal(0))
				first := sim.Login("US", usPlain1)
				sim.AdvanceClock(10 * time.Minute)
				Expect(sim.EM("US", emLogin{Device: usPlain1, User: usUser02, Minutes: 30}.XML()).Code()).To(Equal(0))
				second := sim.Login("US", usPlain1)
				Expect(second).NotTo(BeNil())
				Expect(mustTime(second.Expires)).To(BeTemporally(">", mustTime(first.Expires)), "refreshed expiry")
			})
		})

		Context("when the user is already on another device", func() {
			It("returns 25 under multipleLogin: not-allowed (EU)", func() {
				Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(0))
				r := sim.EM("EU", loginXML(euDevice2, almUser))
				Expect(r.Code()).To(Equal(25))
				Expect(r.Text()).To(Equal("User logged in elsewhere"))
				Expect(sim.Logins("EU")).To(HaveLen(1))
			})
			It("logs the user off the first device under multipleLogin: auto-logout (US)", func() {
				Expect(sim.EM("US", loginXML(usPlain1, usUser02)).Code()).To(Equal(0))
				Expect(sim.EM("US", loginXML(usPlain2, usUser02)).Code()).To(Equal(0))
				Expect(sim.Logins("US")).To(ConsistOf(HaveField("Device", usPlain2)))
				Expect(sim.EM("US", deviceUserQueryXML(usPlain1, usPlain2)).Devices()).To(Equal([]string{
					usPlain1 + ":none,last=USUSER02", // the device remembers its last user
					usPlain2 + ":user=USUSER02,last=USUSER02,emcc=no",
				}))
			})
			It("keeps both logins under multipleLogin: allowed (LAB)", func() {
				Expect(sim.EM("LAB", loginXML(labDevice1, labUser)).Code()).To(Equal(0))
				Expect(sim.EM("LAB", loginXML(labDevice2, labUser)).Code()).To(Equal(0))
				Expect(sim.EM("LAB", userDevicesQueryXML(labUser)).Users()).To(Equal([]string{
					labUser + ":" + labDevice1 + "," + labDevice2,
				}))
			})
		})

		Context("when the user is homed on another cluster (EMCC)", func() {
			It("answers 23 until the home cluster has accepted the user's PIN", func() {
				Expect(sim.EM("US", loginXML(usPlain1, euRoamer)).Code()).To(Equal(23))
				Expect(sim.Login("US", usPlain1)).To(BeNil())
			})
			It("records an EMCC login that deviceUserQuery shows as emccDevice yes", func() {
				sim.AcceptPIN("EU", euRoamer, "5678")
				Expect(sim.EM("US", loginXML(usPlain1, euRoamer)).Code()).To(Equal(0))
				Expect(sim.Login("US", usPlain1)).To(SatisfyAll(HaveField("User", euRoamer), HaveField("EMCC", true)))
				Expect(sim.EM("US", deviceUserQueryXML(usPlain1)).Devices()).To(Equal([]string{
					usPlain1 + ":user=EUROAM01,last=EUROAM01,emcc=yes",
				}))
			})
		})

		Context("with an end user's own credentials as appID", func() {
			It("logs that user in and out", func() {
				Expect(sim.EM("EU", emLogin{AppID: euSelf, Cert: "selfpass", Device: euDevice1, User: euSelf}.XML()).Code()).To(Equal(0))
				Expect(sim.EM("EU", logoutXMLAs(euSelf, "selfpass", euDevice1)).Code()).To(Equal(0))
				Expect(sim.Logins("EU")).To(BeEmpty())
			})
		})

		Context("with a remoteIPAddr", func() {
			It("accepts an address inside the trusted list", func() {
				Expect(sim.EM("EU", emLogin{Device: euDevice1, User: almUser, RemoteIP: "10.1.2.3"}.XML()).Code()).To(Equal(0))
			})
			It("accepts any address when the cluster has no trusted list (US)", func() {
				Expect(sim.EM("US", emLogin{Device: usPlain1, User: usUser02, RemoteIP: "192.0.2.1"}.XML()).Code()).To(Equal(0))
			})
		})

		Context("with isViaHeaderSet", func() {
			It("accepts a proxied login where allowProxy is true (EU)", func() {
				Expect(sim.EM("EU", emLogin{Device: euDevice1, User: almUser, ViaHeaderSet: true}.XML()).Code()).To(Equal(0))
			})
			It("accepts isViaHeaderSet false where allowProxy is false (US)", func() {
				Expect(sim.EM("US", emLogin{Device: usPlain1, User: usUser02, WithViaElement: true}.XML()).Code()).To(Equal(0))
			})
		})
	})

	Describe("login time limits", func() {
		Context("with exclusiveDuration time 60 and no cluster maximum (EU)", func() {
			It("expires the login after 60 minutes", func() {
				Expect(sim.EM("EU", emLogin{Device: euDevice1, User: almUser, Minutes: 60}.XML()).Code()).To(Equal(0))
				l := sim.Login("EU", euDevice1)
				Expect(l).NotTo(BeNil())
				Expect(mustTime(l.Expires).Sub(mustTime(l.Since))).To(Equal(60 * time.Minute))

				sim.AdvanceClock(59 * time.Minute)
				Expect(sim.Logins("EU")).To(HaveLen(1))
				sim.AdvanceClock(2 * time.Minute)
				Expect(sim.Logins("EU")).To(BeEmpty())
				Expect(sim.EM("EU", deviceUserQueryXML(euDevice1)).Devices()).To(Equal([]string{euDevice1 + ":none,last=ALMUSER01"}))
				Expect(sim.EM("EU", logoutXML(euDevice1)).Code()).To(Equal(19))
			})
		})

		Context("with indefinite (or no) duration and no cluster maximum (EU)", func() {
			It("never expires the login", func() {
				Expect(sim.EM("EU", emLogin{Device: euDevice1, User: almUser, Indefinite: true}.XML()).Code()).To(Equal(0))
				Expect(sim.EM("EU", loginXML(euDevice2, euUser02)).Code()).To(Equal(0))
				sim.AdvanceClock(30 * 24 * time.Hour)
				Expect(sim.Logins("EU")).To(HaveLen(2))
			})
		})

		Context("with a cluster maximum of 480 minutes (US)", func() {
			It("bounds an indefinite login by the maximum", func() {
				Expect(sim.EM("US", emLogin{Device: usPlain1, User: usUser02, Indefinite: true}.XML()).Code()).To(Equal(0))
				l := sim.Login("US", usPlain1)
				Expect(l).NotTo(BeNil())
				Expect(mustTime(l.Expires).Sub(mustTime(l.Since))).To(Equal(480 * time.Minute))
				sim.AdvanceClock(481 * time.Minute)
				Expect(sim.Logins("US")).To(BeEmpty())
			})
			It("keeps a shorter requested duration", func() {
				Expect(sim.EM("US", emLogin{Device: usPlain1, User: usUser02, Minutes: 30}.XML()).Code()).To(Equal(0))
				l := sim.Login("US", usPlain1)
				Expect(l).NotTo(BeNil())
				Expect(mustTime(l.Expires).Sub(mustTime(l.Since))).To(Equal(30 * time.Minute))
			})
			It("cuts a longer requested duration to the maximum", func() {
				Expect(sim.EM("US", emLogin{Device: usPlain1, User: usUser02, Minutes: 600}.XML()).Code()).To(Equal(0))
				l := sim.Login("US", usPlain1)
				Expect(l).NotTo(BeNil())
				Expect(mustTime(l.Expires).Sub(mustTime(l.Since))).To(Equal(480 * time.Minute))
			})
		})

		DescribeTable("an exclusiveDuration outside 1..10080 minutes returns code 1",
			func(minutes string) {
				r := sim.EM("EU", emLogin{Device: euDevice1, User: almUser, RawMinutes: minutes}.XML())
				Expect(r.Code()).To(Equal(1))
				Expect(sim.Logins("EU")).To(BeEmpty())
			},
			Entry("zero", "0"),
			Entry("negative", "-5"),
			Entry("above a week", "10081"),
			Entry("not a number", "soon"),
		)
		It("accepts the bounds 1 and 10080", func() {
			Expect(sim.EM("EU", emLogin{Device: euDevice1, User: almUser, Minutes: 1}.XML()).Code()).To(Equal(0))
			Expect(sim.EM("EU", emLogin{Device: euDevice2, User: euUser02, Minutes: 10080}.XML()).Code()).To(Equal(0))
		})
	})

	Describe("logout", func() {
		Context("when a user is on the device", func() {
			It("returns <success/> and frees the device", func() {
				sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
				Expect(sim.PostEM("EU", logoutXML(euDevice1))).To(Equal(successXML))
				Expect(sim.Logins("EU")).To(BeEmpty())
			})
		})
		Context("when nobody is on the device", func() {
			It("returns code 19", func() {
				Expect(sim.PostEM("EU", logoutXML(euDevice1))).To(Equal(failureXML(19, "No user logged in")))
			})
		})
		Context("when the device does not exist", func() {
			It("returns code 11", func() {
				Expect(sim.PostEM("EU", logoutXML(unknownDevice))).To(Equal(failureXML(11, "Device does not exist")))
			})
		})
		Context("when the device name is blank", func() {
			It("returns code 11", func() {
				Expect(sim.EM("EU", logoutXML("")).Code()).To(Equal(11))
			})
		})
		Context("when EM is disabled on the device", func() {
			It("returns code 5", func() {
				Expect(sim.EM("EU", logoutXML(euEMDisabled)).Code()).To(Equal(5))
			})
		})
		Context("when the user was logged in through EMCC", func() {
			It("removes the EMCC login", func() {
				sim.AcceptPIN("EU", euRoamer, "5678")
				Expect(sim.EM("US", loginXML(usPlain1, euRoamer)).Code()).To(Equal(0))
				Expect(sim.EM("US", logoutXML(usPlain1)).Code()).To(Equal(0))
				Expect(sim.Logins("US")).To(BeEmpty())
			})
		})
	})

	Describe("logoutAll", func() {
		It("removes every login of the cluster and no other cluster's", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			sim.PutLogin("EU", euDevice2, SeedLogin{User: euUser02})
			sim.PutLogin("US", usPlain1, SeedLogin{User: usUser02})
			Expect(sim.PostEM("EU", logoutAllXML())).To(Equal(successXML))
			Expect(sim.Logins("EU")).To(BeEmpty())
			Expect(sim.Logins("US")).To(HaveLen(1))
		})
		It("succeeds on a cluster without logins", func() {
			Expect(sim.EM("LAB", logoutAllXML()).Code()).To(Equal(0))
		})
	})

	Describe("deviceUserQuery", func() {
		It("answers two <none/> slots for a free device, byte for byte like the real CUCM trace", func() {
			Expect(sim.PostEM("EU", deviceUserQueryXML("test_secure"))).To(Equal(golden("deviceuserresults_none_response.xml")))
		})
		It("answers <doesNotExist/> for an unknown device, byte for byte", func() {
			Expect(sim.PostEM("EU", deviceUserQueryXML(unknownDevice))).To(Equal(golden("deviceuserresults_doesnotexist_response.xml")))
		})
		It("answers the percent-encoded user, byte for byte", func() {
			sim.PutLogin("EU", "SEP402CF4915265", SeedLogin{User: emAtUser})
			Expect(sim.PostEM("EU", deviceUserQueryXML("SEP402CF4915265"))).To(Equal(golden("deviceuserresults_loggedin_response.xml")))
		})
		It("answers one device element per name, in request order", func() {
			sim.PutLogin("EU", euDevice2, SeedLogin{User: almUser})
			Expect(sim.EM("EU", deviceUserQueryXML(unknownDevice, euDevice2, euDevice1)).Devices()).To(Equal([]string{
				unknownDevice + ":doesNotExist",
				euDevice2 + ":user=ALMUSER01,last=ALMUSER01,emcc=no",
				euDevice1 + ":none",
			}))
		})
		It("sees only its own cluster's devices", func() {
			Expect(sim.EM("EU", deviceUserQueryXML(usPlain1)).Devices()).To(Equal([]string{usPlain1 + ":doesNotExist"}))
		})
	})

	Describe("userDevicesQuery", func() {
		It("lists the user's devices sorted by name", func() {
			sim.PutLogin("LAB", labDevice2, SeedLogin{User: labUser})
			sim.PutLogin("LAB", labDevice1, SeedLogin{User: labUser})
			Expect(sim.EM("LAB", userDevicesQueryXML(labUser)).Users()).To(Equal([]string{
				labUser + ":" + labDevice1 + "," + labDevice2,
			}))
		})
		It("answers <none/> for a user logged in nowhere", func() {
			Expect(sim.EM("EU", userDevicesQueryXML(almUser)).Users()).To(Equal([]string{almUser + ":none"}))
		})
		It("answers <doesNotExist/> for an unknown user, byte for byte", func() {
			Expect(sim.PostEM("EU", userDevicesQueryXML("x"))).To(Equal(golden("userdevicesresults_doesnotexist_response.xml")))
		})
		It("answers <doesNotExist/> for a user homed on another cluster", func() {
			Expect(sim.EM("EU", userDevicesQueryXML(usUser02)).Users()).To(Equal([]string{usUser02 + ":doesNotExist"}))
		})
		It("answers one user element per name, in request order, IDs percent-encoded", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: emAtUser})
			Expect(sim.EM("EU", userDevicesQueryXML(almUser, emAtUser, "nobody")).Users()).To(Equal([]string{
				almUser + ":none",
				"em%40cisco.com:" + euDevice1,
				"nobody:doesNotExist",
			}))
		})
	})

	Describe("deviceProfileQuery", func() {
		It("lists the user's profiles with the default flagged, byte for byte like the golden file", func() {
			Expect(sim.PostEM("EU", deviceProfileQueryXML(emAtUser))).To(Equal(golden("deviceprofileresults_response.xml")))
		})
		It("is also accepted as userDeviceProfileQuery", func() {
			x := queryXMLAs(appID, appCert, "userDeviceProfileQuery", "userID", emAtUser)
			Expect(sim.PostEM("EU", x)).To(Equal(golden("deviceprofileresults_response.xml")))
		})
		It("answers a per-user failure 23 for an unknown user, in request order", func() {
			Expect(sim.EM("EU", deviceProfileQueryXML("nobody", almUser)).Profiles()).To(Equal([]string{
				"nobody:failure=23 User does not exist",
				almUser + ":UDP-ALMUSER01=t",
			}))
		})
		It("answers an empty user element for a user without profiles", func() {
			Expect(sim.EM("EU", deviceProfileQueryXML(euNoProf)).Profiles()).To(Equal([]string{euNoProf + ":"}))
		})
	})
})

// mustTime parses an RFC 3339 time of the control API.
func mustTime(s string) time.Time {
	GinkgoHelper()
	t, err := time.Parse(time.RFC3339, s)
	Expect(err).NotTo(HaveOccurred(), "time %q", s)
	return t
}
