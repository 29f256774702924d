package features

import (
	"fmt"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// Replicas (README.md, "Replicas"): three bcservice processes with coordination: postgres in
// front of one simulated cluster R whose CUCM takes 5 concurrent logins/logouts, sharing a
// real PostgreSQL (a throwaway server) for their budget, their device locks, their dashboard
// sessions and their history.
var _ = Describe("replicas coordinated through PostgreSQL", Ordered, func() {
	const slots = 5
	const loginLatency = 200 * time.Millisecond
	sim := UseSim(replicasTopology)
	var (
		pg       *Postgres
		dsn      string
		replicas []*Replica
	)
	BeforeAll(func() {
		pg = StartPostgres()
		dsn = pg.NewDB()
		replicas = startReplicas(sim, 3, dsn)
	})

	It("keeps a burst of 200 logins through all replicas within CUCM's 5 slots: every login 0, no 26, within 1.05 x the physical limit", func() {
		sim.AddFault("R", Fault{Operation: "login", Latency: loginLatency.String()})
		const n = 200
		start := time.Now()
		answers := burst(replicas, 0, n)
		elapsed := time.Since(start)
		limit := time.Duration(n/slots) * loginLatency
		AddReportEntry("burst of 200 over 3 replicas", fmt.Sprintf("%v, %.3f x the physical limit %v",
			elapsed.Round(time.Millisecond), float64(elapsed)/float64(limit), limit))
		var ts []time.Time
		for _, r := range sim.Requests("R") {
			if r.Operation == "login" {
				t, _ := time.Parse(time.RFC3339Nano, r.Time)
				ts = append(ts, t)
			}
		}
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		GinkgoWriter.Printf("XDBG first login %v after start, last %v after start; n=%d\n", ts[0].Sub(start), ts[len(ts)-1].Sub(start), len(ts))
		for i := 5; i < len(ts); i += 5 {
			GinkgoWriter.Printf("XDBG wave %d at %v (+%v)\n", i/5, ts[i].Sub(start), ts[i].Sub(ts[i-5]))
		}
		Expect(codesOf(answers)).To(Equal(map[int]int{0: n}))
		Expect(busyAnswers(sim, "R")).To(BeZero(), "CUCM never had more than its 5 requests at once")
		Expect(sim.Logins("R")).To(HaveLen(n))
		Expect(elapsed).To(BeNumerically("<=", limit*105/100), "physical limit %v", limit)
		Eventually(pg.Count).WithArguments(dsn, advisoryLocksQuery).Should(BeZero(), "every slot and device lock given back")
	})
})
