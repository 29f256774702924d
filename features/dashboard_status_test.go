package features

import (
	"encoding/json"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The status page at a glance (cmd/bcservice/README.md, "Status at a glance") through the
// real binaries: after a scripted set of requests in EU — three logins that succeed (one
// of them after a busy answer, retried), a logout, a login CUCM refuses (EM disabled) and
// one CUCM keeps answering busy (26) until the deadline — the page counts them by outcome,
// marks the busy answer and the retries, counts the phones logged in now, and each number
// links to the history of exactly those rows. After a restart the counts come back from
// the history.
var _ = Describe("GET / (the dashboard's status page at a glance)", Ordered, func() {
	sim := UseSim(demoTopology)
	var svc *Service
	var dash string
	var client *http.Client
	db := ""

	start := func() {
		GinkgoHelper()
		svc, dash = attackDashboard{dsn: "sqlite:" + db, extra: map[string]any{"requestTimeout": "3s"}}.start(sim)
		jar, err := cookiejar.New(nil)
		Expect(err).NotTo(HaveOccurred())
		client = &http.Client{Jar: jar, Timeout: httpTimeout}
		resp, err := client.PostForm(dash+"/signin", url.Values{"name": {"desk"}, "password": {"deskpw"}})
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.Request.URL.Path).To(Equal("/"))
	}
	get := func(path string) (int, string) {
		GinkgoHelper()
		return getBody(client, dash+path)
	}
	apiLogin := func(device, user string) {
		GinkgoHelper()
		resp, err := http.PostForm(svc.BaseURL()+"/api/login/"+device+"/"+user, url.Values{"xml": {demoCredsXML}})
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
	}
	apiLogout := func(device string) {
		GinkgoHelper()
		resp, err := http.PostForm(svc.BaseURL()+"/api/logout/"+device, url.Values{"xml": {demoCredsXML}})
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
	}
	// link finds the href of the link whose text matches text (a regexp) in the page.
	link := func(body, text string) string {
		GinkgoHelper()
		m := regexp.MustCompile(`<a href="([^"]+)"[^>]*>` + text + `</a>`).FindStringSubmatch(body)
		Expect(m).NotTo(BeNil(), "a link %q on the page", text)
		return html.UnescapeString(m[1])
	}
	// historyRows reads the rows of the history a page link opens, through the API with
	// the same filters, until there are want (the history writer commits asynchronously).
	historyRows := func(href string, want int) []map[string]any {
		GinkgoHelper()
		Expect(href).To(HavePrefix("/history?"))
		var rows []map[string]any
		Eventually(func() []map[string]any {
			_, body := get("/api/history?" + strings.TrimPrefix(href, "/history?") + "&limit=1000")
			var page struct {
				Rows []map[string]any `json:"rows"`
			}
			Expect(json.Unmarshal([]byte(body), &page)).To(Succeed())
			rows = page.Rows
			return rows
		}).WithTimeout(30*time.Second).WithPolling(200*time.Millisecond).Should(HaveLen(want), "the rows of %s", href)
		return rows
	}

	BeforeAll(func() {
		db = filepath.Join(GinkgoT().TempDir(), "history.db")
		start()
		apiLogin(euDevice1, almUser)  // success
		apiLogin(euDevice2, euUser02) // success
		apiLogout(euDevice2)          // success: the phone is free again
		apiLogin(euEMDisabled, almUser)
		sim.AddFault("EU", Fault{Operation: "login", Device: euPlain1, EMCode: emCode(26)})
		apiLogin(euPlain1, euUser03) // 26 until the deadline, retried
		sim.AddFault("EU", Fault{Operation: "login", Device: euPlain2, EMCode: emCode(26), Count: 1})
		apiLogin(euPlain2, euUser03) // busy once, then success: retried
		sim.ClearFaults("EU")
	})

	It("counts the last hour's requests by outcome, with the busy answer and the retries", func() {
		code, body := get("/")
		Expect(code).To(Equal(http.StatusOK))
		hour := regexp.MustCompile(`(?s)<section class="window" id="last-hour">.*?</section>`).FindString(body)
		Expect(hour).To(ContainSubstring(">6 requests</a>, error rate 33.3 %"))
		Expect(hour).To(ContainSubstring(">1 answered busy (26)</a>"))
		Expect(hour).To(ContainSubstring(">2 retried after a busy answer (26)</a>"))
		Expect(hour).To(ContainSubstring(">success: 4</a>"))
		Expect(hour).To(ContainSubstring(">cucm_error: 2</a>"))
	})

	It("links each count to the history of those rows", func() {
		_, body := get("/")
		historyRows(link(body, `6 requests`), 6)
		failures := historyRows(link(body, `cucm_error: 2`), 2)
		for _, r := range failures {
			Expect(r["outcome"]).To(Equal("cucm_error"))
		}
		busy := historyRows(link(body, `1 answered busy \(26\)`), 1)
		Expect(busy[0]["device"]).To(Equal(euPlain1))
		Expect(busy[0]["code"]).To(BeNumerically("==", 26))
	})

	It("links each bar segment to the history of its outcome in its minute", func() {
		_, body := get("/")
		body = regexp.MustCompile(`(?s)<section class="window" id="last-hour">.*?</section>`).FindString(body)
		segs := regexp.MustCompile(`<a href="([^"]+)"><rect class="seg o-cucm_error"[^>]*><title>(\d+) cucm_error, ([0-9:]+)–`).
			FindAllStringSubmatch(body, -1)
		Expect(segs).NotTo(BeEmpty())
		total := 0
		for _, s := range segs {
			n, _ := strconv.Atoi(s[2])
			total += n
			href := html.UnescapeString(s[1])
			Expect(href).To(ContainSubstring("outcome=cucm_error"))
			historyRows(href, n)
		}
		Expect(total).To(Equal(2))
	})

	It("counts the phones logged in now per cluster and the logins of the last hour, and says how", func() {
		_, body := get("/")
		row := regexp.MustCompile(`(?s)<tr>\s*<th scope="row"><a href="/\?cluster=EU"[^>]*>EU</a></th>.*?</tr>`).FindString(body)
		Expect(row).To(ContainSubstring("<summary>2</summary>"), "euDevice1 and euPlain2; euDevice2 was logged out")
		Expect(row).To(ContainSubstring(">" + euDevice1 + "</a>"))
		Expect(row).To(ContainSubstring(">" + euPlain2 + "</a>"))
		logins := historyRows(link(row, `3`), 3)
		for _, r := range logins {
			Expect(r["op"]).To(Equal("login"))
			Expect(r["outcome"]).To(Equal("success"))
		}
		Expect(body).To(ContainSubstring("A phone counts as logged in now when its device's newest successful login, logout or logoutuser row"))
	})

	It("narrows the charts to one cluster", func() {
		code, body := get("/?cluster=US")
		Expect(code).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring(`<strong aria-current="page">US</strong>`))
		Expect(body).To(ContainSubstring(">0 requests</a>"))
		Expect(body).NotTo(ContainSubstring("Duration of EU"))
	})

	Context("when the cluster parameter names no cluster (attack)", func() {
		DescribeTable("it answers 400 with every cluster's charts, without echoing the value",
			func(value string) {
				code, body := get("/?" + url.Values{"cluster": {value}}.Encode())
				Expect(code).To(Equal(http.StatusBadRequest))
				Expect(body).To(ContainSubstring("cluster: not a cluster of this service"))
				Expect(body).To(ContainSubstring(`<strong aria-current="page">all clusters</strong>`))
				if len(value) > 3 {
					Expect(body).NotTo(ContainSubstring(value))
				}
			},
			Entry("an unknown code", "XX"),
			Entry("markup", `"><script>alert(1)</script>`),
			Entry("a NUL and invalid UTF-8", "EU\x00\xff"),
			Entry("4,000 characters", strings.Repeat("E", 4000)),
		)

		It("keeps answering a flood of them", func() {
			for i := range 200 {
				code, _ := get("/?cluster=" + strconv.Itoa(i))
				Expect(code).To(Equal(http.StatusBadRequest))
			}
			code, _ := get("/")
			Expect(code).To(Equal(http.StatusOK))
		})
	})

	Context("after a restart", func() {
		It("reads the day's rows and the phones logged in from the history", func() {
			svc.stop()
			start()
			Eventually(func() string {
				_, body := get("/")
				return regexp.MustCompile(`(?s)<section class="window" id="last-hour">.*?</section>`).FindString(body)
			}).WithTimeout(30*time.Second).WithPolling(200*time.Millisecond).
				Should(And(ContainSubstring(">6 requests</a>"), ContainSubstring(">1 answered busy (26)</a>"),
					ContainSubstring(">0 retried"), ContainSubstring(">cucm_error: 2</a>")),
					"the retries are this process's own: the history does not keep them")
			_, body := get("/")
			Expect(body).To(ContainSubstring("<summary>2</summary>"))
		})
	})

	Context("when a CUCM node goes down", func() {
		It("marks its breaker's opening on the time axis and lists it", func() {
			start() // the service of the restart above ended with its spec
			sim.NodeDown("EU", "eu-pub")
			DeferCleanup(sim.NodeUp, "EU", "eu-pub")
			opened := regexp.MustCompile(`<title>[0-9:]+ UTC: breaker of EU/127\.0\.0\.1:[0-9]+ closed → open</title>`)
			Eventually(func() string {
				apiLogout(euDevice1) // each request that meets the dead node counts a failure
				_, body := get("/")
				return body
			}).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(MatchRegexp(opened.String()))
			_, body := get("/")
			Expect(opened.FindAllString(body, -1)).To(HaveLen(2*2), "a mark on both windows' request chart and EU's two duration charts")
			Expect(body).To(MatchRegexp(`<td>EU</td><td>127\.0\.0\.1:[0-9]+</td><td>closed → open</td>`))
		})
	})
})
