package config

import (
	"time"

	"github.com/emconnector/emconnector/service/history/report"
)

// ReportsConfig tunes the dashboard's usage reports (cmd/bcservice/README.md,
// "Usage reports").
type ReportsConfig struct {
	// BusinessHours, such as "Mon-Fri 08:00-18:00", make a device's
	// utilisation its logged-in share of those hours (in the report's time
	// zone) rather than of the whole range; "" measures the whole range.
	BusinessHours string `yaml:"businessHours"`
	// Zone is the reports' default IANA time zone; "" is the server's.
	Zone string `yaml:"zone"`
}

// Hours returns the configured business hours, nil when there are none.
func (r ReportsConfig) Hours() (*report.BusinessHours, error) {
	if r.BusinessHours == "" {
		return nil, nil
	}
	b, err := report.ParseBusinessHours(r.BusinessHours)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// Location returns the reports' default time zone.
func (r ReportsConfig) Location() (*time.Location, error) {
	if r.Zone == "" {
		return time.Local, nil
	}
	return time.LoadLocation(r.Zone)
}

// reports checks the reports section.
func (k *checker) reports() {
	r := k.c.Reports
	if _, err := r.Hours(); err != nil {
		k.bad("reports.businessHours", "%v", err)
	}
	if _, err := r.Location(); err != nil {
		k.bad("reports.zone", "%q is not an IANA time zone name (such as Europe/Paris or UTC)", r.Zone)
	}
}
