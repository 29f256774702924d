package features

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// describeFailover: the service tries a cluster's nodes in order; a node that refuses, times
// out, answers an HTTP error or garbage hands the request to the next node. A login or
// logout whose answer is lost may still have taken effect: the service then asks the next
// node who is on the device before it sends anything again (no double login).
func describeFailover(env *apiEnv) {
	Describe("POST /api/... node failover", func() {
		Context("when the first node is down", func() {
			It("is answered by the next node", func() {
				env.sim.NodeDown("EU", "eu-pub")
				Expect(env.post("/api/login/" + euDevice1 + "/" + almUser)).
					To(Equal(loginResult(euDevice1, almUser, 0, loginOK(almUser, euDevice1))))
				// A refused connection fails over at once; a connection that dropped may have
				// carried the login, so the next node is first asked who is on the device
				// (which of the two a downed node gives depends on timing).
				Expect(ops(env.sim.Requests("EU"))).To(Or(
					Equal([]string{"eu-sub1 login"}),
					Equal([]string{"eu-sub1 deviceUserQuery", "eu-sub1 login"})))
				Expect(env.sim.Logins("EU")).To(ConsistOf(HaveField("User", almUser)))
			})
		})

		Context("when the first node is slower than the service's timeout", func() {
			BeforeEach(func() {
				env.sim.AddFault("EU", Fault{Node: "eu-pub", Latency: slowLatency})
			})

			It("answers getloggedinuser from the next node", func() {
				env.sim.PutLogin("EU", euDevice2, SeedLogin{User: almUser})
				Expect(env.post("/api/getloggedinuser/" + euDevice2)).
					To(Equal(whoResult(euDevice2, almUser, 0, "Get logged in user request successful")))
				Expect(ops(env.sim.Requests("EU"), "deviceUserQuery")).To(ContainElement("eu-sub1 deviceUserQuery"))
			})

			It("logs the user in through the next node, exactly once", func() {
				Expect(env.post("/api/login/" + euDevice1 + "/" + almUser)).
					To(Equal(loginResult(euDevice1, almUser, 0, loginOK(almUser, euDevice1))))
				Expect(env.sim.Logins("EU")).To(ConsistOf(HaveField("User", almUser)))
				reqs := env.sim.Requests("EU")
				Expect(reqs).To(ContainElement(And(HaveField("Node", "eu-sub1"), HaveField("Operation", "login"), HaveField("Code", 0))))
				Expect(reqs).NotTo(ContainElement(And(HaveField("Node", "eu-sub1"), HaveField("Operation", "login"), HaveField("Code", 18))),
					"the login was not sent twice to a node that had performed it")
			})
		})

		It("moves on when the first node answers an HTTP error", func() {
			env.sim.AddFault("EU", Fault{Operation: "login", Node: "eu-pub", HTTPStatus: 503, Count: 1})
			Expect(env.post("/api/login/" + euDevice1 + "/" + almUser)).
				To(Equal(loginResult(euDevice1, almUser, 0, loginOK(almUser, euDevice1))))
			Expect(ops(env.sim.Requests("EU"), "login")).To(Equal([]string{"eu-pub login", "eu-sub1 login"}))
			Expect(env.sim.Logins("EU")).To(ConsistOf(HaveField("User", almUser)))
		})

		DescribeTable("returns 1002 when every node of the cluster is down",
			func(path string, want bcResult) {
				for _, n := range env.sim.Nodes("EU") {
					env.sim.NodeDown("EU", n)
				}
				Expect(env.post(path)).To(Equal(want))
			},
			Entry("login", "/api/login/"+euDevice1+"/"+almUser, loginResult(euDevice1, almUser, 1002, "CUCM cluster EU unreachable")),
			Entry("logout", "/api/logout/"+euDevice1, logoutResult(euDevice1, 1002, "CUCM cluster EU unreachable")),
			Entry("getloggedinuser", "/api/getloggedinuser/"+euDevice1, whoResult(euDevice1, "", 1002, "CUCM cluster EU unreachable")),
		)

		It("returns 1002 when every node answers garbage", func() {
			env.sim.AddFault("EU", Fault{Operation: "deviceUserQuery", Body: "malformed"})
			Expect(env.post("/api/getloggedinuser/" + euDevice1)).
				To(Equal(whoResult(euDevice1, "", 1002, "CUCM cluster EU unreachable")))
			Expect(ops(env.sim.Requests("EU"))).To(ConsistOf("eu-pub deviceUserQuery", "eu-sub1 deviceUserQuery"))
		})

		Context("when a login took effect but its answer was lost", func() {
			It("checks the device with deviceUserQuery, answers 0 and never sends the login again", func() {
				env.sim.AddFault("EU", Fault{Operation: "login", After: true, Drop: true, Count: 1})
				Expect(env.post("/api/login/" + euDevice1 + "/" + almUser)).
					To(Equal(loginResult(euDevice1, almUser, 0, loginOK(almUser, euDevice1))))
				reqs := env.sim.Requests("EU")
				Expect(countOp(reqs, "login")).To(Equal(1), "exactly one login reached CUCM: %v", ops(reqs))
				// The simulator lists requests in order of arrival, so the check comes after the login.
				Expect(ops(reqs, "login", "deviceUserQuery")).To(Equal([]string{"eu-pub login", "eu-sub1 deviceUserQuery"}))
				Expect(env.sim.Logins("EU")).To(ConsistOf(And(HaveField("Device", euDevice1), HaveField("User", almUser))))
			})

			It("also when the answer came back garbled", func() {
				env.sim.AddFault("EU", Fault{Operation: "login", After: true, Body: "truncated", Count: 1})
				Expect(env.post("/api/login/" + euDevice1 + "/" + almUser)).
					To(Equal(loginResult(euDevice1, almUser, 0, loginOK(almUser, euDevice1))))
				Expect(countOp(env.sim.Requests("EU"), "login")).To(Equal(1))
			})

			It("returns 1010 when the device cannot be checked on any node, and the login stays", func() {
				env.sim.AddFault("EU", Fault{Operation: "login", After: true, Drop: true})
				env.sim.AddFault("EU", Fault{Operation: "deviceUserQuery", Drop: true})
				got := env.post("/api/login/" + euDevice1 + "/" + almUser)
				Expect(got.Code).To(Equal(1010), "answer %v", got)
				Expect(got.Text).To(HavePrefix("Login outcome unknown: "))
				Expect(got.DeviceName).To(HaveValue(Equal(euDevice1)))
				Expect(got.UserID).To(HaveValue(Equal(almUser)))
				Expect(countOp(env.sim.Requests("EU"), "login")).To(Equal(1), "the login is not repeated blindly")
				Expect(env.sim.Logins("EU")).To(ConsistOf(HaveField("User", almUser)), "CUCM did log the user in")
			})
		})

		Context("when a login was lost before CUCM performed it", func() {
			It("finds the device free and sends the login to the next node, exactly once more", func() {
				env.sim.AddFault("EU", Fault{Operation: "login", Drop: true, Count: 1})
				Expect(env.post("/api/login/" + euDevice1 + "/" + almUser)).
					To(Equal(loginResult(euDevice1, almUser, 0, loginOK(almUser, euDevice1))))
				reqs := env.sim.Requests("EU")
				Expect(ops(reqs, "login", "deviceUserQuery")).To(Equal([]string{"eu-pub login", "eu-sub1 deviceUserQuery", "eu-sub1 login"}))
				Expect(env.sim.Logins("EU")).To(ConsistOf(HaveField("User", almUser)))
			})
		})

		Context("when a logout took effect but its answer was lost", func() {
			It("finds the device free and answers 0", func() {
				env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
				env.sim.AddFault("EU", Fault{Operation: "logout", After: true, Drop: true, Count: 1})
				Expect(env.post("/api/logout/" + euDevice1)).To(Equal(logoutResult(euDevice1, 0, logoutOK(euDevice1))))
				Expect(countOp(env.sim.Requests("EU"), "logout")).To(Equal(1))
				Expect(env.sim.Logins("EU")).To(BeEmpty())
			})

			It("returns 1010 when the device cannot be checked", func() {
				env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
				env.sim.AddFault("EU", Fault{Operation: "logout", After: true, Drop: true})
				env.sim.AddFault("EU", Fault{Operation: "deviceUserQuery", Drop: true})
				got := env.post("/api/logout/" + euDevice1)
				Expect(got.Code).To(Equal(1010), "answer %v", got)
				Expect(got.Text).To(HavePrefix("Logout outcome unknown: "))
				Expect(env.sim.Logins("EU")).To(BeEmpty(), "CUCM did log the user out")
			})
		})
	})
}
