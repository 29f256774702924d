package features

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The request history and the dashboard's history routes attacked the way robust_badinput
// attacks the API (cmd/bcservice/README.md, "Security"): bytes a database refuses, huge values, SQL
// metacharacters, HTML probes, and the session logic of every operation that changes a
// phone. Each runs against both stores: SQLite, and PostgreSQL on a throwaway server.
var _ = Describe("the request history under attack", func() {
	for _, store := range []string{"sqlite", "postgres"} {
		Context("with the history in "+store, Ordered, func() {
			sim := UseSim(demoTopology)
			var svc *Service
			var dash string

			BeforeAll(func() {
				dsn := "sqlite:" + GinkgoT().TempDir() + "/history.db"
				if store == "postgres" {
					dsn = StartPostgres().NewDB()
				}
				svc, dash = startDemoDashboardOn(sim, dsn)
			})

			// rows reads the newest history rows matching query as the dashboard's viewer.
			rows := func(query string) []dashRow {
				GinkgoHelper()
				var page struct{ Rows []dashRow }
				Expect(json.Unmarshal([]byte(fetchBasic(dash+"/api/history?"+query, "desk", "deskpw")), &page)).To(Succeed())
				return page.Rows
			}
			rowOf := func(id string) func() []dashRow {
				return func() []dashRow {
					var out []dashRow
					for _, r := range rows("limit=1000") {
						if r.ID == id {
							out = append(out, r)
						}
					}
					return out
				}
			}

			It("keeps recording after requests with an invalid byte or a NUL in a path segment", func() {
				for i, path := range []string{"/api/getloggedinuser/%FF", "/api/getloggedinuser/SEP%00X",
					"/api/login/" + euDevice1 + "/%FF%FE", "/api/logout/%C3%28", "/api/getuserdevices/%00",
					"/api/logoutuser/A%00B"} {
					status, body := postWithID(svc, path, fmt.Sprintf("badbytes-%d", i))
					Expect(status).To(BeNumerically("<", 500), "%s: %s", path, body)
				}
				Expect(askWho(svc, "after-bad-bytes").Code).To(Equal(0))
				Eventually(rowOf("after-bad-bytes")).WithTimeout(10*time.Second).Should(HaveLen(1),
					"a row after the bad bytes is committed: the history did not stop")
				bad := rowOf("badbytes-0")()
				Expect(bad).To(HaveLen(1))
				Expect(bad[0].Device).To(Equal("\uFFFD"), "the invalid byte is kept as U+FFFD")
				Expect(rowOf("badbytes-1")()).To(ConsistOf(HaveField("Device", "SEP\uFFFDX")))
				Expect(historyMetric(svc, "bcservice_history_rejected_total")).To(BeZero(), "nothing left for the database to refuse")
				Expect(historyMetric(svc, "bcservice_history_dropped_total")).To(BeZero())
				status, _, _ := fetch(mustRequest(http.MethodGet, svc.BaseURL()+"/readyz"))
				Expect(status).To(Equal(http.StatusOK))
			})

			It("caps an over-long device and user in the row and in the log line", func() {
				long := strings.Repeat("D", 5000)
				status, body := postWithID(svc, "/api/getloggedinuser/"+long, "long-device")
				Expect(status).To(Equal(http.StatusOK))
				Expect(decodeResult(body).Code).To(Equal(1008))
				postWithID(svc, "/api/login/"+euDevice1+"/"+strings.Repeat("U", 5000), "long-user")
				postWithID(svc, "/api/getloggedinuser/"+euDevice1, "I"+strings.Repeat("d", 5000))
				Eventually(rowOf("long-user")).WithTimeout(10 * time.Second).Should(HaveLen(1))
				dev := rowOf("long-device")()
				Expect(dev).To(HaveLen(1))
				Expect(len(dev[0].Device)).To(BeNumerically("<=", 256))
				Expect(dev[0].Device).To(MatchRegexp(`^D+…\[\+\d+ bytes\]$`), "cut with a visible mark")
				Expect(len(rowOf("long-user")()[0].User)).To(BeNumerically("<=", 256))
				for _, r := range rows("limit=1000") {
					Expect(len(r.ID)).To(BeNumerically("<=", 64), "a request id over 64 characters is replaced")
				}
				out := string(svc.Session().Out.Contents()) + string(svc.Session().Err.Contents())
				for _, s := range []string{"D", "U", "d"} {
					Expect(out).NotTo(ContainSubstring(strings.Repeat(s, 300)), "a log line holds the whole value")
				}
			})

			It("answers 400 with a message for a filter with an invalid byte, a NUL, a control character or over 256 bytes", func() {
				for _, param := range []string{"device", "user", "cluster"} {
					for _, value := range []string{"%FF", "SEP%00", "a%0Db", strings.Repeat("a", 300)} {
						for _, route := range []string{"/api/history", "/history.csv", "/history"} {
							req := mustRequest(http.MethodGet, dash+route+"?"+param+"="+value)
							req.SetBasicAuth("desk", "deskpw")
							status, _, body := fetch(req)
							Expect(status).To(Equal(http.StatusBadRequest), "%s?%s=%.20s: %.300s", route, param, value, body)
							Expect(body).To(ContainSubstring(param), "the message names the filter")
						}
					}
				}
				for _, page := range []string{"/devices/%FF", "/devices/SEP%00", "/users/%C3%28", "/users/a%1Bb"} {
					req := mustRequest(http.MethodGet, dash+page)
					req.SetBasicAuth("desk", "deskpw")
					status, _, body := fetch(req)
					Expect(status).To(Equal(http.StatusBadRequest), "%s: %.300s", page, body)
				}
				Expect(string(svc.Session().Err.Contents())).NotTo(ContainSubstring("history query failed"))
			})

			It("matches nothing, and breaks nothing, with SQL metacharacters in every filter", func() {
				Expect(askWho(svc, "before-sql").Code).To(Equal(0))
				Eventually(rowOf("before-sql")).WithTimeout(10 * time.Second).Should(HaveLen(1))
				for _, param := range []string{"device", "user", "cluster"} {
					for _, value := range []string{`' OR '1'='1`, `"; DROP TABLE request_history; --`, `%`, `_`, `\`, `*`,
						`') UNION SELECT 1--`} {
						Expect(rows(param+"="+url.QueryEscape(value))).To(BeEmpty(), "%s=%s", param, value)
					}
				}
				Expect(rowOf("before-sql")()).To(HaveLen(1), "the table is still there")
			})

			It("shows every HTML probe as text on every page", func() {
				probes := []string{`"><svg onload=alert(1)>`, `<img src=x onerror=alert(1)>`, `' onmouseover='alert(1)`}
				for i, p := range probes {
					seg := url.PathEscape(p)
					postWithID(svc, "/api/getloggedinuser/"+seg, fmt.Sprintf("xss-dev-%d", i))
					postWithID(svc, "/api/login/"+euDevice1+"/"+seg, fmt.Sprintf("xss-user-%d", i))
					postWithID(svc, "/api/getloggedinuser/"+euDevice1, p)
				}
				Eventually(rowOf("xss-user-2")).WithTimeout(10 * time.Second).Should(HaveLen(1))
				pages := []string{"/history", "/history?limit=1000"}
				for _, p := range probes {
					pages = append(pages, "/devices/"+url.PathEscape(p), "/users/"+url.PathEscape(p),
						"/history?device="+url.QueryEscape(p), "/history?user="+url.QueryEscape(p))
				}
				for _, page := range pages {
					req := mustRequest(http.MethodGet, dash+page)
					req.SetBasicAuth("desk", "deskpw")
					status, _, body := fetch(req)
					Expect(status).To(Equal(http.StatusOK), page)
					for _, p := range probes {
						Expect(body).NotTo(ContainSubstring(p), "%s shows a probe as HTML", page)
					}
					Expect(body).NotTo(Or(ContainSubstring("<svg onload"), ContainSubstring("<img src=x")),
						"%s holds an element from a probe", page)
				}
			})

			It("ends the sessions on the device and user pages when logoutuser logs the user out", func() {
				for _, dev := range []string{labDevice1, labDevice2} {
					status, body := postWithID(svc, "/api/login/"+dev+"/"+labUser+"/LAB", "lu-login-"+dev)
					Expect(status).To(Equal(http.StatusOK))
					Expect(decodeResult(body).Code).To(Equal(0), body)
				}
				status, body := postWithID(svc, "/api/logoutuser/"+labUser+"/LAB", "lu-out")
				Expect(status).To(Equal(http.StatusOK))
				Expect(body).To(ContainSubstring("<code>0</code><text>User " + labUser + " logged out of 2 device(s)</text>"))
				Eventually(rowOf("lu-out")).WithTimeout(10*time.Second).Should(ConsistOf(
					And(HaveField("Device", labDevice1), HaveField("Op", "logoutuser"), HaveField("Code", 0)),
					And(HaveField("Device", labDevice2), HaveField("Op", "logoutuser"), HaveField("Code", 0))),
					"one row per device logged out")
				for _, page := range []string{"/devices/" + labDevice1, "/devices/" + labDevice2, "/users/" + labUser} {
					body := fetchBasic(dash+page, "desk", "deskpw")
					Expect(body).To(ContainSubstring(labUser), page)
					Expect(body).NotTo(ContainSubstring("still logged in"), "%s: the session ended", page)
				}
			})
		})
	}
})

// dashRow is a row of the dashboard's GET /api/history.
type dashRow struct {
	ID, Op, Device, User, Cluster, Text string
	Code                                int
}

// postWithID posts the demo credentials to svc's path with request id id and returns the
// status and body.
func postWithID(svc *Service, path, id string) (int, string) {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodPost, svc.BaseURL()+path,
		strings.NewReader(url.Values{"xml": {demoCredsXML}}.Encode()))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Request-ID", id)
	status, _, body := fetch(req)
	return status, body
}

// mustRequest makes a request without a body.
func mustRequest(method, target string) *http.Request {
	GinkgoHelper()
	req, err := http.NewRequest(method, target, nil)
	Expect(err).NotTo(HaveOccurred())
	return req
}
