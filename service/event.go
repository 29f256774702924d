package service

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Event is everything known about one API request, emitted once when it has
// been answered. The request log line, the audit event, the metrics (and
// the request history) are each one Consumer of it. It never holds the
// appCertificate, a PIN or a request body.
type Event struct {
	ID     string // request id (X-Request-ID)
	Client string // client address the access lists judged
	Peer   string // transport peer (host:port)
	Method string // transport method (HTTP)
	AppID  string
	// Actor is who acted when the dashboard does (its signed-in user);
	// "" for API requests.
	Actor string
	Op    Op
	// Device, User and Cluster are those of the answer.
	Device, User, Cluster string
	// PINFlow is true when a login went through the PIN (roaming) flow.
	PINFlow bool
	// Nodes lists the CUCM nodes (cluster/host:port) tried, in order, and
	// Attempts counts the HTTP attempts made to them.
	Nodes    []string
	Attempts int
	// BusyRetries counts the times CUCM answered busy (26) and the request
	// was tried again after a backoff.
	BusyRetries int
	Code        int
	Class       Class
	Text        string
	// Status is the transport status the answer was sent with (HTTP).
	Status   int
	Start    time.Time
	Duration time.Duration
	// Fields hold operation-specific values (name, value): those of the
	// answer (Result.Fields).
	Fields []Field
	// Devices is the answer's list payload (Result.Devices): each device
	// an operation such as logoutuser acted on, with its own code.
	Devices []DeviceResult
}

// Field is one operation-specific value of an Event.
type Field struct {
	Name, Value string
}

// Audited reports whether e is an audit event (a state change).
func (e Event) Audited() bool {
	op, _ := Lookup(e.Op)
	return op.Audited
}

// Consumer receives every Event. Consume is called after the answer has
// been sent, on the request's goroutine: it must not block. A panicking
// consumer is contained (Emitter) and never fails the answer.
type Consumer interface {
	Consume(Event)
}

// ConsumerFunc adapts a function to Consumer.
type ConsumerFunc func(Event)

// Consume implements Consumer.
func (f ConsumerFunc) Consume(e Event) { f(e) }

// Emitter hands each Event to its consumers in order.
type Emitter struct {
	consumers []Consumer
	// OnPanic learns of a consumer that panicked; nil ignores it.
	OnPanic func(v any)
}

// NewEmitter returns an Emitter over consumers.
func NewEmitter(consumers ...Consumer) *Emitter {
	return &Emitter{consumers: consumers}
}

// Emit hands e to every consumer; a panic in one does not stop the others.
func (em *Emitter) Emit(e Event) {
	if em == nil {
		return
	}
	for _, c := range em.consumers {
		em.consume(c, e)
	}
}

func (em *Emitter) consume(c Consumer, e Event) {
	defer func() {
		if v := recover(); v != nil && em.OnPanic != nil {
			em.OnPanic(v)
		}
	}()
	c.Consume(e)
}

// Exchange gathers the Event of one API request while it is served: the
// transport opens it, the domain and the CUCM client add what they learn
// (through the context), the transport records the answer and Emit sends
// the Event. Its methods are safe for concurrent use (a search asks
// clusters in parallel) and do nothing on a nil Exchange.
type Exchange struct {
	mu sync.Mutex
	ev Event
}

type exchangeKey struct{}

// NewExchange opens the Exchange of a request received at start.
func NewExchange(id, client, peer, method string, start time.Time) *Exchange {
	return &Exchange{ev: Event{ID: id, Client: client, Peer: peer, Method: method, Start: start}}
}

// WithExchange returns ctx carrying x.
func WithExchange(ctx context.Context, x *Exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, x)
}

// ExchangeFrom returns the Exchange of ctx, or nil.
func ExchangeFrom(ctx context.Context) *Exchange {
	x, _ := ctx.Value(exchangeKey{}).(*Exchange)
	return x
}

// Attempt records one HTTP attempt to a CUCM node.
func (x *Exchange) Attempt(cluster, node string) {
	if x == nil {
		return
	}
	name := cluster + "/" + node
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ev.Attempts++
	if !slices.Contains(x.ev.Nodes, name) {
		x.ev.Nodes = append(x.ev.Nodes, name)
	}
}

// BusyRetry records that CUCM answered busy (26) and the request is
// tried again.
func (x *Exchange) BusyRetry() {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ev.BusyRetries++
}

// SetClient records the client address once the access lists resolved it.
func (x *Exchange) SetClient(client string) {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ev.Client = client
}

// SetAppID records the app user the request authenticated as.
func (x *Exchange) SetAppID(appID string) {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ev.AppID = appID
}

// SetActor records the dashboard user a request is made for.
func (x *Exchange) SetActor(actor string) {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ev.Actor = actor
}

// SetPINFlow records that a login went through the PIN flow.
func (x *Exchange) SetPINFlow() {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ev.PINFlow = true
}

// Answered records the answer sent and its transport status. The last call
// wins: a panic answer replaces an unfinished one.
func (x *Exchange) Answered(res Result, status int) {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	e := &x.ev
	e.Op, e.Device, e.User, e.Cluster = res.Op, res.Device, res.User, res.Cluster
	e.Code, e.Class, e.Text, e.Status = res.Code, res.Class(), res.Text, status
	e.Fields = res.Fields
	e.Devices = res.Devices
}

// Event returns the Event as recorded, with its duration up to end and its
// values storable (Event.Storable); ok is false when no answer was
// recorded (a transport-only request such as a health check).
func (x *Exchange) Event(end time.Time) (e Event, ok bool) {
	if x == nil {
		return Event{}, false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	e = x.ev
	e.Duration = end.Sub(e.Start)
	return e.Storable(), e.Status != 0 // Storable copies the lists
}
