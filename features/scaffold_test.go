package features

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// Paths of the fixtures the suites use, relative to the repository root.
const (
	demoTopology = "testdata/topology/demo.yaml"
	emPath       = "/emservice/EMServiceServlet"
	axlPath      = "/axl/"
)

// Timeouts of the scaffold. Start-up is generous for a loaded 2-core machine; everything a
// spec waits for is polled, never slept on.
const (
	startTimeout = 15 * time.Second
	stopTimeout  = 10 * time.Second
	pollInterval = 10 * time.Millisecond
	httpTimeout  = 10 * time.Second
)

// simAddrs is the --addr-file JSON of cucmsim (cmd/cucmsim/README.md, "Command line").
type simAddrs struct {
	Admin string                       `json:"admin"`
	Nodes map[string]map[string]string `json:"nodes"`
}

// Sim is one running cucmsim process and a typed client of its control API. Every admin
// method asserts the documented status code, so a spec reads as a list of steps.
type Sim struct {
	// Topology is the fixture the process serves (path relative to the repository root).
	Topology string
	session  *gexec.Session
	addrs    simAddrs
	// nodeOrder lists each cluster's node names in topology order (GET /v1/clusters).
	nodeOrder map[string][]string
	client    *http.Client
	// bin is the binary; "" means binaries.Sim.
	bin string
}

// UseSim registers, in the enclosing Ordered container, a BeforeAll that starts cucmsim on
// topologyPath and a BeforeEach that resets it (POST /v1/reset), so every spec starts from
// the loaded topology. The returned *Sim is ready inside the container's specs. One process
// per container keeps the suite fast on two cores.
func UseSim(topologyPath string) *Sim {
	s := &Sim{Topology: topologyPath}
	BeforeAll(func() { s.start() })
	BeforeEach(func() { s.Reset() })
	return s
}

// NewSim starts cucmsim on topologyPath (relative to the repository root) now: call it from a
// setup node or a spec. The process stops (SIGTERM) when the calling node's scope ends.
func NewSim(topologyPath string) *Sim {
	s := &Sim{Topology: topologyPath}
	s.start()
	return s
}

// NewUntimedSim is NewSim with the cucmsim built without the race detector, for a spec that
// asserts a wall time (binaries.SimUntimed).
func NewUntimedSim(topologyPath string) *Sim {
	s := &Sim{Topology: topologyPath, bin: binaries.SimUntimed}
	s.start()
	return s
}

func (s *Sim) start() {
	GinkgoHelper()
	bin := cmp.Or(s.bin, binaries.Sim)
	Expect(bin).NotTo(BeEmpty(), "cucmsim was not built")
	addrFile := filepath.Join(GinkgoT().TempDir(), "cucmsim-addrs.json")
	cmd := exec.Command(bin, "serve",
		"--topology", repoPath(s.Topology),
		"--ephemeral-ports", "--admin", "127.0.0.1:0",
		"--addr-file", addrFile)
	var err error
	s.session, err = gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred(), "starting cucmsim")
	DeferCleanup(s.stop)
	s.client = &http.Client{Timeout: httpTimeout}
	s.addrs = waitForAddrFile[simAddrs](s.session, addrFile, func(a simAddrs) bool {
		return a.Admin != "" && len(a.Nodes) > 0
	})
	listening := []string{s.addrs.Admin}
	for _, nodes := range s.addrs.Nodes {
		for _, addr := range nodes {
			listening = append(listening, addr)
		}
	}
	trackProcess(s.session, listening...)
	s.nodeOrder = map[string][]string{}
	for _, c := range s.Clusters() {
		for _, n := range c.Nodes {
			s.nodeOrder[c.Code] = append(s.nodeOrder[c.Code], n.Name)
		}
	}
}

// stop terminates the process and waits for it; a simulator that ignores SIGTERM is killed.
func (s *Sim) stop() {
	if s.session == nil {
		return
	}
	s.session.Terminate()
	if !Eventually(s.session).WithTimeout(stopTimeout).Should(gexec.Exit()) {
		s.session.Kill()
	}
	expectSessionHasNoSecrets("cucmsim", s.session)
}

// Session is the gexec session of the process (its output buffers, exit code).
func (s *Sim) Session() *gexec.Session { return s.session }

// AdminURL is the base URL of the control API.
func (s *Sim) AdminURL() string { return "http://" + s.addrs.Admin }

// NodeAddr is host:port of one node; it fails the spec for an unknown node.
func (s *Sim) NodeAddr(cluster, node string) string {
	GinkgoHelper()
	addr := s.addrs.Nodes[cluster][node]
	Expect(addr).NotTo(BeEmpty(), "no address for node %s/%s", cluster, node)
	return addr
}

