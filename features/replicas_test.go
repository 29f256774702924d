package features

import (
	"fmt"
	"math"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// Replicas (cmd/bcservice/README.md, "Replicas"): three bcservice processes with coordination: postgres in
// front of one simulated cluster R whose CUCM takes 5 concurrent logins/logouts, sharing a
// real PostgreSQL (a throwaway server) for their budget, their device locks, their dashboard
// sessions and their history.
var _ = Describe("replicas coordinated through PostgreSQL", Ordered, func() {
	const loginLatency = 200 * time.Millisecond
	sim := UseSim(replicasTopology)
	var (
		pg  *Postgres
		dsn string
	)
	BeforeAll(func() {
		pg = StartPostgres()
		dsn = pg.NewDB()
	})

	It("finishes a burst when one replica is killed in its middle, and the budget is whole again at once", func() {
		sim.AddFault("R", Fault{Operation: "login", Latency: loginLatency.String()})
		own := startReplicas(sim, 3, dsn)
		done := make(chan []change, 1)
		go func() {
			defer GinkgoRecover()
			done <- burst(own, 0, 100)
		}()
		// In its middle: some logins done (the whole burst takes 20 CUCM times of 200 ms).
		Eventually(func() int { return len(sim.Logins("R")) }).Should(BeNumerically(">=", 10))
		own[0].Session().Kill() // SIGKILL: no shutdown, no release statement
		Eventually(own[0].Session()).WithTimeout(stopTimeout).Should(gexec.Exit())
		killed := time.Now()
		// Its sessions end with its process, and its slots and device locks with them: at
		// once, which 5 s (generous for a loaded machine) tells from the 10 s that the TCP
		// keepalives would take for a host that vanished.
		Eventually(pg.Count).WithArguments(dsn, sessionsOf(own[0])).WithTimeout(5*time.Second).WithPolling(10*time.Millisecond).
			Should(BeZero(), "the killed replica's sessions are gone")
		AddReportEntry("killed replica's sessions gone after", time.Since(killed).Round(time.Millisecond).String())
		var answers []change
		Eventually(done).WithTimeout(30 * time.Second).Should(Receive(&answers))
		for _, a := range answers {
			if a.Replica == 0 {
				Expect(a.Code).To(BeElementOf(0, -1), "the killed replica answered before it died, or not at all")
				continue
			}
			Expect(a.Code).To(BeZero(), "the surviving replicas finish their part: %+v", a)
		}
		Eventually(pg.Count).WithArguments(dsn, advisoryLocksQuery).Should(BeZero(), "every slot and device lock given back")

		// All five slots serve at once again: five logins take one CUCM time, not two (a slot
		// still held would make the fifth wait for a whole login). A login takes 1 s here, so
		// that the second between one CUCM time and two is slack a loaded machine cannot use
		// up (and a login still ends a second before the replicas' 2 s attempt timeout).
		const heldLogin = time.Second
		sim.ClearFaults("R")
		sim.AddFault("R", Fault{Operation: "login", Latency: heldLogin.String()})
		start := time.Now()
		again := burst(own[1:], 100, 105)
		Expect(codesOf(again)).To(Equal(map[int]int{0: 5}))
		Expect(time.Since(start)).To(BeNumerically("<", 2*heldLogin), "five logins in one CUCM time")
	})

	It("answers every request while PostgreSQL is stopped and started again, on local limits, and keeps the whole history", func() {
		own := StartPostgres()
		ownDSN := own.NewDB()
		two := startReplicas(sim, 2, ownDSN)
		const workers = 4
		stop := make(chan struct{})
		results := make(chan []change, workers)
		for w := range workers {
			go func() {
				defer GinkgoRecover()
				results <- loginLogoutLoop(two, genDevice(150+w), genUser(150+w), stop)
			}()
		}
		time.Sleep(time.Second)
		own.Halt()
		Eventually(func() float64 { return historyMetric(two[0].Service, "bcservice_coordination_shared") }).
			WithTimeout(30*time.Second).Should(BeZero(), "the replica says it is on local limits")
		status := fetchBasic(two[1].Dashboard+"/", "admin", replicaPassword)
		Expect(status).To(ContainSubstring("PostgreSQL unreachable since"), "the status page says so")
		Expect(status).To(ContainSubstring("this replica works on its own limits"))
		time.Sleep(2 * time.Second)
		own.Resume()
		for _, r := range two {
			Eventually(func() float64 { return historyMetric(r.Service, "bcservice_coordination_shared") }).
				WithTimeout(30*time.Second).Should(Equal(1.0), "shared again")
			Expect(historyMetric(r.Service, "bcservice_coordination_fallbacks_total")).To(BeNumerically(">=", 1))
			Expect(string(r.Session().Err.Contents())).To(ContainSubstring("coordination: PostgreSQL unreachable"))
		}
		time.Sleep(time.Second)
		close(stop)
		var all []change
		for range workers {
			all = append(all, <-results...)
		}
		Expect(codesOf(all)).To(Equal(map[int]int{0: len(all)}), "no request failed for the outage")
		Expect(len(all)).To(BeNumerically(">", 40))
		Eventually(own.Count).WithArguments(ownDSN, "SELECT count(*) FROM request_history").
			WithTimeout(60*time.Second).Should(Equal(len(all)), "every answered request is in the shared history")
	})
})

// The burst that measures a wall time, on its own and Serial: under `make test` the feature
// specs run in parallel Ginkgo processes, and Serial specs run after all the others, on a
// machine that only the unit tests may still share (features/README.md, "Parallel specs").
var _ = Describe("replicas coordinated through PostgreSQL: the timed burst", Ordered, Serial, func() {
	const slots = 5
	const loginLatency = 200 * time.Millisecond
	var (
		pg  *Postgres
		dsn string
	)
	BeforeAll(func() {
		pg = StartPostgres()
		dsn = pg.NewDB()
	})

	It("keeps a burst of 200 logins through all replicas within CUCM's 5 slots: every login 0, no 26, within 1.5 x the physical limit", func() {
		// A simulator and replicas of its own, never race-built: this spec measures the
		// service, not the race detector (the other specs run the race-built ones).
		// The bound is the one wall time the suite judges, and the machine runs the unit
		// tests and the other suites meanwhile: 1.5 x the physical limit (the bench's 1.05 x
		// target is judged by make bench, on a quiet machine; the burst measures 1.03 x
		// there). The coordination's own cost is a few ms a wave, so 1.5 x leaves it more
		// than ten times that, and still fails a budget that is not used whole: one split
		// between the replicas (3 of the 5 slots in use, 1.67 x) or given out one at a time.
		sim := NewUntimedSim(replicasTopology)
		sim.AddFault("R", Fault{Operation: "login", Latency: loginLatency.String()})
		timed := startReplicasOf(binaries.ServiceUntimed, sim, 3, dsn, 0)
		// Other test packages may share the machine's CPUs meanwhile, which only adds time:
		// the best of up to three bursts is judged, every one must be right.
		const n = 200
		limit := time.Duration(n/slots) * loginLatency
		best := time.Duration(math.MaxInt64)
		for try := 0; try < 3 && best > limit*150/100; try++ {
			if try > 0 { // the logins, the fault and the request log start afresh
				sim.ResetCluster("R")
				sim.AddFault("R", Fault{Operation: "login", Latency: loginLatency.String()})
			}
			start := time.Now()
			answers := burst(timed, 0, n)
			elapsed := time.Since(start)
			AddReportEntry(fmt.Sprintf("burst %d of 200 over 3 replicas", try+1), fmt.Sprintf("%v, %.3f x the physical limit %v",
				elapsed.Round(time.Millisecond), float64(elapsed)/float64(limit), limit))
			Expect(codesOf(answers)).To(Equal(map[int]int{0: n}))
			Expect(busyAnswers(sim, "R")).To(BeZero(), "CUCM never had more than its 5 requests at once")
			Expect(sim.Logins("R")).To(HaveLen(n))
			best = min(best, elapsed)
		}
		Expect(best).To(BeNumerically("<=", limit*150/100), "physical limit %v", limit)
		Eventually(pg.Count).WithArguments(dsn, advisoryLocksQuery).Should(BeZero(), "every slot and device lock given back")
	})
})

// The storm judges the order of answers as the client sees them arrive, so it too runs on
// its own and Serial: on a machine crowded by the parallel processes, a client goroutine
// woken late can record an answer after the next one for the same phone
// (features/README.md, "Parallel specs").
var _ = Describe("replicas coordinated through PostgreSQL: a storm on a few phones", Ordered, Serial, func() {
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

	It("ends a storm of logins and logouts on a few phones, spread over the replicas, in the state the last answer of each phone implies", func() {
		// CUCM carries a change out at once and answers it later, a login slower than a
		// logout: two requests for one phone that overlapped at CUCM would be answered in the
		// other order than CUCM carried them out. With one lock per phone across the replicas,
		// the next request for a phone reaches CUCM only after the previous one was answered.
		sim.AddFault("R", Fault{Operation: "login", Latency: "60ms", After: true})
		sim.AddFault("R", Fault{Operation: "logout", Latency: "10ms", After: true})
		changes := storm(replicas, 6, 12, 25)

		codes := codesOf(changes)
		for code := range codes {
			Expect(code).To(BeElementOf(0, 18, 19), "every answer is a documented code for the phone's state: %v", codes)
		}
		Expect(codes[0]).To(BeNumerically(">", 50), "the storm changed phones: %v", codes)
		Expect(busyAnswers(sim, "R")).To(BeZero())
		for d := range 6 {
			device := genDevice(d)
			want := lastSuccess(changes, device)
			Expect(deviceUser(sim, device)).To(Equal(want), "phone %s", device)
			Expect(cucmOrder(sim, device)).To(Equal(answerOrder(changes, device)),
				"CUCM carried out phone %s's changes in the order they were answered: one at a time", device)
		}
		Eventually(pg.Count).WithArguments(dsn, advisoryLocksQuery).Should(BeZero())
	})
})
