package features

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The soak: thousands of mixed requests from many clients at once, against two clusters whose
// nodes fail at random (every fault kind, drawn with the simulator's seeded probability) and
// go down and come back in the middle of the run. Every answer must be a documented code that
// fits what the client knew about the phone, and at the end CUCM's logins must be exactly what
// the successful answers said.
//
// Why the final check is exact: every phone has its own users (rfPhone), so no login reaches
// across phones; a client sends one request per phone at a time and updates its knowledge from
// each answer; an unknown outcome (1010) is settled by asking who is on the phone. The only
// other way CUCM could change behind the answers is a node that dies while it holds a request
// (it may finish that request after the service looked elsewhere), so the nodes go down and up
// between requests: the clients pause for that moment (rfGate), and go on while it is down.

const (
	rfSoakWorkers  = 32
	rfSoakRequests = 3008 // 94 per worker
	// rfSoakNodeTimeout is far above any healthy answer time on a loaded machine: a healthy
	// request that timed out could still be carried out after the service looked elsewhere.
	rfSoakNodeTimeout = time.Second
)

// rfSoakPhones are the demo topology's phones of EU and US with their own users. Users that
// CUCM always refuses (rfRefused) and phones without users of their own, with Extension
// Mobility disabled, or unknown to CUCM add the documented refusals to the mix.
func rfSoakPhones() []*rfPhone {
	eu := func(name string, kind rfPhoneKind, users ...string) *rfPhone {
		return &rfPhone{cluster: "EU", name: name, kind: kind, users: users, sameUserRelogin: []int{18, 0}}
	}
	us := func(name string, kind rfPhoneKind, users ...string) *rfPhone {
		return &rfPhone{cluster: "US", name: name, kind: kind, users: users, sameUserRelogin: []int{0}}
	}
	return []*rfPhone{
		eu(euDevice1, rfNormal, almUser, euUser02, euLocked),
		eu(euDevice2, rfNormal, euUser03, "EUUSER04", euNoProf),
		eu("SEP003094C25B15", rfNormal, "EUUSER05", "EUUSER06"),
		eu("SEP003094C25B49", rfNormal, emAtUser, euSelf),
		eu("SEP402CF4915265", rfNormal, euRoamer, euNoEMCCU),
		eu(euPlain1, rfNormal, euLocked, euNoProf),
		eu(euPlain2, rfNormal, euNoProf),
		eu("SEPE00000000003", rfNormal),
		eu("SEPE00000000004", rfNormal),
		eu("SEPE00000000005", rfNormal),
		eu("SEPE00000000006", rfNormal),
		eu(dupDevice, rfNormal),
		eu(euEMDisabled, rfEMDisabled, euNoProf),
		eu(unknownDevice, rfUnknown, euLocked),
		us(usPlain1, rfNormal, usUser02, usUser03),
		us(usPlain2, rfNormal, "USUSER04", "USROAM01"),
		us("SEPA00000000003", rfNormal, "USNOEMCC"),
		us("SEPA00000000004", rfNormal),
		us("SEPA00000000005", rfNormal),
		us("SEPA00000000006", rfNormal),
		us(dupDevice, rfNormal),
		us(usEMDisabled, rfEMDisabled, "USNOEMCC"),
	}
}

// rfSoakFaults are injected on every node of both clusters, each drawn on its own with the
// given probability (about one request in six meets one). Latencies are far past the node
// timeout: the simulator drops such a request when the service gives up on it, so it is
// never carried out late. emCode faults are never "after": CUCM would be lying.
func rfSoakFaults() []rfSoakFault {
	return []rfSoakFault{
		{Fault{Latency: "10s"}, 0.004},
		{Fault{Latency: "10s", After: true}, 0.004},
		{Fault{Drop: true}, 0.02},
		{Fault{Drop: true, After: true}, 0.02},
		{Fault{HTTPStatus: 503}, 0.02},
		{Fault{HTTPStatus: 500, After: true}, 0.02},
		{Fault{Body: "malformed"}, 0.01},
		{Fault{Body: "truncated", After: true}, 0.02},
		{Fault{Body: "empty", After: true}, 0.01},
		{Fault{EMCode: emCode(6)}, 0.01},
		{Fault{EMCode: emCode(26)}, 0.02},
	}
}

// rfDocumented reports whether code is in the table of codes of cmd/bcservice/README.md.
func rfDocumented(code int) bool {
	return code >= 0 && code <= 38 || slices.Contains([]int{404, 405, 413, 500}, code) || code >= 1001 && code <= 1015
}

// rfTakePhone locks a phone no other client is using, looking from phones[i] on, so that a
// phone held up by a slow node does not hold up the clients that picked it; when every
// phone is in use it waits for phones[i].
func rfTakePhone(phones []*rfPhone, i int) *rfPhone {
	for k := range phones {
		if p := phones[(i+k)%len(phones)]; p.mu.TryLock() {
			return p
		}
	}
	phones[i].mu.Lock()
	return phones[i]
}

// rfGate lets clients run requests side by side (Enter/Leave) and lets the spec change the
// topology between requests (Hold/Release).
type rfGate struct{ sync.RWMutex }

