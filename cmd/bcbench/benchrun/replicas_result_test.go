package benchrun

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/cmd/bcbench/loadgen"
)

func TestPhysicalLimitAndShare(t *testing.T) {
	tests := []struct {
		name      string
		n, slots  int
		latency   time.Duration
		wall      time.Duration
		wantLimit time.Duration
		wantShare float64
	}{
		{"the bench's burst", 200, 5, 200 * time.Millisecond, 8400 * time.Millisecond, 8 * time.Second, 1.05},
		{"a last partial wave counts", 201, 5, 200 * time.Millisecond, 8200 * time.Millisecond, 8200 * time.Millisecond, 1},
		{"fewer logins than slots", 3, 5, 100 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 0.5},
		{"no slots: no limit", 10, 0, time.Second, time.Second, 0, 0},
	}
	for _, tt := range tests {
		limit := physicalLimit(tt.n, tt.slots, tt.latency)
		if limit != tt.wantLimit {
			t.Errorf("%s: limit %v, want %v", tt.name, limit, tt.wantLimit)
		}
		if got := shareOf(tt.wall, limit); math.Abs(got-tt.wantShare) > 1e-9 {
			t.Errorf("%s: share %v, want %v", tt.name, got, tt.wantShare)
		}
	}
}

func TestPercentileAndLatencyFigures(t *testing.T) {
	msList := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	tests := []struct {
		name     string
		ds       []time.Duration
		p        float64
		want     time.Duration
		wantSort bool
	}{
		{"none", nil, 0.5, 0, false},
		{"one", msList(7), 0.95, 7 * time.Millisecond, true},
		{"nearest rank p50 of 4", msList(4, 1, 3, 2), 0.5, 2 * time.Millisecond, true},
		{"p95 of 20 is the 19th", msList(20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 0.95, 19 * time.Millisecond, true},
	}
	for _, tt := range tests {
		if got := percentile(tt.ds, tt.p); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	coord := latencyFigures(msList(3, 2, 4), msList(2, 2, 9))
	local := latencyFigures(msList(1, 2, 1), msList(1, 1, 5))
	want := LatencyFigures{LoginP50Ms: 2, LoginP95Ms: 2, LogoutP50Ms: 1, LogoutP95Ms: 4}
	if got := coord.minus(local); got != want {
		t.Errorf("added %+v, want %+v (coordinated %+v, local %+v)", got, want, coord, local)
	}
}

func sampleReplicas() *ReplicasResult {
	return &ReplicasResult{
		Replicas: 2, Logins: 200, Slots: 5, LoginLatencyMs: 200, LimitSeconds: 8,
		Coordinated: BurstResult{Seconds: 8.3, ShareOfLimit: 1.0375, P50Ms: 4200, P95Ms: 7900},
		Local: BurstResult{Seconds: 9.6, ShareOfLimit: 1.2, Busy: 47, Errors: 1,
			ErrorKinds: []loadgen.ErrorKind{{Text: "BC code 1011", Count: 1}}},
		OneReplica: BurstResult{Seconds: 8.2, ShareOfLimit: 1.025},
		Waits:      1089,
		Single: SingleResult{Count: 200,
			Coordinated: LatencyFigures{LoginP50Ms: 1.9, LoginP95Ms: 5.5, LogoutP50Ms: 1.6, LogoutP95Ms: 4.5},
			Local:       LatencyFigures{LoginP50Ms: 1.5, LoginP95Ms: 3.4, LogoutP50Ms: 1, LogoutP95Ms: 2.2},
			Added:       LatencyFigures{LoginP50Ms: 0.4, LoginP95Ms: 2.1, LogoutP50Ms: 0.6, LogoutP95Ms: 2.3}},
	}
}

func TestReplicasTargets(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(r *ReplicasResult)
		wantMiss []string
	}{
		{"all met; the uncoordinated contrast's 26s and errors do not count", func(*ReplicasResult) {}, nil},
		{"slow burst", func(r *ReplicasResult) { r.Coordinated.ShareOfLimit = 1.06 }, []string{"2 replicas: burst / physical limit"}},
		{"burst that did not run", func(r *ReplicasResult) { r.Coordinated.ShareOfLimit = 0 }, []string{"2 replicas: burst / physical limit"}},
		{"busy answers", func(r *ReplicasResult) { r.Coordinated.Busy = 1 }, []string{"2 replicas: CUCM code 26"}},
		{"log overflow is not proof of none", func(r *ReplicasResult) { r.Coordinated.BusyAtLeast = true }, []string{"2 replicas: CUCM code 26"}},
		{"single errors", func(r *ReplicasResult) { r.Single.Errors = 2 }, []string{"2 replicas: errors"}},
	}
	for _, tt := range tests {
		r := sampleReplicas()
		tt.mutate(r)
		var miss []string
		for _, tg := range r.targets() {
			if !tg.Met {
				miss = append(miss, tg.Name)
			}
		}
		if strings.Join(miss, ",") != strings.Join(tt.wantMiss, ",") {
			t.Errorf("%s: missed %v, want %v", tt.name, miss, tt.wantMiss)
		}
	}
}

func TestWriteTableReplicasOnly(t *testing.T) {
	r := &Result{Replicas: sampleReplicas(), CPUs: 2}
	r.computeTargets()
	if len(r.Targets) != 3 {
		t.Fatalf("%d targets, want the 3 of the replicas only: %+v", len(r.Targets), r.Targets)
	}
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	for _, want := range []string{
		"200 logins at once over 2 bcservice, CUCM 5 slots, login 200 ms, physical limit 8.000 s",
		"postgres 8.300 1.038 0 0 4200 7900",
		"local (each its own) 9.600 1.200 47 1",
		"one replica alone 8.200 1.025 0 0",
		"1089 waits for a device or a slot, 0 fallbacks",
		"added by postgres +0.400 +2.100 +0.600 +2.300",
		"burst, local: 1 x BC code 1011",
		"ok 2 replicas: burst / physical limit want <= 1.05 got 1.038",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(out, "req/s") || strings.Contains(out, "topology:") {
		t.Errorf("report shows the service scenarios that did not run:\n%s", b.String())
	}
}

func TestWriteTableReplicasSkipped(t *testing.T) {
	r := &Result{ReplicasSkipped: "pgtest: no PostgreSQL"}
	r.computeTargets()
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "two replicas, one budget: skipped: pgtest: no PostgreSQL") || len(r.Targets) != 0 {
		t.Errorf("targets %v, report:\n%s", r.Targets, b.String())
	}
}

func TestMetricValue(t *testing.T) {
	text := []byte(`# HELP bcservice_coordination_shared 1 while shared.
# TYPE bcservice_coordination_shared gauge
bcservice_coordination_shared 1
bcservice_coordination_shared_other 7
bcservice_coordination_waits_total 1089
bcservice_coordination_replicas{x="y"} 3
`)
	tests := []struct {
		name   string
		want   float64
		wantOK bool
	}{
		{"bcservice_coordination_shared", 1, true},
		{"bcservice_coordination_waits_total", 1089, true},
		{"bcservice_coordination_fallbacks_total", 0, false},
		{"bcservice_coordination_replicas", 0, false}, // labelled: not read
	}
	for _, tt := range tests {
		got, ok := metricValue(text, tt.name)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestWithSlots(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"generated policy", "    policy: {multipleLogin: auto-logout, maxConcurrentRequests: 100}\n",
			"    policy: {multipleLogin: auto-logout, maxConcurrentRequests: 5}\n", false},
		{"every cluster", "maxConcurrentRequests: 100\nmaxConcurrentRequests: 7\n", "maxConcurrentRequests: 5\nmaxConcurrentRequests: 5\n", false},
		{"no policy", "clusters: []\n", "", true},
	}
	for _, tt := range tests {
		got, err := withSlots([]byte(tt.in), 5)
		if (err != nil) != tt.wantErr || string(got) != tt.want {
			t.Errorf("%s: %q, %v; want %q (error %v)", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	kinds, total := errorKinds(map[string]int{"HTTP 503": 1, "BC code 1011": 3, "BC code 26": 1})
	want := []loadgen.ErrorKind{{Text: "BC code 1011", Count: 3}, {Text: "BC code 26", Count: 1}, {Text: "HTTP 503", Count: 1}}
	if total != 5 || len(kinds) != len(want) {
		t.Fatalf("kinds %v, total %d", kinds, total)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Errorf("kinds %v, want %v", kinds, want)
			break
		}
	}
	if kinds, total := errorKinds(nil); kinds != nil || total != 0 {
		t.Errorf("no errors: %v, %d", kinds, total)
	}
}
