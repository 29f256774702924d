package features

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// Replicas behind a load balancer (cmd/bcservice/README.md, "Replicas"): a real HAProxy runs
// the manual's own haproxy.cfg, addresses substituted, in front of two replicas coordinated through a
// throwaway PostgreSQL. Without HAProxy the specs skip, except under CI, where they fail
// (.ci/run installs it).
var _ = Describe("replicas behind HAProxy", Ordered, func() {
	sim := UseSim(replicasTopology)
	var (
		replicas []*Replica
		lb       *HAProxy
	)
	BeforeAll(func() {
		bin := haproxyBinary()
		pg := StartPostgres()
		// The manual's drain delay: HAProxy takes a stopping replica out before its listener
		// closes.
		replicas = startReplicasOf(binaries.Service, sim, 2, pg.NewDB(), replicaDrainDelay)
		lb = startHAProxy(bin, replicas)
	})

	It("spreads logins over both replicas", func() {
		before := []float64{loginsServed(replicas[0]), loginsServed(replicas[1])}
		const n = 20
		answers := lb.logins(0, n)
		Expect(codesOf(answers)).To(Equal(map[int]int{0: n}))
		// A replica counts a request once its answer is written, so the count may lag a moment.
		served := func() []float64 {
			return []float64{loginsServed(replicas[0]) - before[0], loginsServed(replicas[1]) - before[1]}
		}
		Eventually(func() float64 { s := served(); return s[0] + s[1] }).Should(BeNumerically("==", n), "each login served once")
		Expect(served()).To(HaveEach(BeNumerically(">", 0)), "both replicas served logins")
		Expect(sim.Logins("R")).To(HaveLen(n))
	})

	It("keeps a dashboard session signed in through HAProxy valid on every replica", func() {
		cookie := cookieHeader(signInCookie(lb.Dashboard, "admin", replicaPassword))
		for i, r := range replicas {
			status, _, _ := fetchWithCookie(r.Dashboard+"/api/history?limit=1", cookie)
			Expect(status).To(Equal(http.StatusOK), "replica %d knows the session", i)
		}
		for range 4 { // round robin: both replicas serve some of them
			status, _, _ := fetchWithCookie(lb.Dashboard+"/api/history?limit=1", cookie)
			Expect(status).To(Equal(http.StatusOK))
		}
		status, _, _ := fetchWithCookie(lb.Dashboard+"/api/history?limit=1", "")
		Expect(status).To(Equal(http.StatusUnauthorized), "without the session")
	})

	It("answers with bcservice's codes, not HAProxy's 503, when CUCM is unreachable from every replica", func() {
		mark := lb.mark()
		for _, node := range sim.Nodes("R") {
			sim.NodeDown("R", node)
		}
		// Long enough for every primary server to fail its /readyz checks (fall 2, inter 2s,
		// readiness cached 2s: about 6 s), so the backup servers carry the traffic at the end;
		// 12 s leaves a loaded machine twice that.
		Consistently(func(g Gomega) {
			a, err := lb.post(rbClient(), "/api/login/"+genDevice(30)+"/"+genUser(30))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(a.Status).To(Equal(http.StatusOK), "%v", a)
			g.Expect(a.Code()).To(BeNumerically(">", 0), "an EM or service code: %v", a)
		}).WithTimeout(12 * time.Second).WithPolling(250 * time.Millisecond).Should(Succeed())
		Expect(lb.since(mark)).To(ContainSubstring("bcservice_api/bc1-any"), "the backup lines served")

		mark = lb.mark()
		for _, node := range sim.Nodes("R") {
			sim.NodeUp("R", node)
		}
		Eventually(func(g Gomega) {
			g.Expect(lb.since(mark)).To(And(ContainSubstring("Server bcservice_api/bc1 is UP"),
				ContainSubstring("Server bcservice_api/bc2 is UP")))
		}).WithTimeout(20*time.Second).Should(Succeed(), "the replicas are back in the pool")
	})

	It("keeps serving while a replica drains on SIGTERM, and the dashboard session stays valid", func() {
		sim.AddFault("R", Fault{Operation: "login", Latency: "100ms"})
		cookie := cookieHeader(signInCookie(replicas[1].Dashboard, "admin", replicaPassword))
		const from, to = 100, 160
		mark := lb.mark()
		var answered atomic.Int32
		done := make(chan []change)
		go func() { done <- lb.loginsCounting(from, to, &answered) }()
		Eventually(answered.Load).WithTimeout(20*time.Second).Should(BeNumerically(">=", 10), "logins flowing")

		Expect(lb.since(mark)).To(ContainSubstring("bcservice_api/bc2 "), "the replica to stop was serving")
		stopped := replicas[1].Session()
		stopped.Terminate()
		Eventually(stopped).WithTimeout(replicaDrainDelay+stopTimeout).Should(gexec.Exit(0), "the replica drained and exited")
		Expect(string(stopped.Err.Contents())).To(ContainSubstring("/readyz answers 503 while the load balancer notices"))
		Expect(string(stopped.Err.Contents())).To(ContainSubstring("draining in-flight requests"))
		Expect(lb.since(mark)).To(ContainSubstring("Server bcservice_api/bc2 is DOWN"), "HAProxy took it out while it still served")

		var answers []change
		Eventually(done).WithTimeout(60 * time.Second).Should(Receive(&answers))
		Expect(codesOf(answers)).To(Equal(map[int]int{0: to - from}), "no request lost to the drain")

		before := loginsServed(replicas[0])
		Expect(codesOf(lb.logins(to, to+10))).To(Equal(map[int]int{0: 10}))
		Eventually(func() float64 { return loginsServed(replicas[0]) - before }).Should(BeNumerically("==", 10),
			"the remaining replica serves them all")

		for range 3 {
			status, _, _ := fetchWithCookie(lb.Dashboard+"/api/history?limit=1", cookie)
			Expect(status).To(Equal(http.StatusOK), "the session outlives the replica it was made on")
		}
	})
})

