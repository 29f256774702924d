package benchrun

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/emconnector/emconnector/cmd/bcbench/loadgen"
)

// burstShareTarget is how close to the physical limit the coordinated burst must finish:
// the shared budget may cost 5% over CUCM's own pace, no more.
const burstShareTarget = 1.05

// ReplicasResult is the "two replicas, one budget" scenario (replicas.go): a burst of logins
// over two bcservice replicas that share one cluster's slots through PostgreSQL, the same
// burst over two replicas with a budget each, and single logins timed one at a time with and
// without the coordination.
type ReplicasResult struct {
	Replicas       int     `json:"replicas"`
	Logins         int     `json:"logins"`
	Slots          int     `json:"slots"`
	LoginLatencyMs float64 `json:"loginLatencyMs"`
	// LimitSeconds is the physical limit: logins / slots waves of one login latency each.
	LimitSeconds float64 `json:"physicalLimitSeconds"`
	// Coordinated is the burst with coordination: postgres, Local the one with each replica
	// on its own limits (coordination: local).
	Coordinated BurstResult `json:"coordinated"`
	Local       BurstResult `json:"local"`
	// OneReplica is the burst through one replica alone (its own limit is the whole budget):
	// what the hand-over of slots costs without any coordination, the floor of the others.
	OneReplica BurstResult `json:"oneReplica"`
	// Waits and Fallbacks are the coordinated replicas' bcservice_coordination_waits_total
	// and _fallbacks_total after their burst: a fallback means a replica worked on its own
	// limits for a while, and the burst did not measure the shared budget alone.
	Waits     int `json:"coordinationWaits"`
	Fallbacks int `json:"coordinationFallbacks"`
	// Single are the logins and logouts sent one at a time (no latency fault).
	Single SingleResult `json:"single"`
}

// BurstResult is one burst of logins sent at once over the replicas.
type BurstResult struct {
	Seconds float64 `json:"seconds"`
	// ShareOfLimit is the wall time over the physical limit (1 = CUCM's own pace).
	ShareOfLimit float64 `json:"shareOfLimit"`
	// Busy counts the requests CUCM answered with code 26 (simulator request log).
	Busy int `json:"cucmBusyAnswers"`
	// BusyAtLeast: the simulator's request log was full, so Busy is a lower bound.
	BusyAtLeast bool                `json:"cucmBusyAtLeast,omitempty"`
	Errors      int                 `json:"errors"`
	ErrorKinds  []loadgen.ErrorKind `json:"errorKinds,omitempty"`
	P50Ms       float64             `json:"p50Ms"`
	P95Ms       float64             `json:"p95Ms"`
}

// SingleResult compares logins and logouts sent one at a time, each mode's request right
// after the other's, through a coordinated replica and an uncoordinated one.
type SingleResult struct {
	Count       int                 `json:"count"`
	Coordinated LatencyFigures      `json:"coordinated"`
	Local       LatencyFigures      `json:"local"`
	Added       LatencyFigures      `json:"added"` // Coordinated minus Local
	Errors      int                 `json:"errors"`
	ErrorKinds  []loadgen.ErrorKind `json:"errorKinds,omitempty"`
}

// LatencyFigures are the p50 and p95 of logins and of logouts, in ms.
type LatencyFigures struct {
	LoginP50Ms  float64 `json:"loginP50Ms"`
	LoginP95Ms  float64 `json:"loginP95Ms"`
	LogoutP50Ms float64 `json:"logoutP50Ms"`
	LogoutP95Ms float64 `json:"logoutP95Ms"`
}

// physicalLimit is the shortest time CUCM can serve n logins slots at a time, each taking
// latency: ceil(n / slots) waves.
func physicalLimit(n, slots int, latency time.Duration) time.Duration {
	if slots < 1 {
		return 0
	}
	return time.Duration((n+slots-1)/slots) * latency
}

// shareOf is wall / limit, 0 when there is no limit.
func shareOf(wall, limit time.Duration) float64 {
	if limit <= 0 {
		return 0
	}
	return float64(wall) / float64(limit)
}

// percentile returns the nearest-rank p (0..1) of durations, sorting them in place; 0 for
// none. The same definition as loadgen's.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	rank := int(math.Ceil(p*float64(len(ds)))) - 1
	return ds[min(max(rank, 0), len(ds)-1)]
}

// latencyFigures summarises login and logout latencies.
func latencyFigures(logins, logouts []time.Duration) LatencyFigures {
	return LatencyFigures{
		LoginP50Ms: ms(percentile(logins, 0.50)), LoginP95Ms: ms(percentile(logins, 0.95)),
		LogoutP50Ms: ms(percentile(logouts, 0.50)), LogoutP95Ms: ms(percentile(logouts, 0.95)),
	}
}

