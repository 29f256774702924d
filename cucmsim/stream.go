package cucmsim

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// StreamBuffer is how many events a stream subscriber may have waiting; events beyond it are
// dropped for that subscriber (and counted), so a slow client never slows the EM handlers.
const StreamBuffer = 256

// DefaultStreamHeartbeat is the interval of the stream's keep-alive comment, under the idle
// timeouts of common proxies (nginx and HAProxy default to 60 s or more).
const DefaultStreamHeartbeat = 15 * time.Second

// StreamEvent is one request as GET /v1/requests/stream sends it: the request log entry
// (appCertificate already masked, no AXL body) plus its cluster.
type StreamEvent struct {
	Cluster string `json:"cluster"`
	RequestEntry
}

// StreamFilter selects the events a subscriber gets. Within a key any value matches (OR);
// keys combine with AND; an empty key matches everything.
type StreamFilter struct {
	// Clusters are upper-case cluster codes.
	Clusters   []string
	Operations []string
	// Devices compare case-insensitively with any device a request names.
	Devices []string
	// Codes are EM codes; a request answered without an EM code never matches.
	Codes []int
}

func (f StreamFilter) matches(ev *StreamEvent) bool {
	if len(f.Clusters) > 0 && !slices.Contains(f.Clusters, strings.ToUpper(ev.Cluster)) {
		return false
	}
	if len(f.Operations) > 0 && !slices.Contains(f.Operations, ev.Operation) {
		return false
	}
	if len(f.Devices) > 0 && !slices.ContainsFunc(f.Devices, func(d string) bool {
		return ev.Device != "" && containsFold(strings.Split(ev.Device, ","), d)
	}) {
		return false
	}
	if len(f.Codes) > 0 && (ev.Code == nil || !slices.Contains(f.Codes, *ev.Code)) {
		return false
	}
	return true
}

// subscriber is one stream client: its filter, its bounded queue, and what it lost.
type subscriber struct {
	filter  StreamFilter
	events  chan StreamEvent
	dropped atomic.Int64
}

// broker fans request log entries out to the stream's subscribers. count lets publish return
// without a lock when nobody watches, which is the benchmarked case.
type broker struct {
	count atomic.Int32
	mu    sync.Mutex
	subs  map[*subscriber]struct{}
}

// subscribe adds a subscriber; the caller must unsubscribe it.
func (b *broker) subscribe(f StreamFilter) *subscriber {
	sub := &subscriber{filter: f, events: make(chan StreamEvent, StreamBuffer)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[*subscriber]struct{}{}
	}
	b.subs[sub] = struct{}{}
	b.count.Store(int32(len(b.subs)))
	return sub
}

func (b *broker) unsubscribe(sub *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, sub)
	b.count.Store(int32(len(b.subs)))
}

// subscribers is the number of connected stream clients.
func (b *broker) subscribers() int { return int(b.count.Load()) }

// publish offers ev to every matching subscriber without ever waiting: a full queue drops
// the event for that subscriber and counts it.
func (b *broker) publish(cluster string, e *RequestEntry) {
	if b.count.Load() == 0 {
		return
	}
	ev := StreamEvent{Cluster: cluster, RequestEntry: *e}
	b.mu.Lock()
	defer b.mu.Unlock()
	for sub := range b.subs {
		if !sub.filter.matches(&ev) {
			continue
		}
		select {
		case sub.events <- ev:
		default:
			sub.dropped.Add(1)
		}
	}
}

// parseStreamFilter reads the stream's query: cluster, operation, device and code, each
// repeatable. Every problem is listed; unknown keys are problems too.
func (s *Sim) parseStreamFilter(q map[string][]string) (StreamFilter, []string) {
	var f StreamFilter
	var problems []string
	for _, key := range sortedKeys(q) {
		for _, v := range q[key] {
			switch key {
			case "cluster":
				if _, ok := s.cluster(v); !ok {
					problems = append(problems, "cluster: unknown cluster "+strconv.Quote(v))
				}
				f.Clusters = append(f.Clusters, strings.ToUpper(v))
			case "operation":
				if v == "" || !slices.Contains(faultOperations(), v) {
					problems = append(problems, "operation: unknown operation "+strconv.Quote(v))
				}
				f.Operations = append(f.Operations, v)
			case "device":
				if v == "" {
					problems = append(problems, "device: empty")
				}
				f.Devices = append(f.Devices, v)
			case "code":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 || n > 9999 {
					problems = append(problems, "code: want an EM code 0..9999, got "+strconv.Quote(v))
				}
				f.Codes = append(f.Codes, n)
			default:
				problems = append(problems, "unknown query parameter "+strconv.Quote(key)+" (want cluster, operation, device, code)")
			}
		}
	}
	return f, problems
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
