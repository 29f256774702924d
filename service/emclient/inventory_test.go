package emclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

func TestDecodeListPhoneGolden(t *testing.T) {
	names, err := decodeListPhone([]byte(axlGolden(t, "listphone_response.xml")))
	if err != nil || !reflect.DeepEqual(names, []string{"SEPHD0000000001", "SEPHD0000000002"}) {
		t.Errorf("response: %v, %v", names, err)
	}
	names, err = decodeListPhone([]byte(axlGolden(t, "listphone_empty_response.xml")))
	if err != nil || len(names) != 0 {
		t.Errorf("empty: %v, %v", names, err)
	}
	ans, err := decodeSOAP([]byte(axlGolden(t, "listphone_parse_fault.xml")), decodeListPhone)
	if err != nil || !ans.isFault || !strings.Contains(ans.fault, "searchCriteria") {
		t.Errorf("fault: %+v, %v", ans, err)
	}
	if _, err := decodeListPhone([]byte("<x/>")); err == nil {
		t.Error("garbage accepted")
	}
}

func TestEncodeListPhoneAsGolden(t *testing.T) {
	got := EncodeListPhone("SEPHD%", 0, 2)
	golden := regexp.MustCompile(`>\s+<`).ReplaceAllString(axlGolden(t, "listphone_request.xml"), "><")
	// The golden request also asks for the model; the service asks for names only.
	for _, want := range []string{"<searchCriteria><name>SEPHD%</name></searchCriteria>", "<skip>0</skip><first>2</first>"} {
		if !strings.Contains(got, want) || !strings.Contains(golden, want) {
			t.Errorf("request or golden lacks %s: %s", want, got)
		}
	}
	if !strings.Contains(got, "<ns:listPhone><searchCriteria>") || !strings.Contains(got, "<returnedTags><name/></returnedTags>") {
		t.Errorf("request shape: %s", got)
	}
	if got := EncodeListPhone("A&B", 1, 1); !strings.Contains(got, "<name>A&amp;B</name>") {
		t.Errorf("not escaped: %s", got)
	}
}

// inventoryServer serves listPhone over phones (pages as asked) on /axl/
// and deviceUserQuery on the EM path, with users[device] logged in.
type inventoryServer struct {
	mu      sync.Mutex
	phones  []string
	users   map[string]string
	pages   []string // "skip/first" of each listPhone
	batches [][]string
}

var (
	skipRE  = regexp.MustCompile(`<skip>(\d+)</skip>`)
	firstRE = regexp.MustCompile(`<first>(\d+)</first>`)
	devRE   = regexp.MustCompile(`<deviceName>([^<]*)</deviceName>`)
)

func (s *inventoryServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, _ := io.ReadAll(r.Body)
	if strings.HasPrefix(r.URL.Path, "/axl/") {
		skip, _ := strconv.Atoi(skipRE.FindStringSubmatch(string(b))[1])
		first, _ := strconv.Atoi(firstRE.FindStringSubmatch(string(b))[1])
		s.pages = append(s.pages, fmt.Sprintf("%d/%d", skip, first))
		var rows strings.Builder
		for i := skip; i < len(s.phones) && i < skip+first; i++ {
			fmt.Fprintf(&rows, `<phone uuid="{%d}"><name>%s</name></phone>`, i, s.phones[i])
		}
		fmt.Fprintf(w, `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:listPhoneResponse xmlns:ns="x"><return>%s</return></ns:listPhoneResponse></soapenv:Body></soapenv:Envelope>`, rows.String())
		return
	}
	form, _ := url.ParseQuery(string(b))
	var names []string
	var out strings.Builder
	for _, m := range devRE.FindAllStringSubmatch(form.Get("xml"), -1) {
		names = append(names, m[1])
		if u := s.users[m[1]]; u != "" {
			fmt.Fprintf(&out, "<device name=%q><userID>%s</userID><lastlogin>%s</lastlogin><emccDevice>no</emccDevice></device>", m[1], u, u)
		} else if strings.HasPrefix(m[1], "GONE") {
			fmt.Fprintf(&out, "<device name=%q><doesNotExist/></device>", m[1])
		} else {
			fmt.Fprintf(&out, "<device name=%q><none/><none/><emccDevice>no</emccDevice></device>", m[1])
		}
	}
	s.batches = append(s.batches, names)
	fmt.Fprintf(w, "<response><deviceUserResults>%s</deviceUserResults></response>", out.String())
}

func inventoryClient(t *testing.T, s *inventoryServer) *Client {
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cfg := DefaultConfig("EU", srv.URL+"/emservice/EMServiceServlet")
	cfg.AXL = []string{srv.URL + "/axl/"}
	cl, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func TestListDevicesPages(t *testing.T) {
	tests := []struct {
		phones, pageSize int
		wantPages        []string
	}{
		{0, 3, []string{"0/3"}},
		{2, 3, []string{"0/3"}},
		{3, 3, []string{"0/3", "3/3"}},
		{7, 3, []string{"0/3", "3/3", "6/3"}},
		{7, 0, []string{"0/500"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d phones by %d", tt.phones, tt.pageSize), func(t *testing.T) {
			s := &inventoryServer{}
			for i := range tt.phones {
				s.phones = append(s.phones, fmt.Sprintf("SEPHD%03d", i))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := inventoryClient(t, s).ListDevices(ctx, cred, "SEPHD%", tt.pageSize)
			if err != nil || len(got) != tt.phones || (tt.phones > 0 && !reflect.DeepEqual(got, s.phones)) {
				t.Errorf("got %v, %v", got, err)
			}
			if !reflect.DeepEqual(s.pages, tt.wantPages) {
				t.Errorf("pages %v, want %v", s.pages, tt.wantPages)
			}
		})
	}
}

func TestListDevicesFault(t *testing.T) {
	srv, _, _ := axlServer(t, 500, axlGolden(t, "listphone_parse_fault.xml"))
	cfg := DefaultConfig("EU", srv.URL+"/emservice/EMServiceServlet")
	cfg.AXL = []string{srv.URL + "/axl/"}
	cl, _ := New(cfg, Options{})
	_, err := cl.ListDevices(context.Background(), cred, "%", 10)
	if service.ErrorCode(err) != service.CodeCUCMUnknownError || !strings.Contains(err.Error(), "searchCriteria") {
		t.Errorf("err = %v", err)
	}
}

func TestDeviceUsersBatches(t *testing.T) {
	s := &inventoryServer{users: map[string]string{"D2": "alice", "D5": "bob"}}
	devices := []string{"D1", "D2", "D3", "D4", "D5", "GONE6", "D7"}
	got, err := inventoryClient(t, s).DeviceUsers(context.Background(), cred, devices, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []service.DeviceStatus{{Exists: true}, {Exists: true, User: "alice"}, {Exists: true}, {Exists: true}, {Exists: true, User: "bob"}, {}, {Exists: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	if !reflect.DeepEqual(s.batches, [][]string{{"D1", "D2", "D3"}, {"D4", "D5", "GONE6"}, {"D7"}}) {
		t.Errorf("batches %v", s.batches)
	}
}
