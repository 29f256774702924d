package features

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// Sweeps on two replicas sharing PostgreSQL: one runner per run (cmd/bcservice/README.md,
// "Sweeps", "Exactly once").
var _ = Describe("a scheduled sweep on two replicas (PostgreSQL)", Ordered, func() {
	sim := UseSim(replicasTopology)

	It("runs once: one listing, one logout per old login, one report", func() {
		pg := StartPostgres()
		dsn := pg.NewDB()
		at := soon(25 * time.Second)
		var replicas []*Service
		for i := range 2 {
			configPath := filepath.Join(GinkgoT().TempDir(), fmt.Sprintf("sweep-replica-%d.yaml", i))
			writeServiceConfig(configPath, sim, ServiceOptions{Clusters: []string{"R"}, Default: "R", MaxConcurrentRequests: 5,
				Extra: map[string]any{
					"coordination": "postgres",
					"history":      map[string]any{"dsn": dsn, "flushTimeout": "5s"},
					"schedules":    sweepKeys("hotdesk", at),
				}})
			replicas = append(replicas, startService(configPath, []string{schedCertEnv + "=" + appCert}))
		}
		seedHotdesks(sim, replicas[0], func() int {
			db, err := sql.Open("pgx", dsn)
			Expect(err).NotTo(HaveOccurred())
			defer db.Close()
			var n int
			if err := db.QueryRow("SELECT count(*) FROM request_history WHERE op = 'login' AND code = 0").Scan(&n); err != nil {
				return 0 // not migrated yet
			}
			return n
		})
		Eventually(loggedInDevices, 60*time.Second, 200*time.Millisecond).WithArguments(sim).Should(Equal(devices(0x17, 0x20)))
		Eventually(func() int {
			return pg.Count(dsn, "SELECT count(*) FROM sweep_runs WHERE state = 'done'")
		}).WithTimeout(15 * time.Second).Should(Equal(1))
		// The other replica looks again every 5 s until it finds the run finished.
		Consistently(func() []string { return requestsOf(sim, "listPhone") }, 8*time.Second, 500*time.Millisecond).
			Should(HaveLen(4), "one run: four pages")
		Expect(requestsOf(sim, "logout")).To(Equal(devices(0x10, 0x12, 0x15, 0x19)))
		Expect(pg.Count(dsn, "SELECT count(*) FROM sweep_runs")).To(Equal(1))
		Expect(pg.Count(dsn, "SELECT count(*) FROM request_history WHERE actor = 'sweep:hotdesk'")).To(Equal(4))
	})
})

var _ = Describe("a sweep whose replica is killed in the run (PostgreSQL)", Ordered, func() {
	sim := UseSim(replicasTopology)

	It("is resumed by the other replica once the lease has run out, and no phone is logged out twice", func() {
		pg := StartPostgres()
		dsn := pg.NewDB()
		var replicas []*Service
		for i := range 2 {
			configPath := filepath.Join(GinkgoT().TempDir(), fmt.Sprintf("sweep-kill-%d.yaml", i))
			writeServiceConfig(configPath, sim, ServiceOptions{Clusters: []string{"R"}, Default: "R", MaxConcurrentRequests: 5,
				Extra: map[string]any{
					"coordination": "postgres",
					"history":      map[string]any{"dsn": dsn, "flushTimeout": "5s"},
					// Scheduled 12 hours away: the run here is the runsweep's. A lease of 6 s
					// (30 s by default) lets the other replica resume soon.
					"schedules": withKey(sweepKeys("hotdesk", time.Now().UTC().Add(12*time.Hour).Format("15:04")), "sweepLease", "6s"),
				}})
			replicas = append(replicas, startService(configPath, []string{schedCertEnv + "=" + appCert}))
		}
		all := make([]int, 16)
		for i := range all {
			all[i] = 0x10 + i
			sim.PutLogin("R", hot(all[i]), SeedLogin{User: genUser(all[i])})
		}
		sim.ClearRequests("R")
		// A logout takes 1 s inside CUCM's slot: sixteen take four rounds of five.
		sim.AddFault("R", Fault{Operation: "logout", Latency: "1s"})
		go func() {
			defer GinkgoRecover()
			req, err := http.NewRequest(http.MethodPost, replicas[0].BaseURL()+"/api/runsweep/hotdesk",
				strings.NewReader(url.Values{"xml": {demoCredsXML}}.Encode()))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if resp, err := apiHTTPClient().Do(req); err == nil { // the replica dies before it answers
				resp.Body.Close()
			}
		}()
		// In its middle: some logouts answered.
		Eventually(func() int { return 16 - len(loggedInDevices(sim)) }).WithTimeout(30 * time.Second).Should(BeNumerically(">=", 3))
		replicas[0].Session().Kill() // SIGKILL: the run stays "running", its lease runs out in 6 s
		Eventually(replicas[0].Session()).WithTimeout(stopTimeout).Should(gexec.Exit())
		Expect(loggedInDevices(sim)).NotTo(BeEmpty(), "killed in the middle of the run")

		Eventually(loggedInDevices, 90*time.Second, 500*time.Millisecond).WithArguments(sim).Should(BeEmpty(), "the other replica finished the run")
		Eventually(func() int {
			return pg.Count(dsn, "SELECT count(*) FROM sweep_runs WHERE state = 'done' AND resumed = 1 AND manual = 1")
		}).WithTimeout(15 * time.Second).Should(Equal(1))
		Expect(pg.Count(dsn, "SELECT count(*) FROM sweep_runs")).To(Equal(1))
		// The killed replica's logouts in flight were dropped with their connections (the
		// simulator performs nothing for a client gone during the latency): done ones count.
		Expect(logoutsDone(sim)).To(Equal(devices(all...)), "each phone logged out once")
	})
})