// replicaDrainDelay is the manual's server.drainDelay for replicas behind HAProxy: longer
// than its checks need to take a replica out (fall 2 × inter 2s, plus a check's timeout).
const replicaDrainDelay = 6 * time.Second

// cookieHeader is the Cookie header that sends c.
func cookieHeader(c *http.Cookie) string { return c.Name + "=" + c.Value }

// HAProxy is a running haproxy process in front of replicas: its API and dashboard URLs.
type HAProxy struct {
	API, Dashboard string
	session        *gexec.Session
}

// haproxyConfigMarker precedes the haproxy.cfg block of haproxyManual ("Replicas").
const haproxyConfigMarker = "<!-- haproxy.cfg -->"

// haproxyManual is the manual whose haproxy.cfg the spec runs.
const haproxyManual = "cmd/bcservice/README.md"

// haproxyBinary finds haproxy ($HAPROXY, $PATH, /usr/sbin); without it the spec skips, or
// fails under CI.
func haproxyBinary() string {
	GinkgoHelper()
	if p := os.Getenv("HAPROXY"); p != "" {
		return p
	}
	if p, err := exec.LookPath("haproxy"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/haproxy"); err == nil {
		return "/usr/sbin/haproxy"
	}
	msg := "haproxy not found (apt-get install -y haproxy, or HAPROXY=/path)"
	if os.Getenv("CI") != "" {
		Fail(msg)
	}
	skipForWant(msg)
	return ""
}

