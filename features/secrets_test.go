package features

import (
	"regexp"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// Every process the suites start is checked for secrets when it stops (Sim.stop,
// Service.stop, runSim): whatever a spec sent, its logs must never hold a certificate or a
// PIN. The lists are every credential and PIN the feature files use.

// certSecrets are matched anywhere in the output.
var certSecrets = []string{appCert, rbWrongCert, "Wr0ngSecret-77", "n0proxy", "selfpass", "old-pass"}

// pinSecrets are matched as whole tokens: a short number may occur inside a duration, a port
// or a request ID without being a PIN, but never on its own.
var pinSecrets = regexp.MustCompile(`(^|[^0-9A-Za-z.])(1234|4321|5678|9876|97531|90817263)([^0-9A-Za-z.]|$)`)

// expectNoSecrets fails the spec if out, the output of the process who, holds a secret. The
// message names the secret's kind and position, never the secret.
func expectNoSecrets(who, out string) {
	GinkgoHelper()
	for _, s := range certSecrets {
		i := strings.Index(out, s)
		Expect(i).To(Equal(-1), who+": a certificate appears in the log at byte "+strconv.Itoa(i))
	}
	if loc := pinSecrets.FindStringIndex(out); loc != nil {
		Expect(loc).To(BeNil(), who+": a PIN appears in the log at byte "+strconv.Itoa(loc[0])+": "+lineAround(out, loc[0]))
	}
}

// expectSessionHasNoSecrets is expectNoSecrets over everything a process wrote.
func expectSessionHasNoSecrets(who string, s *gexec.Session) {
	GinkgoHelper()
	if s == nil {
		return
	}
	expectNoSecrets(who, string(s.Out.Contents())+string(s.Err.Contents()))
	expectNoDataRace(who, s)
}

// lineAround is the log line holding byte i with digits masked, so a failure shows where
// a PIN leaked without repeating it.
func lineAround(out string, i int) string {
	start := strings.LastIndexByte(out[:i], '\n') + 1
	end := strings.IndexByte(out[i:], '\n')
	if end < 0 {
		end = len(out) - i
	}
	line := out[start : i+end]
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '#'
		}
		return r
	}, line)
}

var _ = Describe("the secrets scan of process output", func() {
	DescribeTable("fails on a secret",
		func(out string) {
			Expect(InterceptGomegaFailures(func() { expectNoSecrets("test", out) })).NotTo(BeEmpty())
		},
		Entry("the certificate inside a word", "appCertificate=xs3cretx"),
		Entry("a PIN as a path segment", "path=/api/login/D/U/EU/1234 code=0"),
		Entry("a PIN as a value", "pin=97531"),
		Entry("a PIN at the start of the output", "4321\n"),
	)
	DescribeTable("passes numbers that only contain a PIN's digits",
		func(out string) {
			Expect(InterceptGomegaFailures(func() { expectNoSecrets("test", out) })).To(BeEmpty())
		},
		Entry("inside a duration", "duration=1.234ms took=31.12345µs"),
		Entry("inside a request ID", "id=ab1234cd00ff9876"),
		Entry("inside a longer number", "port=41234 seq=12345"),
	)
})
