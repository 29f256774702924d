package features

import (
	"database/sql"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// Sweeps (cmd/bcservice/README.md, "Sweeps") through the real binaries, on the replicas'
// topology: cluster R of 200 phones SEP000000000001… (hexadecimal). The sweep "hotdesk" takes
// the sixteen hot desks SEP000000000010-01f (glob SEP00000000001?), listed 5 per AXL page (4
// pages) and asked about 3 per deviceUserQuery (6 queries).
const (
	hotdeskGlob    = "SEP00000000001?"
	hotdeskPattern = "SEP00000000001_" // the listPhone pattern the glob becomes
	schedCertEnv   = "BC_SCHED_CERT"
)

// sweepKeys is the schedules section of one sweep named name at `at` (UTC) on R.
func sweepKeys(name, at string) map[string]any {
	return map[string]any{
		"emAppID": appID, "emAppCertificateEnv": schedCertEnv,
		"listPageSize": 5, "queryBatch": 3,
		"sweeps": []map[string]any{{
			"name": name, "at": at, "timezone": "UTC", "clusters": []string{"R"},
			"devices": hotdeskGlob, "minLoginAge": "30m",
		}},
	}
}

// sweepService starts bcservice in front of sim's cluster R with its history in a fresh
// SQLite file (returned) and the schedules of sweepKeys.
func sweepService(sim *Sim, at string) (*Service, string) {
	GinkgoHelper()
	db := filepath.Join(GinkgoT().TempDir(), "history.db")
	svc := NewService(sim, ServiceOptions{Clusters: []string{"R"}, Default: "R",
		Env: []string{schedCertEnv + "=" + appCert},
		Extra: map[string]any{
			"history":   map[string]any{"dsn": "sqlite:" + db},
			"schedules": sweepKeys("hotdesk", at),
		}})
	return svc, db
}

// sweepReport is a runsweep answer: its code, text and report elements.
type sweepReport struct {
	Code      int    `xml:"code"`
	Text      string `xml:"text"`
	Sweep     string `xml:"sweep"`
	DryRun    string `xml:"dryRun"`
	State     string `xml:"state"`
	Examined  int    `xml:"examined"`
	LoggedIn  int    `xml:"loggedIn"`
	LoggedOut int    `xml:"loggedOut"`
	Spared    int    `xml:"spared"`
	Failed    int    `xml:"failed"`
	Failures  string `xml:"failures"`
	Entries   []struct {
		DeviceName string `xml:"deviceName"`
	} `xml:"devices>device"`
	Devices []string `xml:"-"`
}

// runSweep posts runsweep for name (dry: with <dryRun>true</dryRun>) and decodes the report.
func runSweep(svc *Service, name string, dry bool) sweepReport {
	GinkgoHelper()
	status, body := postSweep(svc, "/api/runsweep/"+name, sweepXML(dry))
	Expect(status).To(Equal(http.StatusOK), body)
	return decodeSweep(body)
}

func sweepXML(dry bool) string {
	if dry {
		return strings.Replace(demoCredsXML, "</request>", "<dryRun>true</dryRun></request>", 1)
	}
	return demoCredsXML
}

// postSweep posts xml to path and returns the status and body.
func postSweep(svc *Service, path, xmlDoc string) (int, string) {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodPost, svc.BaseURL()+path, strings.NewReader(url.Values{"xml": {xmlDoc}}.Encode()))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, _, body := fetch(req)
	return status, body
}

func decodeSweep(body string) sweepReport {
	GinkgoHelper()
	var doc struct {
		Result sweepReport `xml:"result"`
	}
	Expect(xml.Unmarshal([]byte(body), &doc)).To(Succeed(), body)
	r := doc.Result
	for _, d := range r.Entries {
		r.Devices = append(r.Devices, d.DeviceName)
	}
	return r
}

// hot is the phone SEP…x of the replicas' topology (hexadecimal, as cucmsim gen names them).
func hot(x int) string { return fmt.Sprintf("SEP%012X", x) }

// seedHotdesks logs users in on SEP…010, 012, 015 and 019 (the simulator's control API, so
// the service never saw these logins: they count as old), on SEP…020 (not a hot desk), and
// through the service on SEP…017 (a login the history saw a moment ago: young), and waits
// until logins (the count of successful logins in the history) says the history has it.
// Then it empties R's request log.
func seedHotdesks(sim *Sim, svc *Service, logins func() int) {
	GinkgoHelper()
	for _, x := range []int{0x10, 0x12, 0x15, 0x19, 0x20} {
		sim.PutLogin("R", hot(x), SeedLogin{User: genUser(x)})
	}
	before := logins()
	status, body := postSweep(svc, fmt.Sprintf("/api/login/%s/%s/R", hot(0x17), genUser(0x17)), demoCredsXML)
	Expect(status).To(Equal(http.StatusOK))
	Expect(decodeResult(body).Code).To(Equal(0), body)
	Eventually(logins).WithTimeout(10*time.Second).Should(Equal(before+1), "the history has the login")
	sim.ClearRequests("R")
}

