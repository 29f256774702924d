package features

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	_ "modernc.org/sqlite" // reads the service's history file
)

// The request history (cmd/bcservice/README.md, "Request history") through the real binary with
// history.dsn: sqlite:FILE. The specs read the file as the dashboard will, with SQL.
var _ = Describe("the request history", Ordered, func() {
	sim := UseSim(demoTopology)

	// historyService starts bcservice keeping its history at dsn, with a queue of queueSize
	// rows (0: the default).
	historyService := func(dsn string, queueSize int) *Service {
		GinkgoHelper()
		// A short flush bound: the unwritable database must not hold the exit long.
		h := map[string]any{"dsn": dsn, "flushTimeout": "1s"}
		if queueSize > 0 {
			h["queueSize"] = queueSize
		}
		return NewService(sim, ServiceOptions{Extra: map[string]any{"history": h}})
	}
	nobodyOnDevice1 := whoResult(euDevice1, "", 0, "No user logged in on device "+euDevice1)

	It("keeps a burst of 1000 requests as 1000 rows in order, flushed by SIGTERM", func() {
		db := filepath.Join(GinkgoT().TempDir(), "history.db")
		svc := historyService("sqlite:"+db, 0)
		for i := range 1000 {
			Expect(askWho(svc, fmt.Sprintf("burst-%04d", i))).To(Equal(nobodyOnDevice1))
		}
		// At once: the last rows are still queued, the shutdown writes them.
		svc.Session().Terminate()
		Eventually(svc.Session()).WithTimeout(stopTimeout).Should(gexec.Exit(0))

		rows := historyRows(db)
		Expect(rows).To(HaveLen(1000))
		for i, r := range rows {
			if i > 0 {
				Expect(r.TimeMS).To(BeNumerically(">=", rows[i-1].TimeMS), "row %d older than the one before", i)
			}
			Expect(r).To(Equal(historyRow{TimeMS: r.TimeMS, ID: fmt.Sprintf("burst-%04d", i), Op: "getloggedinuser",
				Device: euDevice1, Cluster: "EU", Code: 0, Class: "success", AppID: appID,
				Node: r.Node, Text: nobodyOnDevice1.Text}), "row %d", i)
			Expect(r.Node).To(HavePrefix("EU/"), "the node that answered")
		}
		raw, err := os.ReadFile(db)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(raw)).NotTo(ContainSubstring(appCert), "the appCertificate is never recorded")
	})

	It("has on disk, before a kill -9, every request answered more than a commit interval earlier", func() {
		db := filepath.Join(GinkgoT().TempDir(), "history.db")
		svc := historyService("sqlite:"+db, 0)
		for i := range 20 {
			askWho(svc, fmt.Sprintf("k9-%02d", i))
		}
		// The writer commits every 100 ms, without waiting for a shutdown: the rows are in the
		// database (read by another process) within 5 s, fifty intervals, which a loaded
		// machine under -race does not exceed (a sleep of 1 s was the bound before) and a
		// writer that only flushed at shutdown never meets. Then kill -9 loses none of them.
		Eventually(historyCount).WithArguments(db).WithTimeout(5 * time.Second).Should(Equal(20))
		svc.Session().Kill()
		Eventually(svc.Session()).WithTimeout(stopTimeout).Should(gexec.Exit())
		Expect(historyRows(db)).To(HaveLen(20))
	})

	It("answers exactly as without a history when the file cannot be written, and counts the drops", func() {
		dir := GinkgoT().TempDir()
		notADir := filepath.Join(dir, "plain-file")
		Expect(os.WriteFile(notADir, nil, 0o600)).To(Succeed())
		// A path under a regular file cannot be created, whatever the user (root too).
		svc := historyService("sqlite:"+filepath.Join(notADir, "history.db"), 10)
		for i := range 250 {
			Expect(askWho(svc, fmt.Sprintf("ro-%03d", i))).To(Equal(nobodyOnDevice1))
		}
		// At most one batch (200) and the queue (10) are kept: 40 or more are dropped.
		Expect(historyMetric(svc, "bcservice_history_dropped_total")).To(BeNumerically(">=", 40))
		Expect(historyMetric(svc, "bcservice_history_queue_depth")).To(BeNumerically("<=", 210))
		Expect(historyMetric(svc, "bcservice_history_last_commit_timestamp_seconds")).To(BeZero())
		Expect(string(svc.Session().Err.Contents())).To(ContainSubstring("history: write failed"))
	})

	It("keeps rows while the database is locked by another process, then writes them", func() {
		db := filepath.Join(GinkgoT().TempDir(), "history.db")
		svc := historyService("sqlite:"+db, 10)
		askWho(svc, "before-lock")
		Eventually(historyCount).WithArguments(db).WithTimeout(30 * time.Second).Should(Equal(1))

		unlock := lockSQLite(db)
		for i := range 250 {
			Expect(askWho(svc, fmt.Sprintf("locked-%03d", i))).To(Equal(nobodyOnDevice1))
		}
		dropped := historyMetric(svc, "bcservice_history_dropped_total")
		Expect(dropped).To(BeNumerically(">=", 40))
		unlock()

		Eventually(func() float64 { return historyMetric(svc, "bcservice_history_queue_depth") }).
			WithTimeout(30 * time.Second).Should(BeZero())
		Expect(historyMetric(svc, "bcservice_history_dropped_total")).To(Equal(dropped))
		Expect(historyRows(db)).To(HaveLen(1 + 250 - int(dropped)))
	})
})

