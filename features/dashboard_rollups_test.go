package features

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/postgres"
	"github.com/emconnector/emconnector/service/sqlite"
)

// rollupReport is what these specs read of a report besides reportJSON.
type rollupReport struct {
	reportJSON
	RollupsUntil *string
}

// A day three days ago, written straight into the history before the service starts:
// alice, bob and carol on three phones at once from 09:00, a failed login, erin's
// forced login replacing bob, a logoutuser and two logouts.
func scriptedDay(day time.Time) []history.Record {
	row := func(h, m int, op, dev, user, class string) history.Record {
		return history.Record{Time: day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute), Op: op,
			Device: dev, User: user, Cluster: "EU", Class: class, ID: "scripted"}
	}
	return []history.Record{
		row(8, 0, "login", "SEPAAA000001", "alice", "success"),
		row(8, 30, "login", "SEPAAA000002", "bob", "success"),
		row(9, 0, "login", "SEPAAA000003", "carol", "success"),
		row(9, 10, "login", "SEPAAA000004", "dave", "client"),
		row(10, 0, "logout", "SEPAAA000001", "", "success"),
		row(10, 30, "login", "SEPAAA000002", "erin", "success"),
		row(11, 0, "logoutuser", "SEPAAA000003", "carol", "success"),
		row(12, 0, "logout", "SEPAAA000002", "", "success"),
	}
}

// The usage reports from the rollups, through the real binary: a past day's history, rolled
// up by the service's job, read back with exact numbers; the same report from the rows; a
// late row that makes the rollups stale and rebuilt. In SQLite and in PostgreSQL.
var _ = Describe("GET /api/reports from the rollups", func() {
	for _, store := range []string{"SQLite", "PostgreSQL"} {
		Context("with the history in "+store, Ordered, func() {
			sim := UseSim(demoTopology)
			var dash, dsn, query string
			day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
			insert := func(rows ...history.Record) {
				GinkgoHelper()
				ctx := context.Background()
				var st interface {
					Insert(context.Context, []history.Record) error
					Close() error
				}
				var err error
				if store == "SQLite" {
					st, err = sqlite.Open(ctx, dsn[len("sqlite:"):])
				} else {
					st, err = postgres.Open(ctx, dsn)
				}
				Expect(err).NotTo(HaveOccurred())
				defer st.Close()
				Expect(st.Insert(ctx, rows)).To(Succeed())
			}
			get := func(q string) rollupReport {
				GinkgoHelper()
				req := mustRequest(http.MethodGet, dash+"/api/reports?"+q)
				req.SetBasicAuth("desk", "deskpw")
				status, _, body := fetch(req)
				Expect(status).To(Equal(http.StatusOK), body)
				var r rollupReport
				Expect(json.Unmarshal([]byte(body), &r)).To(Succeed())
				return r
			}

			BeforeAll(func() {
				if store == "SQLite" {
					dsn = "sqlite:" + GinkgoT().TempDir() + "/history.db"
				} else {
					dsn = StartPostgres().NewDB()
				}
				insert(scriptedDay(day)...)
				_, dash = attackDashboard{dsn: dsn, history: map[string]any{"rollupEvery": "1s"}}.start(sim)
				query = url.Values{"from": {day.Format(time.DateOnly)}, "to": {day.Format(time.DateOnly)}, "group": {"day"},
					"zone": {"UTC"}}.Encode()
			})

			It("answers a past day's report from the rollups, with exact numbers", func() {
				var r rollupReport
				Eventually(func() *string { r = get(query); return r.RollupsUntil }).WithTimeout(30*time.Second).
					ShouldNot(BeNil(), "the job rolled the history up")
				Expect(r.Groups).To(HaveLen(1))
				g := r.Groups[0]
				Expect(g.Logins).To(Equal(4), "alice, bob, carol and erin's forced login")
				Expect(g.Failures).To(Equal(1), "dave's")
				Expect(g.Users).To(Equal(4))
				Expect(g.Devices).To(Equal(3))
				Expect(g.PeakConcurrent).To(Equal(3), "three users on three phones from 09:00 to 10:00")
				Expect(g.LoggedInSeconds).To(Equal(int64(27000)), "2 h + 2 h + 1 h 30 + 2 h")
				Expect(g.MedianSessionSeconds).To(Equal(7200.0), "of 1 h 30, 2 h, 2 h and 2 h")
				use := map[string][2]int64{}
				for _, d := range r.Devices {
					use[d.Device] = [2]int64{int64(d.Sessions), d.LoggedInSeconds}
				}
				Expect(use).To(Equal(map[string][2]int64{"SEPAAA000001": {1, 7200}, "SEPAAA000002": {2, 12600},
					"SEPAAA000003": {1, 7200}, "SEPAAA000004": {0, 0}}))
				Expect(r.Devices[0].Utilisation).To(Equal(0.1458), "12,600 s of 86,400")
				Expect(r.Idle).To(HaveLen(1))
				Expect(r.Idle[0].Device).To(Equal("SEPAAA000004"))
			})

			It("gives the same report from the rows (a device pattern is not in the rollups)", func() {
				fromRollups, fromRows := get(query), get(query+"&device=SEPAAA*")
				Expect(fromRows.RollupsUntil).To(BeNil())
				Expect(fromRows.Groups).To(Equal(fromRollups.Groups))
				Expect(fromRows.Devices).To(Equal(fromRollups.Devices))
				Expect(fromRows.Idle).To(Equal(fromRollups.Idle))
			})

			Context("when a row older than the rollups is written", func() {
				It("rebuilds them, and the report counts the row", func() {
					late := history.Record{Time: day.Add(13 * time.Hour), Op: "login", Device: "SEPAAA000004", User: "dave",
						Cluster: "EU", Class: "success", ID: "late"}
					insert(late)
					Eventually(func() int {
						r := get(query)
						if r.RollupsUntil == nil {
							return -1
						}
						return r.Groups[0].Logins
					}).WithTimeout(30*time.Second).Should(Equal(5), "rebuilt with dave's login")
					r := get(query)
					Expect(r.Idle).To(BeEmpty(), "dave logged in on the last phone")
					Expect(r.Groups[0].LoggedInSeconds).To(Equal(int64(27000+11*3600)), "dave's session runs to the day's end")
				})
			})
		})
	}
})
