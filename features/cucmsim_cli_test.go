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

// runSim runs one cucmsim command to completion and returns its session.
func runSim(args ...string) *gexec.Session {
	GinkgoHelper()
	session, err := gexec.Start(exec.Command(binaries.Sim, args...), GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	Eventually(session).WithTimeout(startTimeout).Should(gexec.Exit())
	if args[0] == "gen" {
		// gen's stdout is a topology, app user passwords included: data, not a log.
		expectNoSecrets("cucmsim gen", string(session.Err.Contents()))
	} else {
		expectSessionHasNoSecrets("cucmsim "+args[0], session)
	}
	return session
}

// output is everything a finished session wrote, stdout and stderr.
func output(s *gexec.Session) string { return string(s.Out.Contents()) + string(s.Err.Contents()) }

var _ = Describe("cucmsim command line", func() {
	Describe("validate", func() {
		It("accepts the demo topology with exit code 0", func() {
			Expect(runSim("validate", repoPath(demoTopology)).ExitCode()).To(Equal(0))
		})
		DescribeTable("rejects a broken topology with exit code 1, naming file, line and problem",
			func(file, want string) {
				s := runSim("validate", repoPath("testdata/features/"+file))
				Expect(s.ExitCode()).To(Equal(1))
				Expect(output(s)).To(MatchRegexp(want))
			},
			Entry("a duplicate device", "broken_duplicate_device.yaml",
				`broken_duplicate_device\.yaml:14: cluster "EU": duplicate device "SEP000000000001"`),
			Entry("an unknown profile", "broken_unknown_profile.yaml",
				`broken_unknown_profile\.yaml:11: .*unknown profile "UDP-NOSUCH"`),
		)
		It("rejects a missing file with exit code 1", func() {
			s := runSim("validate", filepath.Join(GinkgoT().TempDir(), "missing.yaml"))
			Expect(s.ExitCode()).To(Equal(1))
			Expect(output(s)).To(ContainSubstring("missing.yaml"))
		})
	})

	Describe("gen", func() {
		It("writes a topology to --out that validate accepts", func() {
			out := filepath.Join(GinkgoT().TempDir(), "gen.yaml")
			Expect(runSim("gen", "--devices", "20", "--users", "10", "--clusters", "2", "--out", out).ExitCode()).To(Equal(0))
			Expect(runSim("validate", out).ExitCode()).To(Equal(0))
		})
		It("writes to stdout by default", func() {
			s := runSim("gen", "--devices", "4", "--users", "2")
			Expect(s.ExitCode()).To(Equal(0))
			out := filepath.Join(GinkgoT().TempDir(), "gen.yaml")
			Expect(os.WriteFile(out, s.Out.Contents(), 0o600)).To(Succeed())
			Expect(runSim("validate", out).ExitCode()).To(Equal(0))
		})
		It("generates a topology serve runs and EM logins work on", func() {
			out := filepath.Join(GinkgoT().TempDir(), "gen.yaml")
			Expect(runSim("gen", "--devices", "20", "--users", "10", "--clusters", "2", "--out", out).ExitCode()).To(Equal(0))
			sim := NewSim(out)
			Expect(sim.PostEM("C1", loginXML("SEP000000000001", "USER000001"))).To(Equal(successXML))
			Expect(sim.Logins("C1")).To(ConsistOf(HaveField("Profile", "UDP-USER000001")))
			Expect(sim.EM("C2", userDevicesQueryXML("USER000010")).Users()).To(Equal([]string{"USER000010:none"}))
		})
	})

	Describe("serve", func() {
		It("exits non-zero on a broken topology, naming file and line", func() {
			s := runSim("serve", "--topology", repoPath("testdata/features/broken_duplicate_device.yaml"),
				"--ephemeral-ports", "--admin", "127.0.0.1:0")
			Expect(s.ExitCode()).NotTo(Equal(0))
			Expect(output(s)).To(ContainSubstring("broken_duplicate_device.yaml:14"))
		})
		It("shuts down gracefully with exit code 0 on SIGTERM", func() {
			sim := NewSim(demoTopology)
			Eventually(sim.Session().Terminate()).WithTimeout(stopTimeout).Should(gexec.Exit(0))
		})
		It("logs one line per request with node, operation, device and user", func() {
			sim := NewSim(demoTopology)
			sim.PostEM("EU", loginXML(euDevice1, almUser))
			Eventually(func() []string { return linesWith(output(sim.Session()), euDevice1) }).
				Should(ContainElement(SatisfyAll(
					ContainSubstring("eu-pub"), ContainSubstring("login"), ContainSubstring(almUser))))
		})
	})
})

// linesWith returns the lines of text that contain sub.
func linesWith(text, sub string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return out
}
