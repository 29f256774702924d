package features

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// describeRoaming: "PIN (optional): when the user is roaming cross cluster, a PIN is required
// to login a user's EM profile". The service checks the PIN with AXL doAuthenticateUser on
// the user's home cluster, then logs in on the visited cluster (an EMCC login there). The
// login is optimistic: it goes to the visited cluster first, and its 23 starts the roaming path.
func describeRoaming(env *apiEnv) {
	Describe("POST /api/login/{device}/{user}/{cluster}/{pin} (roaming)", func() {
		const (
			usRoamer = "USROAM01" // homed on US, PIN 4321
			usPIN    = "4321"
			euPIN    = "5678" // EUROAM01's
			// badPIN is distinctive so that the log check below cannot match by chance.
			badPIN = "90817263"
		)

		Context("when a US user logs into an EU device", func() {
			It("returns 1003 without a PIN and checks no PIN", func() {
				Expect(env.post("/api/login/" + euPlain1 + "/" + usRoamer)).
					To(Equal(loginResult(euPlain1, usRoamer, 1003, "PIN required: user "+usRoamer+" is not known in cluster EU")))
				Expect(env.sim.Logins("EU")).To(BeEmpty())
				Expect(countOp(env.sim.Requests("US"), "axl")).To(BeZero())
			})

			It("returns 1004 for a wrong PIN, checked by the home cluster", func() {
				Expect(env.post("/api/login/" + euPlain1 + "/" + usRoamer + "/EU/" + badPIN)).
					To(Equal(loginResult(euPlain1, usRoamer, 1004, "PIN invalid for user "+usRoamer+" (home cluster US)")))
				Expect(env.sim.Logins("EU")).To(BeEmpty())
				Expect(countOp(env.sim.Requests("US"), "axl")).To(Equal(1), "one AXL check on the home cluster")
				Expect(countOp(env.sim.Requests("EU"), "login")).To(Equal(1), "only the optimistic login, which EU answered 23")
			})

			It("logs the user in with the right PIN: an EMCC login on the visited cluster", func() {
				Expect(env.post("/api/login/" + euPlain1 + "/" + usRoamer + "/EU/" + usPIN)).
					To(Equal(loginResult(euPlain1, usRoamer, 0, loginOK(usRoamer, euPlain1))))
				l := env.sim.Login("EU", euPlain1)
				Expect(l).NotTo(BeNil())
				Expect(l.User).To(Equal(usRoamer))
				Expect(l.EMCC).To(BeTrue(), "CUCM records an EMCC login")
				Expect(countOp(env.sim.Requests("US"), "axl")).To(Equal(1))
				Expect(countOp(env.sim.Requests("EU"), "login")).To(Equal(2), "the optimistic login (23), then the login after the PIN check")
				Expect(env.sim.Logins("US")).To(BeEmpty(), "nothing changes on the home cluster")
			})

			It("treats an empty cluster segment before the PIN as the default cluster", func() {
				Expect(env.post("/api/login/" + euPlain1 + "/" + usRoamer + "//" + usPIN)).
					To(Equal(loginResult(euPlain1, usRoamer, 0, loginOK(usRoamer, euPlain1))))
				Expect(env.sim.Login("EU", euPlain1)).To(HaveField("EMCC", BeTrue()))
			})

			It("never writes the PIN into the service's log", func() {
				env.post("/api/login/" + euPlain1 + "/" + usRoamer + "/EU/" + badPIN)
				log := string(env.svc.Session().Out.Contents()) + string(env.svc.Session().Err.Contents())
				Expect(log).To(ContainSubstring(usRoamer), "the request was logged")
				Expect(log).NotTo(ContainSubstring(badPIN))
			})
		})

		It("logs an EU user into a US device with the right PIN", func() {
			Expect(env.post("/api/login/" + usPlain1 + "/" + euRoamer + "/US/" + euPIN)).
				To(Equal(loginResult(usPlain1, euRoamer, 0, loginOK(euRoamer, usPlain1))))
			Expect(env.sim.Login("US", usPlain1)).To(And(HaveField("User", euRoamer), HaveField("EMCC", BeTrue())))
		})

		Context("when the user is local to the device's cluster", func() {
			It("ignores the PIN, even a wrong one, and never checks it", func() {
				Expect(env.post("/api/login/" + euPlain1 + "/" + almUser + "/EU/0000")).
					To(Equal(loginResult(euPlain1, almUser, 0, loginOK(almUser, euPlain1))))
				Expect(env.sim.Login("EU", euPlain1)).To(And(HaveField("User", almUser), HaveField("EMCC", BeFalse())))
				for _, c := range []string{"EU", "US", "LAB"} {
					Expect(countOp(env.sim.Requests(c), "axl")).To(BeZero(), "no AXL request to %s", c)
				}
			})
		})

		Context("when no cluster knows the user", func() {
			It("returns 23 User not found without a PIN, after asking every other cluster", func() {
				Expect(env.post("/api/login/" + euPlain1 + "/NOBODY01")).
					To(Equal(loginResult(euPlain1, "NOBODY01", 23, "User not found")))
				for _, c := range []string{"US", "LAB"} {
					Expect(countOp(env.sim.Requests(c), "userDevicesQuery")).To(Equal(1), "cluster %s asked", c)
				}
			})

			It("returns 23 User not found with a PIN, after asking every other cluster", func() {
				Expect(env.post("/api/login/" + euPlain1 + "/NOBODY01/EU/1234")).
					To(Equal(loginResult(euPlain1, "NOBODY01", 23, "User not found")))
				for _, c := range []string{"US", "LAB"} {
					Expect(countOp(env.sim.Requests(c), "userDevicesQuery")).To(Equal(1), "cluster %s asked", c)
				}
				Expect(env.sim.Logins("EU")).To(BeEmpty())
			})

			It("returns 1002 when a cluster that could be the user's home cannot be asked", func() {
				for _, n := range env.sim.Nodes("LAB") {
					env.sim.NodeDown("LAB", n)
				}
				DeferCleanup(func() {
					for _, n := range env.sim.Nodes("LAB") {
						env.sim.NodeUp("LAB", n)
					}
				})
				Expect(env.post("/api/login/" + euPlain1 + "/NOBODY01").Code).To(Equal(1002))
			})
		})

		DescribeTable("CUCM refuses an EMCC login: its code is passed through",
			func(device, user, cluster, pin string, code int, cucmText string) {
				Expect(env.post("/api/login/" + device + "/" + user + "/" + cluster + "/" + pin)).
					To(Equal(loginResult(device, user, code, loginFailed(user, device, cluster, cucmText))))
				Expect(env.sim.Logins(cluster)).To(BeEmpty())
			},
			Entry("31: EMCC not activated for the user", usPlain1, euNoEMCCU, "US", "5555", 31, "EMCC Not Activated for the user"),
			Entry("32: device not EMCC capable", usNoEMCC, euRoamer, "US", euPIN, 32, "Device does not support EMCC"),
			Entry("36: the user's home cluster has EMCC off", euPlain1, labUser, "EU", "9999", 36, "No Remote Cluster"),
			Entry("36: the visited cluster has EMCC off", labDevice1, euRoamer, "LAB", euPIN, 36, "No Remote Cluster"),
			Entry("37: device name present in both clusters", dupDevice, euRoamer, "US", euPIN, 37, "Duplicate device name"),
		)
	})
}
