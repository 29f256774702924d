package features

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// "CUCM faults, survived": every way the simulator can make a CUCM node fail, and what the
// service makes of it. The service tries the other node (or CUCM again, for busy), answers
// code 0, leaves CUCM in the state the answer describes, and never carries a login or logout
// out twice when the node it first asked may already have done it. Helpers of this file and
// of the soak (robust_soak_test.go) start with "rf".

// Timing of the fault specs. The node timeout is far above a loopback round trip (no healthy
// request times out on a 2-core machine loaded by the whole suite under -race: 1 s, hundreds
// of times a round trip) and far below the injected slowness.
const (
	rfNodeTimeout = time.Second
	// rfSlow is an injected CUCM delay well past rfNodeTimeout: the simulator gives up on the
	// request when the service closes the connection, long before the delay ends.
	rfSlow = "5s"
)

// rfQuickRetries are cluster keys that keep CUCM's busy retries short. The breaker is out of
// the way (a node failed in one spec must not change which node the next spec asks first):
// its own Context below switches it on.
func rfQuickRetries() map[string]any {
	return map[string]any{"breakerFailures": 1000, "busyRetryBase": "20ms", "busyRetryMax": "100ms"}
}

// rfRecord is one entry of the simulator's request log with the keys the fault specs need
// beyond RequestRecord: whether an EM code was answered at all (Code nil: dropped, HTTP error,
// garbled), the HTTP status, and the fault that shaped the answer.
type rfRecord struct {
	Seq       int    `json:"seq"`
	Node      string `json:"node"`
	Operation string `json:"operation"`
	Device    string `json:"device"`
	User      string `json:"user"`
	Code      *int   `json:"code"`
	Status    int    `json:"status"`
	Fault     string `json:"fault"`
}

func (r rfRecord) String() string {
	code := "-"
	if r.Code != nil {
		code = strconv.Itoa(*r.Code)
	}
	return fmt.Sprintf("#%d %s %s %s code=%s status=%d fault=%s", r.Seq, r.Node, r.Operation, r.Device, code, r.Status, r.Fault)
}

// rfRequests is GET /v1/clusters/{code}/requests, in order of arrival.
func rfRequests(sim *Sim, cluster string) []rfRecord {
	GinkgoHelper()
	var out []rfRecord
	sim.admin(http.MethodGet, "/v1/clusters/"+cluster+"/requests", nil, http.StatusOK, &out)
	return out
}

// rfTookEffect tells whether the simulator carried out the logged request: it answered code 0
// itself, or a fault with after: true shaped the answer of a request it had carried out.
func rfTookEffect(r rfRecord, faultAfter bool) bool {
	if r.Fault != "" {
		return faultAfter
	}
	return r.Code != nil && *r.Code == 0
}

// rfAsRequestRecords converts records for the scaffold's ops.
func rfAsRequestRecords(recs []rfRecord) []RequestRecord {
	out := make([]RequestRecord, len(recs))
	for i, r := range recs {
		out[i] = RequestRecord{Seq: r.Seq, Node: r.Node, Operation: r.Operation, Device: r.Device, User: r.User}
	}
	return out
}

// rfExpectCarriedOutOnce asserts the no-double-login rule on the log of one operation: a
// request took effect, and none of that operation reached CUCM after it.
func rfExpectCarriedOutOnce(g Gomega, recs []rfRecord, operation string, faultAfter bool) {
	mine := slices.DeleteFunc(slices.Clone(recs), func(r rfRecord) bool { return r.Operation != operation })
	i := slices.IndexFunc(mine, func(r rfRecord) bool { return rfTookEffect(r, faultAfter) })
	g.Expect(i).To(BeNumerically(">=", 0), "no %s took effect: %v", operation, mine)
	g.Expect(mine[i+1:]).To(BeEmpty(), "a %s reached CUCM after one had taken effect: %v", operation, mine)
}

// rfFaultKind is one way the first node fails.
type rfFaultKind struct {
	name string
	// fault is the effect; the node and operation are filled in per entry.
	fault Fault
	// down takes the node down instead (connection refused: nothing reaches the simulator).
	down bool
}