// minus is the figure-by-figure difference f - g.
func (f LatencyFigures) minus(g LatencyFigures) LatencyFigures {
	return LatencyFigures{
		LoginP50Ms: f.LoginP50Ms - g.LoginP50Ms, LoginP95Ms: f.LoginP95Ms - g.LoginP95Ms,
		LogoutP50Ms: f.LogoutP50Ms - g.LogoutP50Ms, LogoutP95Ms: f.LogoutP95Ms - g.LogoutP95Ms,
	}
}

// burstResult turns a burst's measurements into its figures against limit.
func burstResult(st *loadgen.Stats, limit time.Duration, busy int, busyAtLeast bool) BurstResult {
	return BurstResult{
		Seconds: st.Elapsed.Seconds(), ShareOfLimit: shareOf(st.Elapsed, limit),
		Busy: busy, BusyAtLeast: busyAtLeast,
		Errors: st.Errors, ErrorKinds: st.ErrorKinds,
		P50Ms: ms(st.Percentile(0.50)), P95Ms: ms(st.Percentile(0.95)),
	}
}

// targets are the scenario's goals: the coordinated burst within 5% of the physical limit,
// no code 26 at CUCM, and no failed request except in the uncoordinated contrast.
func (r *ReplicasResult) targets() []Target {
	busy := fmt.Sprint(r.Coordinated.Busy)
	if r.Coordinated.BusyAtLeast {
		busy = ">= " + busy
	}
	errs := r.Coordinated.Errors + r.Single.Errors
	return []Target{
		{Name: "2 replicas: burst / physical limit", Want: fmt.Sprintf("<= %.2f", burstShareTarget),
			Got: fmt.Sprintf("%.3f", r.Coordinated.ShareOfLimit), Met: r.Coordinated.ShareOfLimit > 0 && r.Coordinated.ShareOfLimit <= burstShareTarget},
		{Name: "2 replicas: CUCM code 26", Want: "0", Got: busy, Met: r.Coordinated.Busy == 0 && !r.Coordinated.BusyAtLeast},
		{Name: "2 replicas: errors", Want: "0", Got: fmt.Sprint(errs), Met: errs == 0},
	}
}

// writeTo prints the scenario's section of the report.
func (r *ReplicasResult) writeTo(w io.Writer) error {
	fmt.Fprintf(w, "\ntwo replicas, one budget: %d logins at once over %d bcservice, CUCM %d slots, login %.0f ms, physical limit %.3f s:\n",
		r.Logins, r.Replicas, r.Slots, r.LoginLatencyMs, r.LimitSeconds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "coordination\twall s\twall/limit\tCUCM 26\terrors\tp50 ms\tp95 ms\t")
	for _, b := range []struct {
		mode string
		r    BurstResult
	}{{"postgres", r.Coordinated}, {"local (each its own)", r.Local}, {"one replica alone", r.OneReplica}} {
		busy := fmt.Sprint(b.r.Busy)
		if b.r.BusyAtLeast {
			busy = ">=" + busy
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%s\t%d\t%.0f\t%.0f\t\n", b.mode, b.r.Seconds, b.r.ShareOfLimit, busy, b.r.Errors, b.r.P50Ms, b.r.P95Ms)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "coordinated replicas: %d waits for a device or a slot, %d fallbacks to their own limits\n", r.Waits, r.Fallbacks)
	s := r.Single
	fmt.Fprintf(w, "single logins and logouts one at a time (%d each, no latency fault), ms:\n", s.Count)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "coordination\tlogin p50\tlogin p95\tlogout p50\tlogout p95\t")
	for _, row := range []struct {
		mode string
		f    LatencyFigures
		sign string
	}{{"postgres", s.Coordinated, ""}, {"local", s.Local, ""}, {"added by postgres", s.Added, "+"}} {
		fmt.Fprintf(tw, "%s\t%"+row.sign+".3f\t%"+row.sign+".3f\t%"+row.sign+".3f\t%"+row.sign+".3f\t\n",
			row.mode, row.f.LoginP50Ms, row.f.LoginP95Ms, row.f.LogoutP50Ms, row.f.LogoutP95Ms)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	for _, k := range []struct {
		name  string
		kinds []loadgen.ErrorKind
	}{{"burst, postgres", r.Coordinated.ErrorKinds}, {"burst, local", r.Local.ErrorKinds}, {"single", s.ErrorKinds}} {
		for _, e := range k.kinds {
			fmt.Fprintf(&b, "  %s: %d x %s\n", k.name, e.Count, e.Text)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
