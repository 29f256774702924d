package features

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The Sweeps section of the dashboard's Schedules page (cmd/bcservice/README.md, "Sweeps on the
// dashboard") through the real binaries, on the demo topology: the sweep "deskreset" takes EU's
// SEPE00000000005-008, and three of them have a login.
const deskSweep = "deskreset"

// deskDevices are the seeded logins the sweep finds, sorted.
var deskDevices = []string{"SEPE00000000005", "SEPE00000000006", "SEPE00000000007"}

// deskSchedules is a schedules section with the sweep deskreset, due daily an hour ago (UTC),
// so that it runs only when asked; its next run is returned.
func deskSchedules() (map[string]any, time.Time) {
	GinkgoHelper()
	certFile := filepath.Join(GinkgoT().TempDir(), "sched.secret")
	Expect(os.WriteFile(certFile, []byte(appCert+"\n"), 0o600)).To(Succeed())
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	return map[string]any{
		"emAppID": appID, "emAppCertificateFile": certFile, "startGrace": "5s",
		"sweeps": []map[string]any{{
			"name": deskSweep, "at": at.Format("15:04:05"), "timezone": "UTC", "clusters": []string{"EU"},
			"devices": "SEPE0000000000[5-8]",
		}},
	}, at.Add(24 * time.Hour)
}

// deskOther and deskBooked are devices of EU the sweep does not match.
const (
	deskOther  = "SEPE00000000004"
	deskBooked = "SEPE00000000003"
)

// seedDesks logs EUUSER04-06 in on deskDevices through the simulator's control API, and
// EUUSER02 on deskOther.
func seedDesks(sim *Sim) {
	GinkgoHelper()
	for i, d := range deskDevices {
		sim.PutLogin("EU", d, SeedLogin{User: []string{"EUUSER04", "EUUSER05", "EUUSER06"}[i]})
	}
	sim.PutLogin("EU", deskOther, SeedLogin{User: euUser02})
	sim.ClearRequests("EU")
}

// euLoggedIn lists EU's devices with a login, sorted.
func euLoggedIn(sim *Sim) []string {
	GinkgoHelper()
	var out []string
	for _, l := range sim.Logins("EU") {
		out = append(out, l.Device)
	}
	slices.Sort(out)
	return out
}

// euLogouts lists the devices of EU's logged logout requests, sorted.
func euLogouts(sim *Sim) []string {
	GinkgoHelper()
	var out []string
	for _, r := range sim.Requests("EU") {
		if r.Operation == "logout" {
			out = append(out, r.Device)
		}
	}
	slices.Sort(out)
	return out
}

// historyActors lists the dashboard history's rows of op as "device actor appID code text".
func historyActors(c *http.Client, dash, op string) []string {
	GinkgoHelper()
	a := send(c, http.MethodGet, dash+"/api/history?op="+op, nil, nil)
	Expect(a.Status).To(Equal(http.StatusOK), a.Body)
	var page struct {
		Rows []struct {
			Device, Actor, AppID, Text string
			Code                       int
		} `json:"rows"`
	}
	Expect(json.Unmarshal([]byte(a.Body), &page)).To(Succeed())
	var out []string
	for _, r := range page.Rows {
		out = append(out, r.Device+" "+r.Actor+" "+r.AppID+" "+strconv.Itoa(r.Code)+" "+r.Text)
	}
	slices.Sort(out)
	return out
}

// logoutRow is historyActors' row of the sweep's logout of device.
func logoutRow(device string) string {
	return device + " sweep:" + deskSweep + " " + appID + " 0 Logout successful for device " + device
}

