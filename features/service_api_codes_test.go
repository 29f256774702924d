package features

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// describeCUCMCodes: "CUCM codes passed through unchanged" — every EM code CUCM may answer
// reaches the client with CUCM's text after the service's own words, and code 0 as a
// failure never reads as success.
func describeCUCMCodes(env *apiEnv) {
	Describe("POST /api/login CUCM result codes", func() {
		DescribeTable("a CUCM failure code is passed through with CUCM's text",
			func(code int, cucmText string) {
				env.sim.AddFault("EU", Fault{Operation: "login", EMCode: emCode(code), Count: 1})
				Expect(env.post("/api/login/" + euDevice1 + "/" + almUser)).
					To(Equal(loginResult(euDevice1, almUser, code, loginFailed(almUser, euDevice1, "EU", cucmText))))
				Expect(env.sim.Logins("EU")).To(BeEmpty())
				Expect(countOp(env.sim.Requests("EU"), "login")).To(Equal(1), "an EM error is an answer: no failover, no retry")
			},
			Entry("6 Database Error", 6, "Database Error"),
			Entry("9 Dir. User Info Error", 9, "Dir. User Info Error"),
			Entry("20 Hoteling flag error", 20, "Hoteling flag error"),
			Entry("28 Untrusted IP Error", 28, "Untrusted IP Error"),
			Entry("29 RIS down-contact admin", 29, "RIS down-contact admin"),
			Entry("33 No free EMCC dummy device", 33, "No free EMCC dummy device"),
			Entry("38 EMCC Not Allowed", 38, "EMCC Not Allowed"),
		)

		// The login is optimistic (cmd/bcservice/README.md, "PIN design"): CUCM's 23 means the
		// device's cluster does not know the user, so it starts the roaming path instead of
		// being passed through; with no other cluster knowing the user the answer is still 23.
		It("takes CUCM's 23 as a user the cluster does not know, and asks the other clusters", func() {
			env.sim.AddFault("EU", Fault{Operation: "login", EMCode: emCode(23), Count: 1})
			Expect(env.post("/api/login/" + euDevice1 + "/" + almUser)).
				To(Equal(loginResult(euDevice1, almUser, 23, "User not found")))
			Expect(countOp(env.sim.Requests("US"), "userDevicesQuery")).To(Equal(1))
			Expect(countOp(env.sim.Requests("LAB"), "userDevicesQuery")).To(Equal(1))
			Expect(env.sim.Logins("EU")).To(BeEmpty())
		})

		It("passes CUCM's own text through", func() {
			env.sim.AddFault("EU", Fault{Operation: "logout", EMCode: emCode(7), EMText: "Logout refused by policy X", Count: 1})
			Expect(env.post("/api/logout/" + euDevice1)).
				To(Equal(logoutResult(euDevice1, 7, logoutFailed(euDevice1, "EU", "Logout refused by policy X"))))
		})

		// Decision: 1014 is a CUCM failure like the others, so its text carries the same
		// "Login failed for U on device D in cluster C: " prefix before the documented
		// "CUCM reported an error without a code: " phrase.
		It("returns 1014 when CUCM fails with code 0", func() {
			env.sim.AddFault("EU", Fault{Operation: "login", EMCode: emCode(0), Count: 1})
			got := env.post("/api/login/" + euDevice1 + "/" + almUser)
			Expect(got.Code).To(Equal(1014), "answer %v", got)
			Expect(got.Text).To(ContainSubstring("CUCM reported an error without a code: "))
			Expect(got.Text).To(ContainSubstring(euDevice1))
			Expect(got.UserID).To(HaveValue(Equal(almUser)))
			Expect(env.sim.Logins("EU")).To(BeEmpty())
		})
	})
}
