package dashboard

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service/history/report"
)

// Geometry of the reports chart (SVG user units; it scales to the page).
const (
	chartW, chartH         = 900, 260
	chartLeft, chartRight  = 48, 48
	chartTop, chartBottom  = 16, 40
	chartMaxLabels         = 12
	chartPlotW, chartPlotH = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
)

// reportChart is the chart of a report's logins (bars, left axis) and
// peak concurrency (a line with square marks, right axis), drawn on the
// server: no script, no external resource, and told apart by shape and
// the legend's words as well as by colour.
type reportChart struct {
	W, H         int
	Bars         []chartBar
	Line         string
	Marks        []chartMark
	Left, Right  []chartTick
	X            []chartTick
	Summary      string
	PlotX, PlotY int
	PlotW, PlotH int
	PlotBottom   int
	RightX       int
}

type chartBar struct {
	X, Y, W, H float64
	Title      string
}

type chartMark struct {
	X, Y  float64
	Title string
}

type chartTick struct {
	X, Y  float64
	Label string
}

func newReportChart(rep report.Report) *reportChart {
	n := len(rep.Groups)
	if n == 0 {
		return nil
	}
	maxLogins, maxPeak := 1, 1
	for _, g := range rep.Groups {
		maxLogins, maxPeak = max(maxLogins, g.Logins), max(maxPeak, g.PeakConcurrent)
	}
	maxLogins, maxPeak = niceCeil(maxLogins), niceCeil(maxPeak)
	c := &reportChart{W: chartW, H: chartH, PlotX: chartLeft, PlotY: chartTop, PlotW: chartPlotW, PlotH: chartPlotH,
		PlotBottom: chartTop + chartPlotH, RightX: chartLeft + chartPlotW}
	slot := float64(chartPlotW) / float64(n)
	y := func(v, top int) float64 { return chartTop + float64(chartPlotH)*(1-float64(v)/float64(top)) }
	var pts []string
	every := (n + chartMaxLabels - 1) / chartMaxLabels
	for i, g := range rep.Groups {
		x := chartLeft + slot*float64(i)
		label := groupLabel(g.Start, rep.Group)
		c.Bars = append(c.Bars, chartBar{X: x + slot*0.15, Y: y(g.Logins, maxLogins), W: slot * 0.7,
			H:     float64(chartPlotH) * float64(g.Logins) / float64(maxLogins),
			Title: fmt.Sprintf("%s: %d logins", label, g.Logins)})
		mx, my := x+slot/2, y(g.PeakConcurrent, maxPeak)
		pts = append(pts, strconv.FormatFloat(mx, 'f', 1, 64)+","+strconv.FormatFloat(my, 'f', 1, 64))
		c.Marks = append(c.Marks, chartMark{X: mx - 3, Y: my - 3, Title: fmt.Sprintf("%s: peak %d at once", label, g.PeakConcurrent)})
		if i%every == 0 {
			c.X = append(c.X, chartTick{X: mx, Y: chartTop + chartPlotH + 16, Label: label})
		}
	}
	c.Line = strings.Join(pts, " ")
	for _, f := range []float64{0, 0.5, 1} {
		yy := chartTop + float64(chartPlotH)*(1-f)
		c.Left = append(c.Left, chartTick{X: chartLeft - 6, Y: yy + 4, Label: strconv.Itoa(int(f * float64(maxLogins)))})
		c.Right = append(c.Right, chartTick{X: chartLeft + chartPlotW + 6, Y: yy + 4, Label: strconv.Itoa(int(f * float64(maxPeak)))})
	}
	c.Summary = fmt.Sprintf("Logins (bars, left axis, up to %d) and peak concurrent sessions (line with squares, right axis, up to %d) per %s, %d groups",
		maxLogins, maxPeak, rep.Group, n)
	return c
}

// niceCeil rounds n up to an even number, so that the axes' middle tick is
// a whole number.
func niceCeil(n int) int {
	if n%2 == 1 {
		return n + 1
	}
	return n
}

// groupLabel names a group by its start in the report's zone.
func groupLabel(t time.Time, g report.Grouping) string {
	switch g {
	case report.Hour:
		return t.Format("Jan 2 15:04")
	case report.Week:
		return "week of " + t.Format("Jan 2")
	}
	return t.Format("Mon Jan 2")
}
