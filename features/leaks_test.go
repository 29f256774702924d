package features

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// raceBuildFlags are the gexec.Build flags: FEATURES_RACE=1 builds both binaries with the
// race detector (CI does), so a data race in a process fails the spec that stops it.
func raceBuildFlags() []string {
	if os.Getenv("FEATURES_RACE") == "1" {
		return append(vcsBuildFlags(), "-race")
	}
	return vcsBuildFlags()
}

// vcsBuildFlags stamp the binaries with the git revision as the Makefile does, whatever
// GOFLAGS says, so that the build-information specs see what a user's build shows.
func vcsBuildFlags() []string { return []string{"-buildvcs=true"} }

// expectNoDataRace fails when a race-enabled process reported a data race.
func expectNoDataRace(who string, s *gexec.Session) {
	GinkgoHelper()
	out := string(s.Out.Contents()) + string(s.Err.Contents())
	if i := strings.Index(out, "WARNING: DATA RACE"); i >= 0 {
		Fail(who + " reported a data race:\n" + out[i:min(len(out), i+4000)])
	}
}

// started lists the processes this Ginkgo process started and the addresses they listened
// on, so that the suite's end can check none outlives it. It is written under its mutex by
// the scaffold's start functions only.
var started struct {
	sync.Mutex
	pids  []int
	addrs []string
}

// trackProcess records a started process and its listening addresses.
func trackProcess(s *gexec.Session, addrs ...string) {
	started.Lock()
	defer started.Unlock()
	started.pids = append(started.pids, s.Command.Process.Pid)
	started.addrs = append(started.addrs, addrs...)
}

// expectNoProcessLeftBehind checks that every process this Ginkgo process started is gone,
// and leaves the addresses they listened on in binaries.Addrs for expectNoAddressListening.
func expectNoProcessLeftBehind() {
	started.Lock()
	defer started.Unlock()
	for _, pid := range started.pids {
		Eventually(func() error { return syscall.Kill(pid, 0) }).WithTimeout(stopTimeout).
			Should(MatchError(syscall.ESRCH), "process %d still running after the suite", pid)
	}
	if binaries.Addrs == "" { // the suite's set-up failed
		return
	}
	name := filepath.Join(binaries.Addrs, fmt.Sprintf("process-%d.txt", GinkgoParallelProcess()))
	Expect(os.WriteFile(name, []byte(strings.Join(started.addrs, "\n")), 0o600)).To(Succeed())
}

// expectNoAddressListening checks, once every Ginkgo process has ended, that no address a
// started process listened on still accepts connections.
func expectNoAddressListening() {
	if binaries.Addrs == "" {
		return
	}
	defer os.RemoveAll(binaries.Addrs)
	files, err := filepath.Glob(filepath.Join(binaries.Addrs, "process-*.txt"))
	Expect(err).NotTo(HaveOccurred())
	for _, f := range files {
		b, err := os.ReadFile(f)
		Expect(err).NotTo(HaveOccurred())
		for _, addr := range strings.Fields(string(b)) {
			Eventually(func() error {
				c, err := net.DialTimeout("tcp", addr, time.Second)
				if err == nil {
					c.Close()
					return errors.New("accepted")
				}
				return nil
			}).WithTimeout(stopTimeout).Should(Succeed(), "%s still listening after the suite", addr)
		}
	}
}
