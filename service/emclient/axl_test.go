package emclient

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

// calls records the Observer's reports.
type calls struct {
	mu       sync.Mutex
	outcomes []string
}

func (c *calls) CUCMCall(_, _, op, outcome string, _ time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.outcomes = append(c.outcomes, op+":"+outcome)
}

const (
	axlTrue  = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:doAuthenticateUserResponse xmlns:ns="http://www.cisco.com/AXL/API/14.0"><return><userAuthenticated>true</userAuthenticated></return></ns:doAuthenticateUserResponse></soapenv:Body></soapenv:Envelope>`
	axlFault = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>User not found</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`
)

// TestAXLAttemptOutcomes: every way one AXL URL can answer, what the
// Observer is told (the same outcome kinds as EM attempts) and what
// AuthenticateUser returns. A failed URL is followed by a good one, so a
// failure shows as failover (true, two attempts) and an answer as the end.
func TestAXLAttemptOutcomes(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantOutcome string
		want        bool
		wantCode    int
		wantTries   int
	}{
		{"authenticated", 200, axlTrue, CallSuccess, true, 0, 1},
		{"fault with 500", 500, axlFault, CallEMError, false, 0, 1},
		{"fault with 200", 200, axlFault, CallEMError, false, 0, 1},
		{"credentials refused", 401, "", CallEMError, false, service.EMCodeAuth, 1},
		{"forbidden", 403, "", CallEMError, false, service.EMCodeAuth, 1},
		{"500 without a fault", 500, axlTrue, CallHTTPError, true, 0, 2},
		{"unavailable", 503, "", CallHTTPError, true, 0, 2},
		{"garbled", 200, "<soapenv:Envelope", CallGarbled, true, 0, 2},
		{"no method response", 200, `<Envelope><Body/></Envelope>`, CallGarbled, true, 0, 2},
	}
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(axlTrue))
	}))
	t.Cleanup(good.Close)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var action string
			bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				action = r.Header.Get("SOAPAction")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(bad.Close)
			obs := &calls{}
			s := spec("http://127.0.0.1:1/emservice/EMServiceServlet")
			s.AXL = []string{bad.URL + "/axl/", good.URL + "/axl/"}
			cl, err := New(s, Options{Observer: obs})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(cl.Close)
			ok, err := cl.AuthenticateUser(ctxT(t, 5*time.Second), cred, user, "1234")
			if ok != tt.want || code(err) != tt.wantCode {
				t.Errorf("got %v, %v; want %v, code %d", ok, err, tt.want, tt.wantCode)
			}
			if len(obs.outcomes) != tt.wantTries || obs.outcomes[0] != "axl:"+tt.wantOutcome {
				t.Errorf("observed %v, want axl:%s first of %d", obs.outcomes, tt.wantOutcome, tt.wantTries)
			}
			if action != `"CUCM:DB ver=14.0 doAuthenticateUser"` {
				t.Errorf("SOAPAction %q", action)
			}
		})
	}
}

// TestAXLTransportOutcomes: no answer at all, by a refused connection or a
// per-attempt timeout; with no other URL the check is 1002.
func TestAXLTransportOutcomes(t *testing.T) {
	slow := stalled(t)
	// The attempt bound is short only where it must fire (a stalled server):
	// a refused connection must be seen as such even when a loaded machine
	// is slow to say so.
	tests := []struct {
		name, url, wantOutcome string
		attempt                time.Duration
	}{
		{"refused", strings.Replace(refusedURL(t), "/emservice/EMServiceServlet", "/axl/", 1), CallConnection, 5 * time.Second},
		{"timeout", slow.URL + "/axl/", CallTimeout, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := &calls{}
			s := spec("http://127.0.0.1:1/emservice/EMServiceServlet")
			s.AXL, s.Timeout = []string{tt.url}, tt.attempt
			cl, err := New(s, Options{Observer: obs})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(cl.Close)
			ok, err := cl.AuthenticateUser(ctxT(t, 5*time.Second), cred, user, "1234")
			if ok || code(err) != service.CodeUnreachable {
				t.Errorf("got %v, %v; want false, %d", ok, err, service.CodeUnreachable)
			}
			if len(obs.outcomes) != 1 || obs.outcomes[0] != "axl:"+tt.wantOutcome {
				t.Errorf("observed %v, want [axl:%s]", obs.outcomes, tt.wantOutcome)
			}
		})
	}
}

// TestAXLDeadline: a request deadline that ends during the PIN check is 1011
// (busy), not 1002: the cluster was not shown to be unreachable.
func TestAXLDeadline(t *testing.T) {
	slow := stalled(t)
	s := spec("http://127.0.0.1:1/emservice/EMServiceServlet")
	s.AXL, s.Timeout = []string{slow.URL + "/axl/"}, 5*time.Second
	cl := newClient(t, s)
	ok, err := cl.AuthenticateUser(ctxT(t, 50*time.Millisecond), cred, user, "1234")
	if ok || code(err) != service.CodeBusy {
		t.Errorf("got %v, %v; want false, %d", ok, err, service.CodeBusy)
	}
}

// stalled is a server that answers nothing until the test ends.
func stalled(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: Close waits for handlers
	return srv
}

func TestConfigCheck(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		ok     bool
	}{
		{"defaults", func(*Config) {}, true},
		{"no queue", func(c *Config) { c.MaxQueue = 0 }, true},
		{"no nodes", func(c *Config) { c.Nodes = nil }, false},
		{"zero limit", func(c *Config) { c.MaxConcurrentRequests = 0 }, false},
		{"zero timeout", func(c *Config) { c.Timeout = 0 }, false},
		{"negative queue", func(c *Config) { c.MaxQueue = -1 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig("EU", "http://h/x")
			tt.change(&c)
			if _, err := New(c, Options{}); (err == nil) != tt.ok {
				t.Errorf("New: %v, want ok %v", err, tt.ok)
			}
		})
	}
}
