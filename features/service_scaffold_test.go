package features

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	"gopkg.in/yaml.v3"
)

// ServiceOptions shape the bcservice config NewService writes. The zero value is the usual
// set-up: every cluster of the simulator, EU the default, every node listed.
type ServiceOptions struct {
	// Clusters are the simulator clusters the service knows, in order; empty = all of them.
	Clusters []string
	// Default is the default cluster's code; "" means EU when present. NoDefault leaves
	// every cluster without default: true (the service must search or ask for a code).
	Default   string
	NoDefault bool
	// Timeout is the per-attempt CUCM timeout (0 = 2s, short enough for failover specs).
	Timeout time.Duration
	// MaxConcurrentRequests towards each cluster (0 = the service's default).
	MaxConcurrentRequests int
	// RequestTimeout is the API request deadline (0 = the service's default).
	RequestTimeout time.Duration
	// Env adds environment variables (BC_…) to the process.
	Env []string
	// Extra top-level keys merged into the config: known keys only, since an unknown key is
	// a configuration problem (cmd/bcservice/README.md, "Unknown keys").
	Extra map[string]any
}

// serviceClusterConfig is one cluster of the service config file (cmd/bcservice/README.md, "Configuration").
type serviceClusterConfig struct {
	Code                  string   `yaml:"code"`
	Name                  string   `yaml:"name,omitempty"`
	Default               bool     `yaml:"default,omitempty"`
	Nodes                 []string `yaml:"nodes"`
	Timeout               string   `yaml:"timeout,omitempty"`
	MaxConcurrentRequests int      `yaml:"maxConcurrentRequests,omitempty"`
	AXL                   []string `yaml:"axl,omitempty"`
}

// Service is one running bcservice process in front of a Sim.
type Service struct {
	// ConfigPath is the written config file.
	ConfigPath string
	session    *gexec.Session
	listen     string
}

// NewService writes a config pointing at sim's node URLs and starts
// `bcservice serve --config F --listen 127.0.0.1:0 --addr-file F2`; call it from a setup node
// or a spec. It stops (SIGTERM) when the calling node's scope ends. While cmd/bcservice does
// not exist the calling spec is skipped; if it exists but does not build, the spec fails
// with the compiler's message. A service suite typically reads:
//
//	var _ = Describe("login", Ordered, func() {
//		sim := UseSim(demoTopology)     // one simulator, reset before each spec
//		var svc *Service
//		BeforeAll(func() { svc = NewService(sim, ServiceOptions{}) })
//		It("returns code 0", func() {
//			svc.API().POST("/api/login/{d}/{u}", euDevice1, almUser).WithFormField("xml", …).Expect()…
//		})
//	})
func NewService(sim *Sim, opts ServiceOptions) *Service {
	GinkgoHelper()
	return newTunedService(sim, opts, nil)
}

// newTunedService starts bcservice like NewService, with clusterKeys merged into every
// cluster of the written config (ServiceOptions.Extra only reaches top-level keys, and keys
// such as maxQueue or breakerFailures live per cluster). The process stops when the calling
// node's scope ends.
func newTunedService(sim *Sim, opts ServiceOptions, clusterKeys map[string]any) *Service {
	GinkgoHelper()
	configPath := filepath.Join(GinkgoT().TempDir(), "bcservice.yaml")
	writeServiceConfig(configPath, sim, opts)
	if len(clusterKeys) > 0 {
		mergeClusterKeys(configPath, clusterKeys)
	}
	return startService(configPath, opts.Env)
}

// startService starts bcservice on the config file at configPath with env added to its
// environment, for specs that shape the config beyond what newTunedService writes (e.g.
// clusters of two simulators). The process stops when the calling node's scope ends.
func startService(configPath string, env []string) *Service {
	GinkgoHelper()
	Expect(binaries.Service).NotTo(BeEmpty(), "bcservice was not built")
	svc := &Service{ConfigPath: configPath}
	addrFile := filepath.Join(GinkgoT().TempDir(), "bcservice-addr.json")
	cmd := exec.Command(binaries.Service, "serve",
		"--config", svc.ConfigPath, "--listen", "127.0.0.1:0", "--addr-file", addrFile)
	cmd.Env = append(os.Environ(), env...)
	var err error
	svc.session, err = gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred(), "starting bcservice")
	DeferCleanup(svc.stop)
	type addr struct {
		Listen string `json:"listen"`
	}
	svc.listen = waitForAddrFile[addr](svc.session, addrFile, func(a addr) bool { return a.Listen != "" }).Listen
	contract.serve(svc.listen)
	trackProcess(svc.session, svc.listen)
	return svc
}