// sqliteLogins counts the successful logins of the SQLite history at path.
func sqliteLogins(path string) func() int {
	return func() int {
		GinkgoHelper()
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
		Expect(err).NotTo(HaveOccurred())
		defer db.Close()
		var n int
		if err := db.QueryRow("SELECT count(*) FROM request_history WHERE op = 'login' AND code = 0").Scan(&n); err != nil {
			return 0 // no table yet
		}
		return n
	}
}

// loggedInDevices lists R's devices with a login, sorted.
func loggedInDevices(sim *Sim) []string {
	GinkgoHelper()
	var out []string
	for _, l := range sim.Logins("R") {
		out = append(out, l.Device)
	}
	slices.Sort(out)
	return out
}

// requestsOf lists R's logged requests of operation op: their devices (joined by commas for
// a query naming several), sorted.
func requestsOf(sim *Sim, op string) []string {
	GinkgoHelper()
	var out []string
	for _, r := range sim.Requests("R") {
		if r.Operation == op {
			out = append(out, r.Device)
		}
	}
	slices.Sort(out)
	return out
}

// logoutsDone lists R's devices of the logouts the simulator answered with code 0, sorted.
func logoutsDone(sim *Sim) []string {
	GinkgoHelper()
	var entries []struct {
		Operation string `json:"operation"`
		Device    string `json:"device"`
		Status    int    `json:"status"`
		Code      *int   `json:"code"`
	}
	sim.admin(http.MethodGet, "/v1/clusters/R/requests", nil, http.StatusOK, &entries)
	var out []string
	for _, e := range entries {
		if e.Operation == "logout" && e.Status == http.StatusOK && e.Code != nil && *e.Code == 0 {
			out = append(out, e.Device)
		}
	}
	slices.Sort(out)
	return out
}

func devices(xs ...int) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = hot(x)
	}
	slices.Sort(out)
	return out
}

// sweepRun is one row of sweep_runs.
type sweepRun struct {
	State                                 string
	Manual                                int
	Examined, LoggedIn, LoggedOut, Spared int
	Failures                              string
}

// sweepRuns reads the runs of the SQLite history file at path, oldest first.
func sweepRuns(path string) ([]sweepRun, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return readSweepRuns(db)
}

