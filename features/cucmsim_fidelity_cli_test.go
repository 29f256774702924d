package features

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// writeTopology writes text to a fresh file and returns its path.
func writeTopology(name, text string) string {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), name)
	Expect(os.WriteFile(path, []byte(text), 0o600)).To(Succeed())
	return path
}

var _ = Describe("cucmsim command line, thorough", func() {
	Describe("validate", func() {
		It("lists every problem of a file, one a line", func() {
			path := repoPath("testdata/features/broken_four_problems.yaml")
			s := runSim("validate", path)
			Expect(s.ExitCode()).To(Equal(1))
			Expect(linesWith(output(s), "broken_four_problems.yaml:")).To(HaveExactElements(
				ContainSubstring(`broken_four_problems.yaml:6: unknown multipleLogin "sometimes"`),
				ContainSubstring(`broken_four_problems.yaml:9: cluster "EU": user "A": unknown profile "UDP-X"`),
				ContainSubstring(`broken_four_problems.yaml:11: emEnabled: expected true or false`),
				ContainSubstring(`broken_four_problems.yaml:13: cluster "EU": duplicate device "sep2" (same name as "SEP2"`),
				ContainSubstring("broken_four_problems.yaml: 4 problem(s)"),
			))
		})
		It("names the line of a YAML syntax error, not the start of its block", func() {
			demo, err := os.ReadFile(repoPath(demoTopology))
			Expect(err).NotTo(HaveOccurred())
			lines := strings.Split(string(demo), "\n")
			lines[85] = "   - {name: bad indent"
			s := runSim("validate", writeTopology("bad86.yaml", strings.Join(lines, "\n")))
			Expect(s.ExitCode()).To(Equal(1))
			Expect(output(s)).To(ContainSubstring("bad86.yaml:86: invalid YAML"))
		})
	})

	Describe("gen", func() {
		It("refuses --devices 0 with a clear message and writes nothing", func() {
			s := runSim("gen", "--devices", "0", "--users", "2")
			Expect(s.ExitCode()).To(Equal(1))
			Expect(string(s.Err.Contents())).To(ContainSubstring("--devices must be at least 1, got 0"))
			Expect(s.Out.Contents()).To(BeEmpty())
		})
		It("shows no default for its required flags", func() {
			s := runSim("gen", "--help")
			Expect(s.ExitCode()).To(Equal(0))
			Expect(linesWith(output(s), "--devices")).To(ConsistOf(Not(ContainSubstring("default"))))
			Expect(linesWith(output(s), "--users")).To(ConsistOf(Not(ContainSubstring("default"))))
		})
		It("generates nodes that can be served beside the demo topology", func() {
			out := filepath.Join(GinkgoT().TempDir(), "gen.yaml")
			Expect(runSim("gen", "--devices", "4", "--users", "2", "--out", out).ExitCode()).To(Equal(0))
			text, err := os.ReadFile(out)
			Expect(err).NotTo(HaveOccurred())
			for _, port := range []string{":18000\"", ":18081\"", ":18082\"", ":18091\"", ":18092\"", ":18101\""} {
				Expect(string(text)).NotTo(ContainSubstring(port))
			}
		})
	})
})
