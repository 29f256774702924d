package cucmsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// rawCall sends a control API request with a raw body and returns status and body.
func (h *harness) rawCall(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, h.admin+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (h *harness) scenario(t *testing.T) string {
	t.Helper()
	code, body := h.rawCall(t, "GET", "/v1/scenario", "")
	if code != http.StatusOK {
		t.Fatalf("GET /v1/scenario: %d %s", code, body)
	}
	return body
}

// explore puts the simulator in a state that touches every part of a scenario.
func (h *harness) explore(t *testing.T) {
	t.Helper()
	for _, f := range []FaultSpec{
		{Operation: "login", Device: "SEP001120F678E2", Count: 3, EMCode: new(25)},
		{Node: "eu-sub1", Latency: "2s", HTTPStatus: 503, Probability: 0.5},
	} {
		if code := h.call(t, "POST", "/v1/clusters/EU/faults", f, nil); code != http.StatusCreated {
			t.Fatalf("add fault: %d", code)
		}
	}
	h.em(t, "EU/eu-pub", loginXML("SEP001120F678E2", "EUUSER02")) // uses one hit of the counted fault
	h.em(t, "EU/eu-pub", loginXML("SEP1CE6C79BAF1F", "ALMUSER01"))
	h.em(t, "EU/eu-pub", logoutXML("SEP1CE6C79BAF1F")) // leaves a last login
	for path, body := range map[string]any{
		"/v1/clusters/EU/logins/SEP402CF4915265":              map[string]any{"user": "euuser02", "profile": "udp-euuser02-7970", "minutes": 90},
		"/v1/clusters/EU/logins/SEPDDDDDDDDDDDD":              map[string]any{"user": "USROAM01"},
		"/v1/clusters/EU/devices/SEP003094C25B15/callHistory": map[string]any{"entries": 40},
		"/v1/clusters/US/devices/SEPA00000000001/callHistory": map[string]any{"entries": 0},
		"/v1/clusters/LAB/nodes/lab-pub/down":                 nil,
		"/v1/clusters/US/faults":                              FaultSpec{Drop: true, After: true},
		"/v1/clusters/EU/devices/SEP1CE6C79BAF1F/callHistory": map[string]any{"entries": 12},
		"/v1/clusters/US/logins/SEPA00000000002":              map[string]any{"user": "USUSER02"},
	} {
		method := "PUT"
		if strings.HasSuffix(path, "/down") || strings.HasSuffix(path, "/faults") {
			method = "POST"
		}
		if code := h.call(t, method, path, body, nil); code/100 != 2 {
			t.Fatalf("%s %s: %d", method, path, code)
		}
	}
	h.call(t, "POST", "/v1/clock", clockJSON{Advance: "25m"}, nil)
}

func TestScenarioRoundTrip(t *testing.T) {
	h := newHarness(t)
	empty := h.scenario(t)
	h.explore(t)
	doc := h.scenario(t)
	for _, want := range []string{`"clockOffset":"25m0s"`, `"hits":1`, `"remaining":2`, `{"name":"lab-pub","up":false}`,
		`"lastLogins":{"SEP1CE6C79BAF1F":"ALMUSER01","SEP402CF4915265":"EUUSER02","SEPDDDDDDDDDDDD":"USROAM01"}`,
		`"profile":"UDP-EUUSER02-7970"`, `"emcc":true`, `"expires":`, `"SEP003094C25B15":40`} {
		if !strings.Contains(doc, want) {
			t.Errorf("scenario lacks %s:\n%s", want, doc)
		}
	}
	h.call(t, "POST", "/v1/reset", nil, nil)
	if got := h.scenario(t); got != empty {
		t.Fatalf("after reset:\n%s\nwant\n%s", got, empty)
	}
	if code, body := h.rawCall(t, "PUT", "/v1/scenario", doc); code != http.StatusNoContent {
		t.Fatalf("PUT: %d %s", code, body)
	}
	if got := h.scenario(t); got != doc {
		t.Fatalf("round trip:\n%s\nwant\n%s", got, doc)
	}
	// The restored state behaves: the node is down, the counted fault has its hits left, a
	// new fault numbers on from the restored ones.
	if code, _ := h.em(t, "LAB/lab-pub", logoutXML("SEP1CE6C79BAF1F")); code != 0 {
		t.Errorf("LAB node answered %d while down", code)
	}
	if _, body := h.em(t, "EU/eu-pub", loginXML("SEP001120F678E2", "EUUSER03")); !strings.Contains(body, `code="25"`) {
		t.Errorf("counted fault not restored: %s", body)
	}
	var id map[string]string
	h.call(t, "POST", "/v1/clusters/EU/faults", FaultSpec{Drop: true}, &id)
	if id["id"] != "f4" {
		t.Errorf("new fault id = %s, want f4", id["id"])
	}
	// PUT replaces: an empty document is the reset state (the request log aside).
	if code, body := h.rawCall(t, "PUT", "/v1/scenario", `{}`); code != http.StatusNoContent || h.scenario(t) != empty {
		t.Errorf("PUT {}: %d %s\n%s", code, body, h.scenario(t))
	}
}

func TestScenarioRefusesBadDocuments(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"not JSON", `{"clusters":`, []string{"scenario: want an object: unexpected end of JSON input"}},
		{"null", `null`, []string{"scenario: want an object, got null"}},
		{"unknown top-level key", `{"clock":"1h"}`, []string{`scenario: unknown key "clock" (want clockOffset, clusters)`}},
		{"bad clock", `{"clockOffset":"-5m"}`, []string{`clockOffset: want a non-negative duration such as 90m, got "-5m"`}},
		{"unknown cluster and a cluster without code", `{"clusters":[{"code":"XX"},{}]}`,
			[]string{`clusters[0].code: unknown cluster "XX"`, `clusters[1].code: missing`}},
		{"cluster twice", `{"clusters":[{"code":"EU"},{"code":"eu"}]}`, []string{`clusters[1].code: cluster EU listed twice`}},
		{"nested unknown keys", `{"clusters":[{"code":"EU","colour":1,"nodes":[{"name":"eu-pub","up":true,"x":1}],` +
			`"logins":[{"device":"SEP1CE6C79BAF1F","user":"ALMUSER01","pin":"1234"}],"faults":[{"drop":true,"retries":1}]}]}`, []string{
			`clusters[0]: unknown key "colour" (want code, nodes, faults, logins, lastLogins, callHistories)`,
			`clusters[EU].nodes[0]: unknown key "x" (want name, up)`,
			`clusters[EU].faults[0]: unknown key "retries" (want ` + strings.Join(faultKeys, ", ") + `)`,
			`clusters[EU].logins[0]: unknown key "pin" (want device, user, profile, since, expires, emcc)`,
		}},
		{"unknown names everywhere", `{"clusters":[{"code":"EU","nodes":[{"name":"eu-x","up":false}],` +
			`"logins":[{"device":"SEPNOPE","user":"NOBODY"},{"device":"SEP1CE6C79BAF1F","user":"ALMUSER01","profile":"UDP-NOPE"},` +
			`{"device":"SEP1CE6C79BAF1F","user":"USROAM01","emcc":false,"since":"yesterday"}],` +
			`"lastLogins":{"SEPNOPE2":"ALMUSER01","SEP1CE6C79BAF1F":"NOBODY"},"callHistories":{"SEPNOPE3":1,"SEP003094C25B15":10001}}]}`, []string{
			`clusters[EU].nodes[0].name: unknown node "eu-x"`,
			`clusters[EU].logins[2].since: want an RFC 3339 time such as 2026-01-02T15:04:05Z, got "yesterday"`,
			`clusters[EU].logins[0].device: unknown device "SEPNOPE"`,
			`clusters[EU].logins[0].user: unknown user "NOBODY"`,
			`clusters[EU].logins[1].profile: unknown profile "UDP-NOPE" for user "ALMUSER01"`,
			`clusters[EU].lastLogins.SEP1CE6C79BAF1F: unknown user "NOBODY"`,
			`clusters[EU].lastLogins.SEPNOPE2: unknown device "SEPNOPE2"`,
			`clusters[EU].callHistories.SEP003094C25B15: must be 0..10000`,
			`clusters[EU].callHistories.SEPNOPE3: unknown device "SEPNOPE3"`,
		}},
		{"logins: duplicate device, wrong emcc, expiry before since, missing user", `{"clusters":[{"code":"EU","logins":[` +
			`{"device":"SEP1CE6C79BAF1F","user":"ALMUSER01"},{"device":"sep1ce6c79baf1f","user":"USROAM01","emcc":false},` +
			`{"device":"SEP003094C25B15","user":"ALMUSER01","since":"2026-01-02T10:00:00Z","expires":"2026-01-02T09:00:00Z"},{"device":"SEP003094C25B49"},` +
			`{"device":"SEP003094C25B49","user":"EUNOPROF"}]}]}`, []string{
			`clusters[EU].logins[3].user: missing`,
			`clusters[EU].logins[1].device: device "sep1ce6c79baf1f" already logged in by logins[0]`,
			`clusters[EU].logins[1].emcc: must be true: user "USROAM01" is homed in cluster US`,
			`clusters[EU].logins[2].expires: must be after since`,
			`clusters[EU].logins[4].profile: missing: user "EUNOPROF" has no profile`,
		}},
		{"malformed faults", `{"clusters":[{"code":"US","faults":[{"drop":true,"emCode":1},{"id":"x1","drop":true},` +
			`{"id":"f1","drop":true},{"id":"f1","latency":"1s"},{"drop":true,"remaining":1},{"drop":true,"count":2,"remaining":3,"hits":-1},null,{"count":"two"}]}]}`, []string{
			`clusters[US].faults[0]: at most one of emCode, httpStatus, drop, body (latency combines with any)`,
			`clusters[US].faults[1].id: want f followed by a positive number, got "x1"`,
			`clusters[US].faults[3].id: f1 already used by clusters[US].faults[2]`,
			`clusters[US].faults[4].remaining: only a counted fault (count > 0) has remaining hits`,
			`clusters[US].faults[5].hits: must be >= 0`,
			`clusters[US].faults[5].remaining: must be 0..count (2)`,
			`clusters[US].faults[6]: want an object, got null`,
			`clusters[US].faults[7]: count: a JSON string is not allowed here`,
		}},
		{"wrong types", `{"clockOffset":5,"clusters":{"code":"EU"}}`, []string{
			`clockOffset: a JSON number is not allowed here`, `clusters: want an array: a JSON object is not allowed here`}},
	}
	h := newHarness(t)
	h.explore(t)
	before := h.scenario(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := h.rawCall(t, "PUT", "/v1/scenario", tt.doc)
			var got problemsJSON
			if err := json.Unmarshal([]byte(body), &got); err != nil || code != http.StatusBadRequest {
				t.Fatalf("%d %s", code, body)
			}
			if !slices.Equal(got.Problems, tt.want) {
				t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got.Problems, "\n"), strings.Join(tt.want, "\n"))
			}
			if after := h.scenario(t); after != before {
				t.Errorf("a refused scenario changed the state:\n%s\nwas\n%s", after, before)
			}
		})
	}
}

