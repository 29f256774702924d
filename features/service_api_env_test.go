package features

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The Business Connector API suite (features/service_api_*_test.go) runs every spec against
// ONE simulator and ONE service process started in the container below; only the scenarios
// whose configuration must differ (device search without a default cluster, a one-slot
// queue) start a second service for their nested container. Each file adds one concept
// (an endpoint, routing, roaming, failover, …) through a describe function.

// Credentials and the xml parameter of the demo topology's service account.
const (
	demoCredsXML = "<request><appID>" + appID + "</appID><appCertificate>" + appCert + "</appCertificate></request>"
	xmlDecl      = "<?xml version='1.0' encoding='UTF-8'?>\n"
)

// Timing of the shared service. A short per-attempt timeout keeps the slow-node specs fast,
// yet every other attempt must not meet it while the whole suite loads the machine under
// -race: 1 s, hundreds of times what an attempt takes. The request deadline bounds the busy
// retries of a CUCM that keeps answering 26, and must outlast a login held 3 s in a
// simulator's only slot (holdLatency) by as much again.
const (
	apiNodeTimeout    = time.Second
	apiRequestTimeout = 6 * time.Second
	// slowLatency is an injected CUCM delay well past apiNodeTimeout.
	slowLatency = "3s"
)

// apiEnv is what the API specs share: the simulator and the service in front of it. svc is
// set by the container's BeforeAll, so specs read it only inside their nodes.
type apiEnv struct {
	sim *Sim
	svc *Service
}

// useAPIEnv registers, in the enclosing Ordered container, the demo simulator and one
// service in front of it (EU default, every cluster, the API specs' short timeouts and
// cluster tuning).
func useAPIEnv() *apiEnv {
	sim := UseSim(demoTopology)
	env := &apiEnv{sim: sim}
	BeforeAll(func() {
		env.svc = newTunedService(sim, ServiceOptions{Timeout: apiNodeTimeout, RequestTimeout: apiRequestTimeout}, apiClusterTuning())
	})
	return env
}

var _ = Describe("the Business Connector API", Ordered, ContinueOnFailure, func() {
	env := useAPIEnv()

	describeVersionInfo(env)
	describeLogin(env)
	describeLogout(env)
	describeLoggedInUser(env)
	describeRequestXML(env)
	describeRoutes(env)
	describeClusterRouting(env)
	describeRoaming(env)
	describeFailover(env)
	describeBusy(env)
	describeCUCMCodes(env)
})

// apiClusterTuning are cluster keys of the shared service. The circuit breaker is kept out
// of the way (a node downed in one spec must not reorder the nodes of the next spec: the
// breaker is the robustness suite's subject, not this one's), and busy retries are quick.
func apiClusterTuning() map[string]any {
	return map[string]any{
		"breakerFailures": 1000,
		"busyRetryBase":   "20ms",
		"busyRetryMax":    "100ms",
	}
}

// --- the Business Connector result ---

// bcResult is one API answer: <response><result>…</result></response>. DeviceName and UserID
// are pointers because their presence is part of the contract (userID only for login and
// getloggedinuser; deviceName absent for an unknown route).
type bcResult struct {
	DeviceName *string
	UserID     *string
	Code       int
	Text       string
}

// String shows a result the way the XML reads, for failure messages.
func (r bcResult) String() string {
	var b strings.Builder
	if r.DeviceName != nil {
		b.WriteString("deviceName=" + *r.DeviceName + " ")
	}
	if r.UserID != nil {
		b.WriteString("userID=" + *r.UserID + " ")
	}
	b.WriteString("code=" + strconv.Itoa(r.Code) + " text=" + r.Text)
	return b.String()
}

func strPtr(s string) *string { return &s }

// loginResult is the expected answer of a login: deviceName, userID, code, text.
func loginResult(device, user string, code int, text string) bcResult {
	return bcResult{DeviceName: strPtr(device), UserID: strPtr(user), Code: code, Text: text}
}

// logoutResult is the expected answer of a logout: deviceName, code, text (no userID).
func logoutResult(device string, code int, text string) bcResult {
	return bcResult{DeviceName: strPtr(device), Code: code, Text: text}
}

// whoResult is the expected answer of getloggedinuser; user "" is the empty <userID/>.
func whoResult(device, user string, code int, text string) bcResult {
	return bcResult{DeviceName: strPtr(device), UserID: strPtr(user), Code: code, Text: text}
}