// mergeClusterKeys rewrites the config at path with keys set on every cluster.
func mergeClusterKeys(path string, keys map[string]any) {
	GinkgoHelper()
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var cfg map[string]any
	Expect(yaml.Unmarshal(data, &cfg)).To(Succeed())
	clusters, ok := cfg["clusters"].([]any)
	Expect(ok).To(BeTrue(), "config without clusters: %s", data)
	for _, c := range clusters {
		entry, ok := c.(map[string]any)
		Expect(ok).To(BeTrue(), "cluster entry %v", c)
		for k, v := range keys {
			entry[k] = v
		}
	}
	data, err = yaml.Marshal(cfg)
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(path, data, 0o600)).To(Succeed())
	GinkgoWriter.Printf("bcservice config (tuned) %s:\n%s\n", path, data)
}

func (s *Service) stop() {
	s.session.Terminate()
	if !Eventually(s.session).WithTimeout(stopTimeout).Should(gexec.Exit()) {
		s.session.Kill()
	}
	expectSessionHasNoSecrets("bcservice", s.session)
}

// BaseURL is the service's http://host:port.
func (s *Service) BaseURL() string { return "http://" + s.listen }

// Session is the gexec session of the process (its logs, exit code).
func (s *Service) Session() *gexec.Session { return s.session }

// API returns an httpexpect client of the service whose failures fail the current spec;
// its answers are checked against the OpenAPI document (openapi_contract_test.go).
func (s *Service) API() *httpexpect.Expect { return newExpectWith(s.BaseURL(), apiHTTPClient()) }

// writeServiceConfig renders the config of opts for sim's clusters.
func writeServiceConfig(path string, sim *Sim, opts ServiceOptions) {
	GinkgoHelper()
	codes := opts.Clusters
	if len(codes) == 0 {
		for _, c := range sim.Clusters() {
			codes = append(codes, c.Code)
		}
	}
	def := opts.Default
	if def == "" && !opts.NoDefault {
		def = "EU"
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	cfg := map[string]any{}
	for k, v := range opts.Extra {
		cfg[k] = v
	}
	clusters := make([]serviceClusterConfig, 0, len(codes))
	for _, code := range codes {
		cc := serviceClusterConfig{
			Code:                  code,
			Default:               code == def && !opts.NoDefault,
			Timeout:               timeout.String(),
			MaxConcurrentRequests: opts.MaxConcurrentRequests,
		}
		for _, node := range sim.Nodes(code) {
			cc.Nodes = append(cc.Nodes, sim.EMServiceURL(code, node))
			cc.AXL = append(cc.AXL, sim.NodeURL(code, node)+axlPath)
		}
		Expect(cc.Nodes).NotTo(BeEmpty(), "simulator has no cluster %s", code)
		clusters = append(clusters, cc)
	}
	cfg["listen"] = "127.0.0.1:0"
	cfg["log"] = map[string]any{"level": "debug", "format": "text"}
	cfg["clusters"] = clusters
	if opts.RequestTimeout > 0 {
		cfg["requestTimeout"] = opts.RequestTimeout.String()
	}
	data, err := yaml.Marshal(cfg)
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(path, data, 0o600)).To(Succeed())
	GinkgoWriter.Printf("bcservice config %s:\n%s\n", path, data)
}

// getBody GETs url with c (e.g. a client signed in to the dashboard) and returns the
// answer's status and body; a transport error fails the spec.
func getBody(c *http.Client, url string) (int, string) {
	GinkgoHelper()
	resp, err := c.Get(url)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, string(body)
}

// fetch sends req with a bounded client (answers of bcservice's API checked against the
// OpenAPI document) and returns the answer's status, header and body;
// a transport error fails the spec.
func fetch(req *http.Request) (int, http.Header, string) {
	GinkgoHelper()
	resp, err := apiHTTPClient().Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, resp.Header, string(body)
}
