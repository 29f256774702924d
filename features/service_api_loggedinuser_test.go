package features

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// describeLoggedInUser: "Get logged in user — Retrieves the currently logged in user of a
// Cisco desktop phone", /api/getloggedinuser/{device}[/{cluster}].
func describeLoggedInUser(env *apiEnv) {
	Describe("POST /api/getloggedinuser", func() {
		It("names the logged-in user with the documented body, byte for byte", func() {
			env.sim.PutLogin("EU", euDevice2, SeedLogin{User: almUser})
			Expect(env.postRaw("/api/getloggedinuser/" + euDevice2)).To(Equal(goldenBC("getloggedinuser_success.xml")))
		})

		It("names the logged-in user of the cluster named in the path", func() {
			env.sim.PutLogin("US", usPlain1, SeedLogin{User: usUser03})
			Expect(env.post("/api/getloggedinuser/" + usPlain1 + "/US")).
				To(Equal(whoResult(usPlain1, usUser03, 0, "Get logged in user request successful")))
		})

		It("names a roaming (EMCC) user like any other", func() {
			env.sim.PutLogin("US", usPlain1, SeedLogin{User: euRoamer})
			Expect(env.post("/api/getloggedinuser/" + usPlain1 + "/US")).
				To(Equal(whoResult(usPlain1, euRoamer, 0, "Get logged in user request successful")))
		})

		It("names a user ID with '@' decoded, as the user knows it", func() {
			env.sim.PutLogin("EU", euPlain1, SeedLogin{User: emAtUser})
			Expect(env.post("/api/getloggedinuser/" + euPlain1)).
				To(Equal(whoResult(euPlain1, emAtUser, 0, "Get logged in user request successful")))
		})

		Context("when nobody is logged in on the device", func() {
			It("returns code 0 with an empty userID", func() {
				Expect(env.post("/api/getloggedinuser/" + euDevice1)).
					To(Equal(whoResult(euDevice1, "", 0, "No user logged in on device "+euDevice1)))
			})
		})

		It("does not change anything on CUCM (a query only)", func() {
			env.sim.PutLogin("EU", euDevice2, SeedLogin{User: almUser})
			env.post("/api/getloggedinuser/" + euDevice2)
			Expect(env.sim.Logins("EU")).To(ConsistOf(HaveField("User", almUser)))
			Expect(ops(env.sim.Requests("EU"))).To(ConsistOf("eu-pub deviceUserQuery"))
		})

		DescribeTable("failures: the code and a text naming device and cluster",
			func(device, credsXML string, code int, text string) {
				Expect(env.postXML("/api/getloggedinuser/"+device, credsXML)).
					To(Equal(whoResult(device, "", code, text)))
			},
			Entry("11: device unknown to the cluster", unknownDevice, demoCredsXML, 11,
				"Get logged in user failed for device "+unknownDevice+" in cluster EU: Device does not exist"),
			Entry("3: wrong appCertificate", euDevice1, credsFor(appID, "wrong"), 3,
				"Get logged in user failed for device "+euDevice1+" in cluster EU: Could not authenticate 'bcapp'"),
			Entry("10: app user without proxy rights", euDevice1, credsFor("noproxy", "n0proxy"), 10,
				"Get logged in user failed for device "+euDevice1+" in cluster EU: User lacks app proxy rights"),
		)
	})
}
