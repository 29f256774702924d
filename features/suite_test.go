// Package features holds the end-to-end feature suites: they build the real cucmsim and
// bcservice binaries once, start them as processes on ephemeral ports and drive them over
// HTTP exactly as a client would (EM XML, the control API, the Business Connector API).
package features

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

const (
	simPackage     = "github.com/emconnector/emconnector/cmd/cucmsim"
	servicePackage = "github.com/emconnector/emconnector/cmd/bcservice"
)

// builtBinaries are the executables built once per suite run and shared by every parallel
// Ginkgo process.
type builtBinaries struct {
	Sim     string `json:"sim"`
	Service string `json:"service"`
	// ServiceUntimed and SimUntimed are bcservice and cucmsim built without the race detector, for the one spec that
	// asserts a wall time (the replicas' burst): the detector multiplies the CPU cost of
	// every request, so a time taken with it measures the detector. It is Service when the
	// suite is not race-built.
	ServiceUntimed string `json:"serviceUntimed"`
	SimUntimed     string `json:"simUntimed"`
	// Addrs is a directory where each Ginkgo process leaves the addresses its processes
	// listened on, checked once every process has ended (leaks_test.go).
	Addrs string `json:"addrs"`
}

// binaries is the suite's one package-level variable besides the scaffold's record of started
// processes (leaks_test.go): SynchronizedBeforeSuite is the one way
// Ginkgo hands data from the suite set-up to the specs. It is written once, before any spec.
var binaries builtBinaries

// defaultEventually is how long a bare Eventually waits, instead of Gomega's 1 s: an
// Eventually waits for something to happen, and a generous wait costs nothing when it does,
// while 1 s is a bound a machine loaded by the whole suite under -race can break. A spec
// that means a time says so with WithTimeout and a comment.
const defaultEventually = 10 * time.Second

func TestFeatures(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(defaultEventually)
	RunSpecs(t, "Features")
}

var _ = SynchronizedBeforeSuite(func() []byte {
	// Runs on the first Ginkgo process only: compile each binary once.
	var b builtBinaries
	var err error
	b.Sim, err = gexec.Build(simPackage, raceBuildFlags()...)
	Expect(err).NotTo(HaveOccurred(), "building cucmsim")
	b.Service, err = gexec.Build(servicePackage, raceBuildFlags()...)
	Expect(err).NotTo(HaveOccurred(), "building bcservice")
	b.ServiceUntimed, b.SimUntimed = b.Service, b.Sim
	if os.Getenv("FEATURES_RACE") == "1" {
		b.ServiceUntimed, err = gexec.BuildWithEnvironment(servicePackage, nil)
		Expect(err).NotTo(HaveOccurred(), "building bcservice without the race detector")
		b.SimUntimed, err = gexec.BuildWithEnvironment(simPackage, nil)
		Expect(err).NotTo(HaveOccurred(), "building cucmsim without the race detector")
	}
	b.Addrs, err = os.MkdirTemp("", "features-addrs-")
	Expect(err).NotTo(HaveOccurred())
	data, err := json.Marshal(b)
	Expect(err).NotTo(HaveOccurred())
	return data
}, func(data []byte) {
	Expect(json.Unmarshal(data, &binaries)).To(Succeed())
})

// The first function runs on every Ginkgo process, the second on the first process once all
// the others have ended: a port one process let go of may meanwhile listen in another.
var _ = SynchronizedAfterSuite(expectNoProcessLeftBehind, func() {
	expectNoAddressListening()
	gexec.CleanupBuildArtifacts()
})

// repoPath turns a path relative to the repository root into one usable from the suite's
// working directory (go test runs in the package directory, features/). Absolute paths (a
// spec's temporary files) are returned unchanged.
func repoPath(rel string) string {
	if filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join("..", filepath.FromSlash(rel))
}
