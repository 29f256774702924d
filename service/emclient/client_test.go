package emclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/fakecucm"
)

var cred = service.Credentials{AppID: "bcapp", AppCertificate: "s3cret"}

const (
	dev  = "SEP1CE6C79BAF1F"
	user = "ALMUSER01"
)

// cluster is a fake CUCM served by n nodes that share its state; each node
// can get its own behaviour through fault.
type cluster struct {
	cucm  *fakecucm.CUCM
	urls  []string
	mu    sync.Mutex
	fault map[int]func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool
	hits  map[int]int
	// faulty holds, by ResponseWriter, the fault and request of each request
	// in progress on a node with a fault. The fake has one hook for all its
	// nodes, set once: it finds here what the node serving the request
	// does. (A hook swapped per request let a node's hanging request apply
	// its fault, and race, on another node's requests.)
	faulty sync.Map
}

// nodeFault is a request in progress and its node's fault.
type nodeFault struct {
	f func(http.ResponseWriter, *http.Request, fakecucm.Message) bool
	r *http.Request
}

func newCluster(t *testing.T, nodes int) *cluster {
	t.Helper()
	c := &cluster{cucm: fakecucm.New(cred.AppID, cred.AppCertificate), fault: map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool{}, hits: map[int]int{}}
	c.cucm.AddDevice(dev)
	c.cucm.AddUser(user, "1234")
	// Decode through the fake with a hook that lets the node's fault decide.
	c.cucm.SetHook(func(w http.ResponseWriter, m fakecucm.Message) bool {
		v, ok := c.faulty.Load(w)
		if !ok {
			return false
		}
		nf := v.(nodeFault)
		return nf.f(w, nf.r, m)
	})
	for i := range nodes {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.mu.Lock()
			c.hits[i]++
			f := c.fault[i]
			c.mu.Unlock()
			if f != nil {
				c.faulty.Store(w, nodeFault{f: f, r: r})
				defer c.faulty.Delete(w)
			}
			c.cucm.Handler().ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		c.urls = append(c.urls, srv.URL+"/emservice/EMServiceServlet")
	}
	return c
}

func (c *cluster) setFault(node int, f func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool) {
	c.mu.Lock()
	c.fault[node] = f
	c.mu.Unlock()
}

func (c *cluster) nodeHits(node int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits[node]
}

// refusedURL is an address nobody listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/emservice/EMServiceServlet"
}

// spec is the tests' cluster. Its per-attempt Timeout only has to fire
// against a node that never answers (hang); every other attempt must not
// meet it on a machine loaded by the whole suite under -race, hence 2 s
// rather than a tighter figure.
func spec(urls ...string) Config {
	s := Config{Code: "EU", Nodes: urls, Timeout: 2 * time.Second, MaxConcurrentRequests: 5, MaxQueue: 10,
		BreakerFailures: 3, BreakerCooldown: time.Minute, BusyRetryBase: 2 * time.Millisecond, BusyRetryMax: 10 * time.Millisecond}
	return s
}

