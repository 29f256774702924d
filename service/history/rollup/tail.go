package rollup

import (
	"context"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report"
)

// tail reads the rows from the watermark on (up to the range's end or
// now, whichever is later: they end the sessions begun in the range),
// after the sessions open at the watermark, and adds what they hold.
func (g *gather) tail(ctx context.Context, rs history.RollupStore, open []history.Session) error {
	var sessions []history.Session
	b := history.SessionBuilder{Ended: func(s history.Session) {
		if g.matches(s.Cluster) {
			sessions = append(sessions, s)
		}
	}}
	for _, s := range open {
		// one begun before the range that the range does not reach past
		// the watermark adds nothing
		if g.f.To.After(g.w) || !s.Start.Before(g.f.From) {
			b.Resume(s)
		}
	}
	end := later(g.f.To, g.now)
	if g.w.Before(end) {
		err := rs.ScanSessions(ctx, history.SessionScan{From: g.w, To: end}, func(r history.Record) error {
			b.Add(r)
			g.row(r)
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, s := range b.Open(g.now) {
		if !g.matches(s.Cluster) {
			continue
		}
		if s.Open {
			s.End = g.now
			s.Length = max(0, s.End.Sub(s.Start))
		}
		sessions = append(sessions, s)
	}
	g.sessions(sessions)
	return nil
}

func (g *gather) matches(cluster string) bool { return g.f.Cluster == "" || cluster == g.f.Cluster }

// row adds a tail row within the range's window.
func (g *gather) row(r history.Record) {
	if !r.Time.Before(g.f.To) || !g.matches(r.Cluster) {
		return
	}
	ms := r.Time.UnixMilli()
	var fig *keyFig
	if r.Device != "" {
		fig = g.key(dayKey{r.Device, r.Cluster})
		fig.rows++
		fig.lastRow = ms
	}
	if r.Op != string(service.OpLogin) {
		return
	}
	ok := history.EffectOf(r) == history.StartsLogin
	if ok {
		fig.lastLogin = ms
	}
	i := report.GroupOf(g.spans, r.Time)
	switch {
	case i < 0:
	case !ok:
		g.groups[i].Failures++
	default:
		g.groups[i].Logins++
		g.tailUsers[i][r.User] = true
		g.tailDevs[i][r.Device] = true
	}
}

// sessions adds the lengths of the sessions begun in the range (those
// open at the watermark are not in the rollups' lengths), the sessions
// begun above the watermark, and their time above it.
func (g *gather) sessions(ss []history.Session) {
	from := later(g.f.From, g.w)
	var cs []report.Clipped
	for _, s := range ss {
		if i := report.GroupOf(g.spans, s.Start); i >= 0 {
			g.groups[i].Lengths.Add(report.Quantise(s.Length), 1)
			if !s.Start.Before(g.w) {
				g.key(dayKey{s.Device, s.Cluster}).sessions++
			}
		}
		c := report.Clipped{Device: s.Device, Start: later(s.Start, from), End: earlier(earlier(s.End, g.f.To), g.now)}
		if c.Start.Before(c.End) {
			cs = append(cs, c)
			g.key(dayKey{s.Device, s.Cluster}).logged += c.End.Sub(c.Start)
		}
	}
	var idx []int
	var spans []report.Span
	for i, sp := range g.spans {
		if sp.End.After(from) {
			idx = append(idx, i)
			spans = append(spans, report.Span{Start: later(sp.Start, from), End: sp.End})
		}
	}
	peaks, areas := report.Sweep(cs, spans)
	for j, i := range idx {
		g.groups[i].Peak = max(g.groups[i].Peak, peaks[j])
		g.groups[i].Logged += areas[j]
	}
}