// Nodes lists a cluster's node names in topology order.
func (s *Sim) Nodes(cluster string) []string { return s.nodeOrder[cluster] }

// NodeURL is the base URL (scheme and host) of one node.
func (s *Sim) NodeURL(cluster, node string) string {
	GinkgoHelper()
	return "http://" + s.NodeAddr(cluster, node)
}

// EMServiceURL is the EMService endpoint of one node, as a service config names it.
func (s *Sim) EMServiceURL(cluster, node string) string {
	GinkgoHelper()
	return s.NodeURL(cluster, node) + emPath
}

// firstNode is the cluster's first (publisher) node.
func (s *Sim) firstNode(cluster string) string {
	GinkgoHelper()
	nodes := s.nodeOrder[cluster]
	Expect(nodes).NotTo(BeEmpty(), "cluster %s has no nodes", cluster)
	return nodes[0]
}

// Node returns an httpexpect client of one node.
func (s *Sim) Node(cluster, node string) *httpexpect.Expect {
	GinkgoHelper()
	return newExpect(s.NodeURL(cluster, node))
}

// Control returns an httpexpect client of the control API, for specs that check its error
// answers (the typed methods below assert success).
func (s *Sim) Control() *httpexpect.Expect { return newExpect(s.AdminURL()) }

// PostEMTo sends xml as the form field `xml` to one node's EMService and checks the transport
// contract (HTTP 200, text/xml). It returns the raw body.
func (s *Sim) PostEMTo(cluster, node, xml string) string {
	GinkgoHelper()
	resp := s.Node(cluster, node).POST(emPath).WithFormField("xml", xml).Expect()
	resp.Status(http.StatusOK)
	resp.Header("Content-Type").IsEqual("text/xml; charset=utf-8")
	return resp.Body().Raw()
}

// PostEM sends xml to the cluster's first node (see PostEMTo).
func (s *Sim) PostEM(cluster, xml string) string {
	GinkgoHelper()
	return s.PostEMTo(cluster, s.firstNode(cluster), xml)
}

// EM sends xml to the cluster's first node and decodes the answer.
func (s *Sim) EM(cluster, xml string) emResponse {
	GinkgoHelper()
	return decodeEM(s.PostEM(cluster, xml))
}

// AcceptPIN has the user's home cluster accept the user's PIN through AXL doAuthenticateUser,
// which lets the user roam through the EM API for a while (cmd/cucmsim/README.md, "Roaming
// through the EM API"), as the Business Connector's PIN check does.
func (s *Sim) AcceptPIN(home, user, pin string) {
	GinkgoHelper()
	s.Node(home, s.firstNode(home)).POST(axlPath).
		WithHeader("Content-Type", "text/xml; charset=utf-8").
		WithHeader("SOAPAction", `"CUCM:DB ver=14.0 doAuthenticateUser"`).
		WithBasicAuth(appID, appCert).WithText(axlAuthXML(user, pin)).Expect().
		Status(http.StatusOK).Body().IsEqual(axlAnswerXML(true))
}

// --- control API (cmd/cucmsim/README.md, "Control API") ---

// ClusterState is one entry of GET /v1/clusters.
type ClusterState struct {
	Code  string      `json:"code"`
	Name  string      `json:"name"`
	Nodes []NodeState `json:"nodes"`
}

// NodeState is one node of a ClusterState.
type NodeState struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
	Up   bool   `json:"up"`
}

// LoginState is one entry of GET /v1/clusters/{code}/logins.
type LoginState struct {
	Device  string `json:"device"`
	User    string `json:"user"`
	Profile string `json:"profile"`
	Since   string `json:"since"`
	Expires string `json:"expires,omitempty"`
	EMCC    bool   `json:"emcc"`
}

// SeedLogin is the body of PUT /v1/clusters/{code}/logins/{device}.
type SeedLogin struct {
	User    string `json:"user"`
	Profile string `json:"profile,omitempty"`
	Minutes int    `json:"minutes"`
}

// Fault is the body of POST /v1/clusters/{code}/faults. Zero values are left out, so a
// spec names only the scope and the one effect it wants.
type Fault struct {
	Operation  string `json:"operation,omitempty"`
	Device     string `json:"device,omitempty"`
	User       string `json:"user,omitempty"`
	Node       string `json:"node,omitempty"`
	Count      int    `json:"count,omitempty"`
	EMCode     *int   `json:"emCode,omitempty"`
	EMText     string `json:"emText,omitempty"`
	Latency    string `json:"latency,omitempty"`
	HTTPStatus int    `json:"httpStatus,omitempty"`
	Drop       bool   `json:"drop,omitempty"`
	Body       string `json:"body,omitempty"`
	After      bool   `json:"after,omitempty"`
}

