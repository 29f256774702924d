package config

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service"
)

// SchedulesConfig is the scheduled work (cmd/bcservice/README.md, "Bookings and
// sweeps"): bookings made through the API and the configured sweeps, both run
// as the service's own EM app user and kept in the history's database.
type SchedulesConfig struct {
	// EMAppID is the EM application user the bookings and sweeps act as; its
	// certificate comes from exactly one of the file or the environment
	// variable, and never reaches a page or a log.
	EMAppID              string `yaml:"emAppID"`
	EMAppCertificateFile string `yaml:"emAppCertificateFile"`
	EMAppCertificateEnv  string `yaml:"emAppCertificateEnv"`
	// StartGrace is how long a booking's login is retried while the device
	// is busy or occupied before the booking fails.
	StartGrace time.Duration `yaml:"startGrace"`
	// Sweeps are the recurring "log out every matching login" rules.
	Sweeps []SweepConfig `yaml:"sweeps"`
	// ListPageSize is how many phones one AXL listPhone page asks for, and
	// QueryBatch how many devices one deviceUserQuery names (0: the
	// defaults, 500 and 50; lower them for a CUCM that refuses large
	// answers).
	ListPageSize int `yaml:"listPageSize"`
	QueryBatch   int `yaml:"queryBatch"`
	// SweepLease is how long a runner's claim on a sweep lasts without
	// renewal (renewed every third of it): how soon another replica resumes
	// the run of one that died.
	SweepLease time.Duration `yaml:"sweepLease"`
}

// Bounds of listPageSize and queryBatch.
const (
	MaxListPageSize = 10000
	MaxQueryBatch   = 1000
)

// SweepConfig is one sweep: at At on Days in Timezone, log out every EM login
// on Clusters whose device name matches Devices and that is older than
// MinLoginAge.
type SweepConfig struct {
	Name string `yaml:"name"`
	// At is the local time of day, "HH:MM" or "HH:MM:SS" (24 h).
	At string `yaml:"at"`
	// Days are mon..sun; absent means every day.
	Days []string `yaml:"days"`
	// Timezone is an IANA zone; absent means the server's.
	Timezone string `yaml:"timezone"`
	// Clusters are cluster codes; absent means every cluster.
	Clusters []string `yaml:"clusters"`
	// Devices is a glob on the device name (path.Match syntax: * ? [..]).
	Devices          string        `yaml:"devices"`
	ClearCallHistory bool          `yaml:"clearCallHistory"`
	MinLoginAge      time.Duration `yaml:"minLoginAge"`
}

// Schedules defaults and bounds.
const (
	DefaultStartGrace = 5 * time.Minute
	DefaultSweepLease = 30 * time.Second
	MinSweepLease     = 3 * time.Second
	MaxSweepLease     = 10 * time.Minute
)

// weekdays maps the days' keys to Go's weekdays.
var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// SchedulesEnabled reports whether the schedules section is present.
func (c *Config) SchedulesEnabled() bool {
	s := c.Schedules
	return c.set["schedules"] || s.EMAppID != "" || len(s.Sweeps) > 0
}

func (c *Config) schedulesDefaults() {
	if !c.SchedulesEnabled() {
		return
	}
	setDefault(c, &c.Schedules.StartGrace, "schedules.startGrace", DefaultStartGrace)
	setDefault(c, &c.Schedules.SweepLease, "schedules.sweepLease", DefaultSweepLease)
}

