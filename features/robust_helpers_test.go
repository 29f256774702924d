package features

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// Helpers of the robustness suites (robust_*_test.go). Every name starts with "rb" so that
// they never collide with the helpers of the other feature files of the package.

// rbVersionXML is the documented getversioninfo answer, the liveness probe after every case.
const rbVersionXML = "<?xml version='1.0' encoding='UTF-8'?>\n<result><appversion>1.4</appversion><appname>Business Connector</appname></result>"

// rbIOTimeout bounds one raw exchange with the service: an answer that takes longer counts
// as a hang.
const rbIOTimeout = 10 * time.Second

// rbCreds is the `xml` parameter with the given appID and appCertificate (not escaped: the
// cases that need odd content build their XML themselves).
func rbCreds(id, cert string) string {
	return "<request><appID>" + id + "</appID><appCertificate>" + cert + "</appCertificate></request>"
}

// rbGoodCreds are the demo topology's service credentials.
func rbGoodCreds() string { return rbCreds(appID, appCert) }

// rbResult is the <result> of a Business Connector answer. DeviceName and UserID are
// pointers: their presence is part of the contract.
type rbResult struct {
	DeviceName *string `xml:"deviceName"`
	UserID     *string `xml:"userID"`
	Code       *int    `xml:"code"`
	Text       string  `xml:"text"`
}

// rbAnswer is one HTTP answer of the service as the robustness specs look at it.
type rbAnswer struct {
	Status  int
	Header  http.Header
	Body    string
	Elapsed time.Duration
}

// Result decodes the Business Connector result shape; ok is false when the body is not that
// shape (e.g. Go's own plain-text 431).
func (a rbAnswer) Result() (rbResult, bool) {
	var doc struct {
		XMLName xml.Name `xml:"response"`
		Result  rbResult `xml:"result"`
	}
	if !strings.HasPrefix(a.Body, "<?xml version='1.0' encoding='UTF-8'?>\n") {
		return rbResult{}, false
	}
	if err := xml.Unmarshal([]byte(a.Body), &doc); err != nil || doc.Result.Code == nil {
		return rbResult{}, false
	}
	return doc.Result, true
}

// Code is the <code> of the answer, -1 when the body is not a Business Connector result.
func (a rbAnswer) Code() int {
	r, ok := a.Result()
	if !ok {
		return -1
	}
	return *r.Code
}

// User is the <userID> of the answer ("" when absent).
func (a rbAnswer) User() string {
	r, _ := a.Result()
	if r.UserID == nil {
		return ""
	}
	return *r.UserID
}

// String shortens the answer for failure messages.
func (a rbAnswer) String() string {
	body := a.Body
	if len(body) > 400 {
		body = body[:400] + "..."
	}
	return fmt.Sprintf("HTTP %d after %v: %q", a.Status, a.Elapsed.Round(time.Millisecond), body)
}

// rbRawRequest is an HTTP/1.1 request written byte for byte: the request target is sent
// exactly as given (no cleaning, no re-escaping), which is what the path cases need.
type rbRawRequest struct {
	Method string
	Target string
	Header [][2]string
	Body   []byte
}

// bytes renders the request for host; Content-Length is added when there is a body and the
// request does not set Transfer-Encoding itself.
func (r rbRawRequest) bytes(host string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", r.Method, r.Target, host)
	chunked := false
	for _, h := range r.Header {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
		chunked = chunked || strings.EqualFold(h[0], "Transfer-Encoding")
	}
	if !chunked && (len(r.Body) > 0 || r.Method == http.MethodPost) {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.Body))
	}
	b.WriteString("\r\n")
	b.Write(r.Body)
	return b.Bytes()
}

// rbSendRaw writes req on a fresh TCP connection to addr and reads one answer, all within
// rbIOTimeout. An error means the service closed the connection without an HTTP answer or
// did not answer in time.
func rbSendRaw(addr string, req rbRawRequest) (rbAnswer, error) {
	start := time.Now()
	conn, err := net.DialTimeout("tcp", addr, rbIOTimeout)
	if err != nil {
		return rbAnswer{}, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(start.Add(rbIOTimeout)); err != nil {
		return rbAnswer{}, err
	}
	// A server that answers early (431, 413) may close before it read everything; the answer
	// is still readable, so a write error alone is not the outcome.
	_, werr := conn.Write(req.bytes(addr))
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: req.Method})
	if err != nil {
		if werr != nil {
			return rbAnswer{}, fmt.Errorf("write: %v; read: %w", werr, err)
		}
		return rbAnswer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return rbAnswer{}, err
	}
	if target, err := http.NewRequest(req.Method, "http://"+addr+req.Target, nil); err == nil {
		contract.observe(target, resp.StatusCode, resp.Header, body) // a target Go cannot parse gets net/http's 400
	}
	return rbAnswer{Status: resp.StatusCode, Header: resp.Header, Body: string(body), Elapsed: time.Since(start)}, nil
}