// emCode makes the pointer Fault.EMCode needs (code 0 is a valid fault).
func emCode(code int) *int { return &code }

// DeviceState is GET /v1/clusters/{code}/devices/{device}.
type DeviceState struct {
	Name        string        `json:"name"`
	Model       string        `json:"model"`
	UUID        string        `json:"uuid"`
	EMEnabled   bool          `json:"emEnabled"`
	CallHistory int           `json:"callHistory"`
	Resets      []ResetRecord `json:"resets"`
	User        string        `json:"user"`
	Profile     string        `json:"profile"`
	EMCC        bool          `json:"emcc"`
	LastLogin   string        `json:"lastLogin"`
}

// ResetRecord is one doDeviceReset a device received.
type ResetRecord struct {
	Time string `json:"time"`
	Hard bool   `json:"hard"`
}

// RequestRecord is one entry of GET /v1/clusters/{code}/requests.
type RequestRecord struct {
	Seq       int    `json:"seq"`
	Time      string `json:"time"`
	Node      string `json:"node"`
	Method    string `json:"method"`
	Operation string `json:"operation"`
	Device    string `json:"device"`
	User      string `json:"user"`
	AppID     string `json:"appID"`
	Code      int    `json:"code"`
	XML       string `json:"xml"`
}

// Reset puts the simulator back to its loaded topology (POST /v1/reset -> 204).
func (s *Sim) Reset() {
	GinkgoHelper()
	s.admin(http.MethodPost, "/v1/reset", nil, http.StatusNoContent, nil)
}

// Clusters is GET /v1/clusters.
func (s *Sim) Clusters() []ClusterState {
	GinkgoHelper()
	var out []ClusterState
	s.admin(http.MethodGet, "/v1/clusters", nil, http.StatusOK, &out)
	return out
}

// Cluster returns one entry of Clusters.
func (s *Sim) Cluster(code string) ClusterState {
	GinkgoHelper()
	for _, c := range s.Clusters() {
		if c.Code == code {
			return c
		}
	}
	Fail("no cluster " + code + " in GET /v1/clusters")
	return ClusterState{}
}

// Logins is GET /v1/clusters/{code}/logins (sorted by device).
func (s *Sim) Logins(cluster string) []LoginState {
	GinkgoHelper()
	var out []LoginState
	s.admin(http.MethodGet, "/v1/clusters/"+cluster+"/logins", nil, http.StatusOK, &out)
	return out
}

// Login returns the login on device, or nil.
func (s *Sim) Login(cluster, device string) *LoginState {
	GinkgoHelper()
	for _, l := range s.Logins(cluster) {
		if l.Device == device {
			return &l
		}
	}
	return nil
}

// PutLogin seeds a login, bypassing policy (PUT -> 204).
func (s *Sim) PutLogin(cluster, device string, l SeedLogin) {
	GinkgoHelper()
	s.admin(http.MethodPut, "/v1/clusters/"+cluster+"/logins/"+url.PathEscape(device), l, http.StatusNoContent, nil)
}

// DeleteLogin removes the login on device (DELETE -> 204).
func (s *Sim) DeleteLogin(cluster, device string) {
	GinkgoHelper()
	s.admin(http.MethodDelete, "/v1/clusters/"+cluster+"/logins/"+url.PathEscape(device), nil, http.StatusNoContent, nil)
}

// AddFault installs a fault (POST -> 201) and returns its id.
func (s *Sim) AddFault(cluster string, f Fault) string {
	GinkgoHelper()
	var out struct {
		ID string `json:"id"`
	}
	s.admin(http.MethodPost, "/v1/clusters/"+cluster+"/faults", f, http.StatusCreated, &out)
	Expect(out.ID).NotTo(BeEmpty(), "fault id")
	return out.ID
}

// Faults is GET /v1/clusters/{code}/faults. The listing's shape beyond the fault's own keys
// is not fixed by the contract, so entries stay generic.
func (s *Sim) Faults(cluster string) []map[string]any {
	GinkgoHelper()
	var out []map[string]any
	s.admin(http.MethodGet, "/v1/clusters/"+cluster+"/faults", nil, http.StatusOK, &out)
	return out
}

// ClearFaults removes every fault of the cluster (DELETE -> 204).
func (s *Sim) ClearFaults(cluster string) {
	GinkgoHelper()
	s.admin(http.MethodDelete, "/v1/clusters/"+cluster+"/faults", nil, http.StatusNoContent, nil)
}

// NodeDown closes a node's listener (connection refused until NodeUp).
func (s *Sim) NodeDown(cluster, node string) {
	GinkgoHelper()
	s.admin(http.MethodPost, "/v1/clusters/"+cluster+"/nodes/"+node+"/down", nil, http.StatusNoContent, nil)
}

