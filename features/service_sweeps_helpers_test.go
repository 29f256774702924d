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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
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

// withKey is keys with key set to v.
func withKey(keys map[string]any, key string, v any) map[string]any {
	keys[key] = v
	return keys
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

// soon is the time of day (UTC, HH:MM:SS) d from now.
func soon(d time.Duration) string { return time.Now().UTC().Add(d).Format("15:04:05") }

// haveCounts checks a report's counts: examined, loggedIn, loggedOut, spared, failed.
func haveCounts(examined, loggedIn, loggedOut, spared, failed int) OmegaMatcher {
	return WithTransform(func(r sweepReport) []int {
		return []int{r.Examined, r.LoggedIn, r.LoggedOut, r.Spared, r.Failed}
	}, Equal([]int{examined, loggedIn, loggedOut, spared, failed}))
}
