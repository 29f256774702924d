package features

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// The dashboard's server side (cmd/bcservice/README.md, "Dashboard") through the real binaries:
// cucmsim, and bcservice with an sqlite history and a dashboard on its own listener.
var _ = Describe("the dashboard (server side)", Ordered, func() {
	sim := UseSim(demoTopology)
	var dash string // http://host:port of the dashboard
	var svc *Service

	BeforeAll(func() {
		svc, dash = startDemoDashboard(sim, filepath.Join(GinkgoT().TempDir(), "history.db"))
	})

	signIn := func(name, pw string) *http.Client {
		GinkgoHelper()
		jar, err := cookiejar.New(nil)
		Expect(err).NotTo(HaveOccurred())
		c := &http.Client{Jar: jar, Timeout: httpTimeout}
		resp, err := c.PostForm(dash+"/signin", url.Values{"name": {name}, "password": {pw}})
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK), "the redirect to the status page")
		Expect(resp.Request.URL.Path).To(Equal("/"))
		return c
	}
	get := func(c *http.Client, path string) (int, string) {
		GinkgoHelper()
		return getBody(c, dash+path)
	}
	apiLogin := func(device, user string) {
		GinkgoHelper()
		resp, err := http.PostForm(svc.BaseURL()+"/api/login/"+device+"/"+user, url.Values{"xml": {demoCredsXML}})
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
	}
	type apiPage struct {
		Rows []struct {
			Op, Device, User, Outcome, Actor string
		} `json:"rows"`
		Next string `json:"next"`
	}

	It("answers 401 on /api without auth and sends pages to /signin", func() {
		noRedirect := &http.Client{Timeout: httpTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
		code, _ := get(noRedirect, "/api/history")
		Expect(code).To(Equal(http.StatusUnauthorized))
		code, _ = get(noRedirect, "/history.csv")
		Expect(code).To(Equal(http.StatusUnauthorized))
		for _, page := range []string{"/", "/history", "/devices/" + euDevice1} {
			resp, err := noRedirect.Get(dash + page)
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusSeeOther), page)
			Expect(resp.Header.Get("Location")).To(Equal("/signin"))
		}
	})

	It("shows a login made through the API on /history, /api/history and the CSV", func() {
		apiLogin(euDevice1, almUser)
		c := signIn("desk", "deskpw")
		var page apiPage
		Eventually(func() int {
			_, body := get(c, "/api/history?device="+euDevice1+"&op=login")
			page = apiPage{}
			Expect(json.Unmarshal([]byte(body), &page)).To(Succeed())
			return len(page.Rows)
		}).WithTimeout(30 * time.Second).Should(BeNumerically(">=", 1))
		Expect(page.Rows[0].User).To(Equal(almUser))
		Expect(page.Rows[0].Outcome).To(Equal("success"))

		code, body := get(c, "/history?device="+euDevice1)
		Expect(code).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring(almUser))

		code, body = get(c, "/history.csv?device="+euDevice1+"&op=login")
		Expect(code).To(Equal(http.StatusOK))
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		Expect(err).NotTo(HaveOccurred())
		Expect(len(recs)).To(Equal(len(page.Rows)+1), "a header and every row")
		Expect(recs[1][3]).To(Equal(euDevice1))
		Expect(recs[1][4]).To(Equal(almUser))

		code, _ = get(c, "/")
		Expect(code).To(Equal(http.StatusOK))
	})

	It("lets an operator log a device out, recorded with the actor, and refuses a viewer", func() {
		apiLogin(euDevice2, almUser)
		Expect(sim.Device("EU", euDevice2).User).To(Equal(almUser))

		viewer := signIn("desk", "deskpw")
		resp, err := viewer.Post(dash+"/devices/"+euDevice2+"/logout", "application/x-www-form-urlencoded", nil)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusForbidden))
		Expect(sim.Device("EU", euDevice2).User).To(Equal(almUser), "the viewer changed nothing")

		operator := signIn("admin", "adminpw")
		code, body := get(operator, "/devices/"+euDevice2+"/logout")
		Expect(code).To(Equal(http.StatusOK), "the confirmation page")
		Expect(body).To(ContainSubstring(`action="/devices/` + euDevice2 + `/logout"`))
		resp, err = operator.Post(dash+"/devices/"+euDevice2+"/logout", "application/x-www-form-urlencoded", nil)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(sim.Device("EU", euDevice2).User).To(BeEmpty())

		Eventually(func() string {
			_, body := get(operator, "/api/history?device="+euDevice2+"&op=logout")
			var page apiPage
			Expect(json.Unmarshal([]byte(body), &page)).To(Succeed())
			if len(page.Rows) == 0 {
				return ""
			}
			return page.Rows[0].Actor + "/" + page.Rows[0].Outcome
		}).WithTimeout(30 * time.Second).Should(Equal("admin/success"))
		Expect(string(svc.Session().Err.Contents())).To(ContainSubstring("msg=audit event=dashboard.logout user=admin"))
		Expect(string(svc.Session().Err.Contents())).NotTo(Or(ContainSubstring("adminpw"), ContainSubstring("deskpw")))
	})

	It("refuses an operator's logout sent from another site, and the device stays as it is", func() {
		apiLogin(euDevice2, almUser)
		operator := signIn("admin", "adminpw")
		for _, h := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site"},
			{"Origin": "https://evil.example"},
		} {
			req, err := http.NewRequest(http.MethodPost, dash+"/devices/"+euDevice2+"/logout", nil)
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range h {
				req.Header.Set(k, v)
			}
			resp, err := operator.Do(req)
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusForbidden), "headers %v", h)
		}
		Expect(sim.Device("EU", euDevice2).User).To(Equal(almUser), "nothing was done")
	})
})

