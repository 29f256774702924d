package service

import (
	"context"
	"fmt"
	"regexp"
)

// sweepNameRE is the rule for sweep names: usable in a URL path and a log
// line.
var sweepNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ValidSweepName reports whether name is one a sweep may have; the
// configuration and the dashboard use the same rule as runsweep.
func ValidSweepName(name string) bool { return sweepNameRE.MatchString(name) }

// validateSweepName refuses an empty name (1099: no sweep has it) and one
// no sweep could have (1012; not echoed, it may hold any bytes).
func validateSweepName(name string) error {
	switch {
	case name == "":
		return Errorf(CodeSweepNotFound, "Sweep name empty")
	case !ValidSweepName(name):
		return Errorf(CodeInvalidFormat, "Invalid sweep name: 1-64 characters of A-Z a-z 0-9 . _ -")
	}
	return nil
}

// SetSweeps gives the connector the runner of the configured sweeps; nil
// (the default) means the schedules are not configured: runsweep answers
// 1098.
func (c *Connector) SetSweeps(r *SweepRunner) { c.sweeps = r }

// runSweep runs the sweep req.Name now with the request's credentials
// (cmd/bcservice/README.md, "Sweeps"): CUCM checks them on every request of
// the run, as for any operation. The answer is the run's report. Its code
// is 0 when every cluster could be gone through (refused logouts are
// counted in the report), else the first failed cluster's code.
func (c *Connector) runSweep(ctx context.Context, cred Credentials, req Request) (Found, error) {
	if c.sweeps == nil {
		return Found{}, Errorf(CodeSchedulesOff, "Sweeps are not configured (no schedules section)")
	}
	rep, err := c.sweeps.RunNow(ctx, cred, req.Name, req.DryRun)
	if err != nil {
		return Found{}, err
	}
	found := Found{Fields: rep.Fields(), Devices: rep.Devices}
	if found.Devices == nil {
		found.Devices = []DeviceResult{}
	}
	for _, d := range rep.Devices {
		if d.Device == "" {
			found.Cluster = d.Cluster
			return found, clusterFailure(d)
		}
	}
	return found, nil
}

// clusterFailure is the error of a cluster a run could not go through.
func clusterFailure(d DeviceResult) error {
	if d.Code < 1000 && d.Code != CodeNotFound && d.Code != CodeInternal {
		return CUCMError(d.Code, d.Text)
	}
	return Errorf(d.Code, "%s", d.Text)
}

// sweepSuccess is runsweep's success text.
func sweepSuccess(r Request, f Found) string {
	if r.DryRun {
		return fmt.Sprintf("Sweep %s would log out %s device(s)", r.Name, f.field("loggedOut"))
	}
	return fmt.Sprintf("Sweep %s logged out %s device(s)", r.Name, f.field("loggedOut"))
}