func newClient(t *testing.T, s Config) *Client {
	t.Helper()
	if len(s.AXL) == 0 {
		for _, n := range s.Nodes {
			s.AXL = append(s.AXL, strings.Replace(n, "/emservice/EMServiceServlet", "/axl/", 1))
		}
	}
	c, err := New(s, Options{Jitter: func(d time.Duration) time.Duration { return d }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func code(err error) int { return service.ErrorCode(err) }

// Faults a node can show.
func drop(applyFirst bool, c *cluster) func(http.ResponseWriter, *http.Request, fakecucm.Message) bool {
	return func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool {
		if m.Op != "login" && m.Op != "logout" {
			return false
		}
		if applyFirst {
			c.cucm.Apply(m)
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	}
}

func garble(applyFirst bool, c *cluster, ops ...string) func(http.ResponseWriter, *http.Request, fakecucm.Message) bool {
	return func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool {
		match := len(ops) == 0
		for _, op := range ops {
			match = match || op == m.Op
		}
		if !match {
			return false
		}
		if applyFirst {
			c.cucm.Apply(m)
		}
		fmt.Fprint(w, "<response><succ")
		return true
	}
}

func status(applyFirst bool, c *cluster, code int, ops ...string) func(http.ResponseWriter, *http.Request, fakecucm.Message) bool {
	return func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool {
		match := len(ops) == 0
		for _, op := range ops {
			match = match || op == m.Op
		}
		if !match {
			return false
		}
		if applyFirst {
			c.cucm.Apply(m)
		}
		w.WriteHeader(code)
		return true
	}
}

// hang carries the change out, then never answers: the client times out.
func hang(c *cluster) func(http.ResponseWriter, *http.Request, fakecucm.Message) bool {
	return func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool {
		if m.Op != "login" {
			return false
		}
		c.cucm.Apply(m)
		<-r.Context().Done()
		return true
	}
}

func TestFailoverOnTransportFailures(t *testing.T) {
	tests := []struct {
		name  string
		setup func(c *cluster) []string
	}{
		{"first node refuses connections", func(c *cluster) []string { return []string{refusedURL(t), c.urls[0]} }},
		{"first node answers 503 before doing anything", func(c *cluster) []string {
			c.setFault(0, status(false, c, http.StatusServiceUnavailable, "deviceUserQuery"))
			return c.urls
		}},
		{"first node garbles the query answer", func(c *cluster) []string {
			c.setFault(0, garble(false, c, "deviceUserQuery"))
			return c.urls
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, 2)
			c.cucm.SetLogin(dev, user)
			cl := newClient(t, spec(tt.setup(c)...))
			st, err := cl.DeviceUser(ctxT(t, 5*time.Second), cred, dev)
			if err != nil {
				t.Fatalf("DeviceUser: %v", err)
			}
			if !st.Exists || st.User != user {
				t.Errorf("got %+v, want %s logged in", st, user)
			}
		})
	}
}

func TestLoginFailoverWhenNotSent(t *testing.T) {
	c := newCluster(t, 1)
	cl := newClient(t, spec(refusedURL(t), c.urls[0]))
	if err := login(cl, ctxT(t, 5*time.Second), cred, dev, user); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if got := c.cucm.LoggedIn(dev); got != user {
		t.Errorf("device holds %q, want %q", got, user)
	}
	if n := c.cucm.Count("deviceUserQuery"); n != 0 {
		t.Errorf("%d reconciliation queries, want 0: a refused connection never reached CUCM", n)
	}
}

func TestAllNodesDown(t *testing.T) {
	cl := newClient(t, spec(refusedURL(t), refusedURL(t)))
	err := login(cl, ctxT(t, 5*time.Second), cred, dev, user)
	if code(err) != service.CodeUnreachable {
		t.Fatalf("Login error = %v, want code %d", err, service.CodeUnreachable)
	}
	if !strings.Contains(err.Error(), "EU") {
		t.Errorf("error %q should name the cluster", err)
	}
	_, err = cl.DeviceUser(ctxT(t, 5*time.Second), cred, dev)
	if code(err) != service.CodeUnreachable {
		t.Errorf("DeviceUser error = %v, want %d", err, service.CodeUnreachable)
	}
}

// TestNoDoubleLogin covers every path of the reconciliation: a login whose
// answer was lost is checked with deviceUserQuery on the next node before
// anything is sent again.
func TestNoDoubleLogin(t *testing.T) {
	tests := []struct {
		name       string
		nodes      int
		fault      func(c *cluster) map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool
		wantCode   int
		wantLogins int // login messages CUCM received
		wantOnDev  string
	}{
		{"applied, connection dropped -> success without resend", 2,
			func(c *cluster) map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool {
				return map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool{0: drop(true, c)}
			}, 0, 1, user},
		{"applied, timeout -> success without resend", 2,
			func(c *cluster) map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool {
				return map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool{0: hang(c)}
			}, 0, 1, user},
		{"applied, HTTP 500 -> success without resend", 2,
			func(c *cluster) map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool {
				return map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool{0: status(true, c, 500, "login")}
			}, 0, 1, user},
		{"applied, garbled body -> success without resend", 2,
			func(c *cluster) map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool {
				return map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool{0: garble(true, c, "login")}
			}, 0, 1, user},
		{"not applied, garbled body -> device free -> resent on next node", 2,
			func(c *cluster) map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool {
				return map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool{0: garble(false, c, "login")}
			}, 0, 2, user},
		{"single node, applied, dropped -> query on the same node", 1,
			func(c *cluster) map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool {
				return map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool{0: drop(true, c)}
			}, 0, 1, user},
		{"applied, then the query fails everywhere -> 1010", 2,
			func(c *cluster) map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool {
				return map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool{
					0: func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool {
						if m.Op == "login" {
							return drop(true, c)(w, r, m)
						}
						return garble(false, c)(w, r, m)
					},
					1: garble(false, c, "deviceUserQuery"),
				}
			}, service.CodeOutcomeUnknown, 1, user},
		{"every attempt loses its answer, nothing applied -> 1002", 2,
			func(c *cluster) map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool {
				return map[int]func(http.ResponseWriter, *http.Request, fakecucm.Message) bool{0: garble(false, c, "login"), 1: garble(false, c, "login")}
			}, service.CodeUnreachable, 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, tt.nodes)
			for node, f := range tt.fault(c) {
				c.setFault(node, f)
			}
			cl := newClient(t, spec(c.urls...))
			err := login(cl, ctxT(t, 5*time.Second), cred, dev, user)
			if code(err) != tt.wantCode {
				t.Fatalf("Login error = %v, want code %d", err, tt.wantCode)
			}
			if n := c.cucm.Count("login"); n != tt.wantLogins {
				t.Errorf("CUCM received %d logins, want %d", n, tt.wantLogins)
			}
			if got := c.cucm.LoggedIn(dev); got != tt.wantOnDev {
				t.Errorf("device holds %q, want %q", got, tt.wantOnDev)
			}
		})
	}
}

func TestLogoutReconciliation(t *testing.T) {
	c := newCluster(t, 2)
	c.cucm.SetLogin(dev, user)
	c.setFault(0, drop(true, c))
	cl := newClient(t, spec(c.urls...))
	if err := cl.Logout(ctxT(t, 5*time.Second), cred, dev); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if n := c.cucm.Count("logout"); n != 1 {
		t.Errorf("CUCM received %d logouts, want 1", n)
	}
	if got := c.cucm.LoggedIn(dev); got != "" {
		t.Errorf("device still holds %q", got)
	}
}

func TestEMErrorsAreAnswers(t *testing.T) {
	tests := []struct {
		name     string
		answer   string
		wantCode int
		wantText string
	}{
		{"another user", `<response><failure><error code="18">Another user logged in</error></failure></response>`, 18, "Another user logged in"},
		{"code 0 is not success", `<response><failure><error code="0">Unknown Error</error></failure></response>`, service.CodeCUCMUnknownError, "Unknown Error"},
		{"errorMessage form", `<response><failure><errorMessage>Query type undetermined</errorMessage></failure></response>`, service.CodeCUCMUnknownError, "Query type undetermined"},
		{"empty text", `<response><failure><error code="22"></error></failure></response>`, 22, "Device logon disabled"},
		{"certificate echoed", `<response><failure><error code="3">bad password s3cret</error></failure></response>`, 3, "bad password ***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, 2)
			c.setFault(0, func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool {
				fmt.Fprint(w, tt.answer)
				return true
			})
			cl := newClient(t, spec(c.urls...))
			err := login(cl, ctxT(t, 5*time.Second), cred, dev, user)
			var e *service.Error
			if !errors.As(err, &e) || e.Code != tt.wantCode || !e.FromCUCM {
				t.Fatalf("Login error = %#v, want CUCM code %d", err, tt.wantCode)
			}
			if !strings.Contains(e.Text, tt.wantText) || strings.Contains(e.Text, "s3cret") {
				t.Errorf("text %q, want it to contain %q and never the certificate", e.Text, tt.wantText)
			}
			if c.nodeHits(1) != 0 {
				t.Errorf("an EM error is an answer: node 2 must not be asked")
			}
		})
	}
}

