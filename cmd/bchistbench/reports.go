package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/emconnector/emconnector/service/history"
	usage "github.com/emconnector/emconnector/service/history/report"
	"github.com/emconnector/emconnector/service/history/rollup"
)

// reportTarget is the usage reports' p95 target (issue: < 100 ms).
const reportTarget = 100 * time.Millisecond

// reportKind is one report of the target, relative to the generated
// history's end.
type reportKind struct {
	name   string
	filter func(g *generator) usage.Filter
}

var reportKinds = []reportKind{
	{"90 days by day", func(g *generator) usage.Filter {
		end := g.start.Add(span)
		return usage.Filter{From: g.start.Add(24 * time.Hour), To: end, Since: g.start.Add(24 * time.Hour), Group: usage.Day, Zone: time.UTC}
	}},
	{"90 days by day, Paris", func(g *generator) usage.Filter {
		// days that are not UTC days: every group from its hours' rollups
		paris, _ := time.LoadLocation("Europe/Paris")
		end := g.start.Add(span)
		return usage.Filter{From: g.start.Add(24 * time.Hour), To: end, Since: g.start.Add(24 * time.Hour), Group: usage.Day, Zone: paris}
	}},
	{"24 hours by hour", func(g *generator) usage.Filter {
		end := g.start.Add(span)
		return usage.Filter{From: end.Add(-24 * time.Hour), To: end, Since: end.Add(-24 * time.Hour), Group: usage.Hour, Zone: time.UTC}
	}},
}

// reportTimings are one report's durations on one store; refused says
// why it was not answered (more than usage.MaxRows rows), "" if it was.
type reportTimings struct {
	name, refused string
	d             []time.Duration
}

// buildRollups builds the rollups from scratch (rollup.Advance up to the
// generated history's end, as the service's job would after an upgrade or
// a rebuild, with reports.zone Europe/Paris) and returns how long it took
// and in how many batches.
func buildRollups(ctx context.Context, st history.Store, g *generator) (time.Duration, int, error) {
	rs := rollup.Of(ctx, st)
	if rs == nil {
		return 0, 0, fmt.Errorf("%T keeps no rollups", st)
	}
	if err := rs.ResetRollups(ctx); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	paris, _ := time.LoadLocation("Europe/Paris") // the reports' zone, besides UTC
	n, err := rollup.Advance(ctx, rs, g.start.Add(span+rollup.Settle), paris)
	return time.Since(start), n, err
}

// measureReports times n of each report (after one unmeasured), one at a
// time, through rollup.Run as the dashboard runs them (from the rollups
// when they serve the report, as they do these two).
func measureReports(ctx context.Context, st history.Store, g *generator, n int) ([]reportTimings, error) {
	var out []reportTimings
	for _, k := range reportKinds {
		t := reportTimings{name: k.name}
		f := k.filter(g)
		now := g.start.Add(span)
		for i := range n + 1 {
			start := time.Now()
			rep, err := rollup.Run(ctx, st, f, now, nil)
			if errors.Is(err, history.ErrBadQuery) {
				t.refused = err.Error()
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k.name, err)
			}
			if rep.RollupsUntil == nil {
				return nil, fmt.Errorf("%s: not served by the rollups", k.name)
			}
			if i > 0 {
				t.d = append(t.d, time.Since(start))
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// printReports prints one line per store and report, with the target.
func printReports(out io.Writer, results []result) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "store\treport\tn\tp50\tp95\ttarget p95\t")
	for _, r := range results {
		for _, k := range r.reports {
			if k.refused != "" {
				fmt.Fprintf(w, "%s\t%s\t0\t-\t-\t< %v refused: %s\t\n", r.store, k.name, reportTarget, k.refused)
				continue
			}
			p95 := percentile(k.d, 95)
			verdict := "ok"
			if p95 >= reportTarget {
				verdict = "MISSED"
			}
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t< %v %s\t\n", r.store, k.name, len(k.d), ms(percentile(k.d, 50)), ms(p95),
				reportTarget, verdict)
		}
	}
	w.Flush()
}