var _ = Describe("the Schedules page's sweeps", Ordered, func() {
	sim := UseSim(demoTopology)
	var dash string
	var next time.Time
	var operator, viewer *http.Client
	var preview, run string
	BeforeAll(func() {
		var sched map[string]any
		sched, next = deskSchedules()
		_, dash = attackDashboard{extra: map[string]any{"schedules": sched}}.start(sim)
		preview, run = dash+"/schedules/sweeps/"+deskSweep+"/preview", dash+"/schedules/sweeps/"+deskSweep+"/run"
		operator, viewer = browser(1, nil), browser(1, nil)
		signInAs(operator, dash, "admin", "adminpw")
		signInAs(viewer, dash, "desk", "deskpw")
	})
	BeforeEach(func() { seedDesks(sim) })

	It("shows every signed-in user the sweep's rule and its next run, and a viewer no button", func() {
		a := send(viewer, http.MethodGet, dash+"/schedules", nil, nil)
		Expect(a.Status).To(Equal(http.StatusOK))
		Expect(a.Body).To(ContainSubstring("<td>" + deskSweep + "</td><td>" + next.Format("15:04:05") + " (UTC)</td><td>sun, mon, tue, wed, thu, fri, sat</td><td>EU</td><td><code>SEPE0000000000[5-8]</code></td><td>none</td>"))
		Expect(a.Body).To(ContainSubstring("(" + next.Format("2006-01-02 15:04:05") + " UTC)"))
		Expect(a.Body).To(ContainSubstring("No run yet."))
		Expect(a.Body).NotTo(Or(ContainSubstring("/preview"), ContainSubstring("/run\"")))
		Expect(send(operator, http.MethodGet, dash+"/schedules", nil, nil).Body).To(ContainSubstring(`action="/schedules/sweeps/` + deskSweep + `/preview"`))
	})

	Context("when an operator previews the sweep", func() {
		It("lists exactly the devices it would log out and changes nothing", func() {
			a := send(operator, http.MethodPost, preview, url.Values{}, nil)
			Expect(a.Status).To(Equal(http.StatusOK), a.Body)
			Expect(a.Body).To(ContainSubstring("Sweep " + deskSweep + " would log out 3 device(s)"))
			Expect(a.Body).To(ContainSubstring(`<th scope="row">Devices examined</th><td>4</td>`))
			Expect(a.Body).To(ContainSubstring(`<th scope="row">Would log out</th><td>3</td>`))
			for i, d := range deskDevices {
				Expect(a.Body).To(ContainSubstring(d + `</a></td><td>EU</td><td>0</td><td>Would log out ` + []string{"EUUSER04", "EUUSER05", "EUUSER06"}[i]))
			}
			Expect(a.Body).To(ContainSubstring(`action="/schedules/sweeps/` + deskSweep + `/run"`))
			Expect(euLoggedIn(sim)).To(Equal(append([]string{deskOther}, deskDevices...)))
			Expect(euLogouts(sim)).To(BeEmpty())
			Expect(send(viewer, http.MethodGet, dash+"/schedules", nil, nil).Body).To(ContainSubstring("No run yet."), "a dry run keeps no report")
		})
	})

	Context("when the POST is not an operator's", func() {
		It("answers a viewer 403, refuses a cross-site POST, and runs nothing", func() {
			for _, target := range []string{preview, run} {
				Expect(send(viewer, http.MethodPost, target, url.Values{}, nil).Status).To(Equal(http.StatusForbidden))
				for _, h := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
					Expect(send(operator, http.MethodPost, target, url.Values{}, h).Status).To(Equal(http.StatusForbidden), "%v", h)
				}
			}
			Expect(sim.Requests("EU")).To(BeEmpty(), "CUCM was not asked")
			Expect(euLoggedIn(sim)).To(HaveLen(4))
		})

		It("answers a name no sweep has 404 and one no sweep could have 400, without echoing it", func() {
			for path, want := range map[string]int{"nightly": http.StatusNotFound, "%3Cscript%3Ex": http.StatusBadRequest, "%ff": http.StatusBadRequest} {
				a := send(operator, http.MethodPost, dash+"/schedules/sweeps/"+path+"/run", url.Values{}, nil)
				Expect(a.Status).To(Equal(want), path)
				Expect(a.Body).NotTo(Or(ContainSubstring("nightly"), ContainSubstring("<script>")))
			}
			Expect(sim.Requests("EU")).To(BeEmpty())
		})
	})

	Context("when an operator runs the sweep", func() {
		It("logs the devices out, shows the report, and keeps the run with the operator and the sweep as actors", func() {
			a := send(operator, http.MethodPost, run, url.Values{}, nil)
			Expect(a.Status).To(Equal(http.StatusOK), a.Body)
			Expect(a.Body).To(ContainSubstring("Sweep " + deskSweep + " logged out 3 device(s)"))
			Expect(a.Body).To(ContainSubstring(`<th scope="row">Logged out</th><td>3</td>`))
			Expect(euLoggedIn(sim)).To(Equal([]string{deskOther}), "the other device keeps its login")
			Expect(euLogouts(sim)).To(Equal(deskDevices))

			Eventually(func() string {
				return send(viewer, http.MethodGet, dash+"/schedules", nil, nil).Body
			}).WithTimeout(10 * time.Second).Should(MatchRegexp(`<td>done</td><td>by hand</td><td>` + appID + `</td><td>4</td><td>3</td><td>3</td><td>0</td><td>none</td>`))
			Eventually(historyActors).WithArguments(operator, dash, "runsweep").WithTimeout(10*time.Second).
				Should(Equal([]string{" admin " + appID + " 0 Sweep " + deskSweep + " logged out 3 device(s)",
					" admin " + appID + " 0 Sweep " + deskSweep + " would log out 3 device(s)"}), "the preview and the run: the operator, the dashboard's app user")
			Eventually(historyActors).WithArguments(operator, dash, "logout").WithTimeout(10*time.Second).
				Should(Equal([]string{logoutRow(deskDevices[0]), logoutRow(deskDevices[1]), logoutRow(deskDevices[2])}), "its logouts: the sweep")
		})
	})
})