// historyRow is one row of request_history as the specs compare it.
type historyRow struct {
	TimeMS                                     int64 `json:"-"`
	ID, Op, Device, User, Cluster, Class, Text string
	Code                                       int
	AppID, Node                                string
}

// askWho asks the service who is logged in on euDevice1 with request id id, through a
// plain client (hundreds of calls stay fast), and decodes the answer.
func askWho(svc *Service, id string) bcResult {
	GinkgoHelper()
	status, body := postWithID(svc, "/api/getloggedinuser/"+euDevice1, id)
	Expect(status).To(Equal(http.StatusOK), "body %s", body)
	return decodeResult(body)
}

// historyRows reads every row of the history file, oldest first (insertion order).
func historyRows(path string) []historyRow {
	GinkgoHelper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	Expect(err).NotTo(HaveOccurred())
	defer db.Close()
	rows, err := db.Query(`SELECT time_ms, request_id, op, device, user_id, cluster, class, text, code, app_id, node
		FROM request_history ORDER BY seq`)
	Expect(err).NotTo(HaveOccurred())
	defer rows.Close()
	var out []historyRow
	for rows.Next() {
		var r historyRow
		Expect(rows.Scan(&r.TimeMS, &r.ID, &r.Op, &r.Device, &r.User, &r.Cluster, &r.Class, &r.Text,
			&r.Code, &r.AppID, &r.Node)).To(Succeed())
		out = append(out, r)
	}
	Expect(rows.Err()).NotTo(HaveOccurred())
	return out
}

// historyCount counts the rows of the history file; an error (no table yet) is for
// Eventually to retry.
func historyCount(path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRow("SELECT count(*) FROM request_history").Scan(&n)
	return n, err
}

// lockSQLite holds the write lock of the SQLite file at path from this process, as another
// program would, until the returned function is called.
func lockSQLite(path string) (unlock func()) {
	GinkgoHelper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	Expect(err).NotTo(HaveOccurred())
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	Expect(err).NotTo(HaveOccurred())
	_, err = conn.ExecContext(ctx, "BEGIN EXCLUSIVE")
	Expect(err).NotTo(HaveOccurred())
	return func() {
		_, err := conn.ExecContext(ctx, "ROLLBACK")
		Expect(err).NotTo(HaveOccurred())
		conn.Close()
		db.Close()
	}
}

// historyMetric is the value of an unlabelled metric in the service's /metrics.
func historyMetric(svc *Service, name string) float64 {
	GinkgoHelper()
	resp, err := apiHTTPClient().Get(svc.BaseURL() + "/metrics")
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			Expect(err).NotTo(HaveOccurred())
			return f
		}
	}
	Fail("no metric " + name)
	return 0
}
