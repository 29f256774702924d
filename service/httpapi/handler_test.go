package httpapi

import (
	"bytes"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/emclient"
	"github.com/emconnector/emconnector/service/eventlog"
	"github.com/emconnector/emconnector/service/fakecucm"
	"github.com/emconnector/emconnector/service/metrics"
)

const authXML = "<request><appID>bcapp</appID><appCertificate>s3cret</appCertificate></request>"

type env struct {
	srv    *httptest.Server
	eu, us *fakecucm.CUCM
	logs   *lockedBuffer
}

// newEnv runs the API against two fake clusters over real HTTP: EU (default
// when def) with SEP1CE6C79BAF1F, SEP001120F678E2 and ALMUSER01 (PIN 1234);
// US with SEPUS0000001 and USUSER01 (PIN 5678).
func newEnv(t *testing.T, def bool) *env {
	t.Helper()
	e := &env{eu: fakecucm.New("bcapp", "s3cret"), us: fakecucm.New("bcapp", "s3cret"), logs: &lockedBuffer{}}
	fakecucm.Link(e.eu, e.us)
	e.eu.AddDevice("SEP1CE6C79BAF1F")
	e.eu.AddDevice("SEP001120F678E2")
	e.eu.AddUser("ALMUSER01", "1234")
	e.us.AddDevice("SEPUS0000001")
	e.us.AddUser("USUSER01", "5678")
	var clusters []service.Cluster
	for _, c := range []struct {
		code string
		cucm *fakecucm.CUCM
	}{{"EU", e.eu}, {"US", e.us}} {
		node := httptest.NewServer(c.cucm.Handler())
		t.Cleanup(node.Close)
		cfg := emclient.DefaultConfig(c.code, node.URL+"/emservice/EMServiceServlet")
		cfg.AXL = []string{node.URL + "/axl/"}
		cl, err := emclient.New(cfg, emclient.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		clusters = append(clusters, cl)
	}
	defCode := ""
	if def {
		defCode = "EU"
	}
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	m := metrics.New(testBuild)
	conn := connectorFor(t, clusters, defCode, log, m)
	e.srv = httptest.NewServer(New(conn, Options{Logger: log, RequestTimeout: 5 * time.Second, MaxBodyBytes: 1024,
		Metrics: m.Handler(), Build: testBuild}))
	t.Cleanup(e.srv.Close)
	return e
}

// connectorFor builds the connector over clusters whose events feed the
// request log and audit events (to log, when not nil) and m (when not nil),
// as cmd/bcservice wires them.
func connectorFor(t *testing.T, clusters []service.Cluster, def string, log *slog.Logger, m *metrics.Metrics) *service.Connector {
	t.Helper()
	var consumers []service.Consumer
	if log != nil {
		consumers = append(consumers, eventlog.NewRequestLog(log), eventlog.NewAudit(log))
	}
	if m != nil {
		consumers = append(consumers, m)
	}
	conn, err := service.NewConnector(clusters, service.Options{Default: def, Events: service.NewEmitter(consumers...)})
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// settledLogs stops the server, which waits for every request to finish (a
// request's log line and audit event are written after its answer was
// sent), and returns the log.
func (e *env) settledLogs() string {
	e.srv.Close()
	return e.logs.String()
}

func (e *env) post(t *testing.T, path, xmlParam string) (*http.Response, string) {
	t.Helper()
	form := url.Values{}
	if xmlParam != "" {
		form.Set("xml", xmlParam)
	}
	return e.do(t, http.MethodPost, path, "application/x-www-form-urlencoded", form.Encode())
}

func (e *env) do(t *testing.T, method, path, contentType, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func goldenBC(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "bc", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var codeRE = regexp.MustCompile(`<code>(-?\d+)</code>`)

func codeOf(t *testing.T, body string) string {
	t.Helper()
	m := codeRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no <code> in %q", body)
	}
	return m[1]
}

func TestGoldenResponses(t *testing.T) {
	e := newEnv(t, true)
	e.eu.SetLogin("SEP001120F678E2", "ALMUSER01")
	tests := []struct {
		method, path, golden string
	}{
		{http.MethodGet, "/api/getversioninfo", "getversioninfo.xml"},
		{http.MethodPost, "/api/getversioninfo", "getversioninfo.xml"},
		{http.MethodPost, "/api/login/SEP1CE6C79BAF1F/ALMUSER01", "login_success.xml"},
		{http.MethodPost, "/api/logout/SEP1CE6C79BAF1F", "logout_success.xml"},
		{http.MethodPost, "/api/getloggedinuser/SEP001120F678E2/EU", "getloggedinuser_success.xml"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := e.do(t, tt.method, tt.path+"?xml="+url.QueryEscape(authXML), "", "")
			if res.StatusCode != http.StatusOK {
				t.Errorf("status %d, want 200", res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if want := goldenBC(t, tt.golden); body != want {
				t.Errorf("body\n got %q\nwant %q", body, want)
			}
		})
	}
}

func TestAPICodes(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		xml        string
		setup      func(e *env)
		wantStatus int
		wantCode   string
		wantText   string
	}{
		{"device empty", "POST", "/api/logout/", authXML, nil, 200, "404", "Device ID empty"},
		{"device missing", "POST", "/api/logout", authXML, nil, 200, "404", "Device ID empty"},
		{"device empty segment", "POST", "/api/login//ALMUSER01", authXML, nil, 200, "404", "Device ID empty"},
		{"device blank", "POST", "/api/logout/%20", authXML, nil, 200, "404", "Device ID empty"},
		{"user missing", "POST", "/api/login/SEP1CE6C79BAF1F", authXML, nil, 200, "1005", "User ID empty"},
		{"user empty trailing slash", "POST", "/api/login/SEP1CE6C79BAF1F/", authXML, nil, 200, "1005", "User ID empty"},
		{"invalid device", "POST", "/api/logout/SEP%3Cx%3E", authXML, nil, 200, "1008", "Invalid device name"},
		{"encoded slash in device", "POST", "/api/logout/SEP1%2FX", authXML, nil, 200, "1008", "Invalid device name"},
		{"invalid user", "POST", "/api/login/SEP1CE6C79BAF1F/a%01b", authXML, nil, 200, "1009", "Invalid user ID"},
		{"invalid cluster", "POST", "/api/logout/SEP1CE6C79BAF1F/E.U", authXML, nil, 200, "1012", "Invalid cluster code"},
		{"invalid PIN", "POST", "/api/login/SEP1CE6C79BAF1F/ALMUSER01/EU/12ab", authXML, nil, 200, "1012", "Invalid PIN format"},
		{"unknown cluster", "POST", "/api/logout/SEP1CE6C79BAF1F/XX", authXML, nil, 200, "1001", "Cluster with code [XX] not found"},
		{"missing xml", "POST", "/api/logout/SEP1CE6C79BAF1F", "", nil, 200, "1006", "Missing xml parameter"},
		{"malformed xml", "POST", "/api/logout/SEP1CE6C79BAF1F", "<request><appID>", nil, 200, "1006", "Malformed request XML"},
		{"doctype", "POST", "/api/logout/SEP1CE6C79BAF1F", `<!DOCTYPE request [<!ENTITY x "bcapp">]><request><appID>&x;</appID><appCertificate>s3cret</appCertificate></request>`, nil, 200, "1006", "DOCTYPE"},
		{"wrong root case", "POST", "/api/logout/SEP1CE6C79BAF1F", "<Request><appID>bcapp</appID><appCertificate>s3cret</appCertificate></Request>", nil, 200, "1006", "root element"},
		{"element names case sensitive", "POST", "/api/logout/SEP1CE6C79BAF1F", "<request><AppID>bcapp</AppID><appCertificate>s3cret</appCertificate></request>", nil, 200, "1007", "appID or appCertificate missing"},
		{"missing certificate", "POST", "/api/logout/SEP1CE6C79BAF1F", "<request><appID>bcapp</appID></request>", nil, 200, "1007", "appID or appCertificate missing"},
		{"appInfo wrapper accepted", "POST", "/api/getloggedinuser/SEP1CE6C79BAF1F", "<request><appInfo><appID>bcapp</appID><appCertificate>s3cret</appCertificate></appInfo></request>", nil, 200, "0", "No user logged in on device SEP1CE6C79BAF1F"},
		{"wrong credentials", "POST", "/api/logout/SEP1CE6C79BAF1F", "<request><appID>bcapp</appID><appCertificate>bad</appCertificate></request>", nil, 200, "3", "Logout failed for device SEP1CE6C79BAF1F in cluster EU: Could not authenticate 'bcapp'"},
		{"nobody to log out", "POST", "/api/logout/SEP1CE6C79BAF1F/EU", authXML, nil, 200, "19", "No user logged in"},
		{"unknown device", "POST", "/api/logout/SEPFFFFFFFFFFFF/eu", authXML, nil, 200, "11", "Device does not exist"},
		{"another user", "POST", "/api/login/SEP1CE6C79BAF1F/ALMUSER01", authXML, func(e *env) { e.eu.SetLogin("SEP1CE6C79BAF1F", "OTHER") }, 200, "18", "Login failed for ALMUSER01 on device SEP1CE6C79BAF1F in cluster EU: Another user logged in"},
		{"roaming needs PIN", "POST", "/api/login/SEPUS0000001/ALMUSER01/US", authXML, nil, 200, "1003", "PIN required"},
		{"roaming wrong PIN", "POST", "/api/login/SEPUS0000001/ALMUSER01/US/9999", authXML, nil, 200, "1004", "PIN invalid"},
		{"roaming right PIN", "POST", "/api/login/SEPUS0000001/ALMUSER01/US/1234", authXML, nil, 200, "0", "Login successful for ALMUSER01 on device SEPUS0000001"},
		{"roaming unknown user", "POST", "/api/login/SEPUS0000001/GHOST/US/1234", authXML, nil, 200, "23", "User not found"},
		{"unknown route", "POST", "/api/nothing", authXML, nil, 404, "404", "Unknown API route"},
		{"extra segment", "POST", "/api/logout/SEP1CE6C79BAF1F/EU/extra", authXML, nil, 404, "404", "Unknown API route"},
		{"extra segment with empty", "POST", "/api/logout//EU/extra", authXML, nil, 404, "404", "Unknown API route"},
		{"root", "GET", "/", "", nil, 404, "404", "Unknown API route"},
		{"wrong method", "GET", "/api/logout/SEP1CE6C79BAF1F", authXML, nil, 405, "405", "Method GET not allowed"},
		{"wrong method version", "DELETE", "/api/getversioninfo", "", nil, 405, "405", "Method DELETE not allowed"},
		{"wrong method odd path", "PUT", "/api/login//U", authXML, nil, 405, "405", "Method PUT not allowed"},
		{"body too large", "POST", "/api/logout/SEP1CE6C79BAF1F", strings.Repeat("x", 2000), nil, 413, "413", "Request body too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, true)
			if tt.setup != nil {
				tt.setup(e)
			}
			var res *http.Response
			var body string
			if tt.method == "POST" {
				res, body = e.post(t, tt.path, tt.xml)
			} else {
				res, body = e.do(t, tt.method, tt.path+"?xml="+url.QueryEscape(tt.xml), "", "")
			}
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if got := codeOf(t, body); got != tt.wantCode {
				t.Errorf("code %s, want %s (body %s)", got, tt.wantCode, body)
			}
			text := body[strings.Index(body, "<text>"):]
			if !strings.Contains(text, xmlEsc(tt.wantText)) {
				t.Errorf("body %s, want text containing %q", body, tt.wantText)
			}
			if !strings.HasPrefix(body, "<?xml version='1.0' encoding='UTF-8'?>\n<response><result>") {
				t.Errorf("body %q lacks the result shape", body)
			}
			if tt.wantStatus == 405 && res.Header.Get("Allow") == "" {
				t.Error("405 without Allow header")
			}
			if strings.Contains(body, "s3cret") || strings.Contains(e.logs.String(), "s3cret") {
				t.Error("certificate leaked into the answer or the log")
			}
		})
	}
}

func xmlEsc(s string) string {
	return strings.NewReplacer("'", "&#39;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestXMLParameterSources(t *testing.T) {
	e := newEnv(t, true)
	const path = "/api/getloggedinuser/SEP1CE6C79BAF1F"
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	if err := mw.WriteField("xml", authXML); err != nil {
		t.Fatal(err)
	}
	mw.Close()
	tests := []struct {
		name, query, ct, body, want string
	}{
		{"form body", "", "application/x-www-form-urlencoded", "xml=" + url.QueryEscape(authXML), "0"},
		{"query string", "?xml=" + url.QueryEscape(authXML), "", "", "0"},
		{"raw text/xml", "", "text/xml; charset=utf-8", authXML, "0"},
		{"raw application/xml", "", "application/xml", authXML, "0"},
		{"multipart", "", mw.FormDataContentType(), mp.String(), "0"},
		{"body wins over query", "?xml=" + url.QueryEscape("<request/>"), "text/xml", authXML, "0"},
		{"raw body of unknown type ignored", "", "text/plain", authXML, "1006"},
		{"empty raw body", "", "text/xml", "  ", "1006"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := e.do(t, http.MethodPost, path+tt.query, tt.ct, tt.body)
			if got := codeOf(t, body); got != tt.want {
				t.Errorf("code %s, want %s: %s", got, tt.want, body)
			}
		})
	}
}

func TestSearchWithoutDefault(t *testing.T) {
	e := newEnv(t, false)
	_, body := e.post(t, "/api/login/SEPUS0000001/USUSER01", authXML)
	if codeOf(t, body) != "0" {
		t.Fatalf("login found by search: %s", body)
	}
	if got := e.us.LoggedIn("SEPUS0000001"); got != "USUSER01" {
		t.Errorf("US device holds %q", got)
	}
	_, body = e.post(t, "/api/getloggedinuser/SEPNOWHERE", authXML)
	if codeOf(t, body) != "11" {
		t.Errorf("unknown device everywhere: %s", body)
	}
}

func TestAccessLogLine(t *testing.T) {
	e := newEnv(t, true)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/login/SEPUS0000001/ALMUSER01/US/1234", strings.NewReader("xml="+url.QueryEscape(authXML)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Request-ID", "req-42")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Request-ID"); got != "req-42" {
		t.Errorf("X-Request-ID echoed as %q", got)
	}
	logs := e.settledLogs()
	for _, want := range []string{"msg=request", "id=req-42", "op=login", "device=SEPUS0000001", "user=ALMUSER01", "cluster=US", "code=0", "status=200", "duration="} {
		if !strings.Contains(logs, want) {
			t.Errorf("log %q lacks %q", logs, want)
		}
	}
	for _, secret := range []string{"s3cret", "1234"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log leaks %q: %s", secret, logs)
		}
	}
	if n := strings.Count(logs, "msg=request"); n != 1 {
		t.Errorf("%d request lines, want 1", n)
	}
}

