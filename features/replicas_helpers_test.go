package features

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to look into the shared database
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/crypto/bcrypt"

	"github.com/emconnector/emconnector/cucmsim/topology"
	"github.com/emconnector/emconnector/service/postgres/pgtest"
)

// replicasTopology is one cluster R of 200 devices and users whose CUCM takes 5 concurrent
// logins/logouts.
const replicasTopology = "testdata/topology/replicas.yaml"

// Postgres is a throwaway PostgreSQL server (service/postgres/pgtest) for specs.
type Postgres struct{ srv *pgtest.Server }

// StartPostgres starts a server now; it is stopped (pg_ctl, then its PID) when the calling
// node's scope ends. Under CI a missing PostgreSQL fails the spec; elsewhere it skips it.
func StartPostgres() *Postgres {
	GinkgoHelper()
	srv, err := pgtest.Start()
	switch {
	case err == nil:
	case os.Getenv("CI") == "" && errors.Is(err, pgtest.ErrNoServer):
		skipForWant(err.Error())
	default:
		Fail(fmt.Sprintf("PostgreSQL for the replica specs: %v", err))
	}
	p := &Postgres{srv: srv}
	DeferCleanup(func() { Expect(p.srv.Stop()).To(Succeed()) })
	return p
}

// NewDB makes an empty database and returns its DSN.
func (p *Postgres) NewDB() string {
	GinkgoHelper()
	dsn, err := p.srv.NewDB()
	Expect(err).NotTo(HaveOccurred())
	return dsn
}

// Halt stops the server as an outage would; Resume starts it again on its port.
func (p *Postgres) Halt() {
	GinkgoHelper()
	Expect(p.srv.Halt()).To(Succeed())
}

// Resume starts a halted server again.
func (p *Postgres) Resume() {
	GinkgoHelper()
	Expect(p.srv.Resume()).To(Succeed())
}

// Count runs a SELECT count(*)… on the database of dsn.
func (p *Postgres) Count(dsn, query string) int {
	GinkgoHelper()
	db, err := sql.Open("pgx", dsn)
	Expect(err).NotTo(HaveOccurred())
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var n int
	Expect(db.QueryRowContext(ctx, query).Scan(&n)).To(Succeed(), query)
	return n
}

// advisoryLocksQuery counts the advisory locks held in the current database: the slots and
// device locks of the coordination.
const advisoryLocksQuery = `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
	AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`

// Replica is one bcservice of a replicated service: its API and its dashboard.
type Replica struct {
	*Service
	Dashboard string
}

// replicaPassword is the dashboard password of user admin on the replicas.
const replicaPassword = "replica-pw"

// startReplicas starts n bcservice processes as replicas of one service in front of sim's
// cluster R: the same configuration with coordination: postgres over dsn (the history too),
// a queue that holds a whole burst, a request deadline longer than one, and a dashboard. They
// stop when the calling node's scope ends.
func startReplicas(sim *Sim, n int, dsn string) []*Replica {
	GinkgoHelper()
	return startReplicasOf(binaries.Service, sim, n, dsn, 0)
}

// startReplicasOf is startReplicas with the bcservice binary at bin and server.drainDelay
// drain (0: none).
func startReplicasOf(bin string, sim *Sim, n int, dsn string, drain time.Duration) []*Replica {
	GinkgoHelper()
	hash, err := bcrypt.GenerateFromPassword([]byte(replicaPassword), bcrypt.MinCost)
	Expect(err).NotTo(HaveOccurred())
	out := make([]*Replica, n)
	for i := range out {
		configPath := filepath.Join(GinkgoT().TempDir(), fmt.Sprintf("replica-%d.yaml", i))
		writeServiceConfig(configPath, sim, ServiceOptions{Clusters: []string{"R"}, Default: "R",
			MaxConcurrentRequests: 5, RequestTimeout: 20 * time.Second, Extra: map[string]any{
				"coordination": "postgres",
				"history":      map[string]any{"dsn": dsn, "flushTimeout": "5s"},
				"server":       serverKeys(drain),
				"dashboard": map[string]any{
					"listen":  "127.0.0.1:0",
					"users":   []map[string]any{{"name": "admin", "role": "operator", "passwordHash": string(hash)}},
					"emAppID": appID, "emAppCertificateEnv": "BC_DASH_CERT",
				},
			}})
		mergeClusterKeys(configPath, map[string]any{"maxQueue": 500})
		svc, dash := startDashboardBinary(bin, configPath, []string{"BC_DASH_CERT=" + appCert})
		out[i] = &Replica{Service: svc, Dashboard: dash}
	}
	return out
}

// change is one login or logout sent by a replica spec, with its answer.
type change struct {
	Replica  int
	Device   string
	User     string // "" for a logout
	Code     int    // -1: no answer (transport error)
	Answered time.Time
}

// sendChange logs user into device (a logout when user is "") through r and returns the
// answer's code, -1 when there was no answer. It runs in goroutines: it never fails the spec.
func sendChange(c *http.Client, r *Replica, i int, device, user string) change {
	path := "/api/logout/" + url.PathEscape(device)
	if user != "" {
		path = "/api/login/" + url.PathEscape(device) + "/" + url.PathEscape(user)
	}
	ch := change{Replica: i, Device: device, User: user, Code: -1}
	a, err := rbTryPost(c, r.Service, path, rbGoodCreds())
	ch.Answered = time.Now()
	if err == nil {
		ch.Code = a.Code()
	}
	return ch
}