// NodeUp rebinds a node on its address.
func (s *Sim) NodeUp(cluster, node string) {
	GinkgoHelper()
	s.admin(http.MethodPost, "/v1/clusters/"+cluster+"/nodes/"+node+"/up", nil, http.StatusNoContent, nil)
}

// Requests is GET /v1/clusters/{code}/requests.
func (s *Sim) Requests(cluster string) []RequestRecord {
	GinkgoHelper()
	var out []RequestRecord
	s.admin(http.MethodGet, "/v1/clusters/"+cluster+"/requests", nil, http.StatusOK, &out)
	return out
}

// ClearRequests empties the cluster's request log (DELETE -> 204).
func (s *Sim) ClearRequests(cluster string) {
	GinkgoHelper()
	s.admin(http.MethodDelete, "/v1/clusters/"+cluster+"/requests", nil, http.StatusNoContent, nil)
}

// Device is GET /v1/clusters/{code}/devices/{device} (-> 200).
func (s *Sim) Device(cluster, device string) DeviceState {
	GinkgoHelper()
	var out DeviceState
	s.admin(http.MethodGet, "/v1/clusters/"+cluster+"/devices/"+url.PathEscape(device), nil, http.StatusOK, &out)
	return out
}

// SetCallHistory sets a device's call history count (PUT .../callHistory -> 204).
func (s *Sim) SetCallHistory(cluster, device string, entries int) {
	GinkgoHelper()
	s.admin(http.MethodPut, "/v1/clusters/"+cluster+"/devices/"+url.PathEscape(device)+"/callHistory",
		map[string]int{"entries": entries}, http.StatusNoContent, nil)
}

// ResetCluster is POST /v1/clusters/{code}/reset (-> 204).
func (s *Sim) ResetCluster(cluster string) {
	GinkgoHelper()
	s.admin(http.MethodPost, "/v1/clusters/"+cluster+"/reset", nil, http.StatusNoContent, nil)
}

// ResetDevice is POST /v1/clusters/{code}/devices/{device}/reset (-> 204).
func (s *Sim) ResetDevice(cluster, device string) {
	GinkgoHelper()
	s.admin(http.MethodPost, "/v1/clusters/"+cluster+"/devices/"+url.PathEscape(device)+"/reset", nil, http.StatusNoContent, nil)
}

// AdvanceClock moves the simulator's clock forward (POST /v1/clock -> 204).
func (s *Sim) AdvanceClock(d time.Duration) {
	GinkgoHelper()
	s.admin(http.MethodPost, "/v1/clock", map[string]string{"advance": d.String()}, http.StatusNoContent, nil)
}

// admin performs one control API call, asserts the status and decodes a JSON answer into out.
func (s *Sim) admin(method, path string, body any, wantStatus int, out any) {
	GinkgoHelper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		Expect(err).NotTo(HaveOccurred())
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.AdminURL()+path, rd)
	Expect(err).NotTo(HaveOccurred())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	Expect(err).NotTo(HaveOccurred(), "%s %s", method, path)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.StatusCode).To(Equal(wantStatus), "%s %s answered %s", method, path, data)
	if out != nil {
		Expect(json.Unmarshal(data, out)).To(Succeed(), "%s %s: decoding %s", method, path, data)
	}
}

// newExpect builds an httpexpect client whose failures fail the current spec.
func newExpect(baseURL string) *httpexpect.Expect {
	return newExpectWith(baseURL, &http.Client{Timeout: httpTimeout})
}

// newExpectWith is newExpect sending through client (e.g. one whose answers are checked
// against the API's OpenAPI document).
func newExpectWith(baseURL string, client *http.Client) *httpexpect.Expect {
	return httpexpect.WithConfig(httpexpect.Config{
		BaseURL:  baseURL,
		Reporter: httpexpect.NewAssertReporter(GinkgoT()),
		Client:   client,
		Printers: []httpexpect.Printer{httpexpect.NewCompactPrinter(GinkgoT())},
	})
}

// waitForAddrFile polls for a JSON address file written by a starting process and decodes it
// once ready(v) holds. It stops at once if the process exits first.
func waitForAddrFile[T any](session *gexec.Session, path string, ready func(T) bool) T {
	GinkgoHelper()
	var v T
	Eventually(func() error {
		if code := session.ExitCode(); code != -1 {
			return StopTrying(fmt.Sprintf("%s exited with code %d before writing %s", filepath.Base(session.Command.Path), code, path))
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var got T
		if err := json.Unmarshal(data, &got); err != nil {
			return err
		}
		if !ready(got) {
			return fmt.Errorf("address file %s incomplete: %s", path, data)
		}
		v = got
		return nil
	}).WithTimeout(startTimeout).WithPolling(pollInterval).Should(Succeed())
	return v
}