// schedules checks the schedules section when it is present.
func (k *checker) schedules() {
	if !k.c.SchedulesEnabled() {
		return
	}
	s := k.c.Schedules
	if !k.c.History.Enabled() {
		k.bad("schedules", "needs the request history (history.dsn): bookings and sweep reports live in its database")
	}
	k.duration("schedules.startGrace", s.StartGrace)
	if s.SweepLease < MinSweepLease || s.SweepLease > MaxSweepLease {
		k.bad("schedules.sweepLease", "must be %s..%s", MinSweepLease, MaxSweepLease)
	}
	if s.EMAppID == "" {
		k.bad("schedules.emAppID", "the EM app user of bookings and sweeps is required")
	}
	k.appCertificate("schedules", s.EMAppCertificateFile, s.EMAppCertificateEnv)
	if s.ListPageSize < 0 || s.ListPageSize > MaxListPageSize {
		k.bad("schedules.listPageSize", "must be 1-%d (0: the default)", MaxListPageSize)
	}
	if s.QueryBatch < 0 || s.QueryBatch > MaxQueryBatch {
		k.bad("schedules.queryBatch", "must be 1-%d (0: the default)", MaxQueryBatch)
	}
	seen := map[string]bool{}
	for i, sw := range s.Sweeps {
		key := func(name string) string { return fmt.Sprintf("schedules.sweeps[%d].%s", i, name) }
		switch {
		case !service.ValidSweepName(sw.Name):
			k.bad(key("name"), "%q must be 1-64 characters of A-Z a-z 0-9 . _ -", sw.Name)
		case seen[sw.Name]:
			k.bad(key("name"), "duplicate sweep %q", sw.Name)
		}
		seen[sw.Name] = true
		k.sweep(sw, key)
	}
}

// sweep checks one sweep's schedule and selection.
func (k *checker) sweep(sw SweepConfig, key func(string) string) {
	if _, _, _, err := sw.Clock(); err != nil {
		k.bad(key("at"), "%v", err)
	}
	if _, err := sw.Weekdays(); err != nil {
		k.bad(key("days"), "%v", err)
	}
	if _, err := sw.Location(); err != nil {
		k.bad(key("timezone"), "%v", err)
	}
	codes := k.c.clusterCodes()
	for j, code := range sw.Clusters {
		if !slices.Contains(codes, code) {
			k.bad(fmt.Sprintf("%s[%d]", key("clusters"), j), "%q is not a configured cluster (%s)", code, strings.Join(codes, ", "))
		}
	}
	if sw.Devices == "" {
		k.bad(key("devices"), "a device name pattern is required (e.g. \"SEPHD*\"; \"*\" for every device)")
	} else if _, err := path.Match(sw.Devices, ""); err != nil {
		k.bad(key("devices"), "%q is not a valid pattern: %v", sw.Devices, err)
	}
	if sw.MinLoginAge < 0 {
		k.bad(key("minLoginAge"), "must not be negative")
	}
}

// clusterCodes lists the configured clusters' codes in file order.
func (c *Config) clusterCodes() []string {
	codes := make([]string, 0, len(c.Clusters))
	for _, cl := range c.Clusters {
		codes = append(codes, cl.Code)
	}
	return codes
}

// Clock is At as hour, minute and second.
func (sw SweepConfig) Clock() (hour, minute, second int, err error) {
	layout := "15:04"
	if len(sw.At) == 8 {
		layout = "15:04:05"
	}
	t, err := time.Parse(layout, sw.At)
	if err != nil || len(sw.At) != len(layout) {
		return 0, 0, 0, fmt.Errorf("%q is not a time of day HH:MM or HH:MM:SS (24 h)", sw.At)
	}
	return t.Hour(), t.Minute(), t.Second(), nil
}

// Weekdays is Days as Go weekdays; every day when Days is empty.
func (sw SweepConfig) Weekdays() ([]time.Weekday, error) {
	if len(sw.Days) == 0 {
		return []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}, nil
	}
	var out []time.Weekday
	for _, d := range sw.Days {
		wd, ok := weekdays[strings.ToLower(d)]
		if !ok {
			return nil, fmt.Errorf("%q is not a day (mon, tue, wed, thu, fri, sat, sun)", d)
		}
		if slices.Contains(out, wd) {
			return nil, fmt.Errorf("%q is listed twice", d)
		}
		out = append(out, wd)
	}
	return out, nil
}

// Location is Timezone loaded; the server's zone when it is empty.
func (sw SweepConfig) Location() (*time.Location, error) {
	if sw.Timezone == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(sw.Timezone)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IANA time zone", sw.Timezone)
	}
	return loc, nil
}

// AppCertificate reads the schedules' EM app user certificate from its file
// or its environment variable. The error never holds it.
func (s SchedulesConfig) AppCertificate() (string, error) {
	return readAppCertificate(s.EMAppCertificateFile, s.EMAppCertificateEnv)
}
