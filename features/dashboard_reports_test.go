package features

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// reportJSON is GET /api/reports as the specs read it (cmd/bcservice/README.md, "Usage
// reports").
type reportJSON struct {
	From, To, Zone, Group string
	Groups                []struct {
		Start, End                                       string
		Logins, Failures, Users, Devices, PeakConcurrent int
		LoggedInSeconds                                  int64
		MedianSessionSeconds                             float64
	}
	Devices, MostUsed, LeastUsed []struct {
		Device, Cluster string
		Sessions        int
		LoggedInSeconds int64
		Utilisation     float64
	}
	Idle []struct {
		Device, Cluster string
		LastLogin       *string
	}
}

// The usage reports through the real binaries: a history scripted through the API, read
// back as JSON, CSV and the Reports page, and bad or hostile filters.
var _ = Describe("GET /api/reports, GET /reports.csv and the Reports page", Ordered, func() {
	sim := UseSim(demoTopology)
	var svc *Service
	var dash string
	var rep reportJSON
	var query string // the scripted history's report parameters

	// send posts an API request with the demo credentials (and extra request options).
	send := func(path, options string) string {
		GinkgoHelper()
		xml := "<request><appID>" + appID + "</appID><appCertificate>" + appCert + "</appCertificate>" + options + "</request>"
		resp, err := http.PostForm(svc.BaseURL()+path, url.Values{"xml": {xml}})
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		return regexp.MustCompile(`<code>(\d+)</code>`).FindStringSubmatch(string(body))[1]
	}
	viewerGet := func(path string) (int, string) {
		GinkgoHelper()
		req := mustRequest(http.MethodGet, dash+path)
		req.SetBasicAuth("desk", "deskpw")
		status, _, body := fetch(req)
		return status, body
	}

	BeforeAll(func() {
		svc, dash = startDemoDashboard(sim, filepath.Join(GinkgoT().TempDir(), "history.db"))
		start := time.Now().UTC().Add(-time.Second)
		// Three users on three phones at once, a failed login, a forced login replacing
		// one of them, a logoutuser and a logout; the forced login stays open.
		Expect(send("/api/login/"+euPlain1+"/"+almUser, "")).To(Equal("0"))
		Expect(send("/api/login/"+euPlain2+"/"+euUser03, "")).To(Equal("0"))
		Expect(send("/api/login/"+euDevice1+"/EUUSER04", "")).To(Equal("0"))
		Expect(send("/api/login/"+euDevice2+"/"+euLocked, "")).NotTo(Equal("0"))
		Expect(send("/api/login/"+euPlain2+"/EUUSER05", "<force>true</force>")).To(Equal("0"))
		Expect(send("/api/logoutuser/EUUSER04", "")).To(Equal("0"))
		Expect(send("/api/logout/"+euPlain1, "")).To(Equal("0"))
		Eventually(func() int {
			_, body := viewerGet("/api/history?op=logout")
			var page struct{ Rows []json.RawMessage }
			Expect(json.Unmarshal([]byte(body), &page)).To(Succeed())
			return len(page.Rows)
		}).WithTimeout(30*time.Second).Should(Equal(1), "the history writer committed the script")
		query = url.Values{"from": {start.Format(time.RFC3339)}, "to": {time.Now().UTC().Add(time.Hour).Format(time.RFC3339)},
			"group": {"hour"}, "zone": {"UTC"}}.Encode()
		status, body := viewerGet("/api/reports?" + query)
		Expect(status).To(Equal(http.StatusOK), body)
		Expect(json.Unmarshal([]byte(body), &rep)).To(Succeed())
	})

	Context("for a scripted history", func() {
		It("counts the logins, the failure and the peak of three sessions at once", func() {
			logins, failures, peak := 0, 0, 0
			for _, g := range rep.Groups {
				logins, failures, peak = logins+g.Logins, failures+g.Failures, max(peak, g.PeakConcurrent)
			}
			Expect(logins).To(Equal(4), "three logins and the forced one")
			Expect(failures).To(Equal(1), "the locked user's login")
			Expect(peak).To(Equal(3))
			if first := rep.Groups[0]; first.Logins == 4 { // the script did not straddle an hour
				Expect(first.Users).To(Equal(4))
				Expect(first.Devices).To(Equal(3))
			}
		})

		It("lists every device of the history with its sessions, and the idle one", func() {
			sessions := map[string]int{}
			var total int64
			for _, d := range rep.Devices {
				sessions[d.Device] = d.Sessions
				total += d.LoggedInSeconds
				Expect(d.Cluster).To(Equal("EU"))
				Expect(d.Utilisation).To(BeNumerically(">=", 0))
			}
			Expect(sessions).To(Equal(map[string]int{euPlain1: 1, euPlain2: 2, euDevice1: 1, euDevice2: 0}),
				"the forced login is a second session on its phone; the failed login's phone has none")
			Expect(rep.MostUsed[0].Device).To(Equal(euPlain2), "the forced login is still open: it counts up to now")
			Expect(rep.LeastUsed[0].Device).To(Equal(euDevice2))
			Expect(rep.Idle).To(HaveLen(1))
			Expect(rep.Idle[0].Device).To(Equal(euDevice2))
			Expect(rep.Idle[0].LastLogin).To(BeNil())
			var groups int64
			for _, g := range rep.Groups {
				groups += g.LoggedInSeconds
			}
			Expect(groups).To(BeNumerically("~", total, len(rep.Devices)+len(rep.Groups)), "the groups and the devices sum the same time")
		})

		It("exports the groups, the devices and the idle devices as CSV", func() {
			status, body := viewerGet("/reports.csv?table=devices&" + query)
			Expect(status).To(Equal(http.StatusOK))
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			Expect(err).NotTo(HaveOccurred())
			Expect(recs[0]).To(Equal([]string{"device", "cluster", "sessions", "loggedInSeconds", "utilisation"}))
			Expect(recs).To(HaveLen(5))
			Expect(recs[1][0]).To(Equal(euPlain2))
			status, body = viewerGet("/reports.csv?" + query)
			Expect(status).To(Equal(http.StatusOK))
			recs, err = csv.NewReader(strings.NewReader(body)).ReadAll()
			Expect(err).NotTo(HaveOccurred())
			Expect(recs[0][6]).To(Equal("peakConcurrent"))
			Expect(recs).To(HaveLen(len(rep.Groups) + 1))
			status, body = viewerGet("/reports.csv?table=idle&" + query)
			Expect(status).To(Equal(http.StatusOK))
			Expect(body).To(Equal("device,cluster,lastLogin\n" + euDevice2 + ",EU,\n"))
		})

		It("filters by user, by device pattern and by cluster", func() {
			var r reportJSON
			_, body := viewerGet("/api/reports?" + query + "&user=" + almUser)
			Expect(json.Unmarshal([]byte(body), &r)).To(Succeed())
			Expect(r.Devices).To(HaveLen(1))
			Expect(r.Devices[0].Device).To(Equal(euPlain1))
			Expect(r.Devices[0].Sessions).To(Equal(1), "its logout row names no user, and still ends it")
			_, body = viewerGet("/api/reports?" + query + "&device=" + url.QueryEscape("SEPE0000000000?"))
			r = reportJSON{}
			Expect(json.Unmarshal([]byte(body), &r)).To(Succeed())
			Expect(r.Devices).To(HaveLen(2))
			_, body = viewerGet("/api/reports?" + query + "&cluster=US")
			r = reportJSON{}
			Expect(json.Unmarshal([]byte(body), &r)).To(Succeed())
			Expect(r.Devices).To(BeEmpty())
		})

		It("shows the Reports page with its chart above the table", func() {
			status, body := viewerGet("/reports?" + query)
			Expect(status).To(Equal(http.StatusOK))
			Expect(body).To(ContainSubstring(`<svg id="report-chart"`))
			Expect(strings.Index(body, `<svg id="report-chart"`)).To(BeNumerically("<", strings.Index(body, `<table id="report-groups"`)))
			Expect(body).To(ContainSubstring("peak 3 at once"))
			Expect(body).NotTo(ContainSubstring("http://"), "no external resource")
		})
	})

	Context("with bad filters", func() {
		It("answers 400 naming the filter, on the API, the CSV and the page", func() {
			for _, tc := range []struct{ query, field string }{
				{"group=month", "group"},
				{"zone=Mars%2FOlympus", "zone"},
				{"zone=..%2F..%2Fetc%2Fpasswd", "zone"},
				{"from=2026-12-05&to=2026-12-01", "from"},
				{"from=2024-01-01&to=2026-01-01", "from"},
				{"from=2026-01-01&to=2026-12-01&group=hour", "group"},
				{"to=tomorrow", "to"},
				{"since=2999-01-01", "since"},
				{"user=%FF%FE", "user"},
				{"device=SEP%00", "device"},
				{"cluster=a%0Db", "cluster"},
				{"device=SEP%5B", "device"},
				{"user=" + strings.Repeat("u", 300), "user"},
				{"from=" + strings.Repeat("9", 10000), "from"},
				{"to=99999-01-01T00:00:00Z", "to"},
			} {
				for _, route := range []string{"/api/reports", "/reports.csv", "/reports"} {
					status, body := viewerGet(route + "?" + tc.query)
					Expect(status).To(Equal(http.StatusBadRequest), "%s?%.40s: %.300s", route, tc.query, body)
					Expect(body).To(ContainSubstring(tc.field+":"), "%s?%.40s names the filter", route, tc.query)
				}
			}
			status, body := viewerGet("/reports.csv?table=secrets")
			Expect(status).To(Equal(http.StatusBadRequest))
			Expect(body).To(ContainSubstring("table:"))
			Expect(string(svc.Session().Err.Contents())).NotTo(ContainSubstring("report failed"))
		})
	})

	Context("under attack", func() {
		It("needs a signed-in viewer", func() {
			for _, path := range []string{"/api/reports", "/reports.csv"} {
				status, _, _ := fetch(mustRequest(http.MethodGet, dash+path))
				Expect(status).To(Equal(http.StatusUnauthorized), path)
			}
			noRedirect := &http.Client{Timeout: httpTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			}}
			resp, err := noRedirect.Get(dash + "/reports")
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusSeeOther))
		})

		It("gives another site nothing to read or frame", func() {
			req := mustRequest(http.MethodGet, dash+"/api/reports?"+query)
			req.SetBasicAuth("desk", "deskpw")
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			status, header, _ := fetch(req)
			Expect(status).To(Equal(http.StatusOK))
			Expect(header.Get("Access-Control-Allow-Origin")).To(BeEmpty(), "no CORS: the browser keeps the answer from the other site")
			req = mustRequest(http.MethodGet, dash+"/reports")
			req.SetBasicAuth("desk", "deskpw")
			_, header, _ = fetch(req)
			Expect(header.Get("Content-Security-Policy")).To(Equal("default-src 'self'; frame-ancestors 'none'"))
			Expect(header.Get("X-Frame-Options")).To(Equal("DENY"))
			req = mustRequest(http.MethodPost, dash+"/reports")
			req.SetBasicAuth("desk", "deskpw")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			status, _, _ = fetch(req)
			Expect(status).To(BeNumerically(">=", 400), "the reports take no POST")
		})

		It("escapes a filter that tries to leave its attribute", func() {
			status, body := viewerGet("/reports?user=" + url.QueryEscape(`"><script>alert(1)</script>`))
			Expect(status).To(Equal(http.StatusOK))
			Expect(body).NotTo(ContainSubstring("<script>alert(1)"))
			Expect(body).To(ContainSubstring("&#34;&gt;&lt;script&gt;"))
		})

		It("answers a flood of year-long reports, and the API keeps answering", func() {
			cookie := signInCookie(dash, "desk", "deskpw") // a session: the flood does not wait for bcrypt
			var wg sync.WaitGroup
			statuses := make([]int, 16)
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer GinkgoRecover()
					req := mustRequest(http.MethodGet, dash+"/api/reports?group=day&from="+time.Now().UTC().AddDate(0, 0, -365).Format(time.DateOnly))
					req.AddCookie(cookie)
					statuses[i], _, _ = fetch(req)
				}()
			}
			wg.Wait()
			Expect(statuses).To(HaveEach(http.StatusOK))
			Expect(askWho(svc, "after-report-flood").Code).To(Equal(0))
		})
	})
})
