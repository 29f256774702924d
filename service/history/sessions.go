package history

import (
	"slices"
	"time"

	"github.com/emconnector/emconnector/service"
)

// Session is a successful login on a device and what ended it (Open while
// nothing has yet). The dashboard's device and user pages and the usage
// reports (service/history/report) derive them the same way, here.
type Session struct {
	Device, User, Cluster string
	Start, End            time.Time
	Open                  bool
	Length                time.Duration
	// Until is when CUCM ends the login by itself (a login made with a
	// duration); zero otherwise.
	Until time.Time
}

// PhoneEffect is what a successful row of an operation does to the login
// on its device. Every operation that changes a phone is listed in
// PhoneEffects (cmd/bcservice/README.md, "Adding an operation"): an
// operation missing from it leaves the pages and the reports showing a
// login that has ended.
type PhoneEffect int

// The effects of a row on its device's login.
const (
	NoEffect PhoneEffect = iota
	// StartsLogin starts a login, ending the one before it on the device
	// (a forced login logs the previous user out).
	StartsLogin
	// EndsLogin ends the login on the device: logout (the API's or an
	// operator's from the dashboard, recorded with its actor) and
	// logoutuser (one row per device it logged out).
	EndsLogin
)

// PhoneEffects holds the effect of each operation that changes a phone.
var PhoneEffects = map[service.Op]PhoneEffect{
	service.OpLogin:      StartsLogin,
	service.OpLogout:     EndsLogin,
	service.OpLogoutUser: EndsLogin,
	// A sweep's row names no device: each of its logouts is a logout row
	// of its own (actor sweep:<name>).
	service.OpRunSweep: NoEffect,
}

// EffectOf is what r did to its device's login; failed rows did nothing.
func EffectOf(r Record) PhoneEffect {
	if r.Class != string(service.ClassSuccess) || r.Device == "" {
		return NoEffect
	}
	return PhoneEffects[service.Op(r.Op)]
}

// SessionBuilder pairs logins with what ended them from rows given oldest
// first (Add): the next login on the device, a logout, a logoutuser, or
// the end CUCM set for a login made with a duration, whichever comes
// first. Ended receives each session as it ends.
type SessionBuilder struct {
	open  map[string]*Session
	Ended func(Session)
}

// Add applies r, which must not be older than the rows added before it.
func (b *SessionBuilder) Add(r Record) {
	switch EffectOf(r) {
	case StartsLogin:
		b.end(r.Device, r.Time)
		if b.open == nil {
			b.open = map[string]*Session{}
		}
		b.open[r.Device] = &Session{Device: r.Device, User: r.User, Cluster: r.Cluster, Start: r.Time, Open: true,
			Until: r.Until}
	case EndsLogin:
		b.end(r.Device, r.Time)
	}
}

func (b *SessionBuilder) end(dev string, at time.Time) {
	if s := b.open[dev]; s != nil {
		if !s.Until.IsZero() && s.Until.Before(at) {
			at = later(s.Until, s.Start)
		}
		s.End, s.Open, s.Length = at, false, at.Sub(s.Start)
		delete(b.open, dev)
		if b.Ended != nil {
			b.Ended(*s)
		}
	}
}

// Open returns the sessions not ended by a row, by device name: those
// CUCM has ended by now (their Until has passed) ended there, the others
// still open.
func (b *SessionBuilder) Open(now time.Time) []Session {
	out := make([]Session, 0, len(b.open))
	for _, s := range b.open {
		x := *s
		if !x.Until.IsZero() && !x.Until.After(now) {
			x.End = later(x.Until, x.Start)
			x.Open, x.Length = false, x.End.Sub(x.Start)
		}
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b Session) int { return cmpString(a.Device, b.Device) })
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SessionsOf pairs each successful login on a device with the row that
// ended it; rows come newest first, as the store returns them, and so do
// the sessions (by start). now decides whether a login made with a
// duration has ended.
func SessionsOf(rows []Record, now time.Time) []Session {
	var out []Session
	b := SessionBuilder{Ended: func(s Session) { out = append(out, s) }}
	for _, r := range slices.Backward(rows) {
		b.Add(r)
	}
	out = append(out, b.Open(now)...)
	slices.SortStableFunc(out, func(a, b Session) int { return b.Start.Compare(a.Start) })
	return out
}

// Resume makes s (Open, as Open returned it) the open session of its
// device, as if its login had been added: a builder picks up where one
// that read the earlier rows left off (the rollups' job and their reports
// start at a watermark).
func (b *SessionBuilder) Resume(s Session) {
	if b.open == nil {
		b.open = map[string]*Session{}
	}
	b.open[s.Device] = &s
}
