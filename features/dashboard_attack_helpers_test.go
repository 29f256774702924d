package features

import (
	"cmp"
	"context"
	"crypto/tls"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/crypto/bcrypt"
)

// attackDashboard is a bcservice with a dashboard for the dashboard specs: the users admin
// (operator, password adminpw) and desk (viewer, deskpw).
type attackDashboard struct {
	// bin is the bcservice binary ("" = binaries.Service).
	bin string
	// dsn is the history ("" = SQLite in a temporary directory).
	dsn string
	// postgres puts the sessions in PostgreSQL (coordination: postgres); dsn must be
	// a PostgreSQL one.
	postgres bool
	// cost is the bcrypt cost of the users' hashes (0 = bcrypt.MinCost).
	cost int
	// extra are more top-level config keys (server, tls).
	extra map[string]any
	// dashboard are more keys of the dashboard section (statusRefresh).
	dashboard map[string]any
	// history are more keys of the history section (rollupEvery).
	history map[string]any
}

// start starts the service in front of sim; it returns it with the dashboard's base URL
// (https:// when extra has a tls section). It stops when the calling node's scope ends.
func (a attackDashboard) start(sim *Sim) (*Service, string) {
	GinkgoHelper()
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), cmp.Or(a.cost, bcrypt.MinCost))
		Expect(err).NotTo(HaveOccurred())
		return string(h)
	}
	dsn := cmp.Or(a.dsn, "sqlite:"+filepath.Join(GinkgoT().TempDir(), "history.db"))
	extra := map[string]any{
		"history": map[string]any{"dsn": dsn, "flushTimeout": "1s"},
		"dashboard": map[string]any{
			"listen": "127.0.0.1:0",
			"users": []map[string]any{
				{"name": "admin", "role": "operator", "passwordHash": hash("adminpw")},
				{"name": "desk", "role": "viewer", "passwordHash": hash("deskpw")},
			},
			"emAppID": appID, "emAppCertificateEnv": "BC_DASH_CERT",
		},
	}
	maps.Copy(extra["dashboard"].(map[string]any), a.dashboard)
	maps.Copy(extra["history"].(map[string]any), a.history)
	if a.postgres {
		extra["coordination"] = "postgres"
	}
	maps.Copy(extra, a.extra)
	configPath := filepath.Join(GinkgoT().TempDir(), "bcservice.yaml")
	writeServiceConfig(configPath, sim, ServiceOptions{Extra: extra})
	svc, dash := startDashboardBinary(cmp.Or(a.bin, binaries.Service), configPath, []string{"BC_DASH_CERT=" + appCert})
	if a.extra["tls"] != nil {
		dash = "https://" + strings.TrimPrefix(dash, "http://")
	}
	return svc, dash
}

// fromAddress is a transport whose connections come from 127.0.0.n (Linux's loopback
// takes all of 127/8), so that the dashboard sees n different clients; tc is its TLS
// configuration (nil over plain HTTP).
func fromAddress(n int, tc *tls.Config) *http.Transport {
	d := &net.Dialer{Timeout: httpTimeout, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(n))}}
	return &http.Transport{DialContext: d.DialContext, TLSClientConfig: tc, MaxIdleConnsPerHost: 16}
}

// browser is a dashboard client from 127.0.0.n with a cookie jar that does not follow
// redirects, so that a spec sees the 303s.
func browser(n int, tc *tls.Config) *http.Client {
	jar, err := cookiejar.New(nil)
	Expect(err).NotTo(HaveOccurred())
	return &http.Client{Jar: jar, Timeout: httpTimeout, Transport: fromAddress(n, tc),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// answer is a dashboard answer: its status, header and body.
type answer struct {
	Status int
	Header http.Header
	Body   string
}

// send sends method target (a form body when form is not nil) with c and extra headers;
// a transport error fails the spec.
func send(c *http.Client, method, target string, form url.Values, header map[string]string) answer {
	GinkgoHelper()
	a, err := trySend(c, method, target, form, header)
	Expect(err).NotTo(HaveOccurred(), "%s %s", method, target)
	return a
}

// trySend is send that returns the transport error, for goroutines.
func trySend(c *http.Client, method, target string, form url.Values, header map[string]string) (answer, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, target, body)
	if err != nil {
		return answer{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}, err
}

// signInAs posts the sign-in form with c and expects the redirect to the status page; it
// returns the answer, whose Set-Cookie holds the session.
func signInAs(c *http.Client, dash, name, pw string) answer {
	GinkgoHelper()
	a := send(c, http.MethodPost, dash+"/signin", url.Values{"name": {name}, "password": {pw}}, nil)
	Expect(a.Status).To(Equal(http.StatusSeeOther), "sign-in as %s: %s", name, a.Body)
	Expect(a.Header.Get("Location")).To(Equal("/"))
	return a
}

// sessionCookie is the session cookie an answer sets, nil without one.
func sessionCookie(a answer) *http.Cookie {
	for _, c := range (&http.Response{Header: a.Header}).Cookies() {
		if c.Name == "bcdash_session" {
			return c
		}
	}
	return nil
}

// withCookie is a client from 127.0.0.n that sends the session cookie value and nothing
// else, and does not follow redirects.
func withCookie(n int, tc *tls.Config, dash, value string) *http.Client {
	c := browser(n, tc)
	u, err := url.Parse(dash)
	Expect(err).NotTo(HaveOccurred())
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "bcdash_session", Value: value, Path: "/"}})
	return c
}

// latencies summarises durations: the median and the maximum.
type latencies []time.Duration

func (l latencies) p50() time.Duration {
	s := slices.Sorted(slices.Values(l))
	return s[len(s)/2]
}

func (l latencies) max() time.Duration { return slices.Max(l) }

func (l latencies) String() string {
	return "p50 " + l.p50().Round(time.Millisecond).String() + ", max " + l.max().Round(time.Millisecond).String() +
		" (" + strconv.Itoa(len(l)) + " requests)"
}
