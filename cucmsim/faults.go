package cucmsim

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxFaultLatency bounds an injected delay so a typo cannot park a request for hours.
const MaxFaultLatency = 10 * time.Minute

// FaultSpec is the wire form of a fault (POST /v1/clusters/{code}/faults). Match keys narrow
// which requests it hits (empty = any); exactly one effect (emCode, httpStatus, drop, body) may
// be combined with latency, and at least one of them must be set.
type FaultSpec struct {
	Operation string `json:"operation,omitempty"`
	Device    string `json:"device,omitempty"`
	User      string `json:"user,omitempty"`
	Node      string `json:"node,omitempty"`
	// Count is how many requests the fault hits; 0 = until cleared.
	Count int `json:"count,omitempty"`
	// Probability, when in (0,1), hits only that share of matching requests, drawn from the
	// simulator's seeded random source (reproducible with --seed).
	Probability float64 `json:"probability,omitempty"`
	EMCode      *int    `json:"emCode,omitempty"`
	EMText      string  `json:"emText,omitempty"`
	Latency     string  `json:"latency,omitempty"`
	HTTPStatus  int     `json:"httpStatus,omitempty"`
	Drop        bool    `json:"drop,omitempty"`
	Body        string  `json:"body,omitempty"`
	// After carries the operation out first; the fault then shapes the response.
	After bool `json:"after,omitempty"`
}

// FaultInfo is a fault as GET /v1/clusters/{code}/faults lists it.
type FaultInfo struct {
	ID string `json:"id"`
	FaultSpec
	// Remaining is the hits left for a counted fault (omitted for one that lasts until cleared).
	Remaining *int `json:"remaining,omitempty"`
	Hits      int  `json:"hits"`
}

// faultOperations lists the operation names a fault may match ("" = any): the names of the
// request log (AXL doAuthenticateUser is "axl", doDeviceReset and listPhone their own names).
func faultOperations() []string {
	return []string{"", "login", "logout", "logoutAll", "deviceUserQuery", "userDevicesQuery", "deviceProfileQuery", "checkUser", opAXLAuthenticate, opAXLDeviceReset, opAXLListPhone}
}

// response is what a request is about to answer; effects reshape it.
type response struct {
	status      int
	contentType string
	body        []byte
	// emCode is the EM code in body, nil when the body is not an EM answer.
	emCode *int
	drop   bool
	// failure renders a protocol failure (EM failure XML, or SOAP fault for AXL).
	failure func(code int, text string) (status int, body []byte)
	// text is the cluster's wording of a code for this request.
	text func(code int) string
}

// effect is one kind of fault outcome.
type effect interface {
	apply(r *response)
}

// emCodeEffect answers an EM failure with that code (a SOAP fault for AXL); an empty text
// means the cluster's wording of the code.
type emCodeEffect struct {
	code int
	text string
}

func (e emCodeEffect) apply(r *response) {
	text := e.text
	if text == "" {
		text = r.text(e.code)
	}
	r.status, r.body = r.failure(e.code, text)
	code := e.code
	r.emCode = &code
}

// httpStatusEffect answers a bare HTTP status, like a load balancer or a dying Tomcat.
type httpStatusEffect struct{ status int }

func (e httpStatusEffect) apply(r *response) {
	r.status, r.contentType, r.body, r.emCode = e.status, "text/plain; charset=utf-8", []byte(http.StatusText(e.status)), nil
}

// dropEffect closes the connection without an answer.
type dropEffect struct{}

func (dropEffect) apply(r *response) { r.drop, r.emCode = true, nil }

// bodyEffect garbles the body: malformed (broken end tag), truncated (first half), empty.
type bodyEffect struct{ kind string }

func (e bodyEffect) apply(r *response) {
	r.emCode = nil
	switch e.kind {
	case "empty":
		r.body = nil
	case "truncated":
		r.body = r.body[:len(r.body)/2]
	default: // malformed: the last end tag loses a letter, so no XML parser accepts it
		b := slices.Clone(r.body)
		if i := lastIndex(b, "</"); i >= 0 && i+2 < len(b) {
			b = append(b[:i+2], b[i+3:]...)
		} else {
			b = append(b, "<"...)
		}
		r.body = b
	}
}

