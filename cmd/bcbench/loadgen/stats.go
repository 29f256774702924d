package loadgen

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// maxErrorKinds bounds the distinct error texts a run remembers, so that an Op returning
// request-specific texts cannot grow memory without limit; further kinds count as "other".
const maxErrorKinds = 20

// Stats are the measurements of one run.
type Stats struct {
	// Requests counts every request the run issued or skipped (overloaded), failed ones too.
	Requests int
	// Errors counts the requests whose Op returned an error or that could not be sent.
	Errors int
	// Elapsed is the time from the first request's start to the last one's end.
	Elapsed time.Duration
	// ErrorKinds counts the errors by text, most frequent first.
	ErrorKinds []ErrorKind
	// latencies of the requests that were sent, sorted ascending.
	latencies []time.Duration
}

// ErrorKind is one error text and how often it occurred.
type ErrorKind struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// RPS is the request rate over the run, failed requests included.
func (s *Stats) RPS() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// Percentile returns the latency below which the fraction p (0..1) of the sent requests
// fall (nearest-rank), or 0 when nothing was sent.
func (s *Stats) Percentile(p float64) time.Duration {
	n := len(s.latencies)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p*float64(n))) - 1 // nearest rank, 0-based
	return s.latencies[min(max(rank, 0), n-1)]
}

// Sent is the number of requests that were actually sent (and so have a latency).
func (s *Stats) Sent() int { return len(s.latencies) }

func newStats(perWorker [][]time.Duration, t *tally, elapsed time.Duration) *Stats {
	var all []time.Duration
	for _, l := range perWorker {
		all = append(all, l...)
	}
	slices.Sort(all)
	return &Stats{
		Requests:   t.total,
		Errors:     t.errors,
		Elapsed:    elapsed,
		ErrorKinds: t.kindsList(),
		latencies:  all,
	}
}

// tally counts outcomes from concurrent requests.
type tally struct {
	mu     sync.Mutex
	total  int
	errors int
	kinds  map[string]int
}

func newTally() *tally { return &tally{kinds: map[string]int{}} }

func (t *tally) add(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total++
	if err == nil {
		return
	}
	t.errors++
	text := err.Error()
	if _, ok := t.kinds[text]; !ok && len(t.kinds) >= maxErrorKinds {
		text = "other"
	}
	t.kinds[text]++
}

func (t *tally) kindsList() []ErrorKind {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []ErrorKind
	for _, text := range slices.Sorted(maps.Keys(t.kinds)) {
		out = append(out, ErrorKind{Text: text, Count: t.kinds[text]})
	}
	slices.SortStableFunc(out, func(a, b ErrorKind) int { return cmp.Compare(b.Count, a.Count) })
	return out
}
