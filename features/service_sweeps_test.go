package features

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// Sweeps through the real binaries (the set-up and helpers: service_sweeps_helpers_test.go;
// replicas on PostgreSQL: service_sweeps_replicas_test.go).
var _ = Describe("POST /api/runsweep/{name}", Ordered, func() {
	sim := UseSim(replicasTopology)
	var svc *Service
	var db string
	BeforeAll(func() { svc, db = sweepService(sim, "03:00") })

	Context("when hot desks are logged in, one of them recently through the service", func() {
		BeforeEach(func() { seedHotdesks(sim, svc, sqliteLogins(db)) })

		It("logs out exactly the matching logins older than minLoginAge, across AXL pages and batched queries", func() {
			rep := runSweep(svc, "hotdesk", false)
			Expect(rep.Code).To(Equal(0), rep.Text)
			Expect(rep.Text).To(Equal("Sweep hotdesk logged out 4 device(s)"))
			Expect(rep).To(haveCounts(16, 5, 4, 1, 0))
			Expect(rep.Devices).To(ConsistOf(devices(0x10, 0x12, 0x15, 0x19)))

			Expect(loggedInDevices(sim)).To(Equal(devices(0x17, 0x20)), "the young login and the other phone stay")
			Expect(requestsOf(sim, "listPhone")).To(Equal(slices.Repeat([]string{hotdeskPattern}, 4)), "four pages of 5")
			queries := requestsOf(sim, "deviceUserQuery")
			Expect(queries).To(HaveLen(6), "sixteen devices, three a query")
			all := make([]int, 16)
			for i := range all {
				all[i] = 0x10 + i
			}
			Expect(strings.Split(strings.Join(queries, ","), ",")).To(ConsistOf(devices(all...)))
			Expect(requestsOf(sim, "logout")).To(Equal(devices(0x10, 0x12, 0x15, 0x19)), "one logout per old login, none twice")

			Eventually(sweepActions).WithArguments(db).WithTimeout(10*time.Second).Should(Equal([]string{
				"logout " + hot(0x10) + " sweep:hotdesk 0", "logout " + hot(0x12) + " sweep:hotdesk 0",
				"logout " + hot(0x15) + " sweep:hotdesk 0", "logout " + hot(0x19) + " sweep:hotdesk 0",
			}), "each logout is in the history with the sweep as its actor")
			Eventually(sweepRuns).WithArguments(db).Should(ContainElement(sweepRun{State: "done", Manual: 1,
				Examined: 16, LoggedIn: 5, LoggedOut: 4, Spared: 1}), "the run's report is kept")
		})

		It("reports with dryRun what it would do and changes nothing", func() {
			runs, err := sweepRuns(db)
			Expect(err).NotTo(HaveOccurred())
			rep := runSweep(svc, "hotdesk", true)
			Expect(rep.Code).To(Equal(0), rep.Text)
			Expect(rep.Text).To(Equal("Sweep hotdesk would log out 4 device(s)"))
			Expect(rep.DryRun).To(Equal("true"))
			Expect(rep).To(haveCounts(16, 5, 4, 1, 0))
			Expect(rep.Devices).To(ConsistOf(devices(0x10, 0x12, 0x15, 0x19)))

			Expect(loggedInDevices(sim)).To(Equal(devices(0x10, 0x12, 0x15, 0x17, 0x19, 0x20)))
			Expect(requestsOf(sim, "logout")).To(BeEmpty())
			Expect(sweepRuns(db)).To(Equal(runs), "a dry run keeps no report")
		})

		It("counts a logout CUCM refuses by its code and goes on with the others", func() {
			sim.AddFault("R", Fault{Operation: "logout", Device: hot(0x12), EMCode: emCode(6)})
			rep := runSweep(svc, "hotdesk", false)
			Expect(rep.Code).To(Equal(0), rep.Text)
			Expect(rep.LoggedOut).To(Equal(3))
			Expect(rep.Failed).To(Equal(1))
			Expect(rep.Failures).To(Equal("6:1"))
			Expect(loggedInDevices(sim)).To(Equal(devices(0x12, 0x17, 0x20)))
		})
	})

	Context("when the request is not a run", func() {
		DescribeTable("answers its code and runs nothing",
			func(path, xmlDoc string, want int) {
				status, body := postSweep(svc, path, xmlDoc)
				Expect(status).To(Equal(http.StatusOK))
				Expect(decodeResult(body).Code).To(Equal(want), body)
				Expect(requestsOf(sim, "listPhone")).To(BeEmpty())
			},
			Entry("an unknown sweep: 1099", "/api/runsweep/daytime", demoCredsXML, 1099),
			Entry("no name: 1099", "/api/runsweep", demoCredsXML, 1099),
			Entry("an empty name: 1099", "/api/runsweep/", demoCredsXML, 1099),
			Entry("a name of invalid bytes: 1012", "/api/runsweep/%FF%FE", demoCredsXML, 1012),
			Entry("a name with a control character: 1012", "/api/runsweep/hot%00desk", demoCredsXML, 1012),
			Entry("a huge name: 1012", "/api/runsweep/"+strings.Repeat("n", 5000), demoCredsXML, 1012),
			Entry("no credentials: 1007", "/api/runsweep/hotdesk", "<request></request>", 1007),
			Entry("a dryRun that is not a boolean: 1012", "/api/runsweep/hotdesk", strings.Replace(demoCredsXML, "</request>", "<dryRun>perhaps</dryRun></request>", 1), 1012),
		)

		It("refuses the credentials CUCM refuses, with CUCM's code", func() {
			bad := strings.Replace(demoCredsXML, appCert, "wrong", 1)
			status, body := postSweep(svc, "/api/runsweep/hotdesk", bad)
			Expect(status).To(Equal(http.StatusOK))
			rep := decodeSweep(body)
			Expect(rep.Code).To(Equal(3), body)
			Expect(rep.Text).To(HavePrefix("Sweep hotdesk failed in cluster R: "))
			Expect(rep.Failures).To(Equal("3:1"))
			Expect(requestsOf(sim, "logout")).To(BeEmpty())
			Expect(body).NotTo(ContainSubstring("wrong"), "the certificate is never echoed")
		})
	})

	Context("when a flood of runsweep requests arrives at once", func() {
		BeforeEach(func() { seedHotdesks(sim, svc, sqliteLogins(db)) })

		It("runs the sweep once at a time: the others get 1097, no phone is logged out twice", func() {
			const flood = 20
			codes := make(chan int, flood)
			var wg sync.WaitGroup
			for range flood {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer GinkgoRecover()
					status, body := postSweep(svc, "/api/runsweep/hotdesk", demoCredsXML)
					Expect(status).To(Equal(http.StatusOK))
					codes <- decodeSweep(body).Code
				}()
			}
			wg.Wait()
			close(codes)
			seen := map[int]int{}
			for c := range codes {
				seen[c]++
			}
			Expect(seen[0]).To(BeNumerically(">=", 1))
			Expect(seen[0]+seen[1097]).To(Equal(flood), "only successes and 1097: %v", seen)
			Expect(requestsOf(sim, "logout")).To(Equal(devices(0x10, 0x12, 0x15, 0x19)), "each old login logged out once")
			Expect(loggedInDevices(sim)).To(Equal(devices(0x17, 0x20)))
		})
	})
})

