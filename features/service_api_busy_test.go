package features

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// holdTimeout bounds how long a spec waits for a request to be held inside the simulator
// (generous: it costs nothing when the request arrives).
const holdTimeout = 10 * time.Second

// holdLatency is how long a one-shot latency fault holds a login inside the simulator's busy
// slot: the window in which a spec's next requests must reach the simulator or the service's
// queue, so long that a loaded machine cannot make them miss it, and short enough that the
// request waiting behind it still has half of apiRequestTimeout left.
const holdLatency = "3s"

// inBackground runs call in a goroutine and hands its answer back on the returned channel,
// which the spec must read before it ends (no request outlives its spec).
func inBackground(call func() bcResult) <-chan bcResult {
	out := make(chan bcResult, 1)
	go func() {
		defer GinkgoRecover()
		out <- call()
	}()
	return out
}

// receive waits (bounded) for a background answer.
func receive(ch <-chan bcResult) bcResult {
	GinkgoHelper()
	var got bcResult
	Eventually(ch).WithTimeout(httpTimeout).Should(Receive(&got))
	return got
}

// describeBusy: CUCM answers 26 "Busy, please try again" when its concurrent request limit
// is reached; the service retries with backoff within the request deadline. The service's
// own queue towards a cluster is bounded too (1011).
func describeBusy(env *apiEnv) {
	Describe("POST /api/... when CUCM or the service is busy", func() {
		It("retries a login CUCM answered with 26 and succeeds", func() {
			env.sim.AddFault("EU", Fault{Operation: "login", EMCode: emCode(26), Count: 1})
			Expect(env.post("/api/login/" + euDevice1 + "/" + almUser)).
				To(Equal(loginResult(euDevice1, almUser, 0, loginOK(almUser, euDevice1))))
			reqs := env.sim.Requests("EU")
			Expect(countOp(reqs, "login")).To(Equal(2), "one busy answer, one retry: %v", ops(reqs))
			Expect(env.sim.Logins("EU")).To(ConsistOf(HaveField("User", almUser)))
		})

		It("retries a logout CUCM answered with 26 and succeeds", func() {
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			env.sim.AddFault("EU", Fault{Operation: "logout", EMCode: emCode(26), Count: 2})
			Expect(env.post("/api/logout/" + euDevice1)).To(Equal(logoutResult(euDevice1, 0, logoutOK(euDevice1))))
			Expect(countOp(env.sim.Requests("EU"), "logout")).To(Equal(3))
			Expect(env.sim.Logins("EU")).To(BeEmpty())
		})

		It("passes 26 through when CUCM stays busy until the request deadline", func() {
			env.sim.AddFault("EU", Fault{Operation: "login", EMCode: emCode(26)})
			start := time.Now()
			Expect(env.post("/api/login/" + euDevice1 + "/" + almUser)).
				To(Equal(loginResult(euDevice1, almUser, 26, loginFailed(almUser, euDevice1, "EU", "Busy, please try again"))))
			// The deadline is the feature: answered by it, with 3 s for a loaded machine to
			// deliver the answer (a service that ignored it would retry until the client's
			// httpTimeout gave up).
			Expect(time.Since(start)).To(BeNumerically("<", apiRequestTimeout+3*time.Second), "answered within the deadline")
			Expect(countOp(env.sim.Requests("EU"), "login")).To(BeNumerically(">", 2), "retried with backoff")
			Expect(env.sim.Logins("EU")).To(BeEmpty())
		})

		It("waits out a CUCM whose only slot is taken (LAB) and logs the user in", func() {
			hold := env.sim.AddFault("LAB", Fault{Operation: "login", Device: labDevice1, Latency: holdLatency, Count: 1})
			first := inBackground(func() bcResult { return env.post("/api/login/" + labDevice1 + "/" + labUser + "/LAB") })
			Eventually(func() int { return faultHits(env.sim, "LAB", hold) }).WithTimeout(holdTimeout).WithPolling(pollInterval).Should(Equal(1))

			Expect(env.post("/api/login/" + labDevice2 + "/" + labUser + "/LAB")).
				To(Equal(loginResult(labDevice2, labUser, 0, loginOK(labUser, labDevice2))))
			Expect(receive(first)).To(Equal(loginResult(labDevice1, labUser, 0, loginOK(labUser, labDevice1))))

			reqs := env.sim.Requests("LAB")
			Expect(reqs).To(ContainElement(And(HaveField("Operation", "login"), HaveField("Device", labDevice2), HaveField("Code", 26))),
				"CUCM answered busy at least once")
			Expect(env.sim.Logins("LAB")).To(HaveLen(2))
		})

		Context("when the service's own queue towards the cluster is full", Ordered, func() {
			queued := &apiEnv{sim: env.sim}
			BeforeAll(func() {
				keys := apiClusterTuning()
				keys["maxQueue"] = 1
				queued.svc = newTunedService(env.sim, ServiceOptions{Clusters: []string{"EU"}, MaxConcurrentRequests: 1,
					Timeout: apiNodeTimeout * 4, RequestTimeout: apiRequestTimeout}, keys)
			})

			It("returns 1011 at once to the request that finds no place, and serves the others", func() {
				hold := env.sim.AddFault("EU", Fault{Operation: "login", Device: euPlain1, Latency: holdLatency, Count: 1})
				first := inBackground(func() bcResult { return queued.post("/api/login/" + euPlain1 + "/" + almUser) })
				Eventually(func() int { return faultHits(env.sim, "EU", hold) }).WithTimeout(holdTimeout).WithPolling(pollInterval).Should(Equal(1))

				// One slot (taken) and one place in the queue: of two more logins one waits, one is refused.
				second := inBackground(func() bcResult { return queued.post("/api/login/" + euPlain2 + "/" + euUser02) })
				third := inBackground(func() bcResult { return queued.post("/api/login/" + euDevice2 + "/" + euUser03) })
				answers := []bcResult{receive(second), receive(third)}
				Expect(answers).To(Or(
					ContainElement(loginResult(euPlain2, euUser02, 0, loginOK(euUser02, euPlain2))),
					ContainElement(loginResult(euDevice2, euUser03, 0, loginOK(euUser03, euDevice2)))))
				Expect(answers).To(ContainElement(And(
					HaveField("Code", 1011),
					HaveField("Text", HavePrefix("Service busy towards cluster EU: ")))))
				Expect(receive(first)).To(Equal(loginResult(euPlain1, almUser, 0, loginOK(almUser, euPlain1))))
				Expect(env.sim.Logins("EU")).To(HaveLen(2), "the refused login never reached CUCM")
				Expect(countOp(env.sim.Requests("EU"), "login")).To(Equal(2))
			})
		})
	})
}