// after reports whether the node carried the request out before its answer went wrong.
func (k rfFaultKind) after() bool { return k.fault.After }

// rfFaultKinds lists every fault the simulator can inject (cmd/cucmsim/README.md, "Control API"): latency,
// connection refused, dropped connections, HTTP errors, truncated, garbage and empty bodies,
// and CUCM's busy code, each before and, where it makes a difference, after CUCM did the work.
func rfFaultKinds() []rfFaultKind {
	return []rfFaultKind{
		{name: "is slower than the service's timeout", fault: Fault{Latency: rfSlow}},
		{name: "carries the request out but answers after the service's timeout", fault: Fault{Latency: rfSlow, After: true}},
		{name: "is down (connection refused)", down: true},
		{name: "drops the connection before carrying the request out", fault: Fault{Drop: true}},
		{name: "drops the connection after carrying the request out", fault: Fault{Drop: true, After: true}},
		{name: "answers HTTP 500", fault: Fault{HTTPStatus: 500}},
		{name: "answers HTTP 503 after carrying the request out", fault: Fault{HTTPStatus: 503, After: true}},
		{name: "answers a truncated body", fault: Fault{Body: "truncated"}},
		{name: "truncates the answer to a request it carried out", fault: Fault{Body: "truncated", After: true}},
		{name: "answers garbage (malformed XML)", fault: Fault{Body: "malformed"}},
		{name: "garbles the answer to a request it carried out", fault: Fault{Body: "malformed", After: true}},
		{name: "answers an empty body after carrying the request out", fault: Fault{Body: "empty", After: true}},
		{name: "answers CUCM's busy code 26 once", fault: Fault{EMCode: emCode(26), Count: 1}},
	}
}

// rfOp is one API operation of the fault matrix, on the demo's example phone.
type rfOp struct {
	name string
	// emOp is the EM operation the fault hits.
	emOp string
	path string
	// seeded puts ALMUSER01 on the phone before the request.
	seeded bool
	want   bcResult
	// after is who is on the phone afterwards ("" nobody).
	after string
	// changes marks login and logout, which must take effect exactly once.
	changes bool
}

func rfOps() []rfOp {
	return []rfOp{
		{name: "login", emOp: "login", path: "/api/login/" + euDevice1 + "/" + almUser,
			want: loginResult(euDevice1, almUser, 0, loginOK(almUser, euDevice1)), after: almUser, changes: true},
		{name: "logout", emOp: "logout", path: "/api/logout/" + euDevice1, seeded: true,
			want: logoutResult(euDevice1, 0, logoutOK(euDevice1)), changes: true},
		{name: "getloggedinuser", emOp: "deviceUserQuery", path: "/api/getloggedinuser/" + euDevice1, seeded: true,
			want: whoResult(euDevice1, almUser, 0, "Get logged in user request successful"), after: almUser},
	}
}

// rfMatrix is one table entry per operation and fault kind.
func rfMatrix() []TableEntry {
	var entries []TableEntry
	for _, op := range rfOps() {
		for _, kind := range rfFaultKinds() {
			entries = append(entries, Entry(op.name+" when the first node "+kind.name, op, kind))
		}
	}
	return entries
}

