package dashboard

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// latencyChart is one cluster's p50 and p95 durations per bucket: two
// lines told apart by their dash and their markers (squares for p95,
// circles for p50), every marker a link to the history of its bucket.
type latencyChart struct {
	Cluster    string
	Label      string
	H          float64
	PlotBottom float64
	LabelY     float64
	P95, P50   string // SVG path data
	Points     []latencyPoint
	YTicks     []tick
	XTicks     []tick
	Marks      []stateMark
	Empty      bool
}

// latencyPoint is one bar's markers: the p95 square (its top left) and the
// p50 circle (its centre), one link and one tooltip for both.
type latencyPoint struct {
	SquareX, SquareY, CX, CY float64
	Title, Href              string
}

// newLatencyChart lays out cluster's percentiles over bs.
func newLatencyChart(label string, bs []bucket, cluster string, changes []StateChange, tickEvery int) latencyChart {
	c := latencyChart{Cluster: cluster, Label: label, PlotBottom: plotTop + latencyH}
	c.LabelY = c.PlotBottom + xLabelsH - 4
	c.H = c.LabelY + 4
	type pv struct {
		p50, p95 time.Duration
		ok       bool
	}
	vals := make([]pv, len(bs))
	var most time.Duration
	for i := range bs {
		cnt := scopeOf(&bs[i], cluster)
		p50, ok := cnt.percentile(0.50)
		p95, _ := cnt.percentile(0.95)
		vals[i] = pv{p50, p95, ok}
		most = max(most, p95)
	}
	c.Empty = !slices.ContainsFunc(vals, func(v pv) bool { return v.ok })
	top := niceScale(int(most.Milliseconds()))
	c.YTicks = yTicks(top, c.PlotBottom, latencyH, func(f int) string { return fmt.Sprintf("%d ms", f) })
	y := func(d time.Duration) float64 {
		return round1(c.PlotBottom - float64(d.Milliseconds())/float64(top)*latencyH)
	}
	var p50, p95 strings.Builder
	prev := false
	for i := range bs {
		x, w := barSlot(i, len(bs))
		cx := round1(x + w/2)
		if i%tickEvery == 0 {
			c.XTicks = append(c.XTicks, tick{At: x, Label: bs[i].Start.UTC().Format("15:04")})
		}
		v := vals[i]
		if !v.ok {
			prev = false
			continue
		}
		cmd := "L"
		if !prev {
			cmd = "M"
		}
		fmt.Fprintf(&p50, "%s%v %v ", cmd, cx, y(v.p50))
		fmt.Fprintf(&p95, "%s%v %v ", cmd, cx, y(v.p95))
		prev = true
		b := &bs[i]
		n := scopeOf(b, cluster).Total()
		href := historyLink(cluster, b.Start, b.Start.Add(b.Step), nil)
		c.Points = append(c.Points, latencyPoint{SquareX: round1(cx - 3), SquareY: round1(y(v.p95) - 3), CX: cx, CY: y(v.p50), Href: href,
			Title: fmt.Sprintf("p95 at most %d ms, p50 at most %d ms, of %d requests, %s", v.p95.Milliseconds(), v.p50.Milliseconds(), n, spanText(b))})
	}
	c.P50, c.P95 = strings.TrimSpace(p50.String()), strings.TrimSpace(p95.String())
	c.Marks = stateMarks(changes, bs, cluster)
	return c
}