func TestBusyRetry(t *testing.T) {
	t.Run("retried until CUCM accepts", func(t *testing.T) {
		c := newCluster(t, 1)
		var mu sync.Mutex
		busy := 2
		c.setFault(0, func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool {
			mu.Lock()
			defer mu.Unlock()
			if m.Op == "login" && busy > 0 {
				busy--
				fakecucm.Failure(w, 26, "Busy, please try again")
				return true
			}
			return false
		})
		cl := newClient(t, spec(c.urls...))
		x := service.NewExchange("id", "", "", "", time.Now())
		if err := login(cl, service.WithExchange(ctxT(t, 5*time.Second), x), cred, dev, user); err != nil {
			t.Fatalf("Login: %v", err)
		}
		if n := c.cucm.Count("login"); n != 3 {
			t.Errorf("CUCM received %d logins, want 3 (two busy, one accepted)", n)
		}
		x.Answered(service.Result{}, 200)
		if e, _ := x.Event(time.Now()); e.BusyRetries != 2 {
			t.Errorf("the Event counts %d busy retries, want 2", e.BusyRetries)
		}
	})
	t.Run("passed through when the deadline comes", func(t *testing.T) {
		c := newCluster(t, 1)
		c.setFault(0, func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool {
			fakecucm.Failure(w, 26, "Busy, please try again")
			return true
		})
		// The first wait is short; the second is far longer than what is left of the
		// deadline, so the retries end on CUCM's answer, never with the deadline falling
		// inside an attempt (which would make the outcome 1002 or 1010, depending on
		// timing). The deadline is generous: it only has to outlast two attempts.
		waits := 0
		cl, err := New(spec(c.urls...), Options{Jitter: func(d time.Duration) time.Duration {
			waits++
			if waits == 1 {
				return d
			}
			return time.Hour
		}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		ctx := ctxT(t, 10*time.Second)
		err = login(cl, ctx, cred, dev, user)
		if code(err) != 26 {
			t.Fatalf("Login error = %v, want 26", err)
		}
		// The path, not a time: it answered before its deadline, so it did not sleep
		// into a wait the deadline could not cover.
		if ctx.Err() != nil {
			t.Errorf("busy retries ran into the deadline")
		}
		if n := c.cucm.Count("login"); n < 2 {
			t.Errorf("CUCM received %d logins, want retries", n)
		}
	})
}

func TestConcurrencyLimitQueueFull(t *testing.T) {
	c := newCluster(t, 1)
	c.cucm.AddDevice("SEP2")
	entered, release := make(chan struct{}), make(chan struct{})
	c.setFault(0, func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool {
		if m.Device == dev {
			close(entered)
			<-release
		}
		return false
	})
	s := spec(c.urls...)
	s.MaxConcurrentRequests, s.MaxQueue, s.Timeout = 1, 0, 5*time.Second
	cl := newClient(t, s)
	done := make(chan error, 1)
	go func() { done <- login(cl, ctxT(t, 5*time.Second), cred, dev, user) }()
	<-entered
	err := login(cl, ctxT(t, 5*time.Second), cred, "SEP2", user)
	if code(err) != service.CodeBusy {
		t.Errorf("second login error = %v, want %d (queue full)", err, service.CodeBusy)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("first login: %v", err)
	}
}

func TestQueuedRequestTimesOut(t *testing.T) {
	c := newCluster(t, 1)
	c.cucm.AddDevice("SEP2")
	entered, release := make(chan struct{}), make(chan struct{})
	c.setFault(0, func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool {
		if m.Device == dev {
			close(entered)
			<-release
		}
		return false
	})
	s := spec(c.urls...)
	s.MaxConcurrentRequests, s.MaxQueue, s.Timeout = 1, 5, 5*time.Second
	cl := newClient(t, s)
	done := make(chan error, 1)
	go func() { done <- login(cl, ctxT(t, 5*time.Second), cred, dev, user) }()
	<-entered
	err := login(cl, ctxT(t, 50*time.Millisecond), cred, "SEP2", user)
	if code(err) != service.CodeBusy {
		t.Errorf("queued login error = %v, want %d", err, service.CodeBusy)
	}
	close(release)
	<-done
}

func TestBreakerSkipsFailingNode(t *testing.T) {
	c := newCluster(t, 2)
	c.setFault(0, status(false, c, http.StatusServiceUnavailable))
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	s := spec(c.urls...)
	s.AXL = []string{c.urls[0]}
	cl, err := New(s, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := cl.DeviceUser(ctxT(t, 5*time.Second), cred, dev); err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
	}
	if got := c.nodeHits(0); got != 3 {
		t.Errorf("failing node asked %d times, want 3 (then the breaker opens)", got)
	}
	mu.Lock()
	now = now.Add(s.BreakerCooldown)
	mu.Unlock()
	c.setFault(0, nil)
	if _, err := cl.DeviceUser(ctxT(t, 5*time.Second), cred, dev); err != nil {
		t.Fatal(err)
	}
	if got := c.nodeHits(0); got != 4 {
		t.Errorf("after the cooldown the node got %d requests in total, want 4 (one probe)", got)
	}
	if st := cl.nodes[0].br.state(); st != "closed" {
		t.Errorf("breaker %s after a good probe, want closed", st)
	}
}

func TestUserDevices(t *testing.T) {
	c := newCluster(t, 1)
	c.cucm.SetLogin(dev, user)
	cl := newClient(t, spec(c.urls...))
	got, err := cl.UserDevices(ctxT(t, 5*time.Second), cred, user)
	if err != nil || !got.Exists || len(got.Devices) != 1 || got.Devices[0] != dev {
		t.Errorf("UserDevices(%s) = %+v, %v; want on %s", user, got, err, dev)
	}
	got, err = cl.UserDevices(ctxT(t, 5*time.Second), cred, "nobody")
	if err != nil || got.Exists {
		t.Errorf("UserDevices(nobody) = %+v, %v; want not existing", got, err)
	}
	_, err = cl.UserDevices(ctxT(t, 5*time.Second), service.Credentials{AppID: "bcapp", AppCertificate: "wrong"}, user)
	if code(err) != 3 {
		t.Errorf("wrong certificate: error %v, want 3", err)
	}
}

func TestAuthenticateUser(t *testing.T) {
	c := newCluster(t, 1)
	axl := strings.Replace(c.urls[0], "/emservice/EMServiceServlet", "/axl/", 1)
	tests := []struct {
		name     string
		axl      []string
		cred     service.Credentials
		user     string
		pin      string
		want     bool
		wantCode int
	}{
		{"right PIN", []string{axl}, cred, user, "1234", true, 0},
		{"wrong PIN", []string{axl}, cred, user, "9999", false, 0},
		{"unknown user fault", []string{axl}, cred, "ghost", "1234", false, 0},
		{"failover to second AXL node", []string{refusedURL(t), axl}, cred, user, "1234", true, 0},
		{"credentials refused", []string{axl}, service.Credentials{AppID: "bcapp", AppCertificate: "nope"}, user, "1234", false, 3},
		{"unreachable", []string{refusedURL(t)}, cred, user, "1234", false, service.CodeUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := spec(c.urls...)
			s.AXL = tt.axl
			cl := newClient(t, s)
			ok, err := cl.AuthenticateUser(ctxT(t, 5*time.Second), tt.cred, tt.user, tt.pin)
			if ok != tt.want || code(err) != tt.wantCode {
				t.Errorf("got %v, %v; want %v, code %d", ok, err, tt.want, tt.wantCode)
			}
			if err != nil && (strings.Contains(err.Error(), tt.pin) || strings.Contains(err.Error(), tt.cred.AppCertificate)) {
				t.Errorf("error %q leaks a secret", err)
			}
		})
	}
}

// A node may finish a request after its connection died (Tomcat keeps processing a request
// whose client went away). Then the check on the next node can still see the old state, the
// resend finds the change already made, and CUCM answers 18 (login) or 19 (logout). The end
// state is what the caller asked for, so the answer must be success, not CUCM's refusal.
func TestLostAttemptThatTakesEffectLate(t *testing.T) {
	for _, tt := range []struct {
		name      string
		op        string
		seedUser  string // on the device before the request
		lateUser  string // whose login lands late ("" the lost attempt's own)
		wantCode  int
		wantOnDev string
	}{
		{"login", "login", "", "", 0, user},
		{"logout", "logout", user, "", 0, ""},
		// Someone else got in meanwhile: the refusal is real and passed through.
		{"login, another user got in", "login", "", "OTHER01", 18, "OTHER01"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, 2)
			c.cucm.SetLogin(dev, tt.seedUser)
			var mu sync.Mutex
			var late *fakecucm.Message
			// Node 0 loses the connection before it carries the request out...
			c.setFault(0, func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool {
				if m.Op != tt.op {
					return false
				}
				mu.Lock()
				late = &m
				mu.Unlock()
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return true
			})
			// ...and carries it out just after node 1 has answered the check.
			c.setFault(1, func(w http.ResponseWriter, r *http.Request, m fakecucm.Message) bool {
				mu.Lock()
				defer mu.Unlock()
				if m.Op != "deviceUserQuery" || late == nil {
					return false
				}
				c.cucm.Answer(w, m)
				if tt.lateUser != "" {
					late.User = tt.lateUser
				}
				c.cucm.Apply(*late)
				late = nil
				return true
			})
			cl := newClient(t, spec(c.urls...))
			var err error
			if tt.op == "login" {
				err = login(cl, ctxT(t, 5*time.Second), cred, dev, user)
			} else {
				err = cl.Logout(ctxT(t, 5*time.Second), cred, dev)
			}
			if code(err) != tt.wantCode {
				t.Fatalf("%s: error %v, want code %d", tt.op, err, tt.wantCode)
			}
			if got := c.cucm.LoggedIn(dev); got != tt.wantOnDev {
				t.Errorf("device holds %q, want %q", got, tt.wantOnDev)
			}
			if n := c.cucm.Count(tt.op); n != 2 {
				t.Errorf("CUCM received %d %s messages, want 2 (the lost one and one resend)", n, tt.op)
			}
		})
	}
}

