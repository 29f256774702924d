package benchrun

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/emconnector/emconnector/cmd/bcbench/loadgen"
	"github.com/emconnector/emconnector/service/atomicfile"
)

// Result is one benchmark run: what `make bench` prints and writes as JSON. Durations are
// given in the unit their JSON name ends with (Ms, Seconds), memory in MiB.
type Result struct {
	Started   time.Time `json:"started"`
	GoVersion string    `json:"goVersion"`
	CPUs      int       `json:"cpus"`
	Config    RunConfig `json:"config"`

	GenSeconds       float64 `json:"genSeconds"`
	ValidateSeconds  float64 `json:"validateSeconds"`
	SimLoadSeconds   float64 `json:"simLoadSeconds"`
	SimRSSAfterLoad  float64 `json:"simRssAfterLoadMiB"`
	SimPeakAfterLoad float64 `json:"simPeakRssAfterLoadMiB"`

	Scenarios []ScenarioResult `json:"scenarios"`

	// ViaDirectRatio is via-service throughput / direct throughput (closed loop).
	ViaDirectRatio float64 `json:"viaDirectRatio"`
	// AddedP50Ms and AddedP99Ms are the via-service minus direct latencies at the fixed rate.
	AddedP50Ms float64 `json:"addedP50Ms"`
	AddedP99Ms float64 `json:"addedP99Ms"`
	// RefAddedP50Ms is the same for the reference hop: the latency floor of one more hop.
	RefAddedP50Ms float64 `json:"refAddedP50Ms"`
	// Shares compare bcservice with the reference hop, per operation (closed loop).
	Shares []HopShare `json:"referenceShares"`

	ServiceRSSAfterRun  float64 `json:"serviceRssAfterRunMiB"`
	ServicePeakAfterRun float64 `json:"servicePeakRssAfterRunMiB"`
	SimRSSAfterRun      float64 `json:"simRssAfterRunMiB"`
	RefHopRSSAfterRun   float64 `json:"refhopRssAfterRunMiB"`

	// Replicas is the "two replicas, one budget" scenario; nil when it did not run.
	Replicas *ReplicasResult `json:"replicas,omitempty"`
	// ReplicasSkipped says why that scenario was selected but could not run (no PostgreSQL).
	ReplicasSkipped string `json:"replicasSkipped,omitempty"`
	// Sweep is the "sweep beside people" scenario; nil when it did not run.
	Sweep *SweepResult `json:"sweep,omitempty"`

	Targets []Target `json:"targets"`
	// TotalSeconds is the wall time of the whole run.
	TotalSeconds float64 `json:"totalSeconds"`
}

// RunConfig is the part of Config that shapes the figures, recorded with them.
type RunConfig struct {
	Devices          int     `json:"devices"`
	Users            int     `json:"users"`
	Clusters         int     `json:"clusters"`
	Concurrency      int     `json:"concurrency"`
	DurationSecs     float64 `json:"durationSeconds"`
	MaxRequests      int     `json:"maxRequests"`
	Rate             float64 `json:"rate"`
	RateDurationSecs float64 `json:"rateDurationSeconds"`
	LogLevel         string  `json:"logLevel"`
	Seed             uint64  `json:"seed"`
}

// ScenarioResult is one row of the table.
type ScenarioResult struct {
	Name       string              `json:"name"`
	Mode       string              `json:"mode"`
	Requests   int                 `json:"requests"`
	Errors     int                 `json:"errors"`
	Seconds    float64             `json:"seconds"`
	RPS        float64             `json:"rps"`
	P50Ms      float64             `json:"p50Ms"`
	P99Ms      float64             `json:"p99Ms"`
	ErrorKinds []loadgen.ErrorKind `json:"errorKinds,omitempty"`
	CPU        CPUFigures          `json:"cpu"`

	p50, p99 time.Duration
}

// CPUFigures is the CPU time (user + system, from /proc, 10 ms resolution) each process used
// during a scenario, per request, and the cores busy on average.
type CPUFigures struct {
	SimUs     float64 `json:"cucmsimUsPerRequest"`
	ServiceUs float64 `json:"bcserviceUsPerRequest"`
	RefHopUs  float64 `json:"refhopUsPerRequest"`
	LoadGenUs float64 `json:"loadgenUsPerRequest"`
	CoresBusy float64 `json:"coresBusy"`
}