// decodeResult parses a Business Connector answer strictly: the XML declaration of the
// documentation, one <response><result>, known children only.
func decodeResult(raw string) bcResult {
	GinkgoHelper()
	Expect(raw).To(HavePrefix(xmlDecl), "answer must start with the documented XML declaration")
	var doc struct {
		XMLName xml.Name `xml:"response"`
		Result  struct {
			DeviceName *string `xml:"deviceName"`
			UserID     *string `xml:"userID"`
			Code       *int    `xml:"code"`
			Text       *string `xml:"text"`
			Other      []struct {
				XMLName xml.Name
			} `xml:",any"`
		} `xml:"result"`
	}
	Expect(xml.Unmarshal([]byte(raw), &doc)).To(Succeed(), "decoding %q", raw)
	Expect(doc.Result.Other).To(BeEmpty(), "unexpected elements in %q", raw)
	Expect(doc.Result.Code).NotTo(BeNil(), "no <code> in %q", raw)
	Expect(doc.Result.Text).NotTo(BeNil(), "no <text> in %q", raw)
	return bcResult{DeviceName: doc.Result.DeviceName, UserID: doc.Result.UserID, Code: *doc.Result.Code, Text: *doc.Result.Text}
}

// expectXMLAnswer checks the transport side of an answer (status, XML content type) and
// decodes it.
func expectXMLAnswer(resp *httpexpect.Response, status int) bcResult {
	GinkgoHelper()
	resp.Status(status)
	resp.Header("Content-Type").IsEqual("text/xml; charset=utf-8")
	return decodeResult(resp.Body().Raw())
}

// post calls an API path with the demo credentials as the form field xml and expects an
// application answer (HTTP 200).
func (e *apiEnv) post(path string) bcResult {
	GinkgoHelper()
	return e.postXML(path, demoCredsXML)
}

// postXML calls an API path with xmlParam as the form field xml (HTTP 200 expected).
func (e *apiEnv) postXML(path, xmlParam string) bcResult {
	GinkgoHelper()
	return expectXMLAnswer(e.svc.API().POST(path).WithFormField("xml", xmlParam).Expect(), http.StatusOK)
}

// postRaw calls an API path with the demo credentials and returns the exact body (for the
// golden answers of the documentation).
func (e *apiEnv) postRaw(path string) string {
	GinkgoHelper()
	resp := e.svc.API().POST(path).WithFormField("xml", demoCredsXML).Expect()
	resp.Status(http.StatusOK)
	resp.Header("Content-Type").IsEqual("text/xml; charset=utf-8")
	return resp.Body().Raw()
}

// postPath posts to a path exactly as written, percent-escapes included (httpexpect would
// escape a '%' again), with xmlParam as the form field xml unless it is empty. It checks
// the transport contract for status and decodes the answer.
func (e *apiEnv) postPath(path, xmlParam string, status int) bcResult {
	GinkgoHelper()
	form := ""
	if xmlParam != "" {
		form = url.Values{"xml": {xmlParam}}.Encode()
	}
	req, err := http.NewRequest(http.MethodPost, e.svc.BaseURL()+path, strings.NewReader(form))
	Expect(err).NotTo(HaveOccurred(), "path %q", path)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := apiHTTPClient().Do(req)
	Expect(err).NotTo(HaveOccurred(), "POST %s", path)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.StatusCode).To(Equal(status), "POST %s answered %s", path, body)
	Expect(resp.Header.Get("Content-Type")).To(Equal("text/xml; charset=utf-8"))
	return decodeResult(string(body))
}

// goldenBC reads a golden Business Connector answer (testdata/golden/bc), byte for byte.
func goldenBC(name string) string {
	GinkgoHelper()
	data, err := os.ReadFile(repoPath("testdata/golden/bc/" + name))
	Expect(err).NotTo(HaveOccurred())
	return string(data)
}

// --- the simulator's request log ---

// ops lists "node operation" for each logged request of a cluster, in order, leaving out
// the operations not named (empty = all), so a spec can state which node served what.
func ops(records []RequestRecord, operations ...string) []string {
	var out []string
	for _, r := range records {
		if len(operations) > 0 && !slices.Contains(operations, r.Operation) {
			continue
		}
		out = append(out, r.Node+" "+r.Operation)
	}
	return out
}

// countOp counts the logged requests of one operation.
// countOpOn counts the records of operation for device (the simulator's spelling).
func countOpOn(records []RequestRecord, operation, device string) int {
	n := 0
	for _, r := range records {
		if r.Operation == operation && r.Device == device {
			n++
		}
	}
	return n
}

func countOp(records []RequestRecord, operation string) int {
	n := 0
	for _, r := range records {
		if r.Operation == operation {
			n++
		}
	}
	return n
}

// faultHits is how often a fault matched so far (GET /v1/clusters/{code}/faults), so a spec
// can wait until a request is held inside the simulator.
func faultHits(sim *Sim, cluster, id string) int {
	GinkgoHelper()
	for _, f := range sim.Faults(cluster) {
		if f["id"] == id {
			hits, _ := f["hits"].(float64)
			return int(hits)
		}
	}
	return 0
}
