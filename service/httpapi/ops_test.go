package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/access"
	"github.com/emconnector/emconnector/service/health"
	"github.com/emconnector/emconnector/service/metrics"
)

func TestWantsJSON(t *testing.T) {
	tests := []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"*/*", false},
		{"text/xml", false},
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"application/json, text/plain, */*", true},
		{"text/xml, application/json", false},
		{"application/xml;q=0.5, application/json", true},
		{"application/json;q=0.4, text/xml;q=0.5", false},
		{"application/json;q=0", false},
		{"application/json;q=bogus", false},
		{"nonsense/", false},
	}
	for _, tt := range tests {
		if got := wantsJSON(tt.accept); got != tt.want {
			t.Errorf("wantsJSON(%q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}

// serve runs one request through h from remote with the given headers.
func serve(h http.Handler, method, target, remote string, hdr map[string]string, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.RemoteAddr = remote
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestJSONAnswers(t *testing.T) {
	e := newEnv(t, true)
	form := "application/x-www-form-urlencoded"
	body := url.Values{"xml": {authXML}}.Encode()
	tests := []struct {
		name, method, path, ctype, body string
		status                          int
		want                            string
	}{
		{"login", "POST", "/api/login/SEP1CE6C79BAF1F/ALMUSER01", form, body, 200,
			`{"deviceName":"SEP1CE6C79BAF1F","userID":"ALMUSER01","code":0,"text":"Login successful for ALMUSER01 on device SEP1CE6C79BAF1F"}`},
		{"logout has no userID", "POST", "/api/logout/SEP1CE6C79BAF1F/EU", form, body, 200,
			`{"deviceName":"SEP1CE6C79BAF1F","code":0,"text":"Logout successful for device SEP1CE6C79BAF1F"}`},
		{"failure", "POST", "/api/logout/SEP1CE6C79BAF1F/EU", form, body, 200,
			`{"deviceName":"SEP1CE6C79BAF1F","code":19,"text":"Logout failed for device SEP1CE6C79BAF1F in cluster EU: No user logged in"}`},
		{"version", "GET", "/api/getversioninfo", "", "", 200, `{"appversion":"1.4","appname":"Business Connector"}`},
		{"404", "POST", "/nope", "", "", 404, `{"code":404,"text":"Unknown API route"}`},
		{"405", "GET", "/api/logout/SEP1CE6C79BAF1F", "", "", 405, `{"deviceName":"SEP1CE6C79BAF1F","code":405,"text":"Method GET not allowed"}`},
		{"413", "POST", "/api/logout/SEP1CE6C79BAF1F", form, "xml=" + strings.Repeat("a", 2000), 413,
			`{"deviceName":"SEP1CE6C79BAF1F","code":413,"text":"Request body too large (limit 1024 bytes)"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, e.srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept", "application/json")
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			got, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status || string(got) != tt.want {
				t.Errorf("got %d %s\nwant %d %s", res.StatusCode, got, tt.status, tt.want)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestAccessDenied(t *testing.T) {
	policy, err := access.New(access.Config{
		Allow: []string{"127.0.0.0/8"}, Deny: []string{"127.0.0.2"}, TrustedProxies: []string{"127.0.0.9"},
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	m := metrics.New(testBuild)
	log := slog.New(slog.NewJSONHandler(logs, nil))
	h := New(connectorFor(t, nil, "", log, m), Options{Access: policy, Logger: log, Metrics: m.Handler(), Build: testBuild})
	tests := []struct {
		name, remote, xff, accept string
		status                    int
		want                      string
	}{
		{"allowed", "127.0.0.1:5000", "", "", 200, versionXML},
		{"denied address", "127.0.0.2:5000", "", "", 403,
			xmlHeader + "<response><result><code>1015</code><text>Access denied</text></result></response>"},
		{"not in allow list", "192.0.2.1:5000", "", "application/json", 403, `{"code":1015,"text":"Access denied"}`},
		{"spoofed XFF from untrusted peer", "192.0.2.1:5000", "127.0.0.1", "", 403, ""},
		{"XFF from trusted proxy", "127.0.0.9:5000", "127.0.0.1", "", 200, versionXML},
		{"trusted proxy forwarding a denied client", "127.0.0.9:5000", "127.0.0.2", "", 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(h, "GET", "/api/getversioninfo", tt.remote, map[string]string{"X-Forwarded-For": tt.xff, "Accept": tt.accept}, "")
			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
			if tt.want != "" && w.Body.String() != tt.want {
				t.Errorf("body %q, want %q", w.Body.String(), tt.want)
			}
		})
	}
	// A denied login attempt is audited with the client address.
	serve(h, "POST", "/api/login/SEP1/U1/EU/1234", "127.0.0.2:5000", nil, "")
	var audit map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if v["msg"] == "audit" {
			audit = v
		}
	}
	if audit == nil || audit["operation"] != "login" || audit["code"] != float64(1015) || audit["outcome"] != "rejected" || audit["remote"] != "127.0.0.2" {
		t.Errorf("audit event %v", audit)
	}
	if strings.Contains(logs.String(), "1234") {
		t.Error("the PIN from the path reached the log")
	}
}

func TestAuditEvents(t *testing.T) {
	e := newEnv(t, true)
	e.post(t, "/api/login/SEP1CE6C79BAF1F/ALMUSER01/EU/1234", authXML)
	e.post(t, "/api/logout/SEP1CE6C79BAF1F", authXML)
	e.post(t, "/api/getloggedinuser/SEP1CE6C79BAF1F", authXML)
	var audits []string
	logs := e.settledLogs()
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "msg=audit") {
			audits = append(audits, line)
		}
	}
	if len(audits) != 2 {
		t.Fatalf("got %d audit events, want 2 (login, logout):\n%s", len(audits), strings.Join(audits, "\n"))
	}
	for i, want := range []string{
		"operation=login device=SEP1CE6C79BAF1F user=ALMUSER01 cluster=EU code=0 outcome=success",
		"operation=logout device=SEP1CE6C79BAF1F user=\"\" cluster=EU code=0 outcome=success",
	} {
		if !strings.Contains(audits[i], want) || !strings.Contains(audits[i], "remote=127.0.0.1") || !strings.Contains(audits[i], " id=") {
			t.Errorf("audit %d = %s, want %s with id and remote", i, audits[i], want)
		}
	}
	if strings.Contains(logs, "1234") || strings.Contains(logs, "s3cret") {
		t.Error("a PIN or certificate reached the log")
	}
}

func TestOpsEndpoints(t *testing.T) {
	up := true
	dial := func(context.Context, string) error {
		if up {
			return nil
		}
		return errors.New("refused")
	}
	checker := health.NewChecker([]health.Target{{Cluster: "EU", Addrs: []string{"eu:80"}}, {Cluster: "US", Addrs: []string{"us:80"}}},
		health.Options{Dial: dial, CacheFor: 1})
	m := metrics.New(testBuild)
	h := New(connectorFor(t, nil, "", nil, m), Options{Health: checker, Metrics: m.Handler(), Build: testBuild})

	w := serve(h, "GET", "/healthz", "127.0.0.1:1", nil, "")
	if w.Code != 200 || w.Body.String() != "ok\n" {
		t.Errorf("/healthz = %d %q, want 200 ok", w.Code, w.Body.String())
	}
	w = serve(h, "GET", "/readyz", "127.0.0.1:1", nil, "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"ready"`) {
		t.Errorf("/readyz = %d %s, want 200 ready", w.Code, w.Body.String())
	}
	up = false
	w = serve(h, "GET", "/readyz", "127.0.0.1:1", nil, "")
	if w.Code != 503 || !strings.Contains(w.Body.String(), `"notReady":["EU","US"]`) {
		t.Errorf("/readyz = %d %s, want 503 naming EU and US", w.Code, w.Body.String())
	}
	w = serve(h, "POST", "/healthz", "127.0.0.1:1", nil, "")
	if w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" || !strings.Contains(w.Body.String(), "<code>405</code>") {
		t.Errorf("POST /healthz = %d %q", w.Code, w.Body.String())
	}
	serve(h, "GET", "/api/getversioninfo", "127.0.0.1:1", nil, "")
	w = serve(h, "GET", "/metrics", "127.0.0.1:1", nil, "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `bcservice_requests_total{code="0",op="getversioninfo",outcome="success"} 1`) {
		t.Errorf("/metrics = %d, lacks the getversioninfo count:\n%s", w.Code, w.Body.String())
	}
	// Only the refused POST /healthz counts (op none); the probes do not.
	if !strings.Contains(w.Body.String(), `bcservice_request_duration_seconds_count{op="none"} 1`) || strings.Contains(w.Body.String(), `op="ops"`) {
		t.Errorf("health probes or /metrics were counted as API requests:\n%s", w.Body.String())
	}
}

// testBuild is the build the tests give the handler.
const testBuild = "v1.2.3-test"

func TestVersionReportsAPIAndBuild(t *testing.T) {
	for _, tc := range []struct{ given, want string }{{testBuild, testBuild}, {"", "dev"}} {
		h := New(connectorFor(t, nil, "", nil, nil), Options{Build: tc.given})
		w := serve(h, "GET", "/api/getversioninfo", "127.0.0.1:1", nil, "")
		if !strings.Contains(w.Body.String(), "<appversion>1.4</appversion>") || w.Header().Get("X-BC-Build") != tc.want {
			t.Errorf("got %q with X-BC-Build %q; want appversion 1.4 and the build %q", w.Body.String(), w.Header().Get("X-BC-Build"), tc.want)
		}
	}
}

// Without a registry, /metrics is not served: the handler never makes one
// of its own.
func TestNoMetricsWithoutARegistry(t *testing.T) {
	h := New(connectorFor(t, nil, "", nil, nil), Options{})
	if w := serve(h, "GET", "/metrics", "127.0.0.1:1", nil, ""); w.Code != http.StatusNotFound {
		t.Errorf("/metrics without a registry: %d, want 404", w.Code)
	}
}

func TestListPayload(t *testing.T) {
	code := 19
	tests := []struct {
		name     string
		devices  []service.DeviceResult
		wantXML  string
		wantJSON string
	}{
		{"none", nil, "<code>0</code>", `"code":0`},
		{"empty", []service.DeviceResult{}, "<devices/><code>0</code>", `"devices":[],"code":0`},
		{"listed", []service.DeviceResult{{Device: "SEP1", Cluster: "EU"}, {Device: "SEP2", Cluster: "US", Code: code, Text: "No <user>"}},
			"<devices><device><deviceName>SEP1</deviceName><cluster>EU</cluster></device>" +
				"<device><deviceName>SEP2</deviceName><cluster>US</cluster><code>19</code><text>No &lt;user&gt;</text></device></devices><code>0</code>",
			`"devices":[{"deviceName":"SEP1","cluster":"EU"},{"deviceName":"SEP2","cluster":"US","code":19,"text":"No \u003cuser\u003e"}],"code":0`},
		// A cluster that could not be asked is an entry without a device: no
		// deviceName at all, not an empty one.
		{"cluster without device", []service.DeviceResult{{Cluster: "US", Code: 1002, Text: "down"}},
			"<devices><device><cluster>US</cluster><code>1002</code><text>down</text></device></devices>",
			`"devices":[{"cluster":"US","code":1002,"text":"down"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := service.Result{Op: service.OpLogout, Device: "SEP1", Devices: tt.devices, Text: "t"}
			if got := string(encodeResult(r)); !strings.Contains(got, tt.wantXML) {
				t.Errorf("XML %s, want it to contain %s", got, tt.wantXML)
			}
			if got := string(encodeJSON(r)); !strings.Contains(got, tt.wantJSON) {
				t.Errorf("JSON %s, want it to contain %s", got, tt.wantJSON)
			}
		})
	}
}

func TestFieldsRendered(t *testing.T) {
	r := service.Result{Op: service.OpLogin, Device: "SEP1", User: "U", HasUser: true, Text: "ok",
		Fields: []service.Field{{Name: "until", Value: "2026-12-01T11:30:00Z"}, {Name: "replaced", Value: "<X>"}}}
	wantXML := "<userID>U</userID><until>2026-12-01T11:30:00Z</until><replaced>&lt;X&gt;</replaced><code>0</code>"
	if got := string(encodeResult(r)); !strings.Contains(got, wantXML) {
		t.Errorf("XML %s, want %s", got, wantXML)
	}
	wantJSON := `{"deviceName":"SEP1","userID":"U","code":0,"text":"ok","until":"2026-12-01T11:30:00Z","replaced":"\u003cX\u003e"}`
	if got := string(encodeJSON(r)); got != wantJSON {
		t.Errorf("JSON %s, want %s", got, wantJSON)
	}
}

// A draining service is not ready, whatever CUCM's state, so that a load
// balancer takes it out before its listener closes.
func TestReadyzWhileDraining(t *testing.T) {
	checker := health.NewChecker([]health.Target{{Cluster: "EU", Addrs: []string{"eu:80"}}},
		health.Options{Dial: func(context.Context, string) error { return nil }, CacheFor: 1})
	draining := false
	m := metrics.New(testBuild)
	h := New(connectorFor(t, nil, "", nil, m), Options{Health: checker, Metrics: m.Handler(), Draining: func() bool { return draining }})
	for _, tc := range []struct {
		draining bool
		code     int
		status   string
	}{{false, 200, `"status":"ready"`}, {true, 503, `"status":"draining"`}} {
		draining = tc.draining
		w := serve(h, "GET", "/readyz", "127.0.0.1:1", nil, "")
		if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.status) {
			t.Errorf("draining=%v: /readyz = %d %s, want %d %s", tc.draining, w.Code, w.Body.String(), tc.code, tc.status)
		}
	}
}