var _ = Describe("POST /api/runsweep/{name} without schedules", Ordered, func() {
	sim := UseSim(replicasTopology)
	It("answers 1098: sweeps are not configured", func() {
		svc := NewService(sim, ServiceOptions{Clusters: []string{"R"}, Default: "R"})
		status, body := postSweep(svc, "/api/runsweep/hotdesk", demoCredsXML)
		Expect(status).To(Equal(http.StatusOK))
		Expect(decodeResult(body).Code).To(Equal(1098), body)
	})
})

var _ = Describe("a scheduled sweep", Ordered, func() {
	sim := UseSim(replicasTopology)

	It("runs at its time of day, as the schedules' app user, and keeps its report", func() {
		svc, db := sweepService(sim, soon(15*time.Second))
		seedHotdesks(sim, svc, sqliteLogins(db))
		Eventually(loggedInDevices, 60*time.Second, 200*time.Millisecond).WithArguments(sim).Should(Equal(devices(0x17, 0x20)))
		Eventually(sweepRuns).WithArguments(db).WithTimeout(10 * time.Second).Should(Equal([]sweepRun{{State: "done", Manual: 0,
			Examined: 16, LoggedIn: 5, LoggedOut: 4, Spared: 1}}))
		for _, r := range sim.Requests("R") {
			if r.Operation == "logout" || r.Operation == "deviceUserQuery" {
				Expect(r.AppID).To(Equal(appID), "the schedules' EM app user")
			}
		}
	})
})