func lastIndex(b []byte, s string) int {
	for i := len(b) - len(s); i >= 0; i-- {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

// fault is an active fault of a cluster.
type fault struct {
	id        string
	spec      FaultSpec
	latency   time.Duration
	effect    effect // nil: latency only
	remaining int
	hits      int
}

// hit is what one request got from a matched fault.
type hit struct {
	id      string
	latency time.Duration
	effect  effect
	after   bool
}

// newFault validates spec. nodeExists checks spec.Node against the cluster.
func newFault(id string, spec FaultSpec, nodeExists func(string) bool) (*fault, error) {
	f := &fault{id: id, spec: spec, remaining: spec.Count}
	if !slices.Contains(faultOperations(), spec.Operation) {
		return nil, fmt.Errorf("unknown operation %q", spec.Operation)
	}
	if spec.Node != "" && !nodeExists(spec.Node) {
		return nil, fmt.Errorf("unknown node %q", spec.Node)
	}
	if spec.Count < 0 {
		return nil, fmt.Errorf("count must be >= 0")
	}
	if spec.Probability < 0 || spec.Probability > 1 {
		return nil, fmt.Errorf("probability must be 0..1")
	}
	if spec.Latency != "" {
		d, err := time.ParseDuration(spec.Latency)
		if err != nil || d < 0 || d > MaxFaultLatency {
			return nil, fmt.Errorf("latency must be a duration between 0 and %v", MaxFaultLatency)
		}
		f.latency = d
	}
	var effects []effect
	if spec.EMCode != nil {
		if *spec.EMCode < 0 || *spec.EMCode > 9999 {
			return nil, fmt.Errorf("emCode must be 0..9999")
		}
		effects = append(effects, emCodeEffect{code: *spec.EMCode, text: spec.EMText})
	} else if spec.EMText != "" {
		return nil, fmt.Errorf("emText needs emCode")
	}
	if spec.HTTPStatus != 0 {
		if spec.HTTPStatus < 200 || spec.HTTPStatus > 599 {
			return nil, fmt.Errorf("httpStatus must be 200..599")
		}
		effects = append(effects, httpStatusEffect{status: spec.HTTPStatus})
	}
	if spec.Drop {
		effects = append(effects, dropEffect{})
	}
	if spec.Body != "" {
		if !slices.Contains([]string{"malformed", "truncated", "empty"}, spec.Body) {
			return nil, fmt.Errorf("body must be malformed, truncated or empty")
		}
		effects = append(effects, bodyEffect{kind: spec.Body})
	}
	if len(effects) > 1 {
		return nil, fmt.Errorf("at most one of emCode, httpStatus, drop, body (latency combines with any)")
	}
	if len(effects) == 0 && spec.Latency == "" {
		return nil, fmt.Errorf("a fault needs an effect: emCode, latency, httpStatus, drop or body")
	}
	if len(effects) == 1 {
		f.effect = effects[0]
	}
	return f, nil
}

func (f *fault) matches(op, node string, devices, users []string) bool {
	return (f.spec.Operation == "" || f.spec.Operation == op) &&
		(f.spec.Node == "" || f.spec.Node == node) &&
		(f.spec.Device == "" || containsFold(devices, f.spec.Device)) &&
		(f.spec.User == "" || containsFold(users, f.spec.User))
}

// containsFold reports whether names holds name in any case: faults scope names as CUCM
// matches them.
func containsFold(names []string, name string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, name) })
}

// faultSet holds a cluster's faults in creation order; the first match wins.
type faultSet struct {
	mu     sync.Mutex
	faults []*fault
}

func (s *faultSet) add(f *fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// replace puts fs in place of the set's faults (a restored scenario).
func (s *faultSet) replace(fs []*fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = fs
}

func (s *faultSet) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// remove drops the fault with id; false when the set has none.
func (s *faultSet) remove(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.faults)
	s.faults = slices.DeleteFunc(s.faults, func(f *fault) bool { return f.id == id })
	return len(s.faults) < n
}

// clearDevice removes the faults scoped to device (any case).
func (s *faultSet) clearDevice(device string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = slices.DeleteFunc(s.faults, func(f *fault) bool { return strings.EqualFold(f.spec.Device, device) })
}

// match finds the first live fault for a request and uses one of its hits. rnd draws the
// probability; it is called under the set's lock.
func (s *faultSet) match(op, node string, devices, users []string, rnd func() float64) (hit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.spec.Count > 0 && f.remaining == 0 {
			continue
		}
		if !f.matches(op, node, devices, users) {
			continue
		}
		if p := f.spec.Probability; p > 0 && p < 1 && rnd() >= p {
			continue
		}
		f.hits++
		if f.spec.Count > 0 {
			f.remaining--
		}
		return hit{id: f.id, latency: f.latency, effect: f.effect, after: f.spec.After}, true
	}
	return hit{}, false
}

func (s *faultSet) list() []FaultInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]FaultInfo, 0, len(s.faults))
	for _, f := range s.faults {
		info := FaultInfo{ID: f.id, FaultSpec: f.spec, Hits: f.hits}
		if f.spec.Count > 0 {
			r := f.remaining
			info.Remaining = &r
		}
		out = append(out, info)
	}
	return out
}

// lockedRand is the simulator's seeded random source (rand.Rand is not safe for concurrent use).
type lockedRand struct {
	mu   sync.Mutex
	seed uint64
	r    *rand.Rand
}

func newLockedRand(seed uint64) *lockedRand {
	return &lockedRand{seed: seed, r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (l *lockedRand) Float64() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

// reset restarts the sequence, so a reset simulator replays the same draws.
func (l *lockedRand) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.r = rand.New(rand.NewPCG(l.seed, l.seed^0x9e3779b97f4a7c15))
}

// faultID formats the n-th fault ID of the simulator.
func faultID(n int64) string { return "f" + strconv.FormatInt(n, 10) }
