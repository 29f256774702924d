package features

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// holdTime is how long a latency fault keeps a login inside its busy slot: long enough for a
// spec to make its checks while the slots are full on a machine loaded by the whole suite
// under -race (each check takes milliseconds; 3 s are left for them), short enough to keep
// the suite fast. holdLogins waits at most half of it for the logins to take their slots.
const holdTime = 6 * time.Second

var _ = Describe("cucmsim EM result codes", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	// Each entry produces its code the way a client meets it: from topology state (a
	// scenario) or, for infrastructure failures the model cannot reach, from fault injection.
	// The body must be exactly the contract's failure XML with the spec's short text.
	DescribeTable("every code of the spec's table",
		func(code int, text string, produce func(s *Sim) string) {
			Expect(produce(sim)).To(Equal(failureXML(code, text)))
		},
		Entry("0 Unknown Error, by fault", 0, "Unknown Error", viaFault("login", 0)),
		Entry("1 Error on Parsing, by a malformed document", 1, "Error on Parsing", func(s *Sim) string {
			return s.PostEM("EU", "<request><appInfo><appID>bcapp</appID>")
		}),
		Entry("2 Cannot authorize App user, by a blank user ID", 2, "Cannot authorize App user", func(s *Sim) string {
			return s.PostEM("EU", loginXML(euDevice1, ""))
		}),
		Entry("3 Could not authenticate, by a wrong appCertificate", 3, "Could not authenticate 'bcapp'", func(s *Sim) string {
			return s.PostEM("EU", emLogin{AppID: appID, Cert: "wrong-secret", Device: euDevice1, User: almUser}.XML())
		}),
		Entry("3 Could not authenticate, by an unknown appID", 3, "Could not authenticate 'ghost'", func(s *Sim) string {
			return s.PostEM("EU", emLogin{AppID: "ghost", Cert: appCert, Device: euDevice1, User: almUser}.XML())
		}),
		Entry("4 Policy Validation error, by a locked user", 4, "Policy Validation error", func(s *Sim) string {
			return s.PostEM("EU", loginXML(euDevice1, euLocked))
		}),
		Entry("5 Device logon disabled, by a logout on an EM-disabled device", 5, "Device logon disabled", func(s *Sim) string {
			return s.PostEM("EU", logoutXML(euEMDisabled))
		}),
		Entry("6 Database Error, by fault", 6, "Database Error", viaFault("login", 6)),
		Entry("7 Logout Request Error, by fault on logout", 7, "Logout Request Error", viaFault("logout", 7)),
		Entry("8 Query type undetermined, by an unknown query", 8, "Query type undetermined", func(s *Sim) string {
			return s.PostEM("EU", queryXMLAs(appID, appCert, "phoneQuery", "deviceName", euDevice1))
		}),
		Entry("9 Dir. User Info Error, by fault", 9, "Dir. User Info Error", viaFault("login", 9)),
		Entry("10 User lacks app proxy rights, by an app user without proxy rights", 10, "User lacks app proxy rights", func(s *Sim) string {
			return s.PostEM("EU", emLogin{AppID: "noproxy", Cert: "n0proxy", Device: euDevice1, User: almUser}.XML())
		}),
		Entry("10 User lacks app proxy rights, by an end user acting for another user", 10, "User lacks app proxy rights", func(s *Sim) string {
			return s.PostEM("EU", emLogin{AppID: euSelf, Cert: "selfpass", Device: euDevice1, User: almUser}.XML())
		}),
		Entry("11 Device does not exist, by an unknown device", 11, "Device does not exist", func(s *Sim) string {
			return s.PostEM("EU", loginXML(unknownDevice, almUser))
		}),
		Entry("11 Device does not exist, by a blank device name", 11, "Device does not exist", func(s *Sim) string {
			return s.PostEM("EU", loginXML("", almUser))
		}),
		Entry("11 Device does not exist, by another cluster's device", 11, "Device does not exist", func(s *Sim) string {
			return s.PostEM("EU", loginXML(usPlain1, almUser))
		}),
		Entry("12 Dev. Profile not found, by a user without profiles", 12, "Dev. Profile not found", func(s *Sim) string {
			return s.PostEM("EU", loginXML(euDevice1, euNoProf))
		}),
		Entry("12 Dev. Profile not found, by an unknown named profile", 12, "Dev. Profile not found", func(s *Sim) string {
			return s.PostEM("EU", emLogin{Device: euDevice1, User: almUser, Profile: "UDP-NOSUCH"}.XML())
		}),
		Entry("18 Another user logged in, by an occupied device", 18, "Another user logged in", func(s *Sim) string {
			s.PutLogin("EU", euDevice1, SeedLogin{User: euUser02})
			return s.PostEM("EU", loginXML(euDevice1, almUser))
		}),
		Entry("19 No user logged in, by a logout of a free device", 19, "No user logged in", func(s *Sim) string {
			return s.PostEM("EU", logoutXML(euDevice1))
		}),
		Entry("20 Hoteling flag error, by fault", 20, "Hoteling flag error", viaFault("login", 20)),
		Entry("21 Hoteling Status error, by fault", 21, "Hoteling Status error", viaFault("logout", 21)),
		Entry("22 Device logon disabled, by a login on an EM-disabled device", 22, "Device logon disabled", func(s *Sim) string {
			return s.PostEM("EU", loginXML(euEMDisabled, almUser))
		}),
		Entry("23 User does not exist, by an unknown user", 23, "User does not exist", func(s *Sim) string {
			return s.PostEM("EU", loginXML(euDevice1, "NOSUCHUSER"))
		}),
		Entry("25 User logged in elsewhere, by multipleLogin not-allowed", 25, "User logged in elsewhere", func(s *Sim) string {
			s.PutLogin("EU", euDevice2, SeedLogin{User: almUser})
			return s.PostEM("EU", loginXML(euDevice1, almUser))
		}),
		Entry("26 Busy, please try again, by a full request semaphore (LAB holds 1)", 26, "Busy, please try again", func(s *Sim) string {
			wait := holdLogins(s, "LAB", holdTime, [][2]string{{labDevice1, labUser}})
			body := s.PostEM("LAB", logoutXML(labDevice2))
			Expect(wait()).To(Equal([]int{0}))
			return body
		}),
		Entry("27 Change Password, by an app user that must change its password", 27, "Change Password", func(s *Sim) string {
			return s.PostEM("EU", emLogin{AppID: "expired", Cert: "old-pass", Device: euDevice1, User: almUser}.XML())
		}),
		Entry("28 Untrusted IP Error, by a remoteIPAddr outside trustedIPs", 28, "Untrusted IP Error", func(s *Sim) string {
			return s.PostEM("EU", emLogin{Device: euDevice1, User: almUser, RemoteIP: "192.0.2.1"}.XML())
		}),
		Entry("29 RIS down-contact admin, by fault", 29, "RIS down-contact admin", viaFault("", 29)),
		Entry("30 Proxy not allowed, by isViaHeaderSet where allowProxy is false", 30, "Proxy not allowed", func(s *Sim) string {
			return s.PostEM("US", emLogin{Device: usPlain1, User: usUser02, ViaHeaderSet: true}.XML())
		}),
		Entry("31 EMCC Not Activated for the user, by a roaming user with emcc false", 31, "EMCC Not Activated for the user", func(s *Sim) string {
			s.AcceptPIN("EU", euNoEMCCU, "5555")
			return s.PostEM("US", loginXML(usPlain1, euNoEMCCU))
		}),
		Entry("32 Device does not support EMCC, by roaming onto a non-EMCC device", 32, "Device does not support EMCC", func(s *Sim) string {
			s.AcceptPIN("EU", euRoamer, "5678")
			return s.PostEM("US", loginXML(usNoEMCC, euRoamer))
		}),
		Entry("33 No free EMCC dummy device, by fault", 33, "No free EMCC dummy device", viaFault("login", 33)),
		Entry("35 Visiting cluster information missing, by fault", 35, "Visiting cluster information is not present in the home cluster", viaFault("login", 35)),
		Entry("36 No Remote Cluster, by a user of a cluster without EMCC (LAB) roaming", 36, "No Remote Cluster", func(s *Sim) string {
			s.AcceptPIN("LAB", labUser, "9999")
			return s.PostEM("EU", loginXML(euDevice1, labUser))
		}),
		Entry("36 No Remote Cluster, by roaming into a cluster without EMCC (LAB)", 36, "No Remote Cluster", func(s *Sim) string {
			s.AcceptPIN("EU", euRoamer, "5678")
			return s.PostEM("LAB", loginXML(labDevice1, euRoamer))
		}),
		Entry("37 Duplicate device name, by roaming onto a name both clusters have", 37, "Duplicate device name", func(s *Sim) string {
			s.AcceptPIN("EU", euRoamer, "5678")
			return s.PostEM("US", loginXML(dupDevice, euRoamer))
		}),
		Entry("38 EMCC Not Allowed, by fault", 38, "EMCC Not Allowed", viaFault("login", 38)),
	)

	// cmd/cucmsim/README.md, "Behaviour decisions": every operation, queries included, checks the
	// appInfo block before anything else.
	DescribeTable("authentication applies to every message",
		func(kind string) {
			for _, c := range []struct {
				id, cert string
				code     int
			}{
				{appID, "wrong-secret", 3},
				{"ghost", appCert, 3},
				{"expired", "old-pass", 27},
			} {
				var x string
				switch kind {
				case "login":
					x = emLogin{AppID: c.id, Cert: c.cert, Device: euDevice1, User: almUser}.XML()
				case "logout":
					x = logoutXMLAs(c.id, c.cert, euDevice1)
				case "logoutAll":
					x = "<request>" + appInfo(c.id, c.cert) + "<logoutAll/></request>"
				case "deviceUserQuery":
					x = queryXMLAs(c.id, c.cert, kind, "deviceName", euDevice1)
				default:
					x = queryXMLAs(c.id, c.cert, kind, "userID", almUser)
				}
				Expect(sim.EM("EU", x).Code()).To(Equal(c.code), "%s as %s", kind, c.id)
			}
			Expect(sim.Logins("EU")).To(BeEmpty())
		},
		Entry("login", "login"),
		Entry("logout", "logout"),
		Entry("logoutAll", "logoutAll"),
		Entry("deviceUserQuery", "deviceUserQuery"),
		Entry("userDevicesQuery", "userDevicesQuery"),
		Entry("deviceProfileQuery", "deviceProfileQuery"),
	)

	Context("when an end user is its own appID", func() {
		It("may not log another user out (10)", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			Expect(sim.EM("EU", logoutXMLAs(euSelf, "selfpass", euDevice1)).Code()).To(Equal(10))
			Expect(sim.Logins("EU")).To(HaveLen(1))
		})
		It("may not log the whole cluster out (10)", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			Expect(sim.EM("EU", "<request>"+appInfo(euSelf, "selfpass")+"<logoutAll/></request>").Code()).To(Equal(10))
			Expect(sim.Logins("EU")).To(HaveLen(1))
		})
	})

	It("checks an occupied device before the EMCC checks", func() {
		sim.PutLogin("US", usPlain1, SeedLogin{User: usUser03})
		sim.AcceptPIN("EU", euNoEMCCU, "5555")
		before := sim.Logins("US")
		Expect(sim.EM("US", loginXML(usPlain1, euNoEMCCU)).Code()).To(Equal(18))
		Expect(sim.Logins("US")).To(Equal(before), "a refused login changes nothing")
	})

	DescribeTable("login rules apply in the documented order",
		func(cluster string, seed map[string]string, x string, want int) {
			for device, user := range seed {
				sim.PutLogin(cluster, device, SeedLogin{User: user})
			}
			before := sim.Logins(cluster)
			Expect(sim.EM(cluster, x).Code()).To(Equal(want))
			Expect(sim.Logins(cluster)).To(Equal(before), "a refused login changes nothing")
		},
		Entry("authentication before everything", "EU", nil,
			emLogin{AppID: appID, Cert: "bad", Device: unknownDevice, User: ""}.XML(), 3),
		Entry("blank user before an unknown device", "EU", nil, loginXML(unknownDevice, ""), 2),
		Entry("unknown device before an unknown user", "EU", nil, loginXML(unknownDevice, "NOSUCHUSER"), 11),
		Entry("EM disabled before an unknown user", "EU", nil, loginXML(euEMDisabled, "NOSUCHUSER"), 22),
		Entry("unknown user before an occupied device", "EU", map[string]string{euDevice1: euUser02}, loginXML(euDevice1, "NOSUCHUSER"), 23),
		Entry("locked user before an occupied device", "EU", map[string]string{euDevice1: euUser02}, loginXML(euDevice1, euLocked), 4),
		Entry("missing profile before an occupied device", "EU", map[string]string{euDevice1: euUser02}, loginXML(euDevice1, euNoProf), 12),
		Entry("untrusted IP before an occupied device", "EU", map[string]string{euDevice1: euUser02},
			emLogin{Device: euDevice1, User: almUser, RemoteIP: "192.0.2.1"}.XML(), 28),
		Entry("proxy before an occupied device", "US", map[string]string{usPlain1: usUser03},
			emLogin{Device: usPlain1, User: usUser02, ViaHeaderSet: true}.XML(), 30),
		Entry("a roaming user without an accepted PIN is unknown, before an occupied device", "US", map[string]string{usPlain1: usUser03}, loginXML(usPlain1, euNoEMCCU), 23),
		Entry("occupied device before multiple login", "EU", map[string]string{euDevice1: euUser02, euDevice2: almUser}, loginXML(euDevice1, almUser), 18),
	)
})

