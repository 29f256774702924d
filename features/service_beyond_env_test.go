package features

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"gopkg.in/yaml.v3"
)

// The specs of what bcservice does beyond Business Connector 1.4 (cmd/bcservice/README.md, "API" and
// "Request options"): getuserdevices, logoutuser, the login options duration, force and
// deviceProfile, and clearing the call history on logout. They share one simulator and one
// service (EU default, every cluster, call history kept on logout); the scenarios whose
// configuration differs start their own service in their nested container. Each file adds
// one concept through a describe function.

var _ = Describe("bcservice beyond Business Connector 1.4", Ordered, ContinueOnFailure, func() {
	env := useAPIEnv()

	describeUserDevices(env)
	describeLogoutUser(env)
	describeLoginOptions(env)
	describeCallHistory(env)
	describeBeyondBadInput(env)
	describeBeyondJSON(env)
})

// demoCredsWith is the xml parameter with the demo credentials and option elements.
func demoCredsWith(options string) string {
	return "<request><appID>" + appID + "</appID><appCertificate>" + appCert + "</appCertificate>" + options + "</request>"
}

// --- the extended answer ---

// beyondResult is an answer that may carry the elements added beyond 1.4: the option
// fields (until, replaced, deviceLeftFree, callHistoryCleared) and the device list.
type beyondResult struct {
	DeviceName *string
	UserID     *string
	// Fields holds the option fields present, by element name.
	Fields map[string]string
	// Devices is nil without a <devices> element, empty for <devices/>. Each entry reads
	// "DEVICE@CLUSTER" and, when the entry has its own code, "DEVICE@CLUSTER: CODE TEXT";
	// an entry without a deviceName element starts with "@".
	Devices []string
	Code    int
	Text    string
}

// optionFields are the elements an answer may carry for the request options.
var optionFields = []string{"until", "replaced", "deviceLeftFree", "callHistoryCleared"}

// decodeBeyond parses an answer strictly: the documented declaration, one
// <response><result>, the known children only, each at most once.
func decodeBeyond(raw string) beyondResult {
	GinkgoHelper()
	Expect(raw).To(HavePrefix(xmlDecl), "answer must start with the documented XML declaration")
	type entry struct {
		DeviceName *string                      `xml:"deviceName"`
		Cluster    *string                      `xml:"cluster"`
		Code       *int                         `xml:"code"`
		Text       *string                      `xml:"text"`
		Other      []struct{ XMLName xml.Name } `xml:",any"`
	}
	var doc struct {
		XMLName xml.Name `xml:"response"`
		Result  struct {
			Elements []struct {
				XMLName xml.Name
				Value   string  `xml:",chardata"`
				Entries []entry `xml:"device"`
			} `xml:",any"`
		} `xml:"result"`
	}
	Expect(xml.Unmarshal([]byte(raw), &doc)).To(Succeed(), "decoding %q", raw)
	r := beyondResult{Fields: map[string]string{}, Code: -1}
	seen := map[string]bool{}
	for _, el := range doc.Result.Elements {
		name := el.XMLName.Local
		Expect(seen[name]).To(BeFalse(), "<%s> twice in %q", name, raw)
		seen[name] = true
		switch {
		case name == "deviceName":
			r.DeviceName = strPtr(el.Value)
		case name == "userID":
			r.UserID = strPtr(el.Value)
		case name == "code":
			n, err := strconv.Atoi(el.Value)
			Expect(err).NotTo(HaveOccurred(), "code in %q", raw)
			r.Code = n
		case name == "text":
			r.Text = el.Value
		case name == "devices":
			r.Devices = []string{}
			for _, e := range el.Entries {
				Expect(e.Other).To(BeEmpty(), "unexpected elements in a device entry of %q", raw)
				Expect(e.Cluster).NotTo(BeNil(), "device entry without cluster in %q", raw)
				s := "@" + *e.Cluster
				if e.DeviceName != nil {
					Expect(*e.DeviceName).NotTo(BeEmpty(), "empty deviceName element in %q", raw)
					s = *e.DeviceName + s
				}
				Expect(e.Code == nil).To(Equal(e.Text == nil), "an entry has both code and text, or neither: %q", raw)
				if e.Code != nil {
					s += ": " + strconv.Itoa(*e.Code) + " " + *e.Text
				}
				r.Devices = append(r.Devices, s)
			}
		case slices.Contains(optionFields, name):
			r.Fields[name] = el.Value
		default:
			Fail("unexpected element <" + name + "> in " + raw)
		}
	}
	Expect(seen["code"] && seen["text"]).To(BeTrue(), "no <code> or <text> in %q", raw)
	return r
}