// burst sends logins of device i / user i for i in [from, to) at once, spread over the
// replicas in turn (replica i mod len, skipping none), and returns every answer.
func burst(replicas []*Replica, from, to int) []change {
	c := rbClient()
	defer c.CloseIdleConnections()
	out := make([]change, to-from)
	var wg sync.WaitGroup
	for i := from; i < to; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := i % len(replicas)
			out[i-from] = sendChange(c, replicas[r], r, genDevice(i), genUser(i))
		}()
	}
	wg.Wait()
	return out
}

// genDevice and genUser are the i-th device and user (0-based) of replicasTopology.
func genDevice(i int) string { return topology.GeneratedDeviceName(i) }
func genUser(i int) string   { return topology.GeneratedUserID(i) }

// codesOf counts the answers by code.
func codesOf(changes []change) map[int]int {
	out := map[int]int{}
	for _, c := range changes {
		out[c.Code]++
	}
	return out
}

// busyAnswers counts the requests CUCM answered with 26.
func busyAnswers(sim *Sim, cluster string) int {
	n := 0
	for _, r := range sim.Requests(cluster) {
		if r.Code == 26 {
			n++
		}
	}
	return n
}

// storm sends workers × each random logins and logouts of phones devices 0..phones-1 of
// replicasTopology through random replicas; phone p only ever gets its own users 2p and 2p+1,
// so no login reaches across phones.
func storm(replicas []*Replica, phones, workers, each int) []change {
	c := rbClient()
	defer c.CloseIdleConnections()
	var mu sync.Mutex
	var out []change
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 12))
			for range each {
				p, r, user := rnd.IntN(phones), rnd.IntN(len(replicas)), ""
				if rnd.IntN(3) > 0 {
					user = genUser(2*p + rnd.IntN(2))
				}
				ch := sendChange(c, replicas[r], r, genDevice(p), user)
				mu.Lock()
				out = append(out, ch)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out
}

// successes are the changes of device that answered 0, in the order of their answers.
func successes(changes []change, device string) []change {
	var out []change
	for _, c := range changes {
		if c.Device == device && c.Code == 0 {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b change) int { return a.Answered.Compare(b.Answered) })
	return out
}

// lastSuccess is who the last successful answer for device leaves on it ("" for nobody).
func lastSuccess(changes []change, device string) string {
	s := successes(changes, device)
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1].User
}

// answerOrder lists device's successful changes in answer order ("login USER" or "logout").
func answerOrder(changes []change, device string) []string {
	var out []string
	for _, c := range successes(changes, device) {
		out = append(out, changeName(c.User))
	}
	return out
}

// cucmOrder lists the logins and logouts CUCM carried out on device, in its own order.
func cucmOrder(sim *Sim, device string) []string {
	var out []string
	for _, r := range sim.Requests("R") {
		if r.Device == device && r.Code == 0 && (r.Operation == "login" || r.Operation == "logout") {
			user := r.User
			if r.Operation == "logout" {
				user = ""
			}
			out = append(out, changeName(user))
		}
	}
	return out
}

func changeName(user string) string {
	if user == "" {
		return "logout"
	}
	return "login " + user
}

// deviceUser is who CUCM has on device ("" for nobody).
func deviceUser(sim *Sim, device string) string {
	for _, l := range sim.Logins("R") {
		if l.Device == device {
			return l.User
		}
	}
	return ""
}

// loginLogoutLoop logs user into device and out again, alternating the replicas, until stop
// is closed, and returns every answer.
func loginLogoutLoop(replicas []*Replica, device, user string, stop <-chan struct{}) []change {
	c := rbClient()
	defer c.CloseIdleConnections()
	var out []change
	for i := 0; ; i++ {
		select {
		case <-stop:
			return out
		default:
		}
		u := user
		if i%2 == 1 {
			u = ""
		}
		r := i % len(replicas)
		out = append(out, sendChange(c, replicas[r], r, device, u))
		time.Sleep(20 * time.Millisecond)
	}
}

// fetchBasic GETs url with HTTP basic credentials (no cookie) and returns the body of its 200.
func fetchBasic(url, user, password string) string {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	Expect(err).NotTo(HaveOccurred())
	req.SetBasicAuth(user, password)
	status, _, body := fetch(req)
	Expect(status).To(Equal(http.StatusOK), "%s", body)
	return body
}

// sessionsOf counts the PostgreSQL sessions of replica r: each of them names itself
// "bcservice HOST/PID" (the listener "bcservice-listener bcservice HOST/PID").
func sessionsOf(r *Replica) string {
	return fmt.Sprintf(`SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '%%/%d'`, r.Session().Command.Process.Pid)
}

// serverKeys is the replicas' server section: answers may take long (a queued burst), and a
// stopping replica waits drain (0: not at all) before it closes its listener.
func serverKeys(drain time.Duration) map[string]any {
	keys := map[string]any{"writeTimeout": "30s"}
	if drain > 0 {
		keys["drainDelay"] = drain.String()
	}
	return keys
}
