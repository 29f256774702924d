package cucmsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/cucmsim/emxml"
)

// harness serves a demo simulator through httptest: every node and the control API.
type harness struct {
	sim   *Sim
	nodes map[string]string // "EU/eu-pub" -> base URL
	admin string
	logs  *bytes.Buffer
}

// syncBuffer lets the logger write from handler goroutines while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	logs := &syncBuffer{}
	sim, err := New(loadDemo(t), Options{Logger: slog.New(slog.NewTextHandler(logs, nil)), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{sim: sim, nodes: map[string]string{}, logs: &logs.Buffer}
	for _, rt := range sim.clusters {
		for _, n := range rt.nodes {
			srv := httptest.NewServer(sim.NodeHandler(rt.c.Code(), n.name))
			t.Cleanup(srv.Close)
			h.nodes[rt.c.Code()+"/"+n.name] = srv.URL
		}
	}
	admin := httptest.NewServer(sim.AdminHandler())
	t.Cleanup(admin.Close)
	h.admin = admin.URL
	return h
}

const appInfo = `<appInfo><appID>bcapp</appID><appCertificate>s3cret</appCertificate></appInfo>`

func loginXML(device, user string) string {
	return `<request>` + appInfo + `<login><deviceName>` + device + `</deviceName><userID>` + user + `</userID></login></request>`
}

func logoutXML(device string) string {
	return `<request>` + appInfo + `<logout><deviceName>` + device + `</deviceName></logout></request>`
}

// em posts xml to a node's EMService and returns status and body.
func (h *harness) em(t *testing.T, node, xml string) (int, string) {
	t.Helper()
	return h.emCtx(t, context.Background(), node, xml)
}

func (h *harness) emCtx(t *testing.T, ctx context.Context, node, xml string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.nodes[node]+"/emservice/EMServiceServlet", strings.NewReader(url.Values{"xml": {xml}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// A fresh connection each time: a kept-alive one may have been closed by a node going
	// down, and a POST is not retried on it (EOF).
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode == 200 && ct != "text/xml; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	return resp.StatusCode, string(b)
}

// call sends a control API request and decodes the JSON answer into out (if non-nil).
func (h *harness) call(t *testing.T, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.admin+path, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

func failure(code int, text string) string {
	return fmt.Sprintf(`<response><failure><error code="%d">%s</error></failure></response>`, code, text)
}

var success = string(emxml.Success())

// TestEveryCode reaches every code of the table over HTTP: by scenario from demo.yaml where
// design.md says so, by fault injection for the rest.
func TestEveryCode(t *testing.T) {
	// roams: the user's home cluster has just accepted the user's PIN (emApiRoaming).
	roams := func(user string) func(h *harness) {
		return func(h *harness) { pinAccepted(h.sim.model, user) }
	}
	const eu = "EU/eu-pub"
	type fault = map[string]any
	tests := []struct {
		code  int
		node  string
		setup func(h *harness)
		fault fault
		xml   string
		want  string
	}{
		{code: 0, node: eu, xml: loginXML("SEP1CE6C79BAF1F", "ALMUSER01"), want: success},
		{code: 1, node: eu, xml: "<request><login>", want: failure(1, "Error on Parsing")},
		{code: 2, node: eu, xml: loginXML("SEP1CE6C79BAF1F", ""), want: failure(2, "Cannot authorize App user")},
		{code: 3, node: eu, xml: `<request><appInfo><appID>appid</appID><appCertificate>apppasswd</appCertificate></appInfo><logoutAll/></request>`, want: failure(3, "Could not authenticate 'appid'")},
		{code: 4, node: eu, xml: loginXML("SEP1CE6C79BAF1F", "EULOCKED"), want: failure(4, "Policy Validation error")},
		{code: 5, node: eu, xml: logoutXML("SEPEEEEEEEEEEEE"), want: failure(5, "Device logon disabled")},
		{code: 6, node: eu, fault: fault{"operation": "login", "emCode": 6}, xml: loginXML("SEP1CE6C79BAF1F", "ALMUSER01"), want: failure(6, "Database Error")},
		{code: 7, node: eu, fault: fault{"operation": "logout", "emCode": 7}, xml: logoutXML("SEP1CE6C79BAF1F"), want: failure(7, "Logout Request Error")},
		{code: 8, node: eu, xml: `<query>` + appInfo + `<whoIsThere><userID>ALMUSER01</userID></whoIsThere></query>`, want: failure(8, "Query type undetermined")},
		{code: 9, node: eu, fault: fault{"emCode": 9}, xml: loginXML("SEP1CE6C79BAF1F", "ALMUSER01"), want: failure(9, "Dir. User Info Error")},
		{code: 10, node: eu, xml: `<request><appInfo><appID>noproxy</appID><appCertificate>n0proxy</appCertificate></appInfo><logoutAll/></request>`, want: failure(10, "User lacks app proxy rights")},
		{code: 11, node: eu, xml: loginXML("SEPFFFFFFFFFFFF", "ALMUSER01"), want: failure(11, "Device does not exist")},
		{code: 12, node: eu, xml: loginXML("SEP1CE6C79BAF1F", "EUNOPROF"), want: failure(12, "Dev. Profile not found")},
		{code: 18, node: eu, setup: func(h *harness) { h.em(t, eu, loginXML("SEP1CE6C79BAF1F", "EUUSER03")) }, xml: loginXML("SEP1CE6C79BAF1F", "ALMUSER01"), want: failure(18, "Another user logged in")},
		{code: 19, node: eu, xml: logoutXML("SEP1CE6C79BAF1F"), want: failure(19, "No user logged in")},
		{code: 20, node: eu, fault: fault{"device": "SEP1CE6C79BAF1F", "emCode": 20}, xml: loginXML("SEP1CE6C79BAF1F", "ALMUSER01"), want: failure(20, "Hoteling flag error")},
		{code: 21, node: eu, fault: fault{"user": "ALMUSER01", "emCode": 21}, xml: loginXML("SEP1CE6C79BAF1F", "ALMUSER01"), want: failure(21, "Hoteling Status error")},
		{code: 22, node: eu, xml: loginXML("SEPEEEEEEEEEEEE", "ALMUSER01"), want: failure(22, "Device logon disabled")},
		{code: 23, node: eu, xml: loginXML("SEP1CE6C79BAF1F", "NOBODY"), want: failure(23, "User does not exist")},
		{code: 25, node: eu, setup: func(h *harness) { h.em(t, eu, loginXML("SEPE00000000001", "ALMUSER01")) }, xml: loginXML("SEP1CE6C79BAF1F", "ALMUSER01"), want: failure(25, "User logged in elsewhere")},
		{code: 26, node: eu, fault: fault{"operation": "login", "emCode": 26}, xml: loginXML("SEP1CE6C79BAF1F", "ALMUSER01"), want: failure(26, "Busy, please try again")}, // the real busy path: TestBusy
		{code: 27, node: eu, xml: `<request><appInfo><appID>expired</appID><appCertificate>old-pass</appCertificate></appInfo><logoutAll/></request>`, want: failure(27, "Change Password")},
		{code: 28, node: eu, xml: `<request>` + appInfo + `<login><deviceName>SEP1CE6C79BAF1F</deviceName><userID>ALMUSER01</userID><remoteIPAddr>192.0.2.1</remoteIPAddr></login></request>`, want: failure(28, "Untrusted IP Error")},
		{code: 29, node: eu, fault: fault{"node": "eu-pub", "emCode": 29}, xml: logoutXML("SEP1CE6C79BAF1F"), want: failure(29, "RIS down-contact admin")},
		{code: 30, node: "US/us-pub", xml: `<request>` + appInfo + `<login><deviceName>SEPA00000000001</deviceName><userID>USUSER02</userID><isViaHeaderSet>true</isViaHeaderSet></login></request>`, want: failure(30, "Proxy not allowed")},
		{code: 31, node: "US/us-pub", setup: roams("EUNOEMCC"), xml: loginXML("SEPA00000000001", "EUNOEMCC"), want: failure(31, "EMCC Not Activated for the user")},
		{code: 32, node: "US/us-pub", setup: roams("EUROAM01"), xml: loginXML("SEPA000000000FF", "EUROAM01"), want: failure(32, "Device does not support EMCC")},
		{code: 33, node: "US/us-pub", fault: fault{"emCode": 33}, xml: loginXML("SEPA00000000001", "EUROAM01"), want: failure(33, "No free EMCC dummy device")},
		{code: 35, node: "US/us-pub", fault: fault{"emCode": 35}, xml: loginXML("SEPA00000000001", "EUROAM01"), want: failure(35, "Visiting cluster information is not present in the home cluster")},
		{code: 36, node: "LAB/lab-pub", setup: roams("ALMUSER01"), xml: loginXML("SEPB00000000001", "ALMUSER01"), want: failure(36, "No Remote Cluster")},
		{code: 37, node: "US/us-pub", setup: roams("EUROAM01"), xml: loginXML("SEPDDDDDDDDDDDD", "EUROAM01"), want: failure(37, "Duplicate device name")},
		{code: 38, node: "US/us-pub", fault: fault{"emCode": 38, "emText": "EMCC Not Allowed"}, xml: loginXML("SEPA00000000001", "EUROAM01"), want: failure(38, "EMCC Not Allowed")},
	}
	covered := map[int]bool{}
	for _, tt := range tests {
		covered[tt.code] = true
		t.Run(fmt.Sprintf("code %d", tt.code), func(t *testing.T) {
			h := newHarness(t)
			if tt.setup != nil {
				tt.setup(h)
			}
			if tt.fault != nil {
				if st := h.call(t, "POST", "/v1/clusters/"+strings.Split(tt.node, "/")[0]+"/faults", tt.fault, nil); st != 201 {
					t.Fatalf("add fault: %d", st)
				}
			}
			status, body := h.em(t, tt.node, tt.xml)
			if status != 200 || body != tt.want {
				t.Fatalf("got %d %s\nwant 200 %s", status, body, tt.want)
			}
		})
	}
	for _, c := range Codes() {
		if !covered[c] {
			t.Errorf("code %d has no test", c)
		}
	}
}

func golden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/golden/em/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(string(b), "\n")
}

func TestGoldenResponsesFromState(t *testing.T) {
	h := newHarness(t)
	const eu = "EU/eu-pub"
	if st := h.call(t, "PUT", "/v1/clusters/EU/logins/SEP402CF4915265", map[string]any{"user": "em@cisco.com"}, nil); st != 204 {
		t.Fatalf("PUT login: %d", st)
	}
	query := func(op, item string, names ...string) string {
		q := `<query>` + appInfo + `<` + op + `>`
		for _, n := range names {
			q += `<` + item + `>` + n + `</` + item + `>`
		}
		return q + `</` + op + `></query>`
	}
	tests := []struct{ xml, golden string }{
		{query("deviceUserQuery", "deviceName", "SEP402CF4915265"), "deviceuserresults_loggedin_response.xml"},
		{query("deviceUserQuery", "deviceName", "test_secure"), "deviceuserresults_none_response.xml"},
		{query("deviceUserQuery", "deviceName", "SEPFFFFFFFFFFFF"), "deviceuserresults_doesnotexist_response.xml"},
		{query("deviceProfileQuery", "userID", "em@cisco.com"), "deviceprofileresults_response.xml"},
		{query("userDevicesQuery", "userID", "x"), "userdevicesresults_doesnotexist_response.xml"},
		{loginXML("SEP1CE6C79BAF1F", "ALMUSER01"), "success_response.xml"},
		{loginXML("SEP1CE6C79BAF1F", "EUUSER03"), "failure_code18_response.xml"},
	}
	for _, tt := range tests {
		if _, got := h.em(t, eu, tt.xml); got != golden(t, tt.golden) {
			t.Errorf("%s:\n got %s\nwant %s", tt.golden, got, golden(t, tt.golden))
		}
	}
	_, got := h.em(t, eu, query("userDevicesQuery", "userID", "em@cisco.com", "ALMUSER01", "EUUSER03"))
	want := `<response><userDevicesResults><user id="em%40cisco.com"><deviceName>SEP402CF4915265</deviceName></user><user id="ALMUSER01"><deviceName>SEP1CE6C79BAF1F</deviceName></user><user id="EUUSER03"><none/></user></userDevicesResults></response>`
	if got != want {
		t.Errorf("multi-user query:\n got %s\nwant %s", got, want)
	}
}

func TestMethodsAndParameters(t *testing.T) {
	h := newHarness(t)
	base := h.nodes["EU/eu-pub"] + "/emservice/EMServiceServlet"
	for _, m := range []string{"PUT", "DELETE", "OPTIONS", "PATCH"} {
		req, _ := http.NewRequest(m, base, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := failure(0, "Method "+m+" not allowed"); resp.StatusCode != 403 || string(b) != want {
			t.Errorf("%s: got %d %s, want 403 %s", m, resp.StatusCode, b, want)
		}
	}
	resp, err := http.Get(base + "?xml=" + url.QueryEscape(logoutXML("SEP1CE6C79BAF1F")))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != failure(19, "No user logged in") {
		t.Errorf("GET ?xml=: %s", b)
	}
	for name, body := range map[string]string{
		"no xml field": "foo=bar",
		"huge body":    "xml=" + strings.Repeat("a", 300<<10),
		"bad escape":   "xml=%zz",
	} {
		resp, err := http.Post(base, "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != failure(1, "Error on Parsing") {
			t.Errorf("%s: got %d %s", name, resp.StatusCode, b)
		}
	}
	resp, _ = http.Get(h.nodes["EU/eu-pub"] + "/nothing")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
}

// waitFor polls cond until it holds or the deadline passes (30 s: it costs
// nothing when cond comes true, and the machine may be loaded by the whole
// suite under -race).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) faultHits(t *testing.T, code string) int {
	var faults []FaultInfo
	h.call(t, "GET", "/v1/clusters/"+code+"/faults", nil, &faults)
	n := 0
	for _, f := range faults {
		n += f.Hits
	}
	return n
}

func TestBusy(t *testing.T) {
	h := newHarness(t)
	// LAB allows one concurrent request: hold it with a latency fault.
	h.call(t, "POST", "/v1/clusters/LAB/faults", map[string]any{"operation": "login", "latency": "1m", "count": 1}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { h.emCtx(t, ctx, "LAB/lab-pub", loginXML("SEPB00000000001", "LABUSER01")) })
	waitFor(t, "the slow login to be in flight", func() bool { return h.faultHits(t, "LAB") == 1 })
	if _, body := h.em(t, "LAB/lab-pub", loginXML("SEPB00000000002", "LABUSER01")); body != failure(26, "Busy, please try again") {
		t.Errorf("second login: %s", body)
	}
	if _, body := h.em(t, "LAB/lab-pub", `<query>`+appInfo+`<deviceUserQuery><deviceName>SEPB00000000001</deviceName></deviceUserQuery></query>`); !strings.Contains(body, "<none/>") {
		t.Errorf("queries do not count towards busy: %s", body)
	}
	cancel() // the client gives up; the slot is released
	wg.Wait()
	waitFor(t, "the slot to be free", func() bool {
		_, body := h.em(t, "LAB/lab-pub", loginXML("SEPB00000000002", "LABUSER01"))
		return body == success
	})
}

func TestFaultEffects(t *testing.T) {
	const eu = "EU/eu-pub"
	tests := []struct {
		name       string
		fault      map[string]any
		wantStatus int
		wantBody   string
		wantLogin  bool // the login took effect
	}{
		{name: "http status", fault: map[string]any{"httpStatus": 503}, wantStatus: 503, wantBody: "Service Unavailable"},
		{name: "empty body", fault: map[string]any{"body": "empty"}, wantStatus: 200, wantBody: ""},
		{name: "truncated before", fault: map[string]any{"body": "truncated"}, wantStatus: 200, wantBody: success[:len(success)/2]},
		{name: "malformed after", fault: map[string]any{"body": "malformed", "after": true}, wantStatus: 200, wantBody: strings.Replace(success, "</response>", "</esponse>", 1), wantLogin: true},
		{name: "drop before", fault: map[string]any{"drop": true}, wantStatus: 0},
		{name: "drop after", fault: map[string]any{"drop": true, "after": true}, wantStatus: 0, wantLogin: true},
		{name: "code after", fault: map[string]any{"emCode": 6, "after": true}, wantStatus: 200, wantBody: failure(6, "Database Error"), wantLogin: true},
		{name: "latency only", fault: map[string]any{"latency": "20ms"}, wantStatus: 200, wantBody: success, wantLogin: true},
		{name: "other device unaffected", fault: map[string]any{"device": "SEPE00000000001", "drop": true}, wantStatus: 200, wantBody: success, wantLogin: true},
		{name: "other node unaffected", fault: map[string]any{"node": "eu-sub1", "drop": true}, wantStatus: 200, wantBody: success, wantLogin: true},
		{name: "probability zero hits never", fault: map[string]any{"drop": true, "probability": 0.0000001}, wantStatus: 200, wantBody: success, wantLogin: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if st := h.call(t, "POST", "/v1/clusters/EU/faults", tt.fault, nil); st != 201 {
				t.Fatalf("add fault: %d", st)
			}
			status, body := h.em(t, eu, loginXML("SEP1CE6C79BAF1F", "ALMUSER01"))
			if status != tt.wantStatus || (status != 0 && body != tt.wantBody) {
				t.Fatalf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			var logins []map[string]any
			h.call(t, "GET", "/v1/clusters/EU/logins", nil, &logins)
			if got := len(logins) == 1; got != tt.wantLogin {
				t.Errorf("login took effect = %v, want %v", got, tt.wantLogin)
			}
		})
	}
}

func TestFaultCountAndValidation(t *testing.T) {
	h := newHarness(t)
	var id map[string]string
	if st := h.call(t, "POST", "/v1/clusters/eu/faults", map[string]any{"operation": "logout", "emCode": 6, "count": 2}, &id); st != 201 || id["id"] != "f1" {
		t.Fatalf("add: %d %v", st, id)
	}
	for i, want := range []int{6, 6, 19} {
		if _, body := h.em(t, "EU/eu-sub1", logoutXML("SEP1CE6C79BAF1F")); body != failure(want, CodeText(want)) {
			t.Errorf("logout %d: %s, want code %d", i, body, want)
		}
	}
	var faults []FaultInfo
	h.call(t, "GET", "/v1/clusters/EU/faults", nil, &faults)
	if len(faults) != 1 || faults[0].Remaining == nil || *faults[0].Remaining != 0 || faults[0].Hits != 2 {
		t.Errorf("faults = %+v", faults)
	}
	bad := []map[string]any{
		{},
		{"operation": "reboot", "drop": true},
		{"node": "nope", "drop": true},
		{"latency": "forever"},
		{"latency": "11m"},
		{"body": "weird"},
		{"drop": true, "emCode": 6},
		{"httpStatus": 42},
		{"count": -1, "drop": true},
		{"emText": "x"},
		{"drop": true, "unknownKey": 1},
	}
	for _, b := range bad {
		var e map[string]string
		if st := h.call(t, "POST", "/v1/clusters/EU/faults", b, &e); st != 400 || e["error"] == "" {
			t.Errorf("fault %v: got %d %v, want 400 with error", b, st, e)
		}
	}
	if st := h.call(t, "DELETE", "/v1/clusters/EU/faults", nil, nil); st != 204 {
		t.Errorf("DELETE faults: %d", st)
	}
	if st := h.call(t, "POST", "/v1/clusters/XX/faults", map[string]any{"drop": true}, nil); st != 404 {
		t.Errorf("unknown cluster: %d", st)
	}
}

func TestRequestLogRedactsSecrets(t *testing.T) {
	h := newHarness(t)
	h.em(t, "EU/eu-pub", loginXML("SEP1CE6C79BAF1F", "ALMUSER01"))
	h.em(t, "EU/eu-pub", `<request><appInfo><appID>bcapp</appID><appCertificate>s3cret`) // malformed
	h.axl(t, "EU/eu-pub", "bcapp", "s3cret", "ALMUSER01", "1234")
	var entries []RequestEntry
	h.call(t, "GET", "/v1/clusters/EU/requests", nil, &entries)
	if len(entries) != 3 {
		t.Fatalf("entries = %d, want 3", len(entries))
	}
	e := entries[0]
	if e.Seq != 1 || e.Operation != "login" || e.Device != "SEP1CE6C79BAF1F" || e.User != "ALMUSER01" || e.AppID != "bcapp" || e.Code == nil || *e.Code != 0 || e.Status != 200 || e.Node != "eu-pub" {
		t.Errorf("entry = %+v", e)
	}
	if !strings.Contains(e.XML, "<appCertificate>***</appCertificate>") {
		t.Errorf("xml not redacted: %s", e.XML)
	}
	if c := entries[1].Code; c == nil || *c != 1 {
		t.Errorf("malformed request code = %v", c)
	}
	if entries[2].Operation != "axl" || entries[2].User != "ALMUSER01" || entries[2].XML != "" {
		t.Errorf("axl entry = %+v", entries[2])
	}
	raw, _ := json.Marshal(entries)
	for _, secret := range []string{"s3cret", "1234"} {
		if bytes.Contains(raw, []byte(secret)) || strings.Contains(h.logs.String(), secret) {
			t.Errorf("secret %q leaked into the request log or the slog output", secret)
		}
	}
	if !strings.Contains(h.logs.String(), "operation=login") {
		t.Errorf("no slog line per request: %s", h.logs.String())
	}
	h.call(t, "DELETE", "/v1/clusters/EU/requests", nil, nil)
	h.call(t, "GET", "/v1/clusters/EU/requests", nil, &entries)
	if len(entries) != 0 {
		t.Errorf("entries after DELETE = %d", len(entries))
	}
}

func TestRedactXML(t *testing.T) {
	tests := map[string]string{
		"<a><appCertificate>x</appCertificate></a>":                     "<a><appCertificate>***</appCertificate></a>",
		"<appEncryptedCertificate>x</appEncryptedCertificate>":          "<appEncryptedCertificate>***</appEncryptedCertificate>",
		"<appCertificate>secret":                                        "<appCertificate>***",
		"<appCertificate":                                               "<appCertificate***",
		"<appCertificate/><appCertificate a='1'>y</appCertificate>tail": "<appCertificate/><appCertificate a='1'>***</appCertificate>tail",
		"plain": "plain",
	}
	for in, want := range tests {
		if got := redactXML(in); got != want {
			t.Errorf("redactXML(%q) = %q, want %q", in, got, want)
		}
	}
}

func (h *harness) axl(t *testing.T, node, user, pass, userID, pin string) (int, string) {
	t.Helper()
	body := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="http://www.cisco.com/AXL/API/14.0"><soapenv:Body><ns:doAuthenticateUser><userid>` + userID + `</userid><pin>` + pin + `</pin></ns:doAuthenticateUser></soapenv:Body></soapenv:Envelope>`
	req, _ := http.NewRequest("POST", h.nodes[node]+"/axl/", strings.NewReader(body))
	req.SetBasicAuth(user, pass)
	req.Header.Set("Content-Type", "text/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAXL(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, node, user, pass, userID, pin string
		wantStatus                          int
		wantBody                            string
	}{
		{"pin ok", "EU/eu-pub", "bcapp", "s3cret", "ALMUSER01", "1234", 200, "<userAuthenticated>true<"},
		{"pin wrong", "EU/eu-sub1", "bcapp", "s3cret", "ALMUSER01", "9999", 200, "<userAuthenticated>false<"},
		{"user homed elsewhere", "EU/eu-pub", "bcapp", "s3cret", "USROAM01", "4321", 500, "Item not valid: The specified User was not found"},
		{"roaming user at home", "US/us-pub", "bcapp", "s3cret", "USROAM01", "4321", 200, "<userAuthenticated>true<"},
		{"bad password", "EU/eu-pub", "bcapp", "nope", "ALMUSER01", "1234", 401, "Unauthorized"},
		{"no axl access", "EU/eu-pub", "noproxy", "n0proxy", "ALMUSER01", "1234", 401, "Unauthorized"},
	}
	for _, tt := range tests {
		status, body := h.axl(t, tt.node, tt.user, tt.pass, tt.userID, tt.pin)
		if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
			t.Errorf("%s: got %d %s, want %d ~%s", tt.name, status, body, tt.wantStatus, tt.wantBody)
		}
	}
	h.call(t, "POST", "/v1/clusters/EU/faults", map[string]any{"operation": "axl", "httpStatus": 502}, nil)
	if status, _ := h.axl(t, "EU/eu-pub", "bcapp", "s3cret", "ALMUSER01", "1234"); status != 502 {
		t.Errorf("axl fault: %d", status)
	}
	req, _ := http.NewRequest("POST", h.nodes["US/us-pub"]+"/axl/", strings.NewReader("garbage"))
	req.SetBasicAuth("bcapp", "s3cret")
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Errorf("garbage AXL body: %d", resp.StatusCode)
	}
}

func TestControlAPI(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	sim, err := New(loadDemo(t), Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	admin := httptest.NewServer(sim.AdminHandler())
	defer admin.Close()
	h := &harness{sim: sim, admin: admin.URL}

	var e apiError
	if st := h.call(t, "PUT", "/v1/clusters/EU/logins/SEPNOPE", map[string]any{"user": "ALMUSER01"}, &e); st != 404 || e.Code == nil || *e.Code != 11 {
		t.Errorf("PUT unknown device: %d %+v", st, e)
	}
	if st := h.call(t, "PUT", "/v1/clusters/EU/logins/SEPE00000000001", map[string]any{"user": "ALMUSER01", "minutes": 90}, nil); st != 204 {
		t.Fatalf("PUT: %d", st)
	}
	// Bypasses policy: ALMUSER01 on a second device despite not-allowed.
	if st := h.call(t, "PUT", "/v1/clusters/EU/logins/SEPE00000000002", map[string]any{"user": "ALMUSER01"}, nil); st != 204 {
		t.Fatalf("PUT second: %d", st)
	}
	var logins []map[string]any
	h.call(t, "GET", "/v1/clusters/EU/logins", nil, &logins)
	want := []map[string]any{
		{"device": "SEPE00000000001", "user": "ALMUSER01", "profile": "UDP-ALMUSER01", "since": "2025-06-01T12:00:00Z", "expires": "2025-06-01T13:30:00Z", "emcc": false},
		{"device": "SEPE00000000002", "user": "ALMUSER01", "profile": "UDP-ALMUSER01", "since": "2025-06-01T12:00:00Z", "emcc": false},
	}
	if fmt.Sprint(logins) != fmt.Sprint(want) {
		t.Errorf("logins =\n%v\nwant\n%v", logins, want)
	}
	if st := h.call(t, "POST", "/v1/clock", map[string]any{"advance": "90m"}, nil); st != 204 {
		t.Fatalf("clock: %d", st)
	}
	h.call(t, "GET", "/v1/clusters/EU/logins", nil, &logins)
	if len(logins) != 1 || logins[0]["device"] != "SEPE00000000002" {
		t.Errorf("after 90m: %v", logins)
	}
	if st := h.call(t, "DELETE", "/v1/clusters/EU/logins/SEPE00000000002", nil, nil); st != 204 {
		t.Errorf("DELETE: %d", st)
	}
	if st := h.call(t, "DELETE", "/v1/clusters/EU/logins/SEPE00000000002", nil, &e); st != 404 || *e.Code != 19 {
		t.Errorf("DELETE nobody: %d %+v", st, e)
	}
	var clusters []clusterJSON
	h.call(t, "GET", "/v1/clusters", nil, &clusters)
	if len(clusters) != 3 || clusters[0].Code != "EU" || clusters[0].Name != "Europe" || len(clusters[0].Nodes) != 2 || !clusters[0].Nodes[0].Up {
		t.Errorf("clusters = %+v", clusters)
	}
	for _, bad := range []struct{ method, path, body string }{
		{"POST", "/v1/clock", `{"advance":"-5m"}`},
		{"POST", "/v1/clock", `{"advance":`},
		{"PUT", "/v1/clusters/EU/logins/SEPE00000000001", `{"user":"ALMUSER01","minutes":-1}`},
		{"POST", "/v1/clusters/EU/nodes/eu-pub/sideways", ``},
	} {
		req, _ := http.NewRequest(bad.method, admin.URL+bad.path, strings.NewReader(bad.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 && resp.StatusCode != 404 {
			t.Errorf("%s %s %s: %d", bad.method, bad.path, bad.body, resp.StatusCode)
		}
	}
	h.call(t, "POST", "/v1/clock", map[string]any{"advance": "1h"}, nil)
	if st := h.call(t, "POST", "/v1/reset", nil, nil); st != 204 {
		t.Errorf("reset: %d", st)
	}
	if !sim.Model().Now().Equal(clock.Now()) {
		t.Errorf("reset kept the clock offset")
	}
}

// TestListenersNodeDownUp uses real listeners: a node that is down refuses connections and
// comes back on the same address.
func TestListenersNodeDownUp(t *testing.T) {
	sim, err := New(loadDemo(t), Options{EphemeralPorts: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	addrs := sim.Addrs()
	eu := addrs.Nodes["EU"]["eu-pub"]
	if addrs.Admin == "" || eu == "" || addrs.Nodes["US"]["us-sub1"] == "" {
		t.Fatalf("addrs = %+v", addrs)
	}
	h := &harness{sim: sim, admin: "http://" + addrs.Admin, nodes: map[string]string{"EU/eu-pub": "http://" + eu}}
	if _, body := h.em(t, "EU/eu-pub", logoutXML("SEP1CE6C79BAF1F")); body != failure(19, "No user logged in") {
		t.Fatalf("node answer: %s", body)
	}
	if st := h.call(t, "POST", "/v1/clusters/EU/nodes/eu-pub/down", nil, nil); st != 204 {
		t.Fatalf("down: %d", st)
	}
	if conn, err := net.Dial("tcp", eu); err == nil {
		conn.Close()
		t.Fatal("node down still accepts connections")
	}
	var clusters []clusterJSON
	h.call(t, "GET", "/v1/clusters", nil, &clusters)
	if clusters[0].Nodes[0].Up || clusters[0].Nodes[0].Addr != eu {
		t.Errorf("clusters after down = %+v", clusters[0])
	}
	if st := h.call(t, "POST", "/v1/clusters/EU/nodes/eu-pub/up", nil, nil); st != 204 {
		t.Fatalf("up: %d", st)
	}
	if _, body := h.em(t, "EU/eu-pub", logoutXML("SEP1CE6C79BAF1F")); body != failure(19, "No user logged in") {
		t.Fatalf("node after up: %s", body)
	}
	h.call(t, "POST", "/v1/clusters/EU/nodes/eu-pub/down", nil, nil)
	h.call(t, "POST", "/v1/reset", nil, nil)
	if _, body := h.em(t, "EU/eu-pub", logoutXML("SEP1CE6C79BAF1F")); body != failure(19, "No user logged in") {
		t.Fatalf("node after reset: %s", body)
	}
	// A request parked in a latency fault does not hold up Shutdown: the
	// fault holds it 10 minutes, so a Shutdown (and the parked request's end)
	// within 30 s, generous for a loaded machine, did not wait for it.
	h.call(t, "POST", "/v1/clusters/EU/faults", map[string]any{"latency": "10m"}, nil)
	var wg sync.WaitGroup
	wg.Go(func() { h.em(t, "EU/eu-pub", logoutXML("SEP1CE6C79BAF1F")) })
	waitFor(t, "request in flight", func() bool { return h.faultHits(t, "EU") == 1 })
	const bound = 30 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	start := time.Now()
	if err := sim.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	wg.Wait()
	if d := time.Since(start); d > bound {
		t.Errorf("Shutdown took %v", d)
	}
}

func TestHandlerNodeDown(t *testing.T) {
	h := newHarness(t)
	h.call(t, "POST", "/v1/clusters/EU/nodes/eu-sub1/down", nil, nil)
	if status, _ := h.em(t, "EU/eu-sub1", logoutXML("SEP1CE6C79BAF1F")); status != 0 {
		t.Errorf("down node answered %d", status)
	}
	if _, body := h.em(t, "EU/eu-pub", logoutXML("SEP1CE6C79BAF1F")); body != failure(19, "No user logged in") {
		t.Errorf("other node: %s", body)
	}
}
