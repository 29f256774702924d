package features

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The long soak (make soak): the mixed requests, faults and node outages of the soak above,
// for SOAK_DURATION instead of a fixed count, with the memory (RSS) of both processes and
// bcservice's goroutines sampled once warmed up and at the end. Neither may grow without
// bound: end <= 2 x start + slack. Skipped unless SOAK_DURATION is set; SOAK_REPORT names a
// file for the report.

const (
	// lsWarmUp is run before the first sample: pools, caches and breakers fill up first.
	lsWarmUp = 15 * time.Second
	// lsFlapEvery is the time between node outages (each one goes down, then up).
	lsFlapEvery = 20 * time.Second
	// Slack of the growth bounds: allocator and scheduler noise, not a leak.
	lsRSSSlackKiB    = 32 << 10
	lsGoroutineSlack = 64
)

// lsSample is one measurement of both processes.
type lsSample struct {
	at                   time.Duration
	svcRSSKiB, simRSSKiB int
	goroutines           int
}

var _ = Describe("bcservice long soak", Ordered, func() {
	duration, err := time.ParseDuration(os.Getenv("SOAK_DURATION"))
	if err != nil {
		return // not asked for: no spec at all, so make test lists nothing to skip
	}
	sim := UseSim(demoTopology)
	var svc *Service
	BeforeAll(func() {
		svc = rbStartService(sim, ServiceOptions{Clusters: []string{"EU", "US"}, Timeout: rfSoakNodeTimeout, RequestTimeout: 8 * time.Second},
			map[string]any{"breakerCooldown": "300ms", "busyRetryBase": "10ms", "busyRetryMax": "50ms"})
	})

	It("keeps answering with documented codes for SOAK_DURATION without growing memory or goroutines", func() {
		for _, cluster := range []string{"EU", "US"} {
			for _, f := range rfSoakFaults() {
				sim.admin(http.MethodPost, "/v1/clusters/"+cluster+"/faults", f, http.StatusCreated, nil)
			}
		}
		phones := rfSoakPhones()
		c := rbClient()
		var (
			gate     rfGate
			done     atomic.Int64
			stop     atomic.Bool
			mu       sync.Mutex
			problems []string
			codes    = map[int]int{}
			wg       sync.WaitGroup
		)
		start := time.Now()
		for w := range rfSoakWorkers {
			wg.Go(func() {
				defer GinkgoRecover()
				rnd := rand.New(rand.NewPCG(uint64(w), 20261201))
				for !stop.Load() {
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
		sample := func() lsSample {
			return lsSample{at: time.Since(start), svcRSSKiB: lsRSS(svc.Session().Command.Process.Pid),
				simRSSKiB: lsRSS(sim.Session().Command.Process.Pid), goroutines: lsGoroutines(svc)}
		}
		time.Sleep(lsWarmUp)
		first := sample()
		flaps := 0
		nodes := [][2]string{{"EU", "eu-pub"}, {"US", "us-sub1"}}
		for time.Since(start) < duration {
			time.Sleep(min(lsFlapEvery, max(duration-time.Since(start), 0)))
			n := nodes[flaps%len(nodes)]
			// Down and up between requests, as in the soak above.
			gate.Hold()
			sim.NodeDown(n[0], n[1])
			gate.Release()
			time.Sleep(2 * time.Second)
			gate.Hold()
			sim.NodeUp(n[0], n[1])
			gate.Release()
			flaps++
		}
		stop.Store(true)
		wg.Wait()
		last := sample()

		report := lsReport(duration, done.Load(), flaps, codes, first, last)
		GinkgoWriter.Print(report)
		if path := os.Getenv("SOAK_REPORT"); path != "" {
			Expect(os.WriteFile(path, []byte(report), 0o644)).To(Succeed())
		}
		Expect(problems).To(BeEmpty(), "answers that do not fit the phone's state")
		Expect(slices.Collect(maps.Keys(codes))).To(HaveEach(Satisfy(rfDocumented)), "codes %v", codes)
		rfExpectSimMatches(sim, phones)
		Expect(last.svcRSSKiB).To(BeNumerically("<=", 2*first.svcRSSKiB+lsRSSSlackKiB), "bcservice RSS grew")
		Expect(last.simRSSKiB).To(BeNumerically("<=", 2*first.simRSSKiB+lsRSSSlackKiB), "cucmsim RSS grew")
		Expect(last.goroutines).To(BeNumerically("<=", 2*first.goroutines+lsGoroutineSlack), "bcservice goroutines grew")
		rbExpectAlive(svc)
	})
})

// lsReport renders the soak's figures: requests, answers by code (the error kinds), and the
// two samples.
func lsReport(d time.Duration, requests int64, flaps int, codes map[int]int, first, last lsSample) string {
	var b strings.Builder
	fmt.Fprintf(&b, "soak %s (%s): %d requests, %d node outages\n", d, time.Now().UTC().Format("2006-01-02"), requests, flaps)
	b.WriteString("answers by code:")
	for _, code := range slices.Sorted(maps.Keys(codes)) {
		fmt.Fprintf(&b, " %d=%d", code, codes[code])
	}
	b.WriteString("\n")
	for _, s := range []struct {
		name string
		lsSample
	}{{"start", first}, {"end", last}} {
		fmt.Fprintf(&b, "%-5s at %6s: bcservice RSS %d KiB, cucmsim RSS %d KiB, bcservice goroutines %d\n",
			s.name, s.at.Round(time.Second), s.svcRSSKiB, s.simRSSKiB, s.goroutines)
	}
	return b.String()
}

// lsRSS is the resident set size of process pid in KiB (VmRSS in /proc/PID/status).
func lsRSS(pid int) int {
	GinkgoHelper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			Expect(err).NotTo(HaveOccurred())
			return n
		}
	}
	Fail("no VmRSS for process " + strconv.Itoa(pid))
	return 0
}

// lsGoroutines reads go_goroutines from bcservice's /metrics.
func lsGoroutines(svc *Service) int {
	GinkgoHelper()
	res, err := apiHTTPClient().Get(svc.BaseURL() + "/metrics")
	Expect(err).NotTo(HaveOccurred())
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	Expect(err).NotTo(HaveOccurred())
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			Expect(err).NotTo(HaveOccurred())
			return int(n)
		}
	}
	Fail("no go_goroutines on /metrics")
	return 0
}
