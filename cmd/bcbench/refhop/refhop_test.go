package refhop

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func goldenBC(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "golden", "bc", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// fakeEM answers every call with status and body and records the xml fields it received.
type fakeEM struct {
	status int
	body   string
	mu     sync.Mutex
	got    []string
}

func (f *fakeEM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.got = append(f.got, r.FormValue("xml"))
	f.mu.Unlock()
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

const app = `<appInfo><appID>bcapp</appID><appCertificate>s3cret</appCertificate></appInfo>`

func TestForwarder(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		emStatus int
		emBody   string
		wantEM   []string // the xml the EM server must receive, one per call
		want     string   // the whole answer
	}{
		{
			name: "getloggedinuser, user logged in", path: "/api/getloggedinuser/SEP001120F678E2/eu",
			emStatus: 200, emBody: `<response><deviceUserResults><device name="SEP001120F678E2"><userID>ALMUSER01</userID><lastlogin>ALMUSER01</lastlogin><emccDevice>no</emccDevice></device></deviceUserResults></response>`,
			wantEM: []string{`<query>` + app + `<deviceUserQuery><deviceName>SEP001120F678E2</deviceName></deviceUserQuery></query>`},
			want:   goldenBC(t, "getloggedinuser_success.xml"),
		},
		{
			name: "getloggedinuser, nobody", path: "/api/getloggedinuser/SEP1/EU",
			emStatus: 200, emBody: `<response><deviceUserResults><device name="SEP1"><none/></device></deviceUserResults></response>`,
			wantEM: []string{`<query>` + app + `<deviceUserQuery><deviceName>SEP1</deviceName></deviceUserQuery></query>`},
			want:   xmlHeader + `<response><result><deviceName>SEP1</deviceName><userID></userID><code>0</code><text>No user logged in on device SEP1</text></result></response>`,
		},
		{
			name: "login", path: "/api/login/SEP1CE6C79BAF1F/ALMUSER01/EU",
			emStatus: 200, emBody: `<response><success/></response>`,
			wantEM: []string{`<request>` + app + `<login><deviceName>SEP1CE6C79BAF1F</deviceName><userID>ALMUSER01</userID></login></request>`},
			want:   goldenBC(t, "login_success.xml"),
		},
		{
			name: "logout", path: "/api/logout/SEP1CE6C79BAF1F/EU",
			emStatus: 200, emBody: `<response><success/></response>`,
			wantEM: []string{`<request>` + app + `<logout><deviceName>SEP1CE6C79BAF1F</deviceName></logout></request>`},
			want:   goldenBC(t, "logout_success.xml"),
		},
		{
			name: "login refused by CUCM", path: "/api/login/SEP1/U1/EU",
			emStatus: 200, emBody: `<response><failure><error code="18">Another user logged in</error></failure></response>`,
			wantEM: []string{`<request>` + app + `<login><deviceName>SEP1</deviceName><userID>U1</userID></login></request>`},
			want:   xmlHeader + `<response><result><deviceName>SEP1</deviceName><userID>U1</userID><code>18</code><text>Another user logged in</text></result></response>`,
		},
		{
			name: "CUCM answers HTTP 500", path: "/api/logout/SEP1/EU",
			emStatus: 500, emBody: `oops`,
			wantEM: []string{`<request>` + app + `<logout><deviceName>SEP1</deviceName></logout></request>`},
			want:   xmlHeader + `<response><result><deviceName>SEP1</deviceName><code>1002</code><text>CUCM unreachable</text></result></response>`,
		},
		{
			name: "unknown cluster: no EM call", path: "/api/logout/SEP1/XX",
			want: xmlHeader + `<response><result><deviceName>SEP1</deviceName><code>1001</code><text>Cluster not found</text></result></response>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em := &fakeEM{status: tt.emStatus, body: tt.emBody}
			emSrv := httptest.NewServer(em)
			defer emSrv.Close()
			fw := httptest.NewServer(New(NewClient(time.Second), map[string]string{"eu": emSrv.URL + "/emservice/EMServiceServlet"}))
			defer fw.Close()
			form := url.Values{"xml": {`<request><appID>bcapp</appID><appCertificate>s3cret</appCertificate></request>`}}
			resp, err := http.PostForm(fw.URL+tt.path, form)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/xml; charset=utf-8" {
				t.Errorf("HTTP %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if string(body) != tt.want {
				t.Errorf("answer\n%s\nwant\n%s", body, tt.want)
			}
			if strings.Join(em.got, "\n") != strings.Join(tt.wantEM, "\n") {
				t.Errorf("EM received\n%q\nwant\n%q", em.got, tt.wantEM)
			}
		})
	}
}