// When the deadline passes before a retry could try any node, the caller gets CUCM's last
// busy answer if the client was retrying one (a backoff may end just before the deadline),
// else 1011.
func TestDeadlinePassed(t *testing.T) {
	cl := newClient(t, spec("http://127.0.0.1:1/emservice/EMServiceServlet"))
	if err := cl.deadlinePassed(nil, Auth{}); code(err) != service.CodeBusy {
		t.Errorf("without a busy answer: %v, want %d", err, service.CodeBusy)
	}
	busy := &Failure{HasCode: true, Code: service.EMCodeBusy, Text: "Busy, please try again"}
	if err := cl.deadlinePassed(busy, Auth{}); code(err) != service.EMCodeBusy {
		t.Errorf("after a busy answer: %v, want %d", err, service.EMCodeBusy)
	}
}

// login is a plain Business Connector 1.4 login (no options).
func login(cl *Client, ctx context.Context, cred service.Credentials, device, user string) error {
	_, err := cl.Login(ctx, cred, device, user, service.LoginOptions{})
	return err
}

func TestCancelledQueriesDoNotOpenTheBreaker(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) }) // runs first: no handler outlives the test
	cfg := DefaultConfig("EU", hang.URL+"/emservice/EMServiceServlet")
	cfg.BreakerFailures = 1
	cl, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		if _, err := cl.DeviceUser(ctx, cred, "SEP1"); err == nil {
			t.Fatal("a cancelled query succeeded")
		}
	}
	if st := cl.Stats().Nodes[0].Breaker; st != "closed" {
		t.Errorf("breaker %s after cancelled queries, want closed", st)
	}
}