// startHAProxy writes the manual's haproxy.cfg for two replicas and free local ports, checks
// it with haproxy -c and runs haproxy in the foreground (-db) until the calling node's scope
// ends, when it is stopped by its own PID.
func startHAProxy(bin string, replicas []*Replica) *HAProxy {
	GinkgoHelper()
	Expect(replicas).To(HaveLen(2), "the README's snippet has two replicas")
	api, dash := freeAddr(), freeAddr()
	cfg := haproxyConfig(readmeBlock(haproxyConfigMarker), api, dash, replicas)
	path := filepath.Join(GinkgoT().TempDir(), "haproxy.cfg")
	Expect(os.WriteFile(path, []byte(cfg), 0o600)).To(Succeed())
	GinkgoWriter.Printf("haproxy.cfg:\n%s\n", cfg)

	check, err := gexec.Start(exec.Command(bin, "-c", "-f", path), GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	Eventually(check).WithTimeout(startTimeout).Should(gexec.Exit(0), "haproxy -c accepts the README's config")

	s, err := gexec.Start(exec.Command(bin, "-db", "-f", path), GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred(), "starting haproxy")
	lb := &HAProxy{API: "http://" + api, Dashboard: "http://" + dash, session: s}
	DeferCleanup(lb.stop)
	trackProcess(s, api, dash)
	Eventually(func() (int, error) { return statusOf(lb.API + "/readyz") }).WithTimeout(startTimeout).
		Should(Equal(http.StatusOK), "HAProxy forwards to a ready replica")
	return lb
}

// logMark is a position in haproxy's output (stdout, stderr).
type logMark [2]int

// mark is the current end of haproxy's output.
func (h *HAProxy) mark() logMark {
	return logMark{len(h.session.Out.Contents()), len(h.session.Err.Contents())}
}

// since is what haproxy wrote after m: its request log (stdout) and its server state
// changes (stderr).
func (h *HAProxy) since(m logMark) string {
	return string(h.session.Out.Contents()[m[0]:]) + string(h.session.Err.Contents()[m[1]:])
}

// stop ends haproxy (SIGTERM to its PID, then SIGKILL) and checks its log for secrets.
func (h *HAProxy) stop() {
	h.session.Terminate()
	if !Eventually(h.session).WithTimeout(stopTimeout).Should(gexec.Exit()) {
		h.session.Kill()
	}
	expectSessionHasNoSecrets("haproxy", h.session)
}

// haproxyConfig substitutes the manual's example addresses: the binds with api and dash,
// the servers with the replicas' own addresses. Every example address must be there, so
// that the manual and this substitution cannot drift apart.
func haproxyConfig(readme, api, dash string, replicas []*Replica) string {
	GinkgoHelper()
	subst := map[string]string{
		"bind :8080":     "bind " + api,
		"bind :8081":     "bind " + dash,
		"10.0.0.11:8080": strings.TrimPrefix(replicas[0].BaseURL(), "http://"),
		"10.0.0.12:8080": strings.TrimPrefix(replicas[1].BaseURL(), "http://"),
		"10.0.0.11:8081": strings.TrimPrefix(replicas[0].Dashboard, "http://"),
		"10.0.0.12:8081": strings.TrimPrefix(replicas[1].Dashboard, "http://"),
	}
	for from, to := range subst {
		Expect(readme).To(ContainSubstring(from), "the README's haproxy.cfg has %q", from)
		readme = strings.ReplaceAll(readme, from, to)
	}
	return readme
}

// readmeBlock returns the fenced code block that follows the line marker in haproxyManual.
func readmeBlock(marker string) string {
	GinkgoHelper()
	data, err := os.ReadFile(repoPath(haproxyManual))
	Expect(err).NotTo(HaveOccurred())
	_, after, found := strings.Cut(string(data), "\n"+marker+"\n")
	Expect(found).To(BeTrue(), "%s has the line %q", haproxyManual, marker)
	fence, body, _ := strings.Cut(after, "\n")
	Expect(strings.HasPrefix(fence, "```")).To(BeTrue(), "a fenced block follows %q", marker)
	body, _, found = strings.Cut(body, "\n```")
	Expect(found).To(BeTrue(), "the block after %q is closed", marker)
	return body + "\n"
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr() string {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer l.Close()
	return l.Addr().String()
}

// statusOf GETs url and returns the status.
func statusOf(url string) (int, error) {
	resp, err := (&http.Client{Timeout: httpTimeout}).Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// post sends the demo credentials to path through HAProxy; it never fails the spec, as it
// runs in goroutines.
func (h *HAProxy) post(c *http.Client, path string) (rbAnswer, error) {
	return rbTryPostURL(c, h.API+path, rbGoodCreds())
}

// logins logs user i into device i for i in [from, to) through HAProxy, 4 at a time.
func (h *HAProxy) logins(from, to int) []change {
	var n atomic.Int32
	return h.loginsCounting(from, to, &n)
}

// loginsCounting is logins, counting the answers in answered as they come.
func (h *HAProxy) loginsCounting(from, to int, answered *atomic.Int32) []change {
	c := rbClient()
	defer c.CloseIdleConnections()
	out := make([]change, to-from)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ch := change{Device: genDevice(i), User: genUser(i), Code: -1}
				a, err := h.post(c, "/api/login/"+url.PathEscape(ch.Device)+"/"+url.PathEscape(ch.User))
				ch.Answered = time.Now()
				if err == nil {
					ch.Code = a.Code()
				} else {
					GinkgoWriter.Printf("login %d through HAProxy: %v\n", i, err)
				}
				out[i-from] = ch
				answered.Add(1)
			}
		}()
	}
	for i := from; i < to; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// loginsServed is the replica's count of successful logins (its own /metrics).
func loginsServed(r *Replica) float64 {
	GinkgoHelper()
	return rfMetric(r.Service, "bcservice_requests_total", `code="0",op="login",outcome="success"`)
}