// HopShare compares, for one operation, bcservice with the reference hop run in its place:
// each one's closed-loop throughput over the direct one (the same EM calls sent straight to
// the simulator), and bcservice's ratio as a share of the reference's. The share is what
// bcservice keeps of what plain net/http and encoding/xml allow; 1 means no cost of its own.
type HopShare struct {
	Op        string  `json:"op"`
	DirectRPS float64 `json:"directRps"`
	ViaRPS    float64 `json:"viaServiceRps"`
	RefRPS    float64 `json:"referenceRps"`
	ViaDirect float64 `json:"viaDirect"`
	RefDirect float64 `json:"referenceDirect"`
	Share     float64 `json:"share"`
	Target    float64 `json:"target"`
}

// hopShare computes share = (via/direct) / (ref/direct). A zero throughput anywhere (a
// scenario that did not run or failed entirely) leaves the ratios it enters at 0.
func hopShare(op string, direct, via, ref, target float64) HopShare {
	h := HopShare{Op: op, DirectRPS: direct, ViaRPS: via, RefRPS: ref, Target: target}
	if direct > 0 {
		h.ViaDirect, h.RefDirect = via/direct, ref/direct
	}
	if h.RefDirect > 0 {
		h.Share = h.ViaDirect / h.RefDirect
	}
	return h
}

// Target is one of the goals cmd/bcbench/README.md reports against ("Targets").
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
}

