package dashboard

import (
	"context"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// loginSession is a successful login and what ended it (history.Session:
// the reports derive sessions the same way).
type loginSession = history.Session

// sessionsOf pairs each successful login on a device with the row that
// ended it (rows come newest first, as the store returns them).
func sessionsOf(rows []history.Record, now time.Time) []loginSession {
	return history.SessionsOf(rows, now)
}

// maxOpenLookups bounds the device queries of one user page.
const maxOpenLookups = 20

// closeOpen ends the open sessions of a user's page from their devices'
// rows: a logout row names the device, not the user, so the user's own
// rows cannot show it. A device whose rows cannot be read keeps its
// session open.
func (d *Dashboard) closeOpen(ctx context.Context, sessions []loginSession) {
	looked := 0
	for i := range sessions {
		s := &sessions[i]
		if !s.Open || looked == maxOpenLookups {
			continue
		}
		looked++
		p, err := d.opts.Store.Query(ctx, history.Query{Device: s.Device, From: s.Start, Limit: detailRows})
		if err != nil {
			continue
		}
		for _, ds := range sessionsOf(p.Rows, d.opts.Now()) {
			if ds.Start.Equal(s.Start) && ds.User == s.User && !ds.Open {
				s.End, s.Open, s.Length = ds.End, false, ds.Length
				break
			}
		}
	}
}
