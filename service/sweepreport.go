package service

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The states of a sweep run.
const (
	SweepRunning     = "running"
	SweepDone        = "done"
	SweepInterrupted = "interrupted"
)

// MaxReportDevices bounds the devices a run's answer lists (the counts
// cover them all).
const MaxReportDevices = 1000

// SweepReport is what a sweep run did (or, dry, would do). The store keeps
// everything but Devices.
type SweepReport struct {
	Sweep string
	// Scheduled is the run's scheduled time; a manual run's is when it was
	// asked.
	Scheduled time.Time
	Manual    bool
	DryRun    bool
	// Resumed: a runner that stopped had started the run.
	Resumed bool
	State   string
	AppID   string
	Started time.Time
	// Finished is zero while the run runs.
	Finished time.Time
	// Examined devices matched the sweep; LoggedIn of them had a login;
	// LoggedOut were logged out (dry: would be), Spared were too young.
	Examined, LoggedIn, LoggedOut, Spared int
	// Failures counts the failed steps by code: a logout refused, or a
	// cluster whose listing or query failed.
	Failures map[int]int
	// Devices are the devices acted on, each with its outcome (at most
	// MaxReportDevices), then each cluster that failed as a whole.
	Devices []DeviceResult
}

// tally is a report being filled by the logout workers.
type tally struct {
	mu sync.Mutex
	r  *SweepReport
}

// Failed is the number of failures of all codes.
func (r *SweepReport) Failed() int {
	n := 0
	for _, c := range r.Failures {
		n += c
	}
	return n
}

// FailureText is Failures as "code:count" by code, comma-separated ("" for
// none): the stored and answered form.
func (r *SweepReport) FailureText() string {
	codes := make([]int, 0, len(r.Failures))
	for c := range r.Failures {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d:%d", c, r.Failures[c])
	}
	return strings.Join(parts, ",")
}

// ParseFailures reads FailureText back; malformed parts are skipped.
func ParseFailures(s string) map[int]int {
	out := map[int]int{}
	for _, p := range strings.Split(s, ",") {
		code, count, ok := strings.Cut(p, ":")
		c, err1 := strconv.Atoi(code)
		n, err2 := strconv.Atoi(count)
		if ok && err1 == nil && err2 == nil {
			out[c] += n
		}
	}
	return out
}

// record adds one device's outcome.
func (t *tally) record(d DeviceResult, loggedOut bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.r
	if loggedOut {
		r.LoggedOut++
	} else {
		r.fail(d.Code)
	}
	if len(r.Devices) < MaxReportDevices {
		r.Devices = append(r.Devices, d)
	}
}

// fail counts a failure with code; callers own r (or hold its tally's mu).
func (r *SweepReport) fail(code int) {
	if r.Failures == nil {
		r.Failures = map[int]int{}
	}
	r.Failures[code]++
}

// Fields are the report as the runsweep answer's elements, in order.
func (r *SweepReport) Fields() []Field {
	f := []Field{
		{"sweep", r.Sweep},
		{"scheduled", r.Scheduled.UTC().Format(time.RFC3339)},
		{"dryRun", strconv.FormatBool(r.DryRun)},
		{"state", r.State},
		{"started", r.Started.UTC().Format(time.RFC3339Nano)},
	}
	if !r.Finished.IsZero() {
		f = append(f, Field{"finished", r.Finished.UTC().Format(time.RFC3339Nano)})
	}
	return append(f,
		Field{"examined", strconv.Itoa(r.Examined)},
		Field{"loggedIn", strconv.Itoa(r.LoggedIn)},
		Field{"loggedOut", strconv.Itoa(r.LoggedOut)},
		Field{"spared", strconv.Itoa(r.Spared)},
		Field{"failed", strconv.Itoa(r.Failed())},
		Field{"failures", r.FailureText()},
	)
}