func readSweepRuns(db *sql.DB) ([]sweepRun, error) {
	rows, err := db.Query(`SELECT state, manual, examined, logged_in, logged_out, spared, failures FROM sweep_runs ORDER BY scheduled_ms`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sweepRun
	for rows.Next() {
		var r sweepRun
		if err := rows.Scan(&r.State, &r.Manual, &r.Examined, &r.LoggedIn, &r.LoggedOut, &r.Spared, &r.Failures); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// sweepActions lists the history's (op, device, actor) rows whose actor starts with "sweep:".
func sweepActions(path string) ([]string, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT op, device, actor, code FROM request_history WHERE actor LIKE 'sweep:%' ORDER BY device`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var op, device, actor string
		var code int
		if err := rows.Scan(&op, &device, &actor, &code); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("%s %s %s %d", op, device, actor, code))
	}
	return out, rows.Err()
}

var _ = Describe("POST /api/runsweep/{name}", Ordered, func() {
	sim := UseSim(replicasTopology)
	var svc *Service
	var db string
	BeforeAll(func() { svc, db = sweepService(sim, "03:00") })

	Context("when hot desks are logged in, one of them recently through the service", func() {
		BeforeEach(func() { seedHotdesks(sim, svc, sqliteLogins(db)) })

		It("logs out exactly the matching logins older than minLoginAge, across AXL pages and batched queries", func() {
			rep := runSweep(svc, "hotdesk", false)
			Expect(rep.Code).To(Equal(0), rep.Text)
			Expect(rep.Text).To(Equal("Sweep hotdesk logged out 4 device(s)"))
			Expect(rep).To(haveCounts(16, 5, 4, 1, 0))
			Expect(rep.Devices).To(ConsistOf(devices(0x10, 0x12, 0x15, 0x19)))

			Expect(loggedInDevices(sim)).To(Equal(devices(0x17, 0x20)), "the young login and the other phone stay")
			Expect(requestsOf(sim, "listPhone")).To(Equal(slices.Repeat([]string{hotdeskPattern}, 4)), "four pages of 5")
			queries := requestsOf(sim, "deviceUserQuery")
			Expect(queries).To(HaveLen(6), "sixteen devices, three a query")
			all := make([]int, 16)
			for i := range all {
				all[i] = 0x10 + i
			}
			Expect(strings.Split(strings.Join(queries, ","), ",")).To(ConsistOf(devices(all...)))
			Expect(requestsOf(sim, "logout")).To(Equal(devices(0x10, 0x12, 0x15, 0x19)), "one logout per old login, none twice")

			Eventually(sweepActions).WithArguments(db).WithTimeout(10*time.Second).Should(Equal([]string{
				"logout " + hot(0x10) + " sweep:hotdesk 0", "logout " + hot(0x12) + " sweep:hotdesk 0",
				"logout " + hot(0x15) + " sweep:hotdesk 0", "logout " + hot(0x19) + " sweep:hotdesk 0",
			}), "each logout is in the history with the sweep as its actor")
			Eventually(sweepRuns).WithArguments(db).Should(ContainElement(sweepRun{State: "done", Manual: 1,
				Examined: 16, LoggedIn: 5, LoggedOut: 4, Spared: 1}), "the run's report is kept")
		})

		It("reports with dryRun what it would do and changes nothing", func() {
			runs, err := sweepRuns(db)
			Expect(err).NotTo(HaveOccurred())
			rep := runSweep(svc, "hotdesk", true)
			Expect(rep.Code).To(Equal(0), rep.Text)
			Expect(rep.Text).To(Equal("Sweep hotdesk would log out 4 device(s)"))
			Expect(rep.DryRun).To(Equal("true"))
			Expect(rep).To(haveCounts(16, 5, 4, 1, 0))
			Expect(rep.Devices).To(ConsistOf(devices(0x10, 0x12, 0x15, 0x19)))

			Expect(loggedInDevices(sim)).To(Equal(devices(0x10, 0x12, 0x15, 0x17, 0x19, 0x20)))
			Expect(requestsOf(sim, "logout")).To(BeEmpty())
			Expect(sweepRuns(db)).To(Equal(runs), "a dry run keeps no report")
		})

		It("counts a logout CUCM refuses by its code and goes on with the others", func() {
			sim.AddFault("R", Fault{Operation: "logout", Device: hot(0x12), EMCode: emCode(6)})
			rep := runSweep(svc, "hotdesk", false)
			Expect(rep.Code).To(Equal(0), rep.Text)
			Expect(rep.LoggedOut).To(Equal(3))
			Expect(rep.Failed).To(Equal(1))
			Expect(rep.Failures).To(Equal("6:1"))
			Expect(loggedInDevices(sim)).To(Equal(devices(0x12, 0x17, 0x20)))
		})
	})

	Context("when the request is not a run", func() {
		DescribeTable("answers its code and runs nothing",
			func(path, xmlDoc string, want int) {
				status, body := postSweep(svc, path, xmlDoc)
				Expect(status).To(Equal(http.StatusOK))
				Expect(decodeResult(body).Code).To(Equal(want), body)
				Expect(requestsOf(sim, "listPhone")).To(BeEmpty())
			},
			Entry("an unknown sweep: 1099", "/api/runsweep/daytime", demoCredsXML, 1099),
			Entry("no name: 1099", "/api/runsweep", demoCredsXML, 1099),
			Entry("an empty name: 1099", "/api/runsweep/", demoCredsXML, 1099),
			Entry("a name of invalid bytes: 1012", "/api/runsweep/%FF%FE", demoCredsXML, 1012),
			Entry("a name with a control character: 1012", "/api/runsweep/hot%00desk", demoCredsXML, 1012),
			Entry("a huge name: 1012", "/api/runsweep/"+strings.Repeat("n", 5000), demoCredsXML, 1012),
			Entry("no credentials: 1007", "/api/runsweep/hotdesk", "<request></request>", 1007),
			Entry("a dryRun that is not a boolean: 1012", "/api/runsweep/hotdesk", strings.Replace(demoCredsXML, "</request>", "<dryRun>perhaps</dryRun></request>", 1), 1012),
		)

		It("refuses the credentials CUCM refuses, with CUCM's code", func() {
			bad := strings.Replace(demoCredsXML, appCert, "wrong", 1)
			status, body := postSweep(svc, "/api/runsweep/hotdesk", bad)
			Expect(status).To(Equal(http.StatusOK))
			rep := decodeSweep(body)
			Expect(rep.Code).To(Equal(3), body)
			Expect(rep.Text).To(HavePrefix("Sweep hotdesk failed in cluster R: "))
			Expect(rep.Failures).To(Equal("3:1"))
			Expect(requestsOf(sim, "logout")).To(BeEmpty())
			Expect(body).NotTo(ContainSubstring("wrong"), "the certificate is never echoed")
		})
	})

	Context("when a flood of runsweep requests arrives at once", func() {
		BeforeEach(func() { seedHotdesks(sim, svc, sqliteLogins(db)) })

		It("runs the sweep once at a time: the others get 1097, no phone is logged out twice", func() {
			const flood = 20
			codes := make(chan int, flood)
			var wg sync.WaitGroup
			for range flood {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer GinkgoRecover()
					status, body := postSweep(svc, "/api/runsweep/hotdesk", demoCredsXML)
					Expect(status).To(Equal(http.StatusOK))
					codes <- decodeSweep(body).Code
				}()
			}
			wg.Wait()
			close(codes)
			seen := map[int]int{}
			for c := range codes {
				seen[c]++
			}
			Expect(seen[0]).To(BeNumerically(">=", 1))
			Expect(seen[0]+seen[1097]).To(Equal(flood), "only successes and 1097: %v", seen)
			Expect(requestsOf(sim, "logout")).To(Equal(devices(0x10, 0x12, 0x15, 0x19)), "each old login logged out once")
			Expect(loggedInDevices(sim)).To(Equal(devices(0x17, 0x20)))
		})
	})
})

var _ = Describe("POST /api/runsweep/{name} without schedules", Ordered, func() {
	sim := UseSim(replicasTopology)
	It("answers 1098: sweeps are not configured", func() {
		svc := NewService(sim, ServiceOptions{Clusters: []string{"R"}, Default: "R"})
		status, body := postSweep(svc, "/api/runsweep/hotdesk", demoCredsXML)
		Expect(status).To(Equal(http.StatusOK))
		Expect(decodeResult(body).Code).To(Equal(1098), body)
	})
})

// soon is the time of day (UTC, HH:MM:SS) d from now.
func soon(d time.Duration) string { return time.Now().UTC().Add(d).Format("15:04:05") }

var _ = Describe("a scheduled sweep", Ordered, func() {
	sim := UseSim(replicasTopology)

	It("runs at its time of day, as the schedules' app user, and keeps its report", func() {
		svc, db := sweepService(sim, soon(15*time.Second))
		seedHotdesks(sim, svc, sqliteLogins(db))
		Eventually(loggedInDevices, 60*time.Second, 200*time.Millisecond).WithArguments(sim).Should(Equal(devices(0x17, 0x20)))
		Eventually(sweepRuns).WithArguments(db).WithTimeout(10 * time.Second).Should(Equal([]sweepRun{{State: "done", Manual: 0,
			Examined: 16, LoggedIn: 5, LoggedOut: 4, Spared: 1}}))
		for _, r := range sim.Requests("R") {
			if r.Operation == "logout" || r.Operation == "deviceUserQuery" {
				Expect(r.AppID).To(Equal(appID), "the schedules' EM app user")
			}
		}
	})
})

var _ = Describe("a scheduled sweep on two replicas (PostgreSQL)", Ordered, func() {
	sim := UseSim(replicasTopology)

	It("runs once: one listing, one logout per old login, one report", func() {
		pg := StartPostgres()
		dsn := pg.NewDB()
		at := soon(25 * time.Second)
		var replicas []*Service
		for i := range 2 {
			configPath := filepath.Join(GinkgoT().TempDir(), fmt.Sprintf("sweep-replica-%d.yaml", i))
			writeServiceConfig(configPath, sim, ServiceOptions{Clusters: []string{"R"}, Default: "R", MaxConcurrentRequests: 5,
				Extra: map[string]any{
					"coordination": "postgres",
					"history":      map[string]any{"dsn": dsn, "flushTimeout": "5s"},
					"schedules":    sweepKeys("hotdesk", at),
				}})
			replicas = append(replicas, startService(configPath, []string{schedCertEnv + "=" + appCert}))
		}
		seedHotdesks(sim, replicas[0], func() int {
			db, err := sql.Open("pgx", dsn)
			Expect(err).NotTo(HaveOccurred())
			defer db.Close()
			var n int
			if err := db.QueryRow("SELECT count(*) FROM request_history WHERE op = 'login' AND code = 0").Scan(&n); err != nil {
				return 0 // not migrated yet
			}
			return n
		})
		Eventually(loggedInDevices, 60*time.Second, 200*time.Millisecond).WithArguments(sim).Should(Equal(devices(0x17, 0x20)))
		Eventually(func() int {
			return pg.Count(dsn, "SELECT count(*) FROM sweep_runs WHERE state = 'done'")
		}).WithTimeout(15 * time.Second).Should(Equal(1))
		// The other replica looks again every 5 s until it finds the run finished.
		Consistently(func() []string { return requestsOf(sim, "listPhone") }, 8*time.Second, 500*time.Millisecond).
			Should(HaveLen(4), "one run: four pages")
		Expect(requestsOf(sim, "logout")).To(Equal(devices(0x10, 0x12, 0x15, 0x19)))
		Expect(pg.Count(dsn, "SELECT count(*) FROM sweep_runs")).To(Equal(1))
		Expect(pg.Count(dsn, "SELECT count(*) FROM request_history WHERE actor = 'sweep:hotdesk'")).To(Equal(4))
	})
})

var _ = Describe("a sweep whose replica is killed in the run (PostgreSQL)", Ordered, func() {
	sim := UseSim(replicasTopology)

	It("is resumed by the other replica once the lease has run out, and no phone is logged out twice", func() {
		pg := StartPostgres()
		dsn := pg.NewDB()
		var replicas []*Service
		for i := range 2 {
			configPath := filepath.Join(GinkgoT().TempDir(), fmt.Sprintf("sweep-kill-%d.yaml", i))
			writeServiceConfig(configPath, sim, ServiceOptions{Clusters: []string{"R"}, Default: "R", MaxConcurrentRequests: 5,
				Extra: map[string]any{
					"coordination": "postgres",
					"history":      map[string]any{"dsn": dsn, "flushTimeout": "5s"},
					// Scheduled 12 hours away: the run here is the runsweep's.
					"schedules": sweepKeys("hotdesk", time.Now().UTC().Add(12*time.Hour).Format("15:04")),
				}})
			replicas = append(replicas, startService(configPath, []string{schedCertEnv + "=" + appCert}))
		}
		all := make([]int, 16)
		for i := range all {
			all[i] = 0x10 + i
			sim.PutLogin("R", hot(all[i]), SeedLogin{User: genUser(all[i])})
		}
		sim.ClearRequests("R")
		// A logout takes 1 s inside CUCM's slot: sixteen take four rounds of five.
		sim.AddFault("R", Fault{Operation: "logout", Latency: "1s"})
		go func() {
			defer GinkgoRecover()
			req, err := http.NewRequest(http.MethodPost, replicas[0].BaseURL()+"/api/runsweep/hotdesk",
				strings.NewReader(url.Values{"xml": {demoCredsXML}}.Encode()))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if resp, err := apiHTTPClient().Do(req); err == nil { // the replica dies before it answers
				resp.Body.Close()
			}
		}()
		// In its middle: some logouts answered.
		Eventually(func() int { return 16 - len(loggedInDevices(sim)) }).WithTimeout(30 * time.Second).Should(BeNumerically(">=", 3))
		replicas[0].Session().Kill() // SIGKILL: the run stays "running", its lease runs out in 30 s
		Eventually(replicas[0].Session()).WithTimeout(stopTimeout).Should(gexec.Exit())
		Expect(loggedInDevices(sim)).NotTo(BeEmpty(), "killed in the middle of the run")

		Eventually(loggedInDevices, 90*time.Second, 500*time.Millisecond).WithArguments(sim).Should(BeEmpty(), "the other replica finished the run")
		Eventually(func() int {
			return pg.Count(dsn, "SELECT count(*) FROM sweep_runs WHERE state = 'done' AND resumed = 1 AND manual = 1")
		}).WithTimeout(15 * time.Second).Should(Equal(1))
		Expect(pg.Count(dsn, "SELECT count(*) FROM sweep_runs")).To(Equal(1))
		// The killed replica's logouts in flight were dropped with their connections (the
		// simulator performs nothing for a client gone during the latency): done ones count.
		Expect(logoutsDone(sim)).To(Equal(devices(all...)), "each phone logged out once")
	})
})

// haveCounts checks a report's counts: examined, loggedIn, loggedOut, spared, failed.
func haveCounts(examined, loggedIn, loggedOut, spared, failed int) OmegaMatcher {
	return WithTransform(func(r sweepReport) []int {
		return []int{r.Examined, r.LoggedIn, r.LoggedOut, r.Spared, r.Failed}
	}, Equal([]int{examined, loggedIn, loggedOut, spared, failed}))
}