func scenarioResult(name, mode string, st *loadgen.Stats) ScenarioResult {
	p50, p99 := st.Percentile(0.50), st.Percentile(0.99)
	return ScenarioResult{
		Name: name, Mode: mode,
		Requests: st.Requests, Errors: st.Errors,
		Seconds: st.Elapsed.Seconds(), RPS: st.RPS(),
		P50Ms: ms(p50), P99Ms: ms(p99),
		ErrorKinds: st.ErrorKinds,
		p50:        p50, p99: p99,
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }

// TotalErrors sums the errors of every scenario.
func (r *Result) TotalErrors() int {
	n := 0
	for _, s := range r.Scenarios {
		n += s.Errors
	}
	return n
}

// computeTargets fills Targets from the figures (cmd/bcbench/README.md, "Targets") of
// the scenarios that ran.
func (r *Result) computeTargets() {
	r.Targets = nil
	if len(r.Scenarios) > 0 {
		r.serviceTargets()
	}
	if r.Replicas != nil {
		r.Targets = append(r.Targets, r.Replicas.targets()...)
	}
	if r.Sweep != nil {
		r.Targets = append(r.Targets, r.Sweep.targets()...)
	}
}

// serviceTargets appends the targets of the single-service scenarios.
func (r *Result) serviceTargets() {
	errs := r.TotalErrors()
	r.Targets = append(r.Targets, []Target{
		{Name: "via-service throughput / direct", Want: ">= 0.50", Got: fmt.Sprintf("%.2f", r.ViaDirectRatio), Met: r.ViaDirectRatio >= 0.5},
		{Name: "added p50 latency at fixed rate", Want: "<= 0.30 ms", Got: fmt.Sprintf("%.3f ms", r.AddedP50Ms), Met: r.AddedP50Ms <= 0.3},
		{Name: "topology load time", Want: "< 1 s", Got: fmt.Sprintf("%.3f s", r.SimLoadSeconds), Met: r.SimLoadSeconds < 1},
		{Name: "cucmsim RSS after load", Want: "< 150 MiB", Got: fmt.Sprintf("%.1f MiB", r.SimRSSAfterLoad), Met: r.SimRSSAfterLoad < 150},
		{Name: "errors", Want: "0", Got: fmt.Sprint(errs), Met: errs == 0},
	}...)
	for _, h := range r.Shares {
		r.Targets = append(r.Targets, Target{
			Name: h.Op + " share of reference", Want: fmt.Sprintf(">= %.2f", h.Target),
			Got: fmt.Sprintf("%.2f", h.Share), Met: h.Share >= h.Target,
		})
	}
}

// WriteTable prints the scenarios as one table, then the other figures, the two replicas
// scenario and the targets.
func (r *Result) WriteTable(w io.Writer) error {
	if len(r.Scenarios) > 0 {
		if err := r.writeService(w); err != nil {
			return err
		}
	}
	if r.Replicas != nil {
		if err := r.Replicas.writeTo(w); err != nil {
			return err
		}
	}
	if r.Sweep != nil {
		if err := r.Sweep.writeTo(w); err != nil {
			return err
		}
	}
	var b strings.Builder
	if r.ReplicasSkipped != "" {
		fmt.Fprintf(&b, "\ntwo replicas, one budget: skipped: %s\n", r.ReplicasSkipped)
	}
	b.WriteString("\ntargets:\n")
	for _, t := range r.Targets {
		mark := "ok  "
		if !t.Met {
			mark = "MISS"
		}
		fmt.Fprintf(&b, "  %s %-34s want %-11s got %s\n", mark, t.Name, t.Want, t.Got)
	}
	fmt.Fprintf(&b, "total %.1f s, %d CPUs, %s\n", r.TotalSeconds, r.CPUs, r.GoVersion)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeService prints the single-service scenarios as one table, then their other figures.
func (r *Result) writeService(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tmode\trequests\treq/s\tp50 ms\tp99 ms\terrors\t")
	for _, s := range r.Scenarios {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.3f\t%.3f\t%d\t\n", s.Name, s.Mode, s.Requests, s.RPS, s.P50Ms, s.P99Ms, s.Errors)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nCPU time per request (µs) and cores busy, by process:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tmode\tcucmsim\tbcservice\trefhop\tloadgen\tcores\t")
	for _, s := range r.Scenarios {
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t%.2f\t\n", s.Name, s.Mode, s.CPU.SimUs, s.CPU.ServiceUs, s.CPU.RefHopUs, s.CPU.LoadGenUs, s.CPU.CoresBusy)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nbcservice against the reference hop (a bare net/http + encoding/xml forwarder in its place), closed loop:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\tdirect req/s\tbcservice req/s\treference req/s\tbcservice/direct\treference/direct\tshare\ttarget\t")
	for _, h := range r.Shares {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\t>= %.2f\t\n", h.Op, h.DirectRPS, h.ViaRPS, h.RefRPS, h.ViaDirect, h.RefDirect, h.Share, h.Target)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\ntopology: %d devices, %d users, %d clusters; gen %.2f s, validate %.2f s, load %.3f s\n",
		r.Config.Devices, r.Config.Users, r.Config.Clusters, r.GenSeconds, r.ValidateSeconds, r.SimLoadSeconds)
	fmt.Fprintf(&b, "cucmsim RSS after load %.1f MiB (peak %.1f), after run %.1f MiB; bcservice RSS after run %.1f MiB (peak %.1f); refhop %.1f MiB\n",
		r.SimRSSAfterLoad, r.SimPeakAfterLoad, r.SimRSSAfterRun, r.ServiceRSSAfterRun, r.ServicePeakAfterRun, r.RefHopRSSAfterRun)
	fmt.Fprintf(&b, "via-service/direct throughput %.2f; added latency at %.0f req/s: p50 %+.3f ms, p99 %+.3f ms (reference hop: p50 %+.3f ms)\n",
		r.ViaDirectRatio, r.Config.Rate, r.AddedP50Ms, r.AddedP99Ms, r.RefAddedP50Ms)
	for _, s := range r.Scenarios {
		for _, k := range s.ErrorKinds {
			fmt.Fprintf(&b, "  %s: %d x %s\n", s.Name, k.Count, k.Text)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the result to dir/bench-<timestamp>.json (creating dir) and returns the path.
func (r *Result) WriteJSON(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bench-"+r.Started.UTC().Format("20060102T150405Z")+".json")
	if err := atomicfile.Write(path, append(data, '\n'), 0o644); err != nil {
		return "", err
	}
	return path, nil
}