func TestSetRuntimeKeepsIndexes(t *testing.T) {
	m, clock := newDemoModel(t)
	eu := cluster(t, m, "EU")
	st, problems := eu.CheckRuntime(RuntimeState{Logins: []LoginSeed{
		{Device: "sep1ce6c79baf1f", User: "almuser01"},
		{Device: "SEP003094C25B15", User: "ALMUSER01", Expires: clock.Now().Add(time.Hour)},
	}})
	if problems != nil {
		t.Fatal(problems)
	}
	eu.SetRuntime(st)
	eu.mu.Lock()
	got := slices.Clone(eu.byUser["ALMUSER01"])
	eu.mu.Unlock()
	if want := []string{"SEP003094C25B15", "SEP1CE6C79BAF1F"}; !slices.Equal(got, want) {
		t.Errorf("devices of ALMUSER01 = %v, want %v (configured spellings, sorted)", got, want)
	}
	clock.Add(2 * time.Hour)
	if logins := eu.Logins(); len(logins) != 1 || logins[0].Device != "SEP1CE6C79BAF1F" {
		t.Errorf("after the expiry: %+v", logins)
	}
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(eu.Runtime().LastLogins)
	if buf.String() != `{"SEP003094C25B15":"ALMUSER01","SEP1CE6C79BAF1F":"ALMUSER01"}`+"\n" {
		t.Errorf("last logins = %s", buf.String())
	}
}

func TestScenarioNumbersFaultsWithoutID(t *testing.T) {
	h := newHarness(t)
	doc := `{"clusters":[{"code":"EU","faults":[{"drop":true},{"id":"f2","drop":true}]},{"code":"US","faults":[{"id":"f1","drop":true},{"latency":"1s"}]}]}`
	if code, body := h.rawCall(t, "PUT", "/v1/scenario", doc); code != http.StatusNoContent {
		t.Fatalf("PUT: %d %s", code, body)
	}
	var ids []string
	for _, c := range []string{"EU", "US"} {
		var faults []FaultInfo
		h.call(t, "GET", "/v1/clusters/"+c+"/faults", nil, &faults)
		for _, f := range faults {
			ids = append(ids, f.ID)
		}
	}
	if want := []string{"f3", "f2", "f1", "f4"}; !slices.Equal(ids, want) {
		t.Errorf("fault IDs = %v, want %v (listed ones kept, the others after the highest)", ids, want)
	}
}
