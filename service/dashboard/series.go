package dashboard

import (
	"math"
	"slices"
	"sync"
	"time"

	"github.com/emconnector/emconnector/service"
)

// The status page's charts read an in-memory series of per-minute counts
// (cmd/bcservice/README.md, "Status at a glance"): one slot per minute of
// the last 24 hours, per cluster, fed by the rows the history gets of each
// request's Event. Its answer costs the same whatever the history holds.

// seriesMinutes is how many minutes the ring holds: 24 hours and the
// current minute.
const seriesMinutes = 24*60 + 1

// maxClustersPerMinute bounds the clusters a minute keeps apart; rows of
// more (clusters come from the configuration, so only a history written
// under many configurations has more) are counted under "".
const maxClustersPerMinute = 32

// nClasses is len(classes); counts index their outcome counts like classes.
const nClasses = 7

// durBounds are the upper bounds of the duration histogram's buckets: from
// 1 ms, each about 25 % above the one before, to about 2 minutes; a
// percentile is the bound of its bucket (at most 25 % above the exact one).
var durBounds = func() []time.Duration {
	var out []time.Duration
	for f := 1.0; f < 150000; f *= 1.25 {
		d := time.Duration(f+0.5) * time.Millisecond
		if len(out) == 0 || d > out[len(out)-1] {
			out = append(out, d)
		}
	}
	return out
}()

// counts are the requests of one minute (or a sum of minutes) of one
// cluster (or of all).
type counts struct {
	ByClass [nClasses]int
	// Busy counts the rows answered CUCM's busy code 26; Retried the rows
	// of requests CUCM answered busy (26) that were tried again; Logins the
	// successful logins.
	Busy, Retried, Logins int
	// hist counts durations per durBounds bucket; the last counts those
	// above the largest bound.
	hist []uint32
}

// sample is what the series keeps of one history row.
type sample struct {
	Time     time.Time
	Cluster  string
	Class    string
	Code     int
	Op       string
	Duration time.Duration
	Retried  bool
}

// Total is the number of requests counted.
func (c *counts) Total() int {
	n := 0
	for _, v := range c.ByClass {
		n += v
	}
	return n
}

func (c *counts) add(s sample) {
	if i := slices.Index(classes, s.Class); i >= 0 {
		c.ByClass[i]++
	} else {
		c.ByClass[len(classes)-1]++ // unknown: counted as error
	}
	if s.Code == 26 {
		c.Busy++
	}
	if s.Retried {
		c.Retried++
	}
	if s.Op == string(service.OpLogin) && s.Class == string(service.ClassSuccess) {
		c.Logins++
	}
	if c.hist == nil {
		c.hist = make([]uint32, len(durBounds)+1)
	}
	i, _ := slices.BinarySearch(durBounds, s.Duration)
	c.hist[i]++
}

func (c *counts) merge(o *counts) {
	for i, v := range o.ByClass {
		c.ByClass[i] += v
	}
	c.Busy += o.Busy
	c.Retried += o.Retried
	c.Logins += o.Logins
	if o.hist == nil {
		return
	}
	if c.hist == nil {
		c.hist = make([]uint32, len(durBounds)+1)
	}
	for i, v := range o.hist {
		c.hist[i] += v
	}
}

// percentile is the duration p (0..1) of the requests are at most, to the
// bucket's bound; ok is false without requests.
func (c *counts) percentile(p float64) (time.Duration, bool) {
	var n uint64
	for _, v := range c.hist {
		n += uint64(v)
	}
	if n == 0 {
		return 0, false
	}
	rank := max(uint64(math.Ceil(p*float64(n))), 1)
	var seen uint64
	for i, v := range c.hist {
		seen += uint64(v)
		if seen >= rank {
			if i == len(durBounds) {
				return durBounds[len(durBounds)-1], true // above the largest bound
			}
			return durBounds[i], true
		}
	}
	return durBounds[len(durBounds)-1], true
}

type minuteSlot struct {
	minute   int64 // Unix minute this slot holds; 0 when empty
	clusters map[string]*counts
}

// series is the ring of per-minute counts. It is safe for concurrent use.
type series struct {
	mu     sync.Mutex
	slots  [seriesMinutes]minuteSlot
	newest int64 // the newest minute added
}

func unixMinute(t time.Time) int64 { return t.Unix() / 60 }

// add counts s in its minute; a sample older than the ring is dropped.
func (s *series) add(x sample) {
	m := unixMinute(x.Time)
	s.mu.Lock()
	defer s.mu.Unlock()
	if m <= s.newest-seriesMinutes {
		return
	}
	s.newest = max(s.newest, m)
	slot := &s.slots[m%seriesMinutes]
	if slot.minute != m {
		slot.minute, slot.clusters = m, map[string]*counts{}
	}
	c := slot.clusters[x.Cluster]
	if c == nil && len(slot.clusters) >= maxClustersPerMinute {
		x.Cluster = ""
		c = slot.clusters[""]
	}
	if c == nil {
		c = &counts{}
		slot.clusters[x.Cluster] = c
	}
	c.add(x)
}

// bucket is the counts of [Start, Start+Step).
type bucket struct {
	Start time.Time
	Step  time.Duration
	All   counts
	// ByCluster holds each cluster's counts ("" for rows without one).
	ByCluster map[string]*counts
}

// window returns n buckets of step (a whole number of minutes) ending with
// the one holding now, aligned to multiples of step since the epoch.
func (s *series) window(now time.Time, n int, step time.Duration) []bucket {
	per := int64(step / time.Minute)
	last := unixMinute(now) / per * per
	first := last - int64(n-1)*per
	out := make([]bucket, n)
	for i := range out {
		out[i] = bucket{Start: time.Unix((first+int64(i)*per)*60, 0).UTC(), Step: step, ByCluster: map[string]*counts{}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range seriesMinutes {
		slot := &s.slots[i]
		if slot.minute == 0 || slot.minute < first || slot.minute >= last+per {
			continue
		}
		b := &out[(slot.minute-first)/per]
		for cl, c := range slot.clusters {
			b.All.merge(c)
			bc := b.ByCluster[cl]
			if bc == nil {
				bc = &counts{}
				b.ByCluster[cl] = bc
			}
			bc.merge(c)
		}
	}
	return out
}
