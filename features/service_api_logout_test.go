package features

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// logoutFailed is the text of a logout CUCM refused.
func logoutFailed(device, cluster, cucmText string) string {
	return fmt.Sprintf("Logout failed for device %s in cluster %s: %s", device, cluster, cucmText)
}

// logoutOK is the documented success text.
func logoutOK(device string) string { return "Logout successful for device " + device }

// describeLogout: "Logout — Attempts a logout request of an Extension Mobility profile on a
// Cisco desktop phone", /api/logout/{device}[/{cluster}].
func describeLogout(env *apiEnv) {
	Describe("POST /api/logout", func() {
		It("logs the user out and answers the documented body, byte for byte", func() {
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			Expect(env.postRaw("/api/logout/" + euDevice1)).To(Equal(goldenBC("logout_success.xml")))
			Expect(env.sim.Logins("EU")).To(BeEmpty())
		})

		It("logs the user out on the cluster named in the path", func() {
			env.sim.PutLogin("US", usPlain1, SeedLogin{User: usUser02})
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			Expect(env.post("/api/logout/" + usPlain1 + "/US")).To(Equal(logoutResult(usPlain1, 0, logoutOK(usPlain1))))
			Expect(env.sim.Logins("US")).To(BeEmpty())
			Expect(env.sim.Logins("EU")).To(HaveLen(1), "the other cluster is untouched")
		})

		It("logs out only the device asked for", func() {
			env.sim.PutLogin("EU", euPlain1, SeedLogin{User: almUser})
			env.sim.PutLogin("EU", euPlain2, SeedLogin{User: euUser02})
			Expect(env.post("/api/logout/" + euPlain1)).To(Equal(logoutResult(euPlain1, 0, logoutOK(euPlain1))))
			Expect(env.sim.Logins("EU")).To(ConsistOf(And(HaveField("Device", euPlain2), HaveField("User", euUser02))))
		})

		DescribeTable("CUCM refuses the logout: the code is passed through and the text names device and cluster",
			func(seed bool, device, credsXML string, code int, cucmText string) {
				if seed {
					env.sim.PutLogin("EU", device, SeedLogin{User: almUser})
				}
				Expect(env.postXML("/api/logout/"+device, credsXML)).
					To(Equal(logoutResult(device, code, logoutFailed(device, "EU", cucmText))))
				if seed {
					Expect(env.sim.Login("EU", device)).To(HaveField("User", almUser), "the login stays")
				}
			},
			Entry("19: nobody logged in", false, euDevice1, demoCredsXML, 19, "No user logged in"),
			Entry("11: device unknown to the cluster", false, unknownDevice, demoCredsXML, 11, "Device does not exist"),
			Entry("5: Extension Mobility disabled on the device", false, euEMDisabled, demoCredsXML, 5, "Device logon disabled"),
			Entry("3: wrong appCertificate", true, euDevice1, credsFor(appID, "wrong"), 3, "Could not authenticate 'bcapp'"),
			Entry("10: app user without proxy rights", true, euDevice1, credsFor("noproxy", "n0proxy"), 10, "User lacks app proxy rights"),
		)
	})
}
