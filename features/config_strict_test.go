package features

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// runBCService runs one bcservice command to completion and returns its session.
func runBCService(args ...string) *gexec.Session {
	GinkgoHelper()
	Expect(binaries.Service).NotTo(BeEmpty(), "bcservice was not built")
	session, err := gexec.Start(exec.Command(binaries.Service, args...), GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	Eventually(session).WithTimeout(startTimeout).Should(gexec.Exit())
	expectSessionHasNoSecrets("bcservice "+args[0], session)
	return session
}

// writeStrictFile writes lines as a file in a fresh directory and returns its path.
func writeStrictFile(name string, lines ...string) string {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), name)
	Expect(os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600)).To(Succeed())
	return path
}

// A configuration whose line 3 misspells history: the service would run without one.
var misspeltHistory = []string{
	`listen: "127.0.0.1:0"`,
	`requestTimeout: 5s`,
	`histroy:`,
	`  dsn: "sqlite:/tmp/never-written.db"`,
	`clusters:`,
	`  - code: EU`,
	`    nodes: ["http://127.0.0.1:1/emservice/EMServiceServlet"]`,
}

var _ = Describe("configuration keys", func() {
	Describe("bcservice check-config", func() {
		DescribeTable("refuses an unknown key with exit code 1, naming its line and the nearest known key",
			func(lines []string, want string) {
				s := runBCService("check-config", writeStrictFile("bc.yaml", lines...))
				Expect(s.ExitCode()).NotTo(Equal(0))
				Expect(output(s)).To(ContainSubstring(want))
				Expect(output(s)).NotTo(ContainSubstring("config OK"))
			},
			Entry("at the top level", misspeltHistory,
				`configuration (line 3): unknown key "histroy" (did you mean "history"?)`),
			Entry("in a section", []string{`server:`, `  readTimout: 5s`, `clusters: [{code: EU, nodes: ["http://127.0.0.1:1/x"]}]`},
				`server (line 2): unknown key "readTimout" (did you mean "readTimeout"?)`),
			Entry("in an item of a list", []string{`clusters:`, `  - code: EU`, `    nodes: ["http://127.0.0.1:1/x"]`, `    maxConcurrent: 3`},
				`clusters[0] (line 4): unknown key "maxConcurrent" (did you mean "maxConcurrentRequests"?)`),
		)

		It("lists every unknown key with the other problems in one run, in file order", func() {
			s := runBCService("check-config", writeStrictFile("bc.yaml",
				`listen: "127.0.0.1:99999"`,
				`lgo: {level: debug}`,
				`clusters:`,
				`  - code: EU`,
				`    nodes: ["http://127.0.0.1:1/x"]`,
				`    timout: 5s`))
			Expect(s.ExitCode()).NotTo(Equal(0))
			Expect(linesWith(output(s), "(line ")).To(HaveExactElements(
				ContainSubstring(`listen (line 1): "127.0.0.1:99999": port 99999 is out of range`),
				ContainSubstring(`configuration (line 2): unknown key "lgo" (did you mean "log"?)`),
				ContainSubstring(`clusters[0] (line 6): unknown key "timout" (did you mean "timeout"?)`),
			))
		})
	})

	Describe("bcservice serve", func() {
		It("refuses to start with an unknown key, naming its line and the nearest known key", func() {
			addrFile := filepath.Join(GinkgoT().TempDir(), "addr.json")
			s := runBCService("serve", "--config", writeStrictFile("bc.yaml", misspeltHistory...), "--addr-file", addrFile)
			Expect(s.ExitCode()).NotTo(Equal(0))
			Expect(output(s)).To(ContainSubstring(`configuration (line 3): unknown key "histroy" (did you mean "history"?)`))
			Expect(addrFile).NotTo(BeAnExistingFile(), "it never listened")
		})
	})

	Describe("cucmsim validate", func() {
		It("refuses an unknown top-level key with exit code 1, naming its line and the nearest known key", func() {
			path := writeStrictFile("topo.yaml",
				`clustrs:`,
				`  - code: EU`,
				`    nodes: [{name: eu-pub, listen: "127.0.0.1:0"}]`)
			s := runSim("validate", path)
			Expect(s.ExitCode()).To(Equal(1))
			Expect(output(s)).To(ContainSubstring(`topo.yaml:1: unknown key "clustrs" (did you mean "clusters"?)`))
		})
		It("refuses a misspelt key of a device, naming its line and the nearest known key", func() {
			path := writeStrictFile("topo.yaml",
				`clusters:`,
				`  - code: EU`,
				`    nodes: [{name: eu-pub, listen: "127.0.0.1:0"}]`,
				`    devices:`,
				`      - {name: SEP000000000001, emEnabeld: false}`)
			s := runSim("validate", path)
			Expect(s.ExitCode()).To(Equal(1))
			Expect(output(s)).To(ContainSubstring(`topo.yaml:5: unknown key "emEnabeld" (did you mean "emEnabled"?)`))
		})
	})

	Describe("cucmsim serve", func() {
		It("refuses to start on a topology with an unknown key", func() {
			path := writeStrictFile("topo.yaml",
				`clustres:`,
				`  - code: EU`,
				`    nodes: [{name: eu-pub, listen: "127.0.0.1:0"}]`)
			s := runSim("serve", "--topology", path, "--ephemeral-ports", "--admin", "127.0.0.1:0")
			Expect(s.ExitCode()).NotTo(Equal(0))
			Expect(output(s)).To(ContainSubstring(`topo.yaml:1: unknown key "clustres" (did you mean "clusters"?)`))
		})
	})
})