func TestNeedsOwnSplit(t *testing.T) {
	tests := map[string]bool{
		"/api/login/":        false,
		"/api/login/A/B":     false,
		"/api/login//B":      true,
		"/api/login/A/":      true,
		"/api/login/A/./B":   true,
		"/api/logout/A/../B": true,
		"/other//x":          false,
	}
	for p, want := range tests {
		if got := needsOwnSplit(p); got != want {
			t.Errorf("needsOwnSplit(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestParseRequestXML(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantCode int
		want     service.Credentials
	}{
		{"plain", authXML, 0, service.Credentials{AppID: "bcapp", AppCertificate: "s3cret"}},
		{"declaration and whitespace", "<?xml version=\"1.0\"?>\n<request>\n <appID>bcapp</appID>\n <appCertificate> s p </appCertificate>\n</request>\n", 0, service.Credentials{AppID: "bcapp", AppCertificate: " s p "}},
		{"escaped chars kept", "<request><appID>a&amp;b</appID><appCertificate>&lt;x&gt;</appCertificate></request>", 0, service.Credentials{AppID: "a&b", AppCertificate: "<x>"}},
		{"duplicate appID", "<request><appID>a</appID><appID>b</appID></request>", service.CodeMalformedXML, service.Credentials{}},
		{"trailing element", authXML + "<x/>", service.CodeMalformedXML, service.Credentials{}},
		{"trailing text", authXML + "junk", service.CodeMalformedXML, service.Credentials{}},
		{"unknown entity", "<request><appID>&x;</appID></request>", service.CodeMalformedXML, service.Credentials{}},
		{"unclosed", "<request>", service.CodeMalformedXML, service.Credentials{}},
		{"appInfo wrapper", "<request><appInfo><appID>a</appID><appCertificate>c</appCertificate></appInfo></request>", 0, service.Credentials{AppID: "a", AppCertificate: "c"}},
		{"nested deeper is ignored", "<request><appID>a</appID><appCertificate>c</appCertificate><x><appID>b</appID></x></request>", 0, service.Credentials{AppID: "a", AppCertificate: "c"}},
		{"element inside appID not read", "<request><appID>a<x>b</x></appID><appCertificate>c</appCertificate></request>", 0, service.Credentials{AppID: "a", AppCertificate: "c"}},
		{"deep nesting", "<request><appID>a</appID><appCertificate>c</appCertificate>" + strings.Repeat("<x>", 5000) + strings.Repeat("</x>", 5000) + "</request>", 0, service.Credentials{AppID: "a", AppCertificate: "c"}},
		{"deep nesting unclosed", "<request>" + strings.Repeat("<x>", 20000), service.CodeMalformedXML, service.Credentials{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := parseRequestXML(tt.in)
			if got := msg.cred; service.ErrorCode(err) != tt.wantCode || got != tt.want {
				t.Errorf("got %#v, %v; want %#v, code %d", got, err, tt.want, tt.wantCode)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q quotes the input", err)
			}
		})
	}
}

func TestParseRequestOptions(t *testing.T) {
	const creds = "<appID>a</appID><appCertificate>c</appCertificate>"
	tests := []struct {
		name     string
		in       string
		wantCode int
		want     []service.Field
	}{
		{"none", "<request>" + creds + "</request>", 0, nil},
		{"all, in table order", "<request><force>true</force>" + creds + "<duration>60</duration><deviceProfile>DP 1</deviceProfile><clearCallHistory>false</clearCallHistory></request>", 0,
			[]service.Field{{Name: "duration", Value: "60"}, {Name: "force", Value: "true"}, {Name: "deviceProfile", Value: "DP 1"}, {Name: "clearCallHistory", Value: "false"}}},
		{"case sensitive", "<request>" + creds + "<Duration>60</Duration></request>", 0, nil},
		{"not inside appInfo", "<request><appInfo>" + creds + "<duration>5</duration></appInfo></request>", 0, nil},
		{"twice", "<request>" + creds + "<force>true</force><force>false</force></request>", service.CodeMalformedXML, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := parseRequestXML(tt.in)
			if service.ErrorCode(err) != tt.wantCode || len(msg.options) != len(tt.want) {
				t.Fatalf("got %v, %v; want %v, code %d", msg.options, err, tt.want, tt.wantCode)
			}
			for i := range tt.want {
				if msg.options[i] != tt.want[i] {
					t.Errorf("option %d = %v, want %v", i, msg.options[i], tt.want[i])
				}
			}
		})
	}
}
