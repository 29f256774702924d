package features

import (
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// twinEnv is a service in front of two simulators: cluster EU is the shared simulator's EU,
// cluster APAC is a second simulator's EU. Both home the same user IDs, as two CUCM clusters
// fed from one directory do, so a user can be logged in in both at once.
type twinEnv struct {
	apiEnv
	apac *Sim
}

// useTwinClusters starts the second simulator and the two-cluster service for the enclosing
// container and resets the second simulator before each spec (the first is reset by UseSim).
func useTwinClusters(env *apiEnv) *twinEnv {
	twin := &twinEnv{apiEnv: apiEnv{sim: env.sim}}
	BeforeAll(func() {
		twin.apac = NewSim(demoTopology)
		path := filepath.Join(GinkgoT().TempDir(), "bcservice.yaml")
		writeServiceConfig(path, env.sim, ServiceOptions{Clusters: []string{"EU"}, NoDefault: true,
			Timeout: apiNodeTimeout, RequestTimeout: apiRequestTimeout})
		addSimCluster(path, "APAC", twin.apac, "EU")
		mergeClusterKeys(path, apiClusterTuning())
		twin.svc = startService(path, nil)
	})
	BeforeEach(func() { twin.apac.Reset() })
	return twin
}

// apacDown takes every node of the APAC cluster down (connection refused).
func (t *twinEnv) apacDown() {
	GinkgoHelper()
	for _, n := range t.apac.Nodes("EU") {
		t.apac.NodeDown("EU", n)
	}
}

// describeUserDevices: POST /api/getuserdevices/{userID}[/{cluster}] lists the devices a user
// is logged in on (EM userDevicesQuery), in the named cluster or in every cluster.
func describeUserDevices(env *apiEnv) {
	Describe("POST /api/getuserdevices/{userID}[/{cluster}]", func() {
		It("answers code 0 with an empty <devices/> when the user is logged in nowhere", func() {
			Expect(env.call("/api/getuserdevices/"+almUser, "")).To(Equal(beyondResult{
				UserID: strPtr(almUser), Fields: map[string]string{}, Devices: []string{},
				Text: "User ALMUSER01 is not logged in on any device",
			}))
			for _, c := range []string{"EU", "US", "LAB"} {
				Expect(sent(env.sim.Requests(c))).To(Equal([]string{"userDevicesQuery " + almUser}), "cluster %s is asked", c)
			}
		})

		It("lists the device and its cluster when the user is logged in on one device", func() {
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			got := env.call("/api/getuserdevices/"+almUser, "")
			Expect(got.Code).To(Equal(0))
			Expect(got.Devices).To(Equal([]string{euDevice1 + "@EU"}))
			Expect(got.Text).To(Equal("User ALMUSER01 is logged in on 1 device(s)"))
			Expect(got.DeviceName).To(BeNil(), "the path names no device")
		})

		It("lists every device, sorted, where the cluster allows several logins (LAB)", func() {
			env.sim.PutLogin("LAB", labDevice2, SeedLogin{User: labUser})
			env.sim.PutLogin("LAB", labDevice1, SeedLogin{User: labUser})
			got := env.call("/api/getuserdevices/"+labUser+"/LAB", "")
			Expect(got.Devices).To(Equal([]string{labDevice1 + "@LAB", labDevice2 + "@LAB"}))
			Expect(got.Text).To(Equal("User LABUSER01 is logged in on 2 device(s)"))
		})

		It("asks only the cluster named in the path", func() {
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			Expect(env.call("/api/getuserdevices/"+almUser+"/eu", "").Devices).To(Equal([]string{euDevice1 + "@EU"}))
			Expect(env.sim.Requests("US")).To(BeEmpty())
			Expect(env.sim.Requests("LAB")).To(BeEmpty())
		})

		It("answers 23 'User not found' without a list when no cluster knows the user", func() {
			Expect(env.call("/api/getuserdevices/NOSUCHUSER", "")).To(Equal(beyondResult{
				UserID: strPtr("NOSUCHUSER"), Fields: map[string]string{}, Code: 23, Text: "User not found",
			}))
		})

		It("answers 23 when the cluster named does not know the user", func() {
			got := env.call("/api/getuserdevices/"+almUser+"/US", "")
			Expect(got.Code).To(Equal(23))
			Expect(got.Devices).To(BeNil())
		})

		It("answers 1001 for a cluster code that is not configured, asking nobody", func() {
			got := env.call("/api/getuserdevices/"+almUser+"/XX", "")
			Expect(got.Code).To(Equal(1001))
			Expect(got.Text).To(Equal("Cluster with code [XX] not found"))
			nothingSentToCUCM(env.sim)
		})

		It("passes CUCM's refusal of the app user through (3)", func() {
			resp := env.svc.API().POST("/api/getuserdevices/"+almUser+"/EU").WithFormField("xml", credsFor(appID, "wrong")).Expect()
			got := decodeBeyond(resp.Body().Raw())
			Expect(got.Code).To(Equal(3))
			Expect(got.Text).To(Equal("Get user devices failed for ALMUSER01: Could not authenticate 'bcapp'"))
		})

		Context("when a cluster cannot be asked", func() {
			It("answers 1002 naming that cluster, with the devices found in the others", func() {
				env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
				for _, n := range env.sim.Nodes("US") {
					env.sim.NodeDown("US", n)
				}
				got := env.call("/api/getuserdevices/"+almUser, "")
				Expect(got.Code).To(Equal(1002))
				Expect(got.Text).To(Equal("CUCM unreachable: cannot look up user ALMUSER01 in cluster(s) US"))
				Expect(got.Devices).To(Equal([]string{euDevice1 + "@EU"}))
			})

			It("answers the cluster's own 1002 when it is the only one asked", func() {
				for _, n := range env.sim.Nodes("EU") {
					env.sim.NodeDown("EU", n)
				}
				got := env.call("/api/getuserdevices/"+almUser+"/EU", "")
				Expect(got.Code).To(Equal(1002))
				Expect(got.Text).To(Equal("CUCM cluster EU unreachable"))
				Expect(got.Devices).To(BeNil())
			})
		})

		Context("when the user is logged in in two clusters", func() {
			twin := useTwinClusters(env)
			BeforeEach(func() {
				twin.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
				twin.apac.PutLogin("EU", euPlain1, SeedLogin{User: almUser})
			})

			It("lists the devices of both, in configuration order", func() {
				got := twin.call("/api/getuserdevices/"+almUser, "")
				Expect(got.Code).To(Equal(0))
				Expect(got.Devices).To(Equal([]string{euDevice1 + "@EU", euPlain1 + "@APAC"}))
				Expect(got.Text).To(Equal("User ALMUSER01 is logged in on 2 device(s)"))
			})

			It("lists only the named cluster's devices", func() {
				Expect(twin.call("/api/getuserdevices/"+almUser+"/APAC", "").Devices).To(Equal([]string{euPlain1 + "@APAC"}))
				Expect(twin.sim.Requests("EU")).To(BeEmpty())
			})

			It("answers 1002 with the other cluster's devices when one is down", func() {
				twin.apacDown()
				got := twin.call("/api/getuserdevices/"+almUser, "")
				Expect(got.Code).To(Equal(1002))
				Expect(got.Text).To(Equal("CUCM unreachable: cannot look up user ALMUSER01 in cluster(s) APAC"))
				Expect(got.Devices).To(Equal([]string{euDevice1 + "@EU"}))
			})
		})
	})
}
