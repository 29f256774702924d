package dashboard

import (
	"net/http"
	"slices"

	"github.com/emconnector/emconnector/service"
)

// sweepView is the page of a sweep's preview (a dry run, with the "Run
// now" button when it went through) or of its run.
type sweepView struct {
	Name   string
	DryRun bool
	OK     bool
	Code   int
	Text   string
	Counts []sweepCount
	// Devices are the devices the run acted on (dry: would act on), then
	// each cluster that failed as a whole.
	Devices []service.DeviceResult
}

// sweepCount is one figure of a report.
type sweepCount struct{ Label, Value string }

// sweepCountLabels name the runsweep answer's counts, in the page's order.
var sweepCountLabels = []struct{ field, label, dry string }{
	{"examined", "Devices examined", ""},
	{"loggedIn", "Found logged in", ""},
	{"loggedOut", "Logged out", "Would log out"},
	{"spared", "Spared (logged in more recently than minLoginAge)", ""},
	{"failed", "Failures", ""},
	{"failures", "Failures by code (code:count)", ""},
}

// previewSweep runs the sweep dry for an operator and shows what it would
// log out, with a button that runs it.
func (d *Dashboard) previewSweep(w http.ResponseWriter, r *http.Request) { d.sweepAction(w, r, true) }

// runSweep runs the sweep now for an operator and shows its report.
func (d *Dashboard) runSweep(w http.ResponseWriter, r *http.Request) { d.sweepAction(w, r, false) }

// sweepAction runs the sweep named in the path through the Connector's
// runsweep with the dashboard's EM app user (act: the signed-in user is
// the history's actor of the runsweep row; the sweep's own logouts carry
// "sweep:<name>").
func (d *Dashboard) sweepAction(w http.ResponseWriter, r *http.Request, dry bool) {
	name, status, msg := d.sweepNamed(r.PathValue("name"))
	if status != http.StatusOK {
		d.render(w, r, status, "message.html", msg)
		return
	}
	res := d.act(r, service.Request{Op: service.OpRunSweep, Name: name, DryRun: dry})
	if !dry {
		d.audit("runsweep", userFrom(r.Context()).Name, d.clientIP(r).String(), string(res.Class()), "sweep", name, "code", res.Code)
	}
	status = http.StatusOK
	if res.Code == service.CodeSweepRunning {
		status = http.StatusConflict
	}
	d.render(w, r, status, "sweep.html", sweepViewOf(name, dry, res))
}

// sweepNamed checks a sweep name from the path: 404 without sweeps or for
// a name no sweep has, 400 for one no sweep could have. The messages never
// echo the name.
func (d *Dashboard) sweepNamed(name string) (string, int, messageView) {
	if d.opts.Sweeps == nil {
		return "", http.StatusNotFound, message("No sweeps", "Sweeps are not configured.")
	}
	if !service.ValidSweepName(name) {
		return "", http.StatusBadRequest, message("Invalid sweep name", "A sweep name is 1-64 characters of A-Z a-z 0-9 . _ -.")
	}
	if !slices.ContainsFunc(d.opts.Sweeps.Sweeps(), func(sw service.Sweep) bool { return sw.Name == name }) {
		return "", http.StatusNotFound, message("No such sweep", "No configured sweep has this name.")
	}
	return name, http.StatusOK, messageView{}
}

// sweepViewOf is the page of a runsweep result.
func sweepViewOf(name string, dry bool, res service.Result) sweepView {
	v := sweepView{Name: name, DryRun: dry, OK: res.Code == service.CodeSuccess, Code: res.Code, Text: res.Text, Devices: res.Devices}
	values := map[string]string{}
	for _, f := range res.Fields {
		values[f.Name] = f.Value
	}
	for _, c := range sweepCountLabels {
		val, ok := values[c.field]
		if !ok {
			continue
		}
		label := c.label
		if dry && c.dry != "" {
			label = c.dry
		}
		if val == "" {
			val = "none"
		}
		v.Counts = append(v.Counts, sweepCount{Label: label, Value: val})
	}
	return v
}
