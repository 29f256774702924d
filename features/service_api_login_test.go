package features

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// loginFailed is the text of a login CUCM refused (cmd/bcservice/README.md, "API": the success and failure texts).
func loginFailed(user, device, cluster, cucmText string) string {
	return fmt.Sprintf("Login failed for %s on device %s in cluster %s: %s", user, device, cluster, cucmText)
}

// loginOK is the documented success text.
func loginOK(user, device string) string {
	return fmt.Sprintf("Login successful for %s on device %s", user, device)
}

// describeLogin: "Login — Attempts a login request of an Extension Mobility profile of a
// Cisco IPphone", /api/login/{device}/{user}[/{cluster}[/{pin}]].
func describeLogin(env *apiEnv) {
	Describe("POST /api/login", func() {
		It("logs the user in on the default cluster and answers the documented body, byte for byte", func() {
			Expect(env.postRaw("/api/login/" + euDevice1 + "/" + almUser)).To(Equal(goldenBC("login_success.xml")))
			l := env.sim.Login("EU", euDevice1)
			Expect(l).NotTo(BeNil(), "CUCM shows no login on %s", euDevice1)
			Expect(l.User).To(Equal(almUser))
			Expect(l.Profile).To(Equal("UDP-ALMUSER01"), "the user's default profile")
			Expect(l.EMCC).To(BeFalse())
		})

		It("sends a local user's login to CUCM as one EM request, and nothing else", func() {
			Expect(env.post("/api/login/" + euDevice1 + "/" + almUser).Code).To(Equal(0))
			reqs := env.sim.Requests("EU")
			Expect(reqs).To(HaveLen(1), "one EM request: the login itself (optimistic login)")
			Expect(countOp(reqs, "login")).To(Equal(1))
			Expect(env.sim.Requests("US")).To(BeEmpty())
			Expect(env.sim.Requests("LAB")).To(BeEmpty())
		})

		It("logs the user in on the cluster named in the path", func() {
			Expect(env.post("/api/login/" + euDevice1 + "/" + almUser + "/EU")).
				To(Equal(loginResult(euDevice1, almUser, 0, loginOK(almUser, euDevice1))))
			Expect(env.sim.Logins("EU")).To(ConsistOf(HaveField("User", almUser)))
		})

		It("passes a user ID with '@' (an e-mail style EM login name) to CUCM unchanged", func() {
			Expect(env.post("/api/login/" + euPlain1 + "/" + emAtUser)).
				To(Equal(loginResult(euPlain1, emAtUser, 0, loginOK(emAtUser, euPlain1))))
			Expect(env.sim.Login("EU", euPlain1)).To(HaveField("User", emAtUser))
		})

		Context("when another user is on the device", func() {
			It("returns code 18 and leaves the other user logged in", func() {
				env.sim.PutLogin("EU", euDevice1, SeedLogin{User: euUser02})
				Expect(env.post("/api/login/" + euDevice1 + "/" + almUser)).
					To(Equal(loginResult(euDevice1, almUser, 18, loginFailed(almUser, euDevice1, "EU", "Another user logged in"))))
				Expect(env.sim.Logins("EU")).To(ConsistOf(And(HaveField("Device", euDevice1), HaveField("User", euUser02))))
			})
		})

		Context("when the same user is already on the device", func() {
			It("returns code 18 where CUCM refuses a relogin (EU)", func() {
				env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
				Expect(env.post("/api/login/" + euDevice1 + "/" + almUser)).
					To(Equal(loginResult(euDevice1, almUser, 18, loginFailed(almUser, euDevice1, "EU", "Another user logged in"))))
				Expect(env.sim.Logins("EU")).To(ConsistOf(HaveField("User", almUser)))
			})

			It("succeeds where CUCM refreshes the login (US)", func() {
				env.sim.PutLogin("US", usPlain1, SeedLogin{User: usUser02})
				Expect(env.post("/api/login/" + usPlain1 + "/" + usUser02 + "/US")).
					To(Equal(loginResult(usPlain1, usUser02, 0, loginOK(usUser02, usPlain1))))
				Expect(env.sim.Logins("US")).To(ConsistOf(And(HaveField("Device", usPlain1), HaveField("User", usUser02))))
			})
		})

		Context("when the user is logged in on another device", func() {
			It("returns code 25 where multiple logins are not allowed (EU) and changes nothing", func() {
				env.sim.PutLogin("EU", euPlain1, SeedLogin{User: almUser})
				Expect(env.post("/api/login/" + euPlain2 + "/" + almUser)).
					To(Equal(loginResult(euPlain2, almUser, 25, loginFailed(almUser, euPlain2, "EU", "User logged in elsewhere"))))
				Expect(env.sim.Logins("EU")).To(ConsistOf(And(HaveField("Device", euPlain1), HaveField("User", almUser))))
			})

			It("logs the user out of the earlier device where CUCM auto-logs out (US)", func() {
				env.sim.PutLogin("US", usPlain1, SeedLogin{User: usUser02})
				Expect(env.post("/api/login/" + usPlain2 + "/" + usUser02 + "/US")).
					To(Equal(loginResult(usPlain2, usUser02, 0, loginOK(usUser02, usPlain2))))
				Expect(env.sim.Logins("US")).To(ConsistOf(And(HaveField("Device", usPlain2), HaveField("User", usUser02))))
			})

			It("keeps both logins where multiple logins are allowed (LAB)", func() {
				env.sim.PutLogin("LAB", labDevice1, SeedLogin{User: labUser})
				Expect(env.post("/api/login/" + labDevice2 + "/" + labUser + "/LAB")).
					To(Equal(loginResult(labDevice2, labUser, 0, loginOK(labUser, labDevice2))))
				Expect(env.sim.Logins("LAB")).To(ConsistOf(HaveField("Device", labDevice1), HaveField("Device", labDevice2)))
			})
		})

		DescribeTable("CUCM refuses the login: the code is passed through and the text names user, device and cluster",
			func(device, user, credsXML string, code int, cucmText string) {
				Expect(env.postXML("/api/login/"+device+"/"+user, credsXML)).
					To(Equal(loginResult(device, user, code, loginFailed(user, device, "EU", cucmText))))
				Expect(env.sim.Logins("EU")).To(BeEmpty(), "no login may be recorded")
			},
			Entry("3: wrong appCertificate", euDevice1, almUser, credsFor(appID, "wrong"), 3, "Could not authenticate 'bcapp'"),
			Entry("3: unknown appID", euDevice1, almUser, credsFor("nobody", "x"), 3, "Could not authenticate 'nobody'"),
			Entry("4: locked user", euDevice1, euLocked, demoCredsXML, 4, "Policy Validation error"),
			Entry("10: app user without proxy rights", euDevice1, almUser, credsFor("noproxy", "n0proxy"), 10, "User lacks app proxy rights"),
			Entry("10: an end user acting for someone else", euDevice1, almUser, credsFor(euSelf, "selfpass"), 10, "User lacks app proxy rights"),
			Entry("11: device unknown to the cluster", unknownDevice, almUser, demoCredsXML, 11, "Device does not exist"),
			Entry("12: user without a device profile", euDevice1, euNoProf, demoCredsXML, 12, "Dev. Profile not found"),
			Entry("22: Extension Mobility disabled on the device", euEMDisabled, almUser, demoCredsXML, 22, "Device logon disabled"),
			Entry("27: app user must change its password", euDevice1, almUser, credsFor("expired", "old-pass"), 27, "Change Password"),
		)
	})
}

// credsFor is the xml parameter for other credentials than the service account's.
func credsFor(id, cert string) string {
	return "<request><appID>" + esc(id) + "</appID><appCertificate>" + esc(cert) + "</appCertificate></request>"
}
