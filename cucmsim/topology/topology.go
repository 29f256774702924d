// Package topology holds the cucmsim fixture format: the Go types of a simulated CUCM estate,
// the YAML loader that validates it (errors name file and line), and a generator for large
// estates used by benchmarks.
package topology

import (
	"net/netip"
	"time"
)

// Topology is a validated estate of CUCM clusters. Users listed in a cluster are homed there;
// a user ID is unique across the whole topology.
type Topology struct {
	// File is the name the topology was loaded from (used in messages only).
	File     string
	Clusters []Cluster
}

// Cluster is one CUCM cluster: its nodes, EM service policy and provisioned objects.
type Cluster struct {
	Code     string
	Name     string
	Nodes    []Node
	Policy   Policy
	AppUsers []AppUser
	Users    []User
	Profiles []Profile
	Devices  []Device
	// Line is where the cluster starts in the file, for messages.
	Line int
}

// Node is one server of a cluster; every node serves the same EM and AXL endpoints.
type Node struct {
	Name   string
	Listen string
	line   int
}

// MultipleLogin is the CUCM service parameter "Multiple Login Behavior".
type MultipleLogin string

// The values of MultipleLogin as they appear in YAML.
const (
	MultipleLoginAllowed    MultipleLogin = "allowed"
	MultipleLoginNotAllowed MultipleLogin = "not-allowed"
	MultipleLoginAutoLogout MultipleLogin = "auto-logout"
)

// SameUserRelogin decides the answer to a login of the user already on that device.
type SameUserRelogin string

// The values of SameUserRelogin as they appear in YAML.
const (
	SameUserReloginError   SameUserRelogin = "error"
	SameUserReloginSuccess SameUserRelogin = "success"
)

// Policy holds the EM service parameters of a cluster that the simulator models.
type Policy struct {
	MultipleLogin MultipleLogin
	// MaxConcurrentRequests bounds simultaneous login/logout/logoutAll requests (code 26 beyond).
	MaxConcurrentRequests int
	// MaxLoginMinutes is the enforced intra-cluster maximum login time; 0 means none.
	MaxLoginMinutes int
	SameUserRelogin SameUserRelogin
	// TrustedIPs, when non-empty, lists the addresses (or prefixes) allowed as remoteIPAddr.
	TrustedIPs []netip.Prefix
	AllowProxy bool
	EMCC       bool
	// EMAPIRoaming decides what an EM API login of a user homed in another cluster does.
	EMAPIRoaming EMAPIRoaming
	// Wording names the set of error texts the cluster answers with (WordingDevNet by default).
	Wording Wording
	// ErrorTexts overrides the text of single codes; "{appID}" in a text becomes the request's
	// appID.
	ErrorTexts map[int]string
	// Latency is the opt-in realistic timing of EM operations (zero: answer at once).
	Latency Latency
}

// EMAPIRoaming is what a cluster does with an EM API login of a user homed in another cluster.
// Cisco's DevNet note says the EM API does not do EMCC, yet the Business Connector roams users
// whose PIN their home cluster accepted; the simulator models that hand-over (cmd/cucmsim/README.md,
// "Roaming through the EM API").
type EMAPIRoaming string

// The values of EMAPIRoaming as they appear in YAML.
const (
	// RoamingAfterPINCheck: an EMCC login when the user's home cluster accepted the user's PIN
	// (AXL doAuthenticateUser) within PINCheckValidity; otherwise 23, as for an unknown user.
	RoamingAfterPINCheck EMAPIRoaming = "afterPINCheck"
	// RoamingAlways: always an EMCC login (the simulator's model before 2026-12-06).
	RoamingAlways EMAPIRoaming = "always"
	// RoamingNever: always 23, the DevNet note taken literally.
	RoamingNever EMAPIRoaming = "never"
)

// PINCheckValidity is how long a home cluster's accepted PIN lets the user roam (afterPINCheck).
const PINCheckValidity = 2 * time.Minute

// Wording is a named set of EM error texts.
type Wording string

// The wordings as they appear in YAML.
const (
	// WordingDevNet is the DevNet EM API guide's table, code 3 naming the appID.
	WordingDevNet Wording = "devnet"
	// WordingField is the wording public EM clients test for (codes 3, 18 and 22).
	WordingField Wording = "field"
)

// DefaultPolicy is the policy of a cluster whose YAML leaves every key out; it mirrors CUCM's
// defaults (Multiple Logins Not Allowed, Maximum Concurrent Requests 5, no maximum login time).
func DefaultPolicy() Policy {
	return Policy{
		MultipleLogin:         MultipleLoginNotAllowed,
		MaxConcurrentRequests: 5,
		SameUserRelogin:       SameUserReloginError,
		AllowProxy:            true,
		EMCC:                  true,
		EMAPIRoaming:          RoamingAfterPINCheck,
		Wording:               WordingDevNet,
	}
}

// AppUser is a CUCM application user that may call the EM API (appID/appCertificate) and AXL.
type AppUser struct {
	ID                 string
	Password           string
	EMProxyRights      bool
	MustChangePassword bool
	// AXLAccess defaults to EMProxyRights when the YAML leaves it out.
	AXLAccess bool
	line      int
}

// User is an end user homed in the cluster that lists it. Profiles[0] is the default profile.
type User struct {
	ID string
	// PIN is checked by AXL doAuthenticateUser; empty means the user has no PIN.
	PIN string
	// Password, when set, lets the user be its own appID for logins/logouts of itself.
	Password string
	Profiles []string
	Locked   bool
	// EMCC false forbids cross-cluster logins of this user (code 31).
	EMCC bool
	line int
}

// Profile is a user device profile (UDP).
type Profile struct {
	Name string
	line int
}

// MaxCallHistory bounds a device's call history count, in the topology and the control API.
const MaxCallHistory = 10000

// Device is a phone. EMEnabled false refuses logins (22) and logouts (5).
type Device struct {
	Name        string
	Model       string
	EMEnabled   bool
	EMCCCapable bool
	// CallHistory is the number of call history entries the phone holds after a reset of the
	// simulator (0..MaxCallHistory); a hard doDeviceReset empties it.
	CallHistory int
	line        int
}

// Latency delays EM operations like a loaded CUCM: each operation waits its own duration plus
// a uniform random offset in [-Jitter, +Jitter] (never below zero), drawn from the simulator's
// seeded random source. Login, logout and logoutAll wait while holding their busy slot.
type Latency struct {
	// ByOperation maps an operation name (login, logout, logoutAll, deviceUserQuery,
	// userDevicesQuery, deviceProfileQuery, checkUser) to its base delay.
	ByOperation map[string]time.Duration
	Jitter      time.Duration
}
