package features

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// describeClusterRouting: "Cluster Code (optional): target a specific Cluster with this
// cluster code, e.g. EU". Without a code the default cluster is used; without a default
// cluster the service searches every cluster for the device.
func describeClusterRouting(env *apiEnv) {
	Describe("POST /api/... cluster routing", func() {
		Context("when the path names a cluster code", func() {
			It("uses that cluster, whatever the letter case", func() {
				Expect(env.post("/api/login/" + usPlain1 + "/" + usUser02 + "/us")).
					To(Equal(loginResult(usPlain1, usUser02, 0, loginOK(usUser02, usPlain1))))
				Expect(env.sim.Login("US", usPlain1)).To(HaveField("User", usUser02))
				Expect(env.sim.Requests("EU")).To(BeEmpty(), "the default cluster is not asked")
			})

			It("names the configured code in a failure text, not the path's spelling", func() {
				Expect(env.post("/api/logout/" + euDevice1 + "/eU")).
					To(Equal(logoutResult(euDevice1, 19, logoutFailed(euDevice1, "EU", "No user logged in"))))
			})

			DescribeTable("returns 1001 for a code that is not configured, before CUCM is asked",
				func(path string, want bcResult) {
					Expect(env.post(path)).To(Equal(want))
					for _, c := range []string{"EU", "US", "LAB"} {
						Expect(env.sim.Requests(c)).To(BeEmpty(), "requests to cluster %s", c)
					}
				},
				Entry("login", "/api/login/"+euDevice1+"/"+almUser+"/XX",
					loginResult(euDevice1, almUser, 1001, "Cluster with code [XX] not found")),
				Entry("login with a PIN", "/api/login/"+euDevice1+"/"+almUser+"/APAC/1234",
					loginResult(euDevice1, almUser, 1001, "Cluster with code [APAC] not found")),
				Entry("logout", "/api/logout/"+euDevice1+"/XX",
					logoutResult(euDevice1, 1001, "Cluster with code [XX] not found")),
				Entry("getloggedinuser", "/api/getloggedinuser/"+euDevice1+"/XX",
					whoResult(euDevice1, "", 1001, "Cluster with code [XX] not found")),
			)
		})

		Context("when the path names no cluster and a default cluster is configured", func() {
			It("uses the default cluster only", func() {
				env.sim.PutLogin("US", usPlain1, SeedLogin{User: usUser02})
				Expect(env.post("/api/getloggedinuser/" + usPlain1)).
					To(Equal(whoResult(usPlain1, "", 11, "Get logged in user failed for device "+usPlain1+" in cluster EU: Device does not exist")))
				Expect(env.sim.Requests("US")).To(BeEmpty(), "the US cluster is not searched")
			})

			It("treats an empty cluster segment as no cluster", func() {
				Expect(env.post("/api/login/" + euDevice1 + "/" + almUser + "/")).
					To(Equal(loginResult(euDevice1, almUser, 0, loginOK(almUser, euDevice1))))
				Expect(env.sim.Login("EU", euDevice1)).To(HaveField("User", almUser))
			})
		})

		Context("when no cluster is the default", Ordered, func() {
			search := &apiEnv{sim: env.sim}
			BeforeAll(func() {
				search.svc = newTunedService(env.sim, ServiceOptions{NoDefault: true, Timeout: apiNodeTimeout, RequestTimeout: apiRequestTimeout}, apiClusterTuning())
			})

			It("finds a device that only the US cluster has and logs the user in there", func() {
				Expect(search.post("/api/login/" + usPlain1 + "/" + usUser02)).
					To(Equal(loginResult(usPlain1, usUser02, 0, loginOK(usUser02, usPlain1))))
				Expect(env.sim.Login("US", usPlain1)).To(HaveField("User", usUser02))
				Expect(env.sim.Logins("EU")).To(BeEmpty())
			})

			It("finds the device for getloggedinuser and logout as well", func() {
				env.sim.PutLogin("US", usPlain2, SeedLogin{User: usUser03})
				Expect(search.post("/api/getloggedinuser/" + usPlain2)).
					To(Equal(whoResult(usPlain2, usUser03, 0, "Get logged in user request successful")))
				Expect(search.post("/api/logout/" + usPlain2)).To(Equal(logoutResult(usPlain2, 0, logoutOK(usPlain2))))
				Expect(env.sim.Logins("US")).To(BeEmpty())
			})

			It("takes the first configured cluster when several have the device", func() {
				Expect(search.post("/api/login/" + dupDevice + "/" + almUser)).
					To(Equal(loginResult(dupDevice, almUser, 0, loginOK(almUser, dupDevice))))
				Expect(env.sim.Login("EU", dupDevice)).To(HaveField("User", almUser))
				Expect(env.sim.Logins("US")).To(BeEmpty())
			})

			It("returns 11 for a device that no cluster has", func() {
				Expect(search.post("/api/login/" + unknownDevice + "/" + almUser)).
					To(Equal(loginResult(unknownDevice, almUser, 11, "Device "+unknownDevice+" does not exist in any cluster")))
				for _, c := range []string{"EU", "US", "LAB"} {
					Expect(countOp(env.sim.Requests(c), "deviceUserQuery")).To(Equal(1), "cluster %s searched once", c)
					Expect(countOp(env.sim.Requests(c), "login")).To(BeZero(), "no login sent to %s", c)
				}
			})

			It("still finds the device when another cluster cannot be asked", func() {
				for _, n := range env.sim.Nodes("EU") {
					env.sim.NodeDown("EU", n)
				}
				Expect(search.post("/api/getloggedinuser/" + usPlain1)).
					To(Equal(whoResult(usPlain1, "", 0, "No user logged in on device "+usPlain1)))
			})

			It("returns 1002 for a device found nowhere while a cluster cannot be asked", func() {
				for _, n := range env.sim.Nodes("EU") {
					env.sim.NodeDown("EU", n)
				}
				got := search.post("/api/logout/" + unknownDevice)
				Expect(got.Code).To(Equal(1002), "answer %v", got)
				Expect(got.Text).To(ContainSubstring("EU"), "names the cluster that could not be asked")
				Expect(got.DeviceName).To(HaveValue(Equal(unknownDevice)))
			})
		})

		Context("when no cluster is the default and a later cluster is slow", Ordered, func() {
			// Long timeouts on purpose: a search that waited for every cluster would take the
			// whole injected latency.
			slow := &apiEnv{sim: env.sim}
			BeforeAll(func() {
				slow.svc = newTunedService(env.sim, ServiceOptions{NoDefault: true, Timeout: 5 * time.Second, RequestTimeout: 10 * time.Second}, apiClusterTuning())
			})

			It("answers for a device of the first cluster without waiting for the slow one", func() {
				// The slow cluster answers after 10 s (and the service would give up on it only
				// after its 5 s timeout): an answer within 4 s, generous for a loaded machine
				// (it takes milliseconds), did not wait for it.
				env.sim.AddFault("US", Fault{Operation: "deviceUserQuery", Latency: "10s"})
				env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
				start := time.Now()
				Expect(slow.post("/api/getloggedinuser/" + euDevice1)).
					To(Equal(whoResult(euDevice1, almUser, 0, "Get logged in user request successful")))
				Expect(time.Since(start)).To(BeNumerically("<", 4*time.Second))
			})

			It("asks only the device's own cluster the next time (device-location cache)", func() {
				// A device of the last cluster: the search needs every cluster's answer. Requests are
				// counted for this device only: the previous spec's cancelled query may still land in
				// the request log.
				Expect(slow.post("/api/getloggedinuser/" + labDevice1)).
					To(Equal(whoResult(labDevice1, "", 0, "No user logged in on device "+labDevice1)))
				for _, c := range []string{"EU", "US", "LAB"} {
					Expect(countOpOn(env.sim.Requests(c), "deviceUserQuery", labDevice1)).To(Equal(1), "cluster %s searched once", c)
				}
				for _, c := range []string{"EU", "US", "LAB"} {
					env.sim.ClearRequests(c)
				}
				Expect(slow.post("/api/login/" + labDevice1 + "/" + labUser)).
					To(Equal(loginResult(labDevice1, labUser, 0, loginOK(labUser, labDevice1))))
				Expect(slow.post("/api/getloggedinuser/" + labDevice1)).
					To(Equal(whoResult(labDevice1, labUser, 0, "Get logged in user request successful")))
				for _, c := range []string{"EU", "US"} {
					Expect(countOpOn(env.sim.Requests(c), "deviceUserQuery", labDevice1)).To(BeZero(), "%s is not searched again", c)
				}
				Expect(countOpOn(env.sim.Requests("LAB"), "login", labDevice1)).To(Equal(1))
				Expect(countOpOn(env.sim.Requests("LAB"), "deviceUserQuery", labDevice1)).To(Equal(1))
				body := slow.svc.API().GET("/metrics").Expect().Status(http.StatusOK).Body().Raw()
				Expect(body).To(MatchRegexp(`bcservice_device_cache_hits_total [1-9]`))
			})
		})
	})
}