// startDemoDashboard starts bcservice in front of sim with an SQLite history at db and a
// dashboard with the users admin (operator, password adminpw) and desk (viewer, deskpw),
// whose operator actions run as the demo app user; it returns the service and the
// dashboard's base URL.
func startDemoDashboard(sim *Sim, db string) (*Service, string) {
	GinkgoHelper()
	return startDemoDashboardOn(sim, "sqlite:"+db)
}

// startDemoDashboardOn is startDemoDashboard with the history at dsn (sqlite:FILE or
// postgres://…).
func startDemoDashboardOn(sim *Sim, dsn string) (*Service, string) {
	GinkgoHelper()
	return attackDashboard{dsn: dsn}.start(sim)
}

// startDashboardService starts bcservice like startService and returns it with the
// dashboard's base URL, read from the address file's "dashboard" key.
func startDashboardService(configPath string, env []string) (*Service, string) {
	GinkgoHelper()
	return startDashboardBinary(binaries.Service, configPath, env)
}

// startDashboardBinary is startDashboardService with the bcservice binary at bin.
func startDashboardBinary(bin, configPath string, env []string) (*Service, string) {
	GinkgoHelper()
	Expect(bin).NotTo(BeEmpty(), "bcservice was not built")
	svc := &Service{ConfigPath: configPath}
	addrFile := filepath.Join(GinkgoT().TempDir(), "bcservice-addr.json")
	cmd := exec.Command(bin, "serve",
		"--config", configPath, "--listen", "127.0.0.1:0", "--addr-file", addrFile)
	cmd.Env = append(os.Environ(), env...)
	var err error
	svc.session, err = gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred(), "starting bcservice")
	DeferCleanup(svc.stop)
	type addrs struct {
		Listen    string `json:"listen"`
		Dashboard string `json:"dashboard"`
	}
	a := waitForAddrFile[addrs](svc.session, addrFile, func(a addrs) bool { return a.Listen != "" })
	Expect(a.Dashboard).NotTo(BeEmpty(), "the address file names the dashboard")
	svc.listen = a.Listen
	trackProcess(svc.session, a.Listen, a.Dashboard)
	return svc, "http://" + a.Dashboard
}