// call posts to an API path with the demo credentials and option elements (XML text put
// beside appID and appCertificate) and decodes the answer (HTTP 200, XML).
func (e *apiEnv) call(path, options string) beyondResult {
	GinkgoHelper()
	resp := e.svc.API().POST(path).WithFormField("xml", demoCredsWith(options)).Expect()
	resp.Status(http.StatusOK)
	resp.Header("Content-Type").IsEqual("text/xml; charset=utf-8")
	return decodeBeyond(resp.Body().Raw())
}

// callJSON is call with Accept: application/json; it returns the decoded object.
func (e *apiEnv) callJSON(path, options string) map[string]any {
	GinkgoHelper()
	resp := e.svc.API().POST(path).WithHeader("Accept", "application/json").
		WithFormField("xml", demoCredsWith(options)).Expect()
	resp.Status(http.StatusOK)
	resp.Header("Content-Type").IsEqual("application/json; charset=utf-8")
	var out map[string]any
	Expect(json.Unmarshal([]byte(resp.Body().Raw()), &out)).To(Succeed())
	return out
}

// --- the simulator's request log ---

// sent lists "operation device user" for each logged request of a cluster, leaving out the
// operations not named, so a spec can state what reached CUCM and in which order.
func sent(records []RequestRecord, operations ...string) []string {
	out := []string{}
	for _, r := range records {
		if len(operations) > 0 && !slices.Contains(operations, r.Operation) {
			continue
		}
		parts := []string{r.Operation}
		for _, v := range []string{r.Device, r.User} {
			if v != "" {
				parts = append(parts, v)
			}
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// nothingSentToCUCM asserts that no cluster of the simulator saw a request.
func nothingSentToCUCM(sim *Sim) {
	GinkgoHelper()
	for _, c := range []string{"EU", "US", "LAB"} {
		Expect(sim.Requests(c)).To(BeEmpty(), "requests to cluster %s", c)
	}
}

// --- services of other shapes ---

// addSimCluster appends to the service config at path a cluster named code whose nodes are
// those of cluster simCluster of sim, so one service can front two simulators (two CUCM
// clusters that each home the same user IDs).
func addSimCluster(path, code string, sim *Sim, simCluster string) {
	GinkgoHelper()
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var cfg map[string]any
	Expect(yaml.Unmarshal(data, &cfg)).To(Succeed())
	var nodes, axl []string
	for _, n := range sim.Nodes(simCluster) {
		nodes = append(nodes, sim.EMServiceURL(simCluster, n))
		axl = append(axl, sim.NodeURL(simCluster, n)+axlPath)
	}
	cfg["clusters"] = append(cfg["clusters"].([]any), map[string]any{
		"code": code, "nodes": nodes, "axl": axl, "timeout": apiNodeTimeout.String(),
	})
	data, err = yaml.Marshal(cfg)
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(path, data, 0o600)).To(Succeed())
}

// closedURL is an http URL on a loopback port nobody listens on (it was free a moment ago).
func closedURL(path string) string {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	addr := l.Addr().String()
	Expect(l.Close()).To(Succeed())
	return "http://" + addr + path
}

// withKeys returns apiClusterTuning with keys added.
func withKeys(keys map[string]any) map[string]any {
	out := apiClusterTuning()
	for k, v := range keys {
		out[k] = v
	}
	return out
}

// postPathBeyond posts to a path exactly as written (percent-escapes and dot segments kept;
// httpexpect would escape a '%' again) with the demo credentials and options, and decodes
// the answer (HTTP 200, XML).
func (e *apiEnv) postPathBeyond(path string, options ...string) beyondResult {
	GinkgoHelper()
	form := url.Values{"xml": {demoCredsWith(strings.Join(options, ""))}}.Encode()
	req, err := http.NewRequest(http.MethodPost, e.svc.BaseURL()+path, strings.NewReader(form))
	Expect(err).NotTo(HaveOccurred(), "path %q", path)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := apiHTTPClient().Do(req)
	Expect(err).NotTo(HaveOccurred(), "POST %s", path)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.StatusCode).To(Equal(http.StatusOK), "POST %s answered %s", path, body)
	Expect(resp.Header.Get("Content-Type")).To(Equal("text/xml; charset=utf-8"))
	return decodeBeyond(string(body))
}