// rfMetric sums the samples of a Prometheus counter whose labels match labelsRE (the text
// between the braces).
func rfMetric(svc *Service, name, labelsRE string) float64 {
	GinkgoHelper()
	body := svc.API().GET("/metrics").Expect().Status(http.StatusOK).Body().Raw()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\{` + labelsRE + `\} (\S+)$`)
	sum := 0.0
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		Expect(err).NotTo(HaveOccurred(), "sample %q", m[0])
		sum += v
	}
	return sum
}

// rfPhone is what a client knows about one phone: who is logged in according to the answers
// it got. Each phone has its own users (no user ever logs in on another phone), so the
// multiple-login policies never reach across phones and the answers alone decide the state.
// Requests for a phone are sent one at a time (mu), so the knowledge is exact.
type rfPhone struct {
	cluster string
	name    string
	// users may log in here; refused users (rfRefused) never get in anywhere.
	users []string
	kind  rfPhoneKind
	// sameUserRelogin lists the codes of a login by the user already on the phone: 18 where
	// CUCM refuses it (EU); 0 where it refreshes the login (US); and 0 in EU too when the
	// answer was lost and the service found the user on the phone.
	sameUserRelogin []int

	mu   sync.Mutex
	user string
}

type rfPhoneKind int

const (
	rfNormal     rfPhoneKind = iota
	rfEMDisabled             // emEnabled: false: login 22, logout 5
	rfUnknown                // not in the cluster: 11
)

// rfRefused tells whether CUCM refuses every login of user, whatever the phone's state, and
// with which code: 4 (locked) and 12 (no device profile) come before the occupied-device check.
func rfRefused(user string) (int, bool) {
	switch user {
	case euLocked:
		return 4, true
	case euNoProf:
		return 12, true
	}
	return 0, false
}

// suffix is the cluster segment of the phone's paths: EU is the default cluster.
func (p *rfPhone) suffix() string {
	if p.cluster == "EU" {
		return ""
	}
	return "/" + p.cluster
}

// path is the API path of op (login, logout, getloggedinuser) on the phone.
func (p *rfPhone) path(op, user string) string {
	if op == "login" {
		return "/api/login/" + p.name + "/" + url.PathEscape(user) + p.suffix()
	}
	return "/api/" + op + "/" + p.name + p.suffix()
}

// expected lists the documented codes of op on the phone in its known state.
func (p *rfPhone) expected(op, user string) []int {
	switch {
	case p.kind == rfUnknown:
		return []int{11}
	case op == "getloggedinuser":
		return []int{0}
	case p.kind == rfEMDisabled && op == "login":
		return []int{22}
	case p.kind == rfEMDisabled:
		// 0: a logout whose answer was lost is reconciled as "the device is free".
		return []int{5, 0}
	case op == "logout" && p.user == "":
		// 0: as above, on a phone that was already free (cmd/bcservice/README.md, "Cluster routing").
		return []int{19, 0}
	case op == "logout":
		return []int{0}
	}
	if code, refused := rfRefused(user); refused {
		return []int{code}
	}
	switch p.user {
	case "":
		return []int{0}
	case user:
		return p.sameUserRelogin
	}
	return []int{18}
}

// rfTransient are the codes of a request that did not reach CUCM or that CUCM refused before
// doing anything (injected 6, busy 26 after every retry, 1002 unreachable, 1011 deadline):
// the phone's state is unchanged. 1010 (outcome unknown) is handled by asking again.
func rfTransient() []int { return []int{6, 26, 1002, 1011} }

// rfExercise sends op for user on the phone, checks the answer against what the phone's known
// state allows (plus the codes in tolerate) and updates the state. After 1010 it asks the
// service who is on the phone until it gets an answer. It returns a description of every
// problem found (empty: none) and the codes answered, in order. The caller holds p.mu.
func rfExercise(c *http.Client, svc *Service, p *rfPhone, op, user string, tolerate []int) (problems []string, codes []int) {
	want := p.expected(op, user)
	a, err := rbTryPost(c, svc, p.path(op, user), rbGoodCreds())
	if err != nil {
		return []string{fmt.Sprintf("%s %s: transport error %v", op, p.name, err)}, nil
	}
	code := a.Code()
	codes = append(codes, code)
	describe := func(msg string) string {
		return fmt.Sprintf("%s %s %s (phone state %q): %s: %v", p.cluster, op, p.path(op, user), p.user, msg, a)
	}
	switch {
	case a.Status != http.StatusOK:
		return []string{describe("not HTTP 200")}, codes
	case code == 1010 && op != "getloggedinuser" && slices.Contains(tolerate, 1010):
		more, again := p.requery(c, svc, tolerate)
		return more, append(codes, again...)
	case slices.Contains(tolerate, code) && !slices.Contains(want, code):
		return nil, codes // nothing changed
	case !slices.Contains(want, code):
		return []string{describe(fmt.Sprintf("code %d, expected one of %v", code, want))}, codes
	case code != 0:
		return nil, codes
	}
	switch op {
	case "login":
		if a.User() != user {
			return []string{describe("login answer names another user")}, codes
		}
		p.user = user
	case "logout":
		p.user = ""
	case "getloggedinuser":
		if a.User() != p.user {
			return []string{describe(fmt.Sprintf("the service says %q is logged in", a.User()))}, codes
		}
	}
	return nil, codes
}

// requery learns the phone's state after an unknown outcome (1010): either state is right,
// as long as CUCM and the service agree from now on. The caller holds p.mu.
func (p *rfPhone) requery(c *http.Client, svc *Service, tolerate []int) (problems []string, codes []int) {
	for range 50 {
		a, err := rbTryPost(c, svc, p.path("getloggedinuser", ""), rbGoodCreds())
		if err != nil {
			return []string{fmt.Sprintf("getloggedinuser %s after 1010: transport error %v", p.name, err)}, codes
		}
		codes = append(codes, a.Code())
		switch {
		case a.Code() == 0:
			p.user = a.User()
			return nil, codes
		case slices.Contains(p.expected("getloggedinuser", ""), a.Code()):
			return nil, codes // 11: a phone CUCM does not know has nobody on it
		case !slices.Contains(tolerate, a.Code()):
			return []string{fmt.Sprintf("getloggedinuser %s after 1010: %v", p.name, a)}, codes
		}
	}
	return []string{fmt.Sprintf("getloggedinuser %s after 1010: no answer with code 0 in 50 tries", p.name)}, codes
}

// rfExpectSimMatches asserts that the simulator's logins of each cluster are exactly those
// the phones' answers imply.
func rfExpectSimMatches(sim *Sim, phones []*rfPhone) {
	GinkgoHelper()
	want := map[string]map[string]string{}
	for _, p := range phones {
		if want[p.cluster] == nil {
			want[p.cluster] = map[string]string{}
		}
		if p.user != "" {
			want[p.cluster][p.name] = p.user
		}
	}
	for cluster, logins := range want {
		got := map[string]string{}
		for _, l := range sim.Logins(cluster) {
			got[l.Device] = l.User
		}
		Expect(got).To(Equal(logins), "cluster %s: CUCM's logins must be what the answers said", cluster)
	}
}

// rfSlowClient is a raw request whose headers are sent at once and whose body comes later:
// the service's deadline for it starts with the headers.
type rfSlowClient struct {
	conn net.Conn
	body string
	req  rbRawRequest
}

// rfStartSlow sends the headers of a form POST of the demo credentials to path.
func rfStartSlow(svc *Service, path string) *rfSlowClient {
	GinkgoHelper()
	body := "xml=" + url.QueryEscape(rbGoodCreds())
	conn, err := net.DialTimeout("tcp", svc.listen, rbIOTimeout)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = conn.Close() })
	Expect(conn.SetDeadline(time.Now().Add(rbIOTimeout))).To(Succeed())
	req := rbRawRequest{Method: http.MethodPost, Target: path,
		Header: [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}}, Body: []byte(body)}
	raw := req.bytes(svc.listen)
	headers := raw[:len(raw)-len(body)]
	_, err = conn.Write(headers)
	Expect(err).NotTo(HaveOccurred())
	return &rfSlowClient{conn: conn, body: body, req: req}
}

// finish sends the body and reads the answer.
func (s *rfSlowClient) finish() rbAnswer {
	GinkgoHelper()
	_, err := io.WriteString(s.conn, s.body)
	Expect(err).NotTo(HaveOccurred())
	resp, err := http.ReadResponse(bufio.NewReader(s.conn), &http.Request{Method: s.req.Method})
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return rbAnswer{Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
}

var _ = Describe("bcservice under CUCM faults", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)
	env := &apiEnv{sim: sim}
	BeforeAll(func() {
		env.svc = rbStartService(sim, ServiceOptions{Timeout: rfNodeTimeout, RequestTimeout: 5 * time.Second}, rfQuickRetries())
		DeferCleanup(func() { rbExpectNoSecrets("CUCM faults processes", env.svc.Session(), sim.Session()) })
	})

	// The matrix: each operation, each way the first node can fail. Whatever the node did,
	// the answer is the one a healthy cluster gives, CUCM ends in the right state, and a login
	// or logout takes effect exactly once: after a request that may have been carried out,
	// the service asks the other node who is on the phone before it sends anything again.
	DescribeTable("the request succeeds through the other node, or is retried, and takes effect once",
		func(op rfOp, kind rfFaultKind) {
			if op.seeded {
				sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			}
			if kind.down {
				sim.NodeDown("EU", "eu-pub")
			} else {
				f := kind.fault
				f.Node, f.Operation = "eu-pub", op.emOp
				sim.AddFault("EU", f)
			}

			Expect(env.post(op.path)).To(Equal(op.want))

			if op.after == "" {
				Expect(sim.Logins("EU")).To(BeEmpty(), "nobody is on the phone")
			} else {
				Expect(sim.Logins("EU")).To(ConsistOf(And(HaveField("Device", euDevice1), HaveField("User", almUser))))
			}
			// A request the service gave up on is logged when the simulator notices, which may
			// be after the answer: wait for the faulted request, then judge the whole log.
			Eventually(func(g Gomega) {
				recs := rfRequests(sim, "EU")
				if !kind.down {
					g.Expect(recs).To(ContainElement(And(HaveField("Node", "eu-pub"), HaveField("Fault", Not(BeEmpty())))),
						"the fault hit the first node")
				}
				if op.changes {
					rfExpectCarriedOutOnce(g, recs, op.emOp, kind.after())
				} else {
					g.Expect(recs).To(ContainElement(And(HaveField("Operation", op.emOp), HaveField("Fault", BeEmpty()),
						HaveField("Code", HaveValue(Equal(0))))), "a healthy answer came from CUCM")
				}
			}).WithTimeout(holdTimeout).WithPolling(pollInterval).Should(Succeed())
			rbExpectAlive(env.svc)
		},
		rfMatrix(),
	)

	// The breaker turns "the first node is broken" from a cost on every request into a cost
	// once per cooldown: after breakerFailures transport failures in a row the node is
	// skipped, one probe per cooldown checks it, and a good probe puts it back first in line.
	Context("with the circuit breaker (2 failures, 1s cooldown)", Ordered, func() {
		const failures, cooldown, burst = 2, time.Second, 20
		var brk *Service
		BeforeEach(func() {
			// A fresh service per spec: breaker state must not leak from one spec to the next.
			brk = rbStartService(sim, ServiceOptions{Clusters: []string{"EU"}, Timeout: rfNodeTimeout},
				map[string]any{"breakerFailures": failures, "breakerCooldown": cooldown.String()})
		})
		free := whoResult(euDevice1, "", 0, "No user logged in on device "+euDevice1)
		ask := func() bcResult {
			GinkgoHelper()
			return (&apiEnv{sim: sim, svc: brk}).post("/api/getloggedinuser/" + euDevice1)
		}
		// mostTries is how often the failing node may be asked during a burst that took
		// elapsed: until the breaker opens, then one probe per cooldown begun.
		mostTries := func(elapsed time.Duration) int {
			return failures + int(math.Ceil(float64(elapsed)/float64(cooldown)))
		}
		// expectBackFirst: once the node is healthy again and the cooldown has passed, a probe
		// reaches it, and then every request goes to it first again.
		expectBackFirst := func() {
			GinkgoHelper()
			sim.ClearRequests("EU")
			Eventually(func() []string {
				Expect(ask()).To(Equal(free))
				return ops(sim.Requests("EU"))
			}).WithTimeout(cooldown + 20*time.Second).WithPolling(50 * time.Millisecond).Should(ContainElement("eu-pub deviceUserQuery"))
			sim.ClearRequests("EU")
			for range 5 {
				Expect(ask()).To(Equal(free))
			}
			Expect(ops(sim.Requests("EU"))).To(Equal(slices.Repeat([]string{"eu-pub deviceUserQuery"}, 5)),
				"the healed node is asked first again")
		}

		It("stops asking a node that answers HTTP 503 on every request, and asks it again once it heals", func() {
			sim.AddFault("EU", Fault{Node: "eu-pub", HTTPStatus: 503})
			start := time.Now()
			for range burst {
				Expect(ask()).To(Equal(free))
			}
			elapsed := time.Since(start)
			tries := countOp(slices.DeleteFunc(sim.Requests("EU"), func(r RequestRecord) bool { return r.Node != "eu-pub" }), "deviceUserQuery")
			Expect(tries).To(BeNumerically(">=", failures), "the node was tried until the breaker opened")
			Expect(tries).To(BeNumerically("<=", mostTries(elapsed)), "%d requests in %v", burst, elapsed)
			Expect(mostTries(elapsed)).To(BeNumerically("<", burst), "the burst must be short enough to prove anything")

			sim.ClearFaults("EU")
			expectBackFirst()
		})

		It("stops connecting to a node that is down, and asks it again once it is back", func() {
			// A node that is down logs nothing, so the service's own count of attempts tells.
			sim.NodeDown("EU", "eu-pub")
			pub := regexp.QuoteMeta(sim.NodeAddr("EU", "eu-pub"))
			start := time.Now()
			for range burst {
				Expect(ask()).To(Equal(free))
			}
			elapsed := time.Since(start)
			tries := rfMetric(brk, "bcservice_cucm_calls_total", `cluster="EU",node="`+pub+`",op="[^"]*",outcome="[^"]*"`)
			Expect(tries).To(BeNumerically(">=", failures), "the node was tried until the breaker opened")
			Expect(tries).To(BeNumerically("<=", mostTries(elapsed)), "%d requests in %v", burst, elapsed)
			Expect(rfMetric(brk, "bcservice_cucm_breaker_state", `cluster="EU",node="`+pub+`"`)).
				To(BeNumerically(">", 0), "the breaker is not closed")

			sim.NodeUp("EU", "eu-pub")
			expectBackFirst()
			Expect(rfMetric(brk, "bcservice_cucm_breaker_state", `cluster="EU",node="`+pub+`"`)).To(BeZero(), "the breaker closed again")
		})
	})

	// A node that dies while requests are in flight: the requests on it are lost mid-way, some
	// after CUCM did the work, some carried out by the dying node only after the service had
	// already asked the other node who is on the phone (the resend is then refused as done,
	// and the service looks again). Each is reconciled on the other node.
	Context("when a node goes down while requests are in flight", Ordered, func() {
		var mid *Service
		BeforeAll(func() {
			// Default breaker: the realistic set-up.
			mid = rbStartService(sim, ServiceOptions{Clusters: []string{"EU"}, Timeout: time.Second}, nil)
		})

		It("answers every request with 0 (or 1010, then the state is asked), loses none, and CUCM agrees with the answers", func() {
			pairs := [][2]string{
				{euPlain1, almUser}, {euPlain2, euUser02}, {"SEPE00000000003", euUser03}, {"SEPE00000000004", "EUUSER04"},
				{"SEPE00000000005", "EUUSER05"}, {"SEPE00000000006", "EUUSER06"}, {"SEPE00000000007", emAtUser}, {"SEPE00000000008", euRoamer},
			}
			const cycles = 12 // login, getloggedinuser, logout, getloggedinuser
			const total = 8 * cycles * 4
			var answered atomic.Int64
			var mu sync.Mutex
			var problems []string
			var wg sync.WaitGroup
			c := rbClient()
			phones := make([]*rfPhone, len(pairs))
			for i, pair := range pairs {
				p := &rfPhone{cluster: "EU", name: pair[0], users: []string{pair[1]}, sameUserRelogin: []int{18, 0}}
				phones[i] = p
				wg.Go(func() {
					defer GinkgoRecover()
					for range cycles {
						for _, op := range []string{"login", "getloggedinuser", "logout", "getloggedinuser"} {
							p.mu.Lock()
							bad, _ := rfExercise(c, mid, p, op, pair[1], []int{1010})
							p.mu.Unlock()
							answered.Add(1)
							if len(bad) > 0 {
								mu.Lock()
								problems = append(problems, bad...)
								mu.Unlock()
							}
						}
					}
				})
			}
			// The first node dies a quarter into the run and comes back at two thirds (the
			// waits are generous: they cost nothing when the requests flow).
			Eventually(answered.Load).WithTimeout(60 * time.Second).WithPolling(time.Millisecond).Should(BeNumerically(">=", total/4))
			sim.NodeDown("EU", "eu-pub")
			Eventually(answered.Load).WithTimeout(60 * time.Second).WithPolling(time.Millisecond).Should(BeNumerically(">=", total*2/3))
			sim.NodeUp("EU", "eu-pub")
			wg.Wait()

			Expect(answered.Load()).To(BeEquivalentTo(total), "every request was answered")
			Expect(problems).To(BeEmpty())
			rfExpectSimMatches(sim, phones)
			recs := rfRequests(sim, "EU")
			Expect(recs).To(ContainElement(HaveField("Node", "eu-pub")), "the first node served part of the run")
			Expect(recs).To(ContainElement(HaveField("Node", "eu-sub1")), "the second node served part of the run")
			rbExpectAlive(mid)
		})
	})

	// The service's own limit towards a cluster (maxConcurrentRequests, maxQueue) protects
	// CUCM. A full queue (1011 at once) is in service_api_busy_test.go; this is the other way
	// to 1011: the request deadline passes while the request waits for a slot.
	Context("when a request's deadline passes while it waits for a slot (1 slot, 6s deadline)", Ordered, func() {
		// The deadline is long so that the margins below are seconds, which a machine loaded
		// by the whole suite under -race cannot use up.
		const deadline = 6 * time.Second
		limited := &apiEnv{sim: sim}
		BeforeAll(func() {
			keys := rfQuickRetries()
			keys["maxQueue"] = 10
			limited.svc = rbStartService(sim, ServiceOptions{Clusters: []string{"EU"}, MaxConcurrentRequests: 1,
				Timeout: 2 * deadline, RequestTimeout: deadline}, keys)
		})

		It("answers 1011 when the deadline passes, not when the slot frees, and never sends that login to CUCM", func() {
			// A slow client has sent its headers (the deadline runs from there) and has used
			// half of its deadline before its body arrives. The clock is read before the
			// headers go, so that the service cannot have received them earlier.
			beforeHeaders := time.Now()
			late := rfStartSlow(limited.svc, "/api/login/"+euPlain2+"/"+euUser02)
			time.Sleep(deadline / 2)
			// Meanwhile another login takes the only slot. CUCM takes 3/4 of a deadline to
			// answer it, so it holds the slot 1/4 of a deadline (1.5 s) past the slow request's
			// deadline and still ends 1/4 of a deadline within its own.
			hold := sim.AddFault("EU", Fault{Operation: "login", Device: euPlain1, Latency: (deadline * 3 / 4).String(), Count: 1})
			first := inBackground(func() bcResult { return limited.post("/api/login/" + euPlain1 + "/" + almUser) })
			Eventually(func() int { return faultHits(sim, "EU", hold) }).WithTimeout(holdTimeout).WithPolling(pollInterval).Should(Equal(1))

			a := late.finish()
			Expect(time.Since(beforeHeaders)).To(BeNumerically(">=", deadline), "answered at the deadline")
			Expect(sim.Requests("EU")).NotTo(ContainElement(And(HaveField("Operation", "login"), HaveField("Device", euPlain1))),
				"CUCM is still working on the login that holds the slot: the answer did not wait for the slot")
			Expect(a.Status).To(Equal(http.StatusOK), "%v", a)
			r, ok := a.Result()
			Expect(ok).To(BeTrue(), "%v", a)
			Expect(*r.Code).To(Equal(1011), "%v", a)
			Expect(r.Text).To(HavePrefix("Service busy towards cluster EU: "), "%v", a)
			Expect(receive(first)).To(Equal(loginResult(euPlain1, almUser, 0, loginOK(almUser, euPlain1))))

			Expect(sim.Requests("EU")).NotTo(ContainElement(And(HaveField("Operation", "login"), HaveField("Device", euPlain2))),
				"the login that found no slot in time never reached CUCM")
			Expect(sim.Logins("EU")).To(ConsistOf(And(HaveField("Device", euPlain1), HaveField("User", almUser))))
		})
	})

	// Requests for one phone are serialised inside the service: a request waits while another
	// one for the same phone is in flight, including the check of a lost answer. Otherwise a
	// login slipping in between a logout and its check would be logged out again.
	It("lets a login for a phone wait until a logout of that phone, whose answer was lost, is settled", func() {
		sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
		// The first node logs the user out, then holds the answer past the service's timeout.
		held := sim.AddFault("EU", Fault{Operation: "logout", Node: "eu-pub", Latency: rfSlow, After: true, Count: 1})
		logout := inBackground(func() bcResult { return env.post("/api/logout/" + euDevice1) })
		Eventually(func() int { return faultHits(sim, "EU", held) }).WithTimeout(holdTimeout).WithPolling(pollInterval).Should(Equal(1))

		Expect(env.post("/api/login/" + euDevice1 + "/" + euUser02)).To(Equal(loginResult(euDevice1, euUser02, 0, loginOK(euUser02, euDevice1))))
		Expect(receive(logout)).To(Equal(logoutResult(euDevice1, 0, logoutOK(euDevice1))))
		Expect(sim.Logins("EU")).To(ConsistOf(And(HaveField("Device", euDevice1), HaveField("User", euUser02))),
			"the login came after the logout")
		Eventually(func(g Gomega) {
			recs := rfRequests(sim, "EU")
			rfExpectCarriedOutOnce(g, recs, "logout", true)
			g.Expect(ops(rfAsRequestRecords(recs), "logout", "deviceUserQuery", "login")).To(Equal([]string{
				"eu-pub logout", "eu-sub1 deviceUserQuery", "eu-pub login"}), "the login reached CUCM only after the check")
		}).WithTimeout(holdTimeout).WithPolling(pollInterval).Should(Succeed())
	})

	// Requests for one phone are serialised inside the service, and CUCM refuses a second
	// user on an occupied phone (18 in EU). However many users race for one phone, exactly
	// one gets it; the others hear 18, also when answers get lost on the way.
	DescribeTable("concurrent logins of different users on one phone: exactly one wins, the others get 18",
		func(lossy bool) {
			users := []string{almUser, euUser02, euUser03, "EUUSER04", "EUUSER05", "EUUSER06", emAtUser, euRoamer}
			if lossy {
				sim.AddFault("EU", Fault{Operation: "login", Node: "eu-pub", Drop: true, After: true})
			}
			c := rbClient()
			answers := make([]rbAnswer, len(users))
			errs := make([]error, len(users))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, u := range users {
				wg.Go(func() {
					<-start
					answers[i], errs[i] = rbTryPost(c, env.svc, "/api/login/"+euDevice1+"/"+url.PathEscape(u), rbGoodCreds())
				})
			}
			close(start)
			wg.Wait()

			var winners []string
			for i, u := range users {
				Expect(errs[i]).NotTo(HaveOccurred(), "login of %s", u)
				switch answers[i].Code() {
				case 0:
					winners = append(winners, u)
					Expect(answers[i].User()).To(Equal(u))
				case 18:
					r, _ := answers[i].Result()
					Expect(r.Text).To(Equal(loginFailed(u, euDevice1, "EU", "Another user logged in")))
				default:
					Fail(fmt.Sprintf("login of %s: %v", u, answers[i]))
				}
			}
			Expect(winners).To(HaveLen(1), "codes %v", rbCodesOf(answers))
			Expect(sim.Logins("EU")).To(ConsistOf(And(HaveField("Device", euDevice1), HaveField("User", winners[0]))))
			// The winner's login was carried out once and never sent again; no loser's login
			// was ever carried out (CUCM answered each 18, heard or not).
			Eventually(func(g Gomega) {
				recs := rfRequests(sim, "EU")
				for _, u := range users {
					var mine []rfRecord
					for _, r := range recs {
						if r.Operation == "login" && r.User == u {
							mine = append(mine, r)
						}
					}
					if u == winners[0] {
						g.Expect(mine).To(ConsistOf(Satisfy(func(r rfRecord) bool { return rfTookEffect(r, lossy) })), "winner %s", u)
					} else {
						g.Expect(mine).NotTo(BeEmpty(), "loser %s", u)
						g.Expect(mine).To(HaveEach(Satisfy(func(r rfRecord) bool { return r.Code == nil || *r.Code != 0 })), "loser %s: %v", u, mine)
					}
				}
			}).WithTimeout(holdTimeout).WithPolling(pollInterval).Should(Succeed())
		},
		Entry("when CUCM answers every login", false),
		Entry("when the first node carries every login out and loses the answer", true),
	)
})
