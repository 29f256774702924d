package dashboard

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// phonesNow knows which phones are logged in now, from the history's rows
// read the way the device and user pages read them (effectOf): a device's
// newest successful row of an operation that changes a phone says whether
// a login is open on it. It is safe for concurrent use; a row older than
// the one a device already has is ignored, so the rows read at start and
// those of the requests served since may come in any order.
type phonesNow struct {
	mu     sync.Mutex
	byDev  map[string]phoneState
	loaded bool // the open sessions at start have been read
}

// phoneState is the newest change seen on one device.
type phoneState struct {
	At            time.Time
	Open          bool
	User, Cluster string
}

// openPhone is one device with a login open on it.
type openPhone struct {
	Device, User string
	Since        time.Time
}

func newPhonesNow() *phonesNow { return &phonesNow{byDev: map[string]phoneState{}} }

// apply records what r did to its device's login, if anything.
func (p *phonesNow) apply(r history.Record) {
	eff := history.EffectOf(r)
	if eff == history.NoEffect {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.byDev[r.Device]; ok && r.Time.Before(old.At) {
		return
	}
	p.byDev[r.Device] = phoneState{At: r.Time, Open: eff == history.StartsLogin, User: r.User, Cluster: r.Cluster}
}

// markLoaded records that the open sessions at start have been read.
func (p *phonesNow) markLoaded() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.loaded = true
}

// open returns the open logins by cluster, each list newest first, and
// whether the sessions at start were read.
func (p *phonesNow) open() (map[string][]openPhone, bool) {
	p.mu.Lock()
	out := map[string][]openPhone{}
	for dev, s := range p.byDev {
		if s.Open {
			out[s.Cluster] = append(out[s.Cluster], openPhone{Device: dev, User: s.User, Since: s.At})
		}
	}
	loaded := p.loaded
	p.mu.Unlock()
	for _, l := range out {
		slices.SortFunc(l, func(a, b openPhone) int {
			if c := b.Since.Compare(a.Since); c != 0 {
				return c
			}
			return strings.Compare(a.Device, b.Device)
		})
	}
	return out, loaded
}