// rbClient is an HTTP client for the fault and soak specs: keep-alive connections, enough
// idle ones for 32 goroutines, a timeout that turns a hang into a failure, and the service's
// answers checked against the OpenAPI document.
func rbClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 128
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: checkedTransport(t), Timeout: rbIOTimeout}
}

// rbTryPost sends xmlParam as the form field xml to svc's path and returns the answer or the
// transport error (it runs in goroutines, so it never fails the spec itself).
func rbTryPost(c *http.Client, svc *Service, path, xmlParam string) (rbAnswer, error) {
	return rbTryPostURL(c, svc.BaseURL()+path, xmlParam)
}

// rbTryPostURL is rbTryPost to any URL (a load balancer in front of services).
func rbTryPostURL(c *http.Client, target, xmlParam string) (rbAnswer, error) {
	start := time.Now()
	resp, err := c.PostForm(target, url.Values{"xml": {xmlParam}})
	if err != nil {
		return rbAnswer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return rbAnswer{}, err
	}
	return rbAnswer{Status: resp.StatusCode, Header: resp.Header, Body: string(body), Elapsed: time.Since(start)}, nil
}

// rbExpectAlive asserts that the service still answers getversioninfo with the documented
// bytes: whatever the previous request did, the next one is served.
func rbExpectAlive(svc *Service) {
	GinkgoHelper()
	a, err := rbSendRaw(svc.listen, rbRawRequest{Method: http.MethodGet, Target: "/api/getversioninfo"})
	Expect(err).NotTo(HaveOccurred(), "getversioninfo probe")
	Expect(a.Status).To(Equal(http.StatusOK), "getversioninfo probe: %v", a)
	Expect(a.Body).To(Equal(rbVersionXML), "getversioninfo probe")
	Expect(svc.Session().ExitCode()).To(Equal(-1), "bcservice must still run")
}

// rbCodesOf lists the codes of answers, for failure messages.
func rbCodesOf(answers []rbAnswer) []int {
	out := make([]int, len(answers))
	for i, a := range answers {
		out[i] = a.Code()
	}
	return out
}

// rbStartService is newTunedService: bcservice with extra keys merged into every cluster of
// the generated config (breakerCooldown, maxQueue, busyRetryBase, …).
func rbStartService(sim *Sim, opts ServiceOptions, clusterKeys map[string]any) *Service {
	GinkgoHelper()
	return newTunedService(sim, opts, clusterKeys)
}

// rbNoCUCMTraffic asserts that no cluster of the simulator logged a request since the last
// reset: the service refused the input on its face.
func rbNoCUCMTraffic(sim *Sim) {
	GinkgoHelper()
	for _, c := range sim.Clusters() {
		Expect(sim.Requests(c.Code)).To(BeEmpty(), "cluster %s must not have been asked", c.Code)
	}
}

// rbCUCMRequests counts the simulator's logged requests over every cluster.
func rbCUCMRequests(sim *Sim) int {
	GinkgoHelper()
	n := 0
	for _, c := range sim.Clusters() {
		n += len(sim.Requests(c.Code))
	}
	return n
}

// rbProcessOutput is everything a process wrote so far (stdout and stderr).
func rbProcessOutput(s *gexec.Session) string {
	if s == nil {
		return ""
	}
	return string(s.Out.Contents()) + string(s.Err.Contents())
}

// rbWrongCert is a well-formed certificate that no app user has; like the real one it must
// never show up in a log.
const rbWrongCert = "wr0ng-Cert-7f3a"

// rbExpectNoSecrets asserts that none of the suite's secrets appears in what the processes
// wrote so far (every process is checked again when it stops), and that they wrote something.
func rbExpectNoSecrets(what string, sessions ...*gexec.Session) {
	GinkgoHelper()
	for _, s := range sessions {
		Expect(rbProcessOutput(s)).NotTo(BeEmpty(), "%s: the process wrote no log at all, so the check would prove nothing", what)
		expectSessionHasNoSecrets(what, s)
	}
}
