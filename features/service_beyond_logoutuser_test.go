package features

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// loggedOut is the list entry of a device logoutuser logged out.
func loggedOut(device, cluster string) string {
	return device + "@" + cluster + ": 0 Logout successful"
}

// describeLogoutUser: POST /api/logoutuser/{userID}[/{cluster}] logs a user out of every
// device it is logged in on, each device listed with its own code and text.
func describeLogoutUser(env *apiEnv) {
	Describe("POST /api/logoutuser/{userID}[/{cluster}]", func() {
		It("answers code 0 with an empty <devices/> and logs nothing out when the user is logged in nowhere", func() {
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: euUser02})
			Expect(env.call("/api/logoutuser/"+almUser, "")).To(Equal(beyondResult{
				UserID: strPtr(almUser), Fields: map[string]string{}, Devices: []string{},
				Text: "User ALMUSER01 is not logged in on any device",
			}))
			Expect(sent(env.sim.Requests("EU"), "logout")).To(BeEmpty())
			Expect(env.sim.Logins("EU")).To(HaveLen(1), "the other user stays")
		})

		It("logs the user out of its device and lists it", func() {
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			got := env.call("/api/logoutuser/"+almUser, "")
			Expect(got.Code).To(Equal(0))
			Expect(got.Devices).To(Equal([]string{loggedOut(euDevice1, "EU")}))
			Expect(got.Text).To(Equal("User ALMUSER01 logged out of 1 device(s)"))
			Expect(env.sim.Logins("EU")).To(BeEmpty())
			Expect(sent(env.sim.Requests("EU"), "logout")).To(Equal([]string{"logout " + euDevice1}))
		})

		It("logs the user out of every device of the named cluster (LAB allows several)", func() {
			env.sim.PutLogin("LAB", labDevice1, SeedLogin{User: labUser})
			env.sim.PutLogin("LAB", labDevice2, SeedLogin{User: labUser})
			got := env.call("/api/logoutuser/"+labUser+"/LAB", "")
			Expect(got.Code).To(Equal(0))
			Expect(got.Devices).To(Equal([]string{loggedOut(labDevice1, "LAB"), loggedOut(labDevice2, "LAB")}))
			Expect(got.Text).To(Equal("User LABUSER01 logged out of 2 device(s)"))
			Expect(env.sim.Logins("LAB")).To(BeEmpty())
		})

		Context("when one device's logout fails", func() {
			BeforeEach(func() {
				env.sim.PutLogin("LAB", labDevice1, SeedLogin{User: labUser})
				env.sim.PutLogin("LAB", labDevice2, SeedLogin{User: labUser})
			})

			It("logs out the others, lists the failure with CUCM's code and answers the first failure's code", func() {
				env.sim.AddFault("LAB", Fault{Operation: "logout", Device: labDevice1, EMCode: emCode(7)})
				got := env.call("/api/logoutuser/"+labUser, "")
				Expect(got.Devices).To(Equal([]string{labDevice1 + "@LAB: 7 Logout Request Error", loggedOut(labDevice2, "LAB")}))
				Expect(got.Code).To(Equal(7))
				Expect(got.Text).To(Equal("Logout of user LABUSER01 failed: Logout Request Error"))
				Expect(env.sim.Logins("LAB")).To(ConsistOf(HaveField("Device", labDevice1)), "the failed device keeps the user")
			})

			It("lists a device the user left meanwhile (19) without counting it as a failure", func() {
				env.sim.AddFault("LAB", Fault{Operation: "logout", Device: labDevice2, EMCode: emCode(19)})
				got := env.call("/api/logoutuser/"+labUser, "")
				Expect(got.Devices).To(Equal([]string{loggedOut(labDevice1, "LAB"), labDevice2 + "@LAB: 19 No user logged in"}))
				Expect(got.Code).To(Equal(0))
			})
		})

		It("answers 23 'User not found' when no cluster knows the user, logging nothing out", func() {
			Expect(env.call("/api/logoutuser/NOSUCHUSER", "")).To(Equal(beyondResult{
				UserID: strPtr("NOSUCHUSER"), Fields: map[string]string{}, Code: 23, Text: "User not found",
			}))
			for _, c := range []string{"EU", "US", "LAB"} {
				Expect(sent(env.sim.Requests(c), "logout")).To(BeEmpty())
			}
		})

		It("answers 1001 for a cluster code that is not configured, asking nobody", func() {
			Expect(env.call("/api/logoutuser/"+almUser+"/XX", "").Code).To(Equal(1001))
			nothingSentToCUCM(env.sim)
		})

		It("answers 1005 for an empty user, asking nobody", func() {
			got := env.postPathBeyond("/api/logoutuser//EU")
			Expect(got.Code).To(Equal(1005))
			Expect(got.Text).To(Equal("User ID empty"))
			nothingSentToCUCM(env.sim)
		})

		Context("when the user is logged in in two clusters", func() {
			twin := useTwinClusters(env)
			BeforeEach(func() {
				twin.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
				twin.apac.PutLogin("EU", euPlain1, SeedLogin{User: almUser})
			})

			It("logs the user out in both", func() {
				got := twin.call("/api/logoutuser/"+almUser, "")
				Expect(got.Code).To(Equal(0))
				Expect(got.Devices).To(Equal([]string{loggedOut(euDevice1, "EU"), loggedOut(euPlain1, "APAC")}))
				Expect(got.Text).To(Equal("User ALMUSER01 logged out of 2 device(s)"))
				Expect(twin.sim.Logins("EU")).To(BeEmpty())
				Expect(twin.apac.Logins("EU")).To(BeEmpty())
			})

			It("logs the user out only in the cluster named", func() {
				Expect(twin.call("/api/logoutuser/"+almUser+"/APAC", "").Devices).To(Equal([]string{loggedOut(euPlain1, "APAC")}))
				Expect(twin.sim.Logins("EU")).To(HaveLen(1))
				Expect(twin.apac.Logins("EU")).To(BeEmpty())
			})

			It("lists a cluster that cannot be asked as an entry without device (1002) and answers 1002", func() {
				twin.apacDown()
				got := twin.call("/api/logoutuser/"+almUser, "")
				Expect(got.Devices).To(Equal([]string{
					loggedOut(euDevice1, "EU"),
					"@APAC: 1002 CUCM unreachable: cannot look up user ALMUSER01 in cluster(s) APAC",
				}))
				Expect(got.Code).To(Equal(1002))
				Expect(twin.sim.Logins("EU")).To(BeEmpty(), "the reachable cluster's device is logged out")
			})
		})
	})
}