// viaFault installs a login/logout/any-operation fault answering code and returns a producer
// that sends the matching request.
func viaFault(operation string, code int) func(s *Sim) string {
	return func(s *Sim) string {
		s.AddFault("EU", Fault{Operation: operation, EMCode: emCode(code), Count: 1})
		if operation == "logout" {
			s.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			body := s.PostEM("EU", logoutXML(euDevice1))
			Expect(s.Logins("EU")).To(HaveLen(1), "a faulted logout changes nothing")
			return body
		}
		body := s.PostEM("EU", loginXML(euDevice1, almUser))
		Expect(s.Logins("EU")).To(BeEmpty(), "a faulted login changes nothing")
		return body
	}
}

// holdLogins sends one login per device/user pair concurrently, each held inside the
// cluster's busy semaphore by a one-shot latency fault on its device for hold, and returns
// once every login holds its slot. The simulator takes the slot before it matches faults, so
// a hold fault whose count is used up (gone from GET /faults, or remaining 0) proves its
// login is inside; probing before that would race the holds for the slots. It returns a
// wait function that blocks (with a deadline) until every login has answered and gives their
// codes in pair order (-1 for a transport error). No goroutine outlives the wait: the spec
// calls it, and DeferCleanup calls it again if the spec fails first.
func holdLogins(s *Sim, cluster string, hold time.Duration, pairs [][2]string) func() []int {
	GinkgoHelper()
	ids := make([]string, 0, len(pairs))
	for _, p := range pairs {
		ids = append(ids, s.AddFault(cluster, Fault{Operation: "login", Device: p[0], Latency: hold.String(), Count: 1}))
	}
	type result struct {
		i, code int
	}
	results := make(chan result, len(pairs))
	endpoint := s.EMServiceURL(cluster, s.firstNode(cluster))
	client := &http.Client{Timeout: hold + httpTimeout}
	for i, p := range pairs {
		go func() {
			results <- result{i, postCode(client, endpoint, loginXML(p[0], p[1]))}
		}()
	}
	var codes []int
	wait := func() []int {
		GinkgoHelper()
		if codes != nil {
			return codes
		}
		codes = make([]int, len(pairs))
		for range pairs {
			var r result
			Eventually(results).WithTimeout(hold+httpTimeout).Should(Receive(&r), "a held login never answered")
			codes[r.i] = r.code
		}
		return codes
	}
	DeferCleanup(func() { wait() })
	Eventually(func() []string { return pendingFaults(s, cluster, ids) }).
		WithTimeout(hold/2).WithPolling(pollInterval).
		Should(BeEmpty(), "held logins not yet inside their slots")
	return wait
}

// pendingFaults returns the ids whose fault is still listed with hits remaining.
func pendingFaults(s *Sim, cluster string, ids []string) []string {
	GinkgoHelper()
	var pending []string
	for _, f := range s.Faults(cluster) {
		id, _ := f["id"].(string)
		remaining, counted := f["remaining"].(float64)
		if slices.Contains(ids, id) && (!counted || remaining > 0) {
			pending = append(pending, id)
		}
	}
	return pending
}

// postCode sends one EM request outside Gomega (safe in a goroutine) and returns its code,
// -1 when the exchange or the body fails.
func postCode(client *http.Client, endpoint, x string) int {
	resp, err := client.PostForm(endpoint, url.Values{"xml": {x}})
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var r emResponse
	if err := xml.NewDecoder(resp.Body).Decode(&r); err != nil {
		return -1
	}
	if r.Success != nil {
		return 0
	}
	if r.Failure == nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.Failure.Error.Code))
	if err != nil {
		return -1
	}
	return n
}
