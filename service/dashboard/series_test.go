package dashboard

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 6, 8, 30, 0, 0, time.UTC)

func at(min, sec int) time.Time {
	return t0.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second)
}

func okAt(t time.Time, cluster string, ms int) sample {
	return sample{Time: t, Cluster: cluster, Class: "success", Op: "login", Duration: time.Duration(ms) * time.Millisecond}
}

func busy26(t time.Time, cluster string) sample {
	return sample{Time: t, Cluster: cluster, Class: "cucm_error", Code: 26, Op: "login", Duration: 900 * time.Millisecond, Retried: true}
}

func TestClassesMatchCounts(t *testing.T) {
	if len(classes) != nClasses {
		t.Fatalf("len(classes) = %d, nClasses = %d", len(classes), nClasses)
	}
}

// Each sample lands in the bucket of its minute (or of its step), by
// outcome, with the busy, retried and login counts; samples older than the
// ring are dropped.
func TestSeriesBuckets(t *testing.T) {
	tests := []struct {
		name    string
		samples []sample
		now     time.Time
		n       int
		step    time.Duration
		want    []string // per bucket: "start total/success/busy/retried/logins"
	}{
		{"empty window", nil, at(2, 0), 3, time.Minute,
			[]string{"08:30 0/0/0/0/0", "08:31 0/0/0/0/0", "08:32 0/0/0/0/0"}},
		{"one a minute", []sample{okAt(at(0, 1), "US", 5), okAt(at(1, 59), "US", 5), okAt(at(2, 0), "EU", 5)}, at(2, 30), 3, time.Minute,
			[]string{"08:30 1/1/0/0/1", "08:31 1/1/0/0/1", "08:32 1/1/0/0/1"}},
		{"a minute with only 26s", []sample{busy26(at(1, 0), "US"), busy26(at(1, 10), "US")}, at(2, 0), 3, time.Minute,
			[]string{"08:30 0/0/0/0/0", "08:31 2/0/2/2/0", "08:32 0/0/0/0/0"}},
		{"15-minute steps aligned to the quarter", []sample{okAt(at(-16, 0), "US", 5), okAt(at(-15, 0), "US", 5), okAt(at(14, 59), "US", 5)}, at(14, 0), 3, 15 * time.Minute,
			[]string{"08:00 1/1/0/0/1", "08:15 1/1/0/0/1", "08:30 1/1/0/0/1"}},
		{"rows after now are not shown", []sample{okAt(at(5, 0), "US", 5)}, at(2, 0), 3, time.Minute,
			[]string{"08:30 0/0/0/0/0", "08:31 0/0/0/0/0", "08:32 0/0/0/0/0"}},
		{"a minute that left the ring", []sample{okAt(at(0, 0), "US", 5), okAt(at(seriesMinutes, 0), "US", 5), okAt(at(0, 10), "US", 5)},
			at(0, 30), 1, time.Minute, []string{"08:30 0/0/0/0/0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s series
			for _, x := range tt.samples {
				s.add(x)
			}
			var got []string
			for _, b := range s.window(tt.now, tt.n, tt.step) {
				got = append(got, b.Start.Format("15:04")+" "+strconv.Itoa(b.All.Total())+"/"+strconv.Itoa(b.All.ByClass[0])+"/"+
					strconv.Itoa(b.All.Busy)+"/"+strconv.Itoa(b.All.Retried)+"/"+strconv.Itoa(b.All.Logins))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// Percentiles are the bound of the bucket holding the rank ⌈p·n⌉.
func TestPercentiles(t *testing.T) {
	tests := []struct {
		name     string
		ms       []int
		p50, p95 time.Duration
		ok       bool
	}{
		{"none", nil, 0, 0, false},
		{"one", []int{100}, durBound(100), durBound(100), true},
		{"exact bounds", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, durBound(5), durBound(10), true},
		{"one slow in twenty", append(slices.Repeat([]int{10}, 19), 5000), durBound(10), durBound(10), true},
		{"two slow in twenty", append(slices.Repeat([]int{10}, 18), 5000, 5000), durBound(10), durBound(5000), true},
		{"above the largest bound", []int{600000}, durBounds[len(durBounds)-1], durBounds[len(durBounds)-1], true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c counts
			for _, ms := range tt.ms {
				c.add(okAt(t0, "US", ms))
			}
			p50, ok50 := c.percentile(0.5)
			p95, _ := c.percentile(0.95)
			if p50 != tt.p50 || p95 != tt.p95 || ok50 != tt.ok {
				t.Errorf("p50 %v p95 %v ok %v, want %v %v %v", p50, p95, ok50, tt.p50, tt.p95, tt.ok)
			}
		})
	}
}

// durBound is the bound of the bucket holding ms.
func durBound(ms int) time.Duration {
	i, _ := slices.BinarySearch(durBounds, time.Duration(ms)*time.Millisecond)
	return durBounds[i]
}

// The bounds grow by about 25 % and a percentile is never below the
// exact value nor more than 25 % above it.
func TestDurationBounds(t *testing.T) {
	if durBounds[0] != time.Millisecond || durBounds[len(durBounds)-1] < 2*time.Minute {
		t.Fatalf("bounds %v..%v", durBounds[0], durBounds[len(durBounds)-1])
	}
	for _, ms := range []int{1, 7, 95, 480, 1234, 9999, 60000} {
		b := durBound(ms)
		if b < time.Duration(ms)*time.Millisecond || float64(b) > 1.25*float64(time.Duration(ms)*time.Millisecond)+float64(time.Millisecond) {
			t.Errorf("%d ms → bound %v", ms, b)
		}
	}
}

// The stacked segments of a bar go bottom up in the classes' order, each
// as tall as its count, linked to the history of its outcome, cluster and
// minute.
func TestStackSegments(t *testing.T) {
	var s series
	for range 3 {
		s.add(okAt(at(0, 5), "US", 10))
	}
	s.add(busy26(at(0, 6), "US"))
	s.add(sample{Time: at(0, 7), Cluster: "EU", Class: "invalid", Duration: time.Millisecond})
	bs := s.window(at(0, 30), 1, time.Minute)
	tests := []struct {
		scope   string
		classes []string
		heights []float64
		busy    int
	}{
		{"", []string{"o-success", "o-cucm_error", "o-invalid"}, []float64{90, 30, 30}, 1},
		{"US", []string{"o-success", "o-cucm_error"}, []float64{90, 30}, 1}, // scaled to 5
		{"EU", []string{"o-invalid"}, []float64{150}, 0},
		{"XX", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run("scope "+tt.scope, func(t *testing.T) {
			c := newStackChart("x", bs, tt.scope, nil, 10)
			var classes []string
			var heights []float64
			bottom := c.PlotBottom
			for _, seg := range c.Segs {
				classes, heights = append(classes, seg.Class), append(heights, seg.H)
				if d := seg.Y + seg.H - bottom; d > 0.2 || d < -0.2 {
					t.Errorf("segment %s at %v+%v does not sit on %v", seg.Class, seg.Y, seg.H, bottom)
				}
				bottom = seg.Y
				if !strings.Contains(seg.Href, "outcome="+strings.TrimPrefix(seg.Class, "o-")) ||
					!strings.Contains(seg.Href, "from=2026-12-06T08%3A30&") || !strings.Contains(seg.Href, "to=2026-12-06T08%3A31") {
					t.Errorf("segment link %s", seg.Href)
				}
				if tt.scope != "" && !strings.Contains(seg.Href, "cluster="+tt.scope) {
					t.Errorf("segment link %s lacks the cluster", seg.Href)
				}
			}
			if !slices.Equal(classes, tt.classes) || !slices.Equal(heights, tt.heights) {
				t.Errorf("segments %v %v, want %v %v", classes, heights, tt.classes, tt.heights)
			}
			if len(c.Busy) != tt.busy || len(c.Retry) != tt.busy {
				t.Errorf("busy marks %d, retry marks %d, want %d", len(c.Busy), len(c.Retry), tt.busy)
			}
			if tt.busy > 0 && !strings.Contains(c.Busy[0].Href, "code=26") {
				t.Errorf("busy link %s", c.Busy[0].Href)
			}
			if c.Empty != (tt.classes == nil) {
				t.Errorf("empty %v", c.Empty)
			}
		})
	}
}

func TestNiceCeil(t *testing.T) {
	for _, tt := range []struct{ n, want int }{{0, 1}, {1, 1}, {2, 2}, {3, 5}, {6, 10}, {11, 20}, {150, 200}, {501, 1000}} {
		if got := niceScale(tt.n); got != tt.want {
			t.Errorf("niceScale(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}

// Breaker changes inside the window are marks at their time; others are
// not shown, nor those of another cluster when the charts show one.
func TestStateMarks(t *testing.T) {
	var s series
	bs := s.window(at(59, 0), 60, time.Minute) // 08:30 to 09:30
	changes := []StateChange{
		{At: at(-1, 0), Cluster: "US", Node: "a:8443", From: "closed", To: "open"},
		{At: at(0, 0), Cluster: "US", Node: "a:8443", From: "closed", To: "open"},
		{At: at(30, 0), Cluster: "EU", Node: "b:8443", From: "open", To: "half-open"},
		{At: at(60, 0), Cluster: "US", Node: "a:8443", From: "half-open", To: "closed"},
	}
	tests := []struct {
		scope string
		want  []float64
	}{
		{"", []float64{plotLeft, plotLeft + (statusChartW-plotLeft-plotRight)/2}},
		{"US", []float64{plotLeft}},
	}
	for _, tt := range tests {
		var got []float64
		for _, m := range stateMarks(changes, bs, tt.scope) {
			got = append(got, m.X)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("scope %q: marks at %v, want %v", tt.scope, got, tt.want)
		}
	}
}

// A minute keeps at most maxClustersPerMinute clusters apart.
func TestSeriesBoundsClusters(t *testing.T) {
	var s series
	for i := range 3 * maxClustersPerMinute {
		s.add(okAt(at(0, 0), "C"+strconv.Itoa(i), 5))
	}
	b := s.window(at(0, 0), 1, time.Minute)[0]
	if len(b.ByCluster) != maxClustersPerMinute+1 || b.All.Total() != 3*maxClustersPerMinute ||
		b.ByCluster[""].Total() != 2*maxClustersPerMinute {
		t.Errorf("%d clusters, %d rows, %d under \"\"", len(b.ByCluster), b.All.Total(), b.ByCluster[""].Total())
	}
}
