// Package report computes the usage reports of the request history
// (cmd/bcservice/README.md, "Usage reports"): per group of an hour, a day
// or a week in a time zone, the logins, failures, distinct users and
// devices, the peak of concurrent sessions, the logged-in time and the
// median session; over the range, each device's utilisation, the most and
// least used devices and those never logged into since a date. Sessions
// are derived as the dashboard's device page derives them
// (history.SessionBuilder); one still open counts up to now.
package report

import (
	"time"
)

// TopN is the length of the most and least used lists.
const TopN = 10

// Report is the answer to a Filter.
type Report struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Zone  string    `json:"zone"`
	Group Grouping  `json:"group"`
	// Now is the instant open sessions count up to.
	Now           time.Time `json:"now"`
	BusinessHours string    `json:"businessHours"`
	// RollupsUntil is the watermark of the rollups the report was
	// computed from (the rows after it were read); nil when it was
	// computed from the rows alone.
	RollupsUntil *time.Time `json:"rollupsUntil"`
	// Groups are in time order; the first and last may be partial.
	Groups []Group `json:"groups"`
	// Devices holds every device of the history in the filter, the most
	// used first; MostUsed and LeastUsed are their TopN ends.
	Devices   []DeviceUse `json:"devices"`
	MostUsed  []DeviceUse `json:"mostUsed"`
	LeastUsed []DeviceUse `json:"leastUsed"`
	// Since is the date of Idle: the devices without a login since then.
	Since time.Time    `json:"since"`
	Idle  []IdleDevice `json:"idle"`
}

// Group is the usage within one group.
type Group struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Logins and Failures count the login requests that succeeded and
	// those that did not.
	Logins   int `json:"logins"`
	Failures int `json:"failures"`
	// Users and Devices count the distinct ones among the successful logins.
	Users   int `json:"users"`
	Devices int `json:"devices"`
	// PeakConcurrent is the most sessions open at one instant.
	PeakConcurrent int `json:"peakConcurrent"`
	// LoggedInSeconds sums the sessions' time within the group.
	LoggedInSeconds int64 `json:"loggedInSeconds"`
	// MedianSessionSeconds is the median length of the sessions begun in
	// the group (whole sessions; one not ended by the end of the range up
	// to that end, or now if earlier); 0 without one.
	MedianSessionSeconds float64 `json:"medianSessionSeconds"`
}

// DeviceUse is one device's use over the range.
type DeviceUse struct {
	Device  string `json:"device"`
	Cluster string `json:"cluster"`
	// Sessions counts the sessions begun within the range.
	Sessions        int   `json:"sessions"`
	LoggedInSeconds int64 `json:"loggedInSeconds"`
	// Utilisation is the logged-in share (0 to 1) of the range, or of the
	// business hours within it when they are configured.
	Utilisation float64 `json:"utilisation"`
	// loggedIn is the logged-in time to the millisecond: it orders devices
	// whose whole seconds are equal.
	loggedIn time.Duration
}

// IdleDevice is a device without a login since the report's Since.
type IdleDevice struct {
	Device  string `json:"device"`
	Cluster string `json:"cluster"`
	// LastLogin is the device's last successful login the history read
	// holds, or null.
	LastLogin *time.Time `json:"lastLogin"`
}
