package dashboard

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service"
)

// Sweeps is what the Schedules page needs of the sweeps
// (service.SweepRunner): the configured rules and their latest runs. A run
// goes through the Connector (runsweep), like any operator action.
type Sweeps interface {
	Sweeps() []service.Sweep
	Reports(ctx context.Context, name string, limit int) ([]service.SweepReport, error)
}

// sweepReportRows is how many of a sweep's latest runs the page shows.
const sweepReportRows = 5

// sweepsView is the Schedules page's Sweeps section.
type sweepsView struct {
	// Off is true when the service has no sweeps.
	Off      bool
	Operator bool
	List     []sweepRow
}

// sweepRow is one sweep: its rule, its next run and its latest reports.
type sweepRow struct {
	Name, At, Days, Zone, Clusters, Devices string
	MinLoginAge, ClearCallHistory           string
	// Next is the next scheduled run in the sweep's zone, NextUTC in UTC;
	// both empty when the sweep has no days (runsweep only).
	Next, NextUTC string
	Reports       []reportRow
	Error         string
}

// reportRow is one run of a sweep as the page shows it.
type reportRow struct {
	Started, Finished, State, Kind, AppID      string
	Examined, LoggedIn, LoggedOut, Spared, Bad int
	Failures                                   string
}

// sweepsSection reads the sweeps and their latest runs; a sweep whose runs
// cannot be read shows why, the others still show.
func (d *Dashboard) sweepsSection(r *http.Request) sweepsView {
	if d.opts.Sweeps == nil {
		return sweepsView{Off: true}
	}
	v := sweepsView{Operator: userFrom(r.Context()).Role == RoleOperator}
	now := d.opts.Now()
	for _, sw := range d.opts.Sweeps.Sweeps() {
		row := ruleRow(sw, now)
		reps, err := d.opts.Sweeps.Reports(r.Context(), sw.Name, sweepReportRows)
		if err != nil {
			row.Error = "The runs cannot be read now: " + service.Storable(err.Error(), service.MaxNameBytes)
		}
		for i := range reps {
			row.Reports = append(row.Reports, reportRowOf(&reps[i]))
		}
		v.List = append(v.List, row)
	}
	return v
}

// ruleRow is sw's rule and its next run after now, as text.
func ruleRow(sw service.Sweep, now time.Time) sweepRow {
	loc := sw.Location
	if loc == nil {
		loc = time.UTC
	}
	row := sweepRow{Name: sw.Name, Zone: loc.String(), Devices: sw.Devices,
		At: clock(sw.Hour, sw.Minute, sw.Second), Days: "never (run by hand only)", Clusters: "all",
		MinLoginAge: "none", ClearCallHistory: "the cluster's setting"}
	if len(sw.Days) > 0 {
		days := make([]string, len(sw.Days))
		for i, d := range sw.Days {
			days[i] = strings.ToLower(d.String()[:3])
		}
		row.Days = strings.Join(days, ", ")
	}
	if len(sw.Clusters) > 0 {
		row.Clusters = strings.Join(sw.Clusters, ", ")
	}
	if sw.MinLoginAge > 0 {
		row.MinLoginAge = sw.MinLoginAge.String()
	}
	if sw.ClearCallHistory {
		row.ClearCallHistory = "yes"
	}
	if next := sw.Next(now); !next.IsZero() {
		row.Next = next.In(loc).Format("Mon 2006-01-02 15:04:05 MST")
		row.NextUTC = next.UTC().Format("2006-01-02 15:04:05")
	}
	return row
}

func clock(h, m, s int) string {
	return time.Date(2000, 1, 1, h, m, s, 0, time.UTC).Format("15:04:05")
}

// reportRowOf is one stored run as the page shows it.
func reportRowOf(rep *service.SweepReport) reportRow {
	row := reportRow{Started: rep.Started.UTC().Format("2006-01-02 15:04:05"), State: rep.State, Kind: "scheduled",
		AppID: rep.AppID, Examined: rep.Examined, LoggedIn: rep.LoggedIn, LoggedOut: rep.LoggedOut,
		Spared: rep.Spared, Bad: rep.Failed(), Failures: rep.FailureText()}
	if !rep.Finished.IsZero() {
		row.Finished = rep.Finished.UTC().Format("2006-01-02 15:04:05")
	}
	switch {
	case rep.Manual:
		row.Kind = "by hand"
	case rep.Resumed:
		row.Kind = "scheduled, resumed"
	}
	return row
}
