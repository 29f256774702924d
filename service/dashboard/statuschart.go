package dashboard

import (
	"fmt"
	"math"
	"net/url"
	"time"
)

// The status page's SVG charts are laid out here, so that the templates
// only print numbers, texts and links. Every shape carries a <title> and a
// pattern or a text, never a colour alone.

// Geometry of a chart, in viewBox units (the SVG scales to the page).
const (
	statusChartW = 760.0
	plotLeft     = 48.0
	plotRight    = 8.0
	plotTop      = 14.0
	stackH       = 150.0
	rowH         = 12.0 // the busy and retry rows below the bars
	latencyH     = 90.0
	xLabelsH     = 18.0
	linkLayout   = "2006-01-02T15:04" // as the history's from/to inputs take it (UTC)
)

// rect is a shape with its tooltip and, when Href is set, its link.
type rect struct {
	X, Y, W, H  float64
	Class       string
	Title, Href string
}

// tick is an axis label at X (or Y).
type tick struct {
	At    float64
	Label string
}

// stateMark is a breaker change on the time axis.
type stateMark struct {
	X     float64
	Glyph string
	Title string
}

// stackChart is the requests per bucket stacked by outcome, with a row of
// busy answers (26) and one of retried requests below.
type stackChart struct {
	Label       string
	H           float64
	PlotBottom  float64
	BusyY       float64
	RetryY      float64
	BusyTextY   float64
	RetryTextY  float64
	LabelY      float64
	Segs        []rect
	Busy, Retry []rect
	YTicks      []tick
	XTicks      []tick
	Marks       []stateMark
	Empty       bool
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// niceScale is the smallest 1, 2 or 5 times a power of ten at least n.
func niceScale(n int) int {
	if n <= 1 {
		return 1
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// historyLink is the history filtered to cluster (when set), extra and the
// time range [from, to).
func historyLink(cluster string, from, to time.Time, extra url.Values) string {
	v := url.Values{}
	for k, vs := range extra {
		v[k] = vs
	}
	if cluster != "" {
		v.Set("cluster", cluster)
	}
	v.Set("from", from.UTC().Format(linkLayout))
	v.Set("to", to.UTC().Format(linkLayout))
	return "/history?" + v.Encode()
}

// scopeOf is the counts of b for cluster ("" for all).
func scopeOf(b *bucket, cluster string) *counts {
	if cluster == "" {
		return &b.All
	}
	if c := b.ByCluster[cluster]; c != nil {
		return c
	}
	return &counts{}
}

// barSlot is the x and width of bucket i of n.
func barSlot(i, n int) (x, w float64) {
	slot := (statusChartW - plotLeft - plotRight) / float64(n)
	return round1(plotLeft + float64(i)*slot), round1(max(slot-1, 1))
}

// timeX is where t falls on the axis of buckets (from the first's start to
// the last's end).
func timeX(t time.Time, bs []bucket) float64 {
	start := bs[0].Start
	span := bs[len(bs)-1].Start.Add(bs[len(bs)-1].Step).Sub(start)
	f := float64(t.Sub(start)) / float64(span)
	return round1(plotLeft + f*(statusChartW-plotLeft-plotRight))
}

// newStackChart lays out the buckets of cluster ("" for all).
func newStackChart(label string, bs []bucket, cluster string, changes []StateChange, tickEvery int) stackChart {
	c := stackChart{Label: label, PlotBottom: plotTop + stackH}
	c.BusyY = c.PlotBottom + 4
	c.RetryY = c.BusyY + rowH + 2
	c.BusyTextY, c.RetryTextY = c.BusyY+rowH-2, c.RetryY+rowH-2
	c.LabelY = c.RetryY + rowH + xLabelsH - 4
	c.H = c.LabelY + 4
	most := 0
	for i := range bs {
		most = max(most, scopeOf(&bs[i], cluster).Total())
	}
	c.Empty = most == 0
	top := niceScale(most)
	c.YTicks = yTicks(top, c.PlotBottom, stackH, func(f int) string { return fmt.Sprint(f) })
	for i := range bs {
		b := &bs[i]
		x, w := barSlot(i, len(bs))
		c.Segs = append(c.Segs, stackSegs(b, cluster, x, w, c.PlotBottom, top)...)
		cnt := scopeOf(b, cluster)
		when := spanText(b)
		if cnt.Busy > 0 {
			c.Busy = append(c.Busy, rect{X: x, Y: c.BusyY, W: w, H: rowH, Class: "busy",
				Title: fmt.Sprintf("%d answered busy (26) by CUCM, %s", cnt.Busy, when),
				Href:  historyLink(cluster, b.Start, b.Start.Add(b.Step), url.Values{"code": {"26"}})})
		}
		if cnt.Retried > 0 {
			c.Retry = append(c.Retry, rect{X: x, Y: c.RetryY, W: w, H: rowH, Class: "retried",
				Title: fmt.Sprintf("%d retried after a busy answer (26), %s (link: every request of the time)", cnt.Retried, when),
				Href:  historyLink(cluster, b.Start, b.Start.Add(b.Step), nil)})
		}
		if i%tickEvery == 0 {
			c.XTicks = append(c.XTicks, tick{At: x, Label: b.Start.UTC().Format("15:04")})
		}
	}
	c.Marks = stateMarks(changes, bs, cluster)
	return c
}

// stackSegs are the outcome segments of one bar, bottom up in classes'
// order.
func stackSegs(b *bucket, cluster string, x, w, bottom float64, top int) []rect {
	cnt := scopeOf(b, cluster)
	var out []rect
	y := bottom
	for ci, class := range classes {
		n := cnt.ByClass[ci]
		if n == 0 {
			continue
		}
		h := float64(n) / float64(top) * stackH
		y -= h
		out = append(out, rect{X: x, Y: round1(y), W: w, H: round1(max(h, 0.5)), Class: "o-" + class,
			Title: fmt.Sprintf("%d %s, %s", n, class, spanText(b)),
			Href:  historyLink(cluster, b.Start, b.Start.Add(b.Step), url.Values{"outcome": {class}})})
	}
	return out
}

func spanText(b *bucket) string {
	return fmt.Sprintf("%s–%s UTC", b.Start.UTC().Format("15:04"), b.Start.Add(b.Step).UTC().Format("15:04"))
}

// glyphs mark a breaker change by the state it went to.
var glyphs = map[string]string{"open": "✕", "half-open": "?", "closed": "✓"}

func stateMarks(changes []StateChange, bs []bucket, cluster string) []stateMark {
	if len(bs) == 0 {
		return nil
	}
	start, end := bs[0].Start, bs[len(bs)-1].Start.Add(bs[len(bs)-1].Step)
	var out []stateMark
	for _, ch := range changes {
		if (cluster != "" && ch.Cluster != cluster) || ch.At.Before(start) || !ch.At.Before(end) {
			continue
		}
		out = append(out, stateMark{X: timeX(ch.At, bs), Glyph: glyphs[ch.To],
			Title: fmt.Sprintf("%s UTC: breaker of %s/%s %s → %s", ch.At.UTC().Format("15:04:05"), ch.Cluster, ch.Node, ch.From, ch.To)})
	}
	return out
}

// yTicks label 0, half of top (when a whole number) and top.
func yTicks(top int, bottom, height float64, label func(int) string) []tick {
	var out []tick
	for _, f := range []int{0, top / 2, top} {
		if f == top/2 && (top%2 != 0 || f == 0) {
			continue
		}
		out = append(out, tick{At: round1(bottom - float64(f)/float64(top)*height), Label: label(f)})
	}
	return out
}
