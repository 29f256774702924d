package service

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a Consumer that keeps the events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) Consume(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// roamingAttempts is a memCluster that records a CUCM attempt per call, as emclient does.
type roamingAttempts struct{ *memCluster }

func (r roamingAttempts) Login(ctx context.Context, cred Credentials, device, user string, opts LoginOptions) (LoginReport, error) {
	ExchangeFrom(ctx).Attempt(r.code, "node1:8080")
	return r.memCluster.Login(ctx, cred, device, user, opts)
}

func (r roamingAttempts) UserDevices(ctx context.Context, cred Credentials, user string) (UserStatus, error) {
	ExchangeFrom(ctx).Attempt(r.code, "node1:8080")
	return r.memCluster.UserDevices(ctx, cred, user)
}

func TestOneEventPerRequest(t *testing.T) {
	eu, us := newMem("EU"), newMem("US")
	eu.devices["SEPEU1"] = ""
	us.users["USUSER"] = "5678"
	eu.roamers = map[string]bool{}
	us.roamers = eu.roamers
	rec := &recorder{}
	start := time.Unix(100, 0)
	now := start.Add(25 * time.Millisecond)
	c, err := NewConnector([]Cluster{roamingAttempts{eu}, roamingAttempts{us}}, Options{Default: "EU",
		Events: NewEmitter(rec), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	x := NewExchange("req-1", "192.0.2.1", "127.0.0.1:5000", "POST", start)
	ctx := WithExchange(context.Background(), x)
	r := c.Serve(ctx, goodCred, Request{Op: OpLogin, Device: "SEPEU1", User: "USUSER", PIN: "5678"})
	x.Answered(r, 200)
	if !c.Finish(x) {
		t.Fatal("Finish found no answer")
	}
	if len(rec.events) != 1 {
		t.Fatalf("%d events, want 1", len(rec.events))
	}
	e := rec.events[0]
	// Three attempts: the optimistic login (23), the home cluster's userDevicesQuery, the login.
	want := Event{ID: "req-1", Client: "192.0.2.1", Peer: "127.0.0.1:5000", Method: "POST", AppID: "bcapp", Op: OpLogin,
		Device: "SEPEU1", User: "USUSER", Cluster: "EU", PINFlow: true, Attempts: 3, Code: 0, Class: ClassSuccess,
		Status: 200, Start: start, Duration: 25 * time.Millisecond}
	if e.Text == "" || len(e.Nodes) != 2 || e.Nodes[0] != "EU/node1:8080" || e.Nodes[1] != "US/node1:8080" {
		t.Errorf("text %q nodes %v", e.Text, e.Nodes)
	}
	e.Text, e.Nodes = "", nil
	if e.ID != want.ID || e.Client != want.Client || e.AppID != want.AppID || e.Op != want.Op || e.Device != want.Device ||
		e.User != want.User || e.Cluster != want.Cluster || e.PINFlow != want.PINFlow || e.Attempts != want.Attempts ||
		e.Class != want.Class || e.Status != want.Status || e.Duration != want.Duration || !e.Audited() {
		t.Errorf("event %+v\nwant  %+v", e, want)
	}
	if strings.Contains(strings.ToLower(strings.Join([]string{e.Text, e.AppID}, " ")), "5678") {
		t.Error("the PIN reached the event")
	}
}

func TestEmitterContainsPanics(t *testing.T) {
	rec := &recorder{}
	var panicked any
	em := NewEmitter(ConsumerFunc(func(Event) { panic("boom") }), rec)
	em.OnPanic = func(v any) { panicked = v }
	em.Emit(Event{Op: OpLogout})
	if panicked != "boom" || len(rec.events) != 1 {
		t.Errorf("panic %v, later consumer got %d events; want boom and 1", panicked, len(rec.events))
	}
}

func TestNoEventWithoutAnswer(t *testing.T) {
	rec := &recorder{}
	c, _ := NewConnector(nil, Options{Events: NewEmitter(rec)})
	if c.Finish(NewExchange("id", "", "", "GET", time.Now())) || len(rec.events) != 0 {
		t.Error("an unanswered request (health check) emitted an event")
	}
	if c.Finish(nil) {
		t.Error("a nil exchange emitted an event")
	}
}

func TestOperationTable(t *testing.T) {
	seen := map[Op]bool{}
	for _, op := range Operations() {
		if seen[op.Op] {
			t.Errorf("%s declared twice", op.Op)
		}
		seen[op.Op] = true
		if !strings.HasPrefix(op.Path, "/api/"+string(op.Op)) || len(op.Methods) == 0 || op.Success == nil || op.Failure == nil {
			t.Errorf("%s: incomplete declaration %+v", op.Op, op)
		}
		if op.Op != OpVersion && (op.run == nil || !op.Credentials) {
			t.Errorf("%s: no domain method or no credentials", op.Op)
		}
	}
	login, _ := Lookup(OpLogin)
	if got := login.Params(); len(got) != 4 || got[0] != ParamDevice || got[3] != ParamPIN || login.Base() != "/api/login" {
		t.Errorf("login params %v base %q", got, login.Base())
	}
	for path, want := range map[string]Op{
		"/api/login/SEP1/U": OpLogin, "/api/login": OpLogin, "/api/loginx/SEP1": "", "/api/getversioninfo": OpVersion,
		"/healthz": "", "/api/getloggedinuser//": OpLoggedInUser,
	} {
		if got := OpOfPath(path); got != want {
			t.Errorf("OpOfPath(%q) = %q, want %q", path, got, want)
		}
	}
}
