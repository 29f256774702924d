package dashboard

import (
	"context"
	"slices"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
)

// loginSession is a successful login and what ended it (Open while
// nothing has yet).
type loginSession struct {
	Device, User string
	Start, End   time.Time
	Open         bool
	Length       time.Duration
}

// phoneEffect is what a successful row of an operation does to the
// login on its device. Every operation that changes a phone is listed
// here (cmd/bcservice/README.md, "Adding an operation"): an operation missing from this
// table leaves the device and user pages showing a login that has ended.
type phoneEffect int

const (
	noEffect phoneEffect = iota
	// starts a login, ending the one before it on the device (a forced
	// login logs the previous user out).
	startsLogin
	// ends the login on the device: logout (the API's or an operator's
	// from the dashboard, recorded with its actor) and logoutuser (one row
	// per device it logged out).
	endsLogin
)

var phoneEffects = map[service.Op]phoneEffect{
	service.OpLogin:      startsLogin,
	service.OpLogout:     endsLogin,
	service.OpLogoutUser: endsLogin,
	// A sweep's row names no device: each of its logouts is a logout row
	// of its own (actor sweep:<name>).
	service.OpRunSweep: noEffect,
}

// effectOf is what r did to its device's login; failed rows did nothing.
func effectOf(r history.Record) phoneEffect {
	if r.Class != string(service.ClassSuccess) || r.Device == "" {
		return noEffect
	}
	return phoneEffects[service.Op(r.Op)]
}

// sessionsOf pairs each successful login on a device with the row that
// ended it (rows come newest first, as the store returns them).
func sessionsOf(rows []history.Record) []loginSession {
	open := map[string]*loginSession{}
	var out []loginSession
	end := func(dev string, at time.Time) {
		if s := open[dev]; s != nil {
			s.End, s.Open, s.Length = at, false, at.Sub(s.Start)
			out = append(out, *s)
			delete(open, dev)
		}
	}
	for _, r := range slices.Backward(rows) {
		switch effectOf(r) {
		case startsLogin:
			end(r.Device, r.Time)
			open[r.Device] = &loginSession{Device: r.Device, User: r.User, Start: r.Time, Open: true}
		case endsLogin:
			end(r.Device, r.Time)
		}
	}
	for _, s := range open {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b loginSession) int { return b.Start.Compare(a.Start) })
	return out
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
		for _, ds := range sessionsOf(p.Rows) {
			if ds.Start.Equal(s.Start) && ds.User == s.User && !ds.Open {
				s.End, s.Open, s.Length = ds.End, false, ds.Length
				break
			}
		}
	}
}
