package features

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// bookingAnswer is the JSON answer of book, getbookings and cancelbooking.
type bookingAnswer struct {
	Code      int            `json:"code"`
	Text      string         `json:"text"`
	BookingID string         `json:"bookingID"`
	Start     string         `json:"start"`
	End       string         `json:"end"`
	State     string         `json:"state"`
	LoggedOut string         `json:"loggedOut"`
	Bookings  []bookingEntry `json:"bookings"`
}

// bookingEntry is one booking of getbookings.
type bookingEntry struct {
	BookingID  string `json:"bookingID"`
	DeviceName string `json:"deviceName"`
	UserID     string `json:"userID"`
	Cluster    string `json:"cluster"`
	Start      string `json:"start"`
	End        string `json:"end"`
	State      string `json:"state"`
	Code       int    `json:"code"`
	Text       string `json:"text"`
}

// bookingXML is bookingCall without an Accept header: the XML answer's body.
func bookingXML(base, path, opts string) string {
	GinkgoHelper()
	xml := "<request><appID>" + appID + "</appID><appCertificate>" + appCert + "</appCertificate>" + opts + "</request>"
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(url.Values{"xml": {xml}}.Encode()))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, _, body := fetch(req)
	Expect(status).To(Equal(http.StatusOK), "%s", body)
	return body
}

// bookingCall posts the demo credentials plus the option elements opts to svc's path,
// asking for JSON, and decodes the answer.
func bookingCall(base, path, opts string) bookingAnswer {
	GinkgoHelper()
	xml := "<request><appID>" + appID + "</appID><appCertificate>" + appCert + "</appCertificate>" + opts + "</request>"
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(url.Values{"xml": {xml}}.Encode()))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	status, _, body := fetch(req)
	Expect(status).To(Equal(http.StatusOK), "%s", body)
	var a bookingAnswer
	Expect(json.Unmarshal([]byte(body), &a)).To(Succeed(), "%s", body)
	return a
}

// when is an option element holding t as RFC 3339.
func when(name string, t time.Time) string {
	return "<" + name + ">" + t.UTC().Format(time.RFC3339) + "</" + name + ">"
}

// book books user on device from start to end through base and expects code 0.
func book(base, device, user string, start, end time.Time) bookingAnswer {
	GinkgoHelper()
	a := bookingCall(base, "/api/book/"+device+"/"+user, when("start", start)+when("end", end))
	Expect(a.Code).To(BeZero(), "%+v", a)
	Expect(a.BookingID).NotTo(BeEmpty())
	return a
}

// bookingState is the state getbookings reports for booking id on device.
func bookingState(base, device, id string) string {
	GinkgoHelper()
	for _, b := range bookingCall(base, "/api/getbookings/"+device, "").Bookings {
		if b.BookingID == id {
			return b.State
		}
	}
	return ""
}

// simRequest is one entry of the simulator's request log, with its HTTP status (0: the
// client left before the answer, and the operation was not carried out).
type simRequest struct {
	Operation string `json:"operation"`
	Device    string `json:"device"`
	User      string `json:"user"`
	AppID     string `json:"appID"`
	Code      *int   `json:"code"`
	Status    int    `json:"status"`
}

// carriedOut counts the logins and logouts of device that CUCM carried out (answered with
// code 0) in cluster's request log, and the ones abandoned by a client that left.
func carriedOut(sim *Sim, cluster, device string) (logins, logouts, abandoned int) {
	GinkgoHelper()
	var log []simRequest
	sim.admin(http.MethodGet, "/v1/clusters/"+cluster+"/requests", nil, http.StatusOK, &log)
	for _, r := range log {
		if r.Device != device || (r.Operation != "login" && r.Operation != "logout") {
			continue
		}
		switch {
		case r.Status == 0:
			abandoned++
		case r.Code != nil && *r.Code == 0 && r.Operation == "login":
			logins++
		case r.Code != nil && *r.Code == 0:
			logouts++
		}
	}
	return logins, logouts, abandoned
}

// onDevice is who the simulator has on device ("" for nobody).
func onDevice(sim *Sim, cluster, device string) string {
	if l := sim.Login(cluster, device); l != nil {
		return l.User
	}
	return ""
}

// schedulesKeys is the schedules section of the booking specs: the demo app user acts, and
// a busy start is retried for 5 s.
func schedulesKeys() map[string]any {
	return map[string]any{"emAppID": appID, "emAppCertificateEnv": "BC_SCHED_CERT", "startGrace": "5s"}
}

// schedEnv gives the service the schedules' certificate.
var schedEnv = []string{"BC_SCHED_CERT=" + appCert}

// bookingService writes a config with the demo simulator, a SQLite history at db and the
// schedules section, and starts bcservice on it; restart starts it again on the same files.
func bookingService(sim *Sim, db string) (svc *Service, restart func() *Service) {
	GinkgoHelper()
	configPath := filepath.Join(GinkgoT().TempDir(), "bcservice.yaml")
	writeServiceConfig(configPath, sim, ServiceOptions{Extra: map[string]any{
		"history":   map[string]any{"dsn": "sqlite:" + db, "flushTimeout": "2s"},
		"schedules": schedulesKeys(),
	}})
	return startService(configPath, schedEnv), func() *Service { return startService(configPath, schedEnv) }
}

// actorRows lists "op code" of the history rows whose actor is booking:id, oldest first.
func actorRows(db, id string) []string {
	GinkgoHelper()
	h, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(5000)")
	Expect(err).NotTo(HaveOccurred())
	defer h.Close()
	rows, err := h.Query(`SELECT op, app_id FROM request_history WHERE actor = ? ORDER BY seq`, "booking:"+id)
	Expect(err).NotTo(HaveOccurred())
	defer rows.Close()
	var out []string
	for rows.Next() {
		var op, app string
		Expect(rows.Scan(&op, &app)).To(Succeed())
		out = append(out, op+" as "+app)
	}
	return out
}

// bookingsTable counts the rows of the bookings table of the SQLite file db.
func bookingsTable(db string) int {
	GinkgoHelper()
	h, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(5000)")
	Expect(err).NotTo(HaveOccurred())
	defer h.Close()
	var n int
	Expect(h.QueryRow(`SELECT count(*) FROM bookings`).Scan(&n)).To(Succeed())
	return n
}

// mustParse is an answer's RFC 3339 time.
func mustParse(s string) time.Time {
	GinkgoHelper()
	t, err := time.Parse(time.RFC3339, s)
	Expect(err).NotTo(HaveOccurred())
	return t
}

// pgString runs a query of one text value on the database of dsn ("" for no row).
func pgString(dsn, query string) string {
	GinkgoHelper()
	db, err := sql.Open("pgx", dsn)
	Expect(err).NotTo(HaveOccurred())
	defer db.Close()
	var v string
	if err := db.QueryRow(query).Scan(&v); err != nil && err != sql.ErrNoRows {
		Expect(err).NotTo(HaveOccurred(), query)
	}
	return v
}