func (g *rfGate) Enter()   { g.RLock() }
func (g *rfGate) Leave()   { g.RUnlock() }
func (g *rfGate) Hold()    { g.Lock() }
func (g *rfGate) Release() { g.Unlock() }

// rfSoakStep sends one random request of the soak's mix (45% login of one of the phone's
// users, 25% logout, the rest getloggedinuser) for a random phone, holding the phone and the
// gate, and returns what rfExercise found.
func rfSoakStep(c *http.Client, svc *Service, phones []*rfPhone, rnd *rand.Rand, gate *rfGate) (problems []string, codes []int) {
	p := rfTakePhone(phones, rnd.IntN(len(phones)))
	defer p.mu.Unlock()
	op, user := "getloggedinuser", ""
	switch r := rnd.IntN(100); {
	case r < 45 && len(p.users) > 0:
		op, user = "login", p.users[rnd.IntN(len(p.users))]
	case r < 70:
		op = "logout"
	}
	gate.Enter()
	defer gate.Leave()
	return rfExercise(c, svc, p, op, user, append(rfTransient(), 1010))
}

// rfSoakFault is the fault body with probability, which the scaffold's Fault leaves out.
type rfSoakFault struct {
	Fault
	Probability float64 `json:"probability,omitempty"`
}

var _ = Describe("bcservice soak", Ordered, func() {
	sim := UseSim(demoTopology)
	var svc *Service
	BeforeAll(func() {
		svc = rbStartService(sim, ServiceOptions{Clusters: []string{"EU", "US"}, Timeout: rfSoakNodeTimeout, RequestTimeout: 8 * time.Second},
			map[string]any{"breakerCooldown": "300ms", "busyRetryBase": "10ms", "busyRetryMax": "50ms"})
	})

	It("answers thousands of mixed requests under random faults and node outages with documented codes, and CUCM ends where the answers say", func() {
		for _, cluster := range []string{"EU", "US"} {
			for _, f := range rfSoakFaults() {
				var out struct {
					ID string `json:"id"`
				}
				sim.admin(http.MethodPost, "/v1/clusters/"+cluster+"/faults", f, http.StatusCreated, &out)
			}
		}
		phones := rfSoakPhones()
		c := rbClient()
		var gate rfGate
		var done atomic.Int64
		var mu sync.Mutex
		var problems []string
		codes := map[int]int{}
		start := time.Now()
		var wg sync.WaitGroup
		for w := range rfSoakWorkers {
			wg.Go(func() {
				defer GinkgoRecover()
				rnd := rand.New(rand.NewPCG(uint64(w), 20261123))
				for range rfSoakRequests / rfSoakWorkers {
					bad, got := rfSoakStep(c, svc, phones, rnd, &gate)
					done.Add(1)
					mu.Lock()
					problems = append(problems, bad...)
					for _, code := range got {
						codes[code]++
					}
					mu.Unlock()
				}
			})
		}
		// Outages in the middle of the run, each between two requests of every client. The
		// wait for the run to get there is generous: it costs nothing when the requests flow,
		// and a quarter of the run is hundreds of requests to race-built processes.
		outage := func(at int, change func()) {
			Eventually(done.Load).WithTimeout(2 * time.Minute).WithPolling(time.Millisecond).Should(BeNumerically(">=", at))
			gate.Hold()
			defer gate.Release()
			change()
		}
		outage(rfSoakRequests/4, func() { sim.NodeDown("EU", "eu-pub") })
		outage(rfSoakRequests/2, func() { sim.NodeUp("EU", "eu-pub"); sim.NodeDown("US", "us-sub1") })
		outage(rfSoakRequests*3/4, func() { sim.NodeUp("US", "us-sub1") })
		wg.Wait()
		elapsed := time.Since(start)

		total := 0
		for _, n := range codes {
			total += n
		}
		GinkgoWriter.Printf("soak: %d answers in %v, codes %v\n", total, elapsed.Round(time.Millisecond), codes)
		Expect(done.Load()).To(BeEquivalentTo(rfSoakRequests), "every request was answered")
		Expect(problems).To(BeEmpty(), "answers that do not fit the phone's state")
		Expect(slices.Collect(maps.Keys(codes))).To(HaveEach(Satisfy(rfDocumented)), "codes %v", codes)
		rfExpectSimMatches(sim, phones)

		// The run proves something only if the faults did strike and lost answers were
		// reconciled.
		hits := 0
		for _, cluster := range []string{"EU", "US"} {
			for _, f := range sim.Faults(cluster) {
				h, _ := f["hits"].(float64)
				hits += int(h)
			}
		}
		Expect(hits).To(BeNumerically(">=", 200), "faults struck %d times", hits)
		Expect(strings.Count(rbProcessOutput(svc.Session()), "reconciled lost answer")).To(BeNumerically(">=", 20))
		rbExpectAlive(svc)
		rbExpectNoSecrets(fmt.Sprintf("soak (%d requests)", total), svc.Session(), sim.Session())
	})
})
