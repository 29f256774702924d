package benchrun

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/emconnector/emconnector/cmd/bcbench/loadgen"
)

// Targets of the "sweep beside people" scenario (cmd/bcbench/README.md, "Targets").
const (
	// sweepShareTarget: the sweep alone keeps CUCM this busy (its limit's share).
	sweepShareTarget = 0.95
	// The interactive logins' added p99 wait during the sweep is at most one CUCM login.
)

// SweepResult is the "sweep beside people" scenario.
type SweepResult struct {
	Logouts      int     `json:"logouts"`
	Slots        int     `json:"slots"`
	LatencyMs    float64 `json:"cucmLatencyMs"`
	Rate         float64 `json:"interactiveRate"`
	LimitSeconds float64 `json:"limitSeconds"`
	// Alone is the sweep without interactive logins, Beside the sweep while they arrive.
	Alone  SweepRun `json:"alone"`
	Beside SweepRun `json:"beside"`
	// Baseline are the interactive logins without a sweep, During those beside it.
	Baseline InteractiveResult `json:"baseline"`
	During   InteractiveResult `json:"during"`
	// AddedP99Ms is During's p99 minus Baseline's.
	AddedP99Ms float64 `json:"addedP99Ms"`
}

// SweepRun is one run of the sweep as its report tells it.
type SweepRun struct {
	LoggedIn  int     `json:"loggedIn"`
	LoggedOut int     `json:"loggedOut"`
	Failed    int     `json:"failed"`
	Failures  string  `json:"failures,omitempty"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"logoutsPerSecond"`
	// ShareOfLimit is CUCM's limit (all slots busy all the time) over the run's time.
	ShareOfLimit float64 `json:"shareOfLimit"`
}

// InteractiveResult is a series of single logins at a fixed rate.
type InteractiveResult struct {
	Logins     int                 `json:"logins"`
	P50Ms      float64             `json:"p50Ms"`
	P99Ms      float64             `json:"p99Ms"`
	Errors     int                 `json:"errors"`
	ErrorKinds []loadgen.ErrorKind `json:"errorKinds,omitempty"`
}

// targets are the scenario's targets.
func (r *SweepResult) targets() []Target {
	errs := r.Alone.Failed + r.Beside.Failed + r.Baseline.Errors + r.During.Errors
	return []Target{
		{Name: "sweep alone: share of CUCM's limit", Want: fmt.Sprintf(">= %.2f", sweepShareTarget),
			Got: fmt.Sprintf("%.3f", r.Alone.ShareOfLimit), Met: r.Alone.ShareOfLimit >= sweepShareTarget},
		{Name: "people during a sweep: added p99", Want: fmt.Sprintf("<= %.0f ms", r.LatencyMs),
			Got: fmt.Sprintf("%+.1f ms", r.AddedP99Ms), Met: r.AddedP99Ms <= r.LatencyMs},
		{Name: "sweep: all logged out, no errors", Want: "0", Got: fmt.Sprint(errs),
			Met: errs == 0 && r.Alone.LoggedOut == r.Logouts && r.Beside.LoggedOut == r.Logouts},
	}
}

// writeTo prints the scenario's section of the report.
func (r *SweepResult) writeTo(w io.Writer) error {
	fmt.Fprintf(w, "\na sweep beside people: %d logouts, CUCM %d slots, %.0f ms a login or logout, limit %.3f s; people log in at %.1f/s:\n",
		r.Logouts, r.Slots, r.LatencyMs, r.LimitSeconds, r.Rate)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sweep\tlogged out\tfailed\twall s\tlogouts/s\tshare of limit\t")
	for _, row := range []struct {
		name string
		s    SweepRun
	}{{"alone", r.Alone}, {"beside people", r.Beside}} {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f\t%.1f\t%.3f\t\n", row.name, row.s.LoggedOut, row.s.Failed, row.s.Seconds, row.s.PerSecond, row.s.ShareOfLimit)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "people's logins\tlogins\tp50 ms\tp99 ms\terrors\t")
	for _, row := range []struct {
		name string
		i    InteractiveResult
	}{{"no sweep", r.Baseline}, {"during the sweep", r.During}} {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%d\t\n", row.name, row.i.Logins, row.i.P50Ms, row.i.P99Ms, row.i.Errors)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "added p99 wait of a login during the sweep: %+.1f ms (one CUCM login: %.0f ms)\n", r.AddedP99Ms, r.LatencyMs)
	for _, i := range []InteractiveResult{r.Baseline, r.During} {
		for _, k := range i.ErrorKinds {
			fmt.Fprintf(w, "  people: %d x %s\n", k.Count, k.Text)
		}
	}
	return nil
}
