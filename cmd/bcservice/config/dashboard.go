package config

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// DashboardConfig is the web dashboard (cmd/bcservice/README.md, "Dashboard"): its own
// listener, its users, and the EM app user its operator actions run as.
type DashboardConfig struct {
	Listen string          `yaml:"listen"`
	Users  []DashboardUser `yaml:"users"`
	// EMAppID is the EM application user of operator actions; its
	// certificate comes from exactly one of the file or the environment
	// variable, and never reaches a page or a log.
	EMAppID              string `yaml:"emAppID"`
	EMAppCertificateFile string `yaml:"emAppCertificateFile"`
	EMAppCertificateEnv  string `yaml:"emAppCertificateEnv"`
	// SessionIdle and SessionAbsolute end a session after that long
	// without a request, and that long after sign-in.
	SessionIdle     time.Duration `yaml:"sessionIdle"`
	SessionAbsolute time.Duration `yaml:"sessionAbsolute"`
	// Banner is logged at start (the demo names its demo user there).
	Banner string `yaml:"banner"`
	// StatusRefresh is how often the status page fetches itself.
	StatusRefresh time.Duration `yaml:"statusRefresh"`
}

// DashboardUser is one person who may sign in to the dashboard.
type DashboardUser struct {
	Name string `yaml:"name"`
	// Role is viewer (reads) or operator (also logs devices out).
	Role string `yaml:"role"`
	// PasswordHash is a bcrypt hash (`bcservice hash-password`).
	PasswordHash string `yaml:"passwordHash"`
}

// Dashboard roles.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
)

// Dashboard defaults.
const (
	DefaultDashboardListen = "127.0.0.1:8081"
	DefaultSessionIdle     = 30 * time.Minute
	DefaultSessionAbsolute = 12 * time.Hour
	DefaultStatusRefresh   = 30 * time.Second
	MinStatusRefresh       = 2 * time.Second
	MaxStatusRefresh       = time.Hour
)

// dashboardUserName keeps names printable and free of the colon that
// would break HTTP Basic auth.
var dashboardUserName = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// DashboardEnabled reports whether the dashboard section is present.
func (c *Config) DashboardEnabled() bool {
	d := c.Dashboard
	return c.set["dashboard"] || d.Listen != "" || len(d.Users) > 0 || d.EMAppID != ""
}

func (c *Config) dashboardDefaults() {
	if !c.DashboardEnabled() {
		return
	}
	d := &c.Dashboard
	setDefault(c, &d.Listen, "dashboard.listen", DefaultDashboardListen)
	setDefault(c, &d.SessionIdle, "dashboard.sessionIdle", DefaultSessionIdle)
	setDefault(c, &d.SessionAbsolute, "dashboard.sessionAbsolute", DefaultSessionAbsolute)
	setDefault(c, &d.StatusRefresh, "dashboard.statusRefresh", DefaultStatusRefresh)
}

// dashboard checks the dashboard section when it is present. Messages
// never repeat a hash or the certificate.
func (k *checker) dashboard() {
	if !k.c.DashboardEnabled() {
		return
	}
	d := k.c.Dashboard
	if err := checkListen(d.Listen); err != nil {
		k.bad("dashboard.listen", "%v", err)
	}
	if !k.c.History.Enabled() {
		k.bad("dashboard", "needs the request history (history.dsn)")
	}
	k.duration("dashboard.sessionIdle", d.SessionIdle)
	k.duration("dashboard.sessionAbsolute", d.SessionAbsolute)
	if d.StatusRefresh < MinStatusRefresh || d.StatusRefresh > MaxStatusRefresh || d.StatusRefresh%time.Second != 0 {
		k.bad("dashboard.statusRefresh", "must be whole seconds, %s..%s", MinStatusRefresh, MaxStatusRefresh)
	}
	if d.SessionAbsolute < d.SessionIdle {
		k.bad("dashboard.sessionAbsolute", "must not be shorter than sessionIdle (%s)", d.SessionIdle)
	}
	if len(d.Users) == 0 {
		k.bad("dashboard.users", "at least one user is required")
	}
	seen := map[string]bool{}
	for i, u := range d.Users {
		key := func(name string) string { return fmt.Sprintf("dashboard.users[%d].%s", i, name) }
		switch {
		case !dashboardUserName.MatchString(u.Name):
			k.bad(key("name"), "%q must be 1-64 characters of A-Z a-z 0-9 . _ @ -", u.Name)
		case seen[u.Name]:
			k.bad(key("name"), "duplicate user %q", u.Name)
		}
		seen[u.Name] = true
		if u.Role != RoleViewer && u.Role != RoleOperator {
			k.bad(key("role"), "%q must be %s or %s", u.Role, RoleViewer, RoleOperator)
		}
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			k.bad(key("passwordHash"), "not a bcrypt hash (make one with `bcservice hash-password`)")
		}
	}
	if d.EMAppID == "" {
		k.bad("dashboard.emAppID", "the EM app user of operator actions is required")
	}
	k.appCertificate("dashboard", d.EMAppCertificateFile, d.EMAppCertificateEnv)
}

// appCertificate checks that a section (dashboard, schedules) names exactly one
// source of its EM app user's certificate and that the source can be read.
func (k *checker) appCertificate(section, file, env string) {
	if (file != "") == (env != "") {
		k.bad(section+".emAppCertificateFile", "needs exactly one of emAppCertificateFile and emAppCertificateEnv")
	} else if _, err := readAppCertificate(file, env); err != nil {
		key := section + ".emAppCertificateFile"
		if env != "" {
			key = section + ".emAppCertificateEnv"
		}
		k.bad(key, "%v", err)
	}
}

// AppCertificate reads the EM app user's certificate from its file (one
// line) or its environment variable. The error never holds it.
func (d DashboardConfig) AppCertificate() (string, error) {
	return readAppCertificate(d.EMAppCertificateFile, d.EMAppCertificateEnv)
}

// readAppCertificate reads a certificate from the environment variable env
// when it is set, else from the first line of file.
func readAppCertificate(file, env string) (string, error) {
	if env != "" {
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s (emAppCertificateEnv) is not set", env)
		}
		return v, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	p := strings.TrimRight(string(data), "\r\n")
	if p == "" {
		return "", fmt.Errorf("%s is empty", file)
	}
	return p, nil
}
