package features

import (
	"net/http"
	"os/exec"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// Build information comes from the build (runtime/debug's VCS stamp), the same in
// bcservice --version, the X-BC-Build header, bcservice_build_info and the status page.
var _ = Describe("bcservice's build information", Ordered, func() {
	sim := UseSim(demoTopology)
	var revision, short string

	BeforeAll(func() {
		out, err := exec.Command("git", "rev-parse", "HEAD").Output()
		Expect(err).NotTo(HaveOccurred(), "the suite runs in a git checkout")
		revision = strings.TrimSpace(string(out))
		short = revision[:12]
		status, err := exec.Command("git", "status", "--porcelain").Output()
		Expect(err).NotTo(HaveOccurred())
		if len(strings.TrimSpace(string(status))) > 0 {
			short += "-dirty"
		}
	})

	It("prints the VCS revision with --version", func() {
		s, err := gexec.Start(exec.Command(binaries.Service, "--version"), GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Eventually(s).Should(gexec.Exit(0))
		Expect(string(s.Out.Contents())).To(HavePrefix("bcservice version " + short + " (revision " + revision))
	})

	It("reports the same build in X-BC-Build and bcservice_build_info", func() {
		svc := NewService(sim, ServiceOptions{})
		status, header, _ := fetch(mustRequest(http.MethodGet, svc.BaseURL()+"/api/getversioninfo"))
		Expect(status).To(Equal(http.StatusOK))
		Expect(header.Get("X-BC-Build")).To(Equal(short))
		_, _, metrics := fetch(mustRequest(http.MethodGet, svc.BaseURL()+"/metrics"))
		Expect(metrics).To(ContainSubstring(`bcservice_build_info{version="` + short + `"} 1`))
	})
})
