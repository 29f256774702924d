// Package emclient is the service's HTTP client for one CUCM cluster: its own
// EM XML codec, failover across the cluster's nodes with a circuit breaker
// per node, a concurrency limit with a bounded queue, per-device
// serialisation, busy (26) retries with backoff, reconciliation of login and
// logout answers that were lost (no double login), and the AXL PIN check.
// It implements service.Cluster; every error it returns is a *service.Error.
package emclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/emconnector/emconnector/service"
)

// maxAnswer bounds an EM or AXL answer; a longer one counts as garbled.
const maxAnswer = 1 << 20

// Options are the parts of a Client that tests replace.
type Options struct {
	// Logger receives debug lines about node failures; nil discards.
	Logger *slog.Logger
	// Now is the breaker's clock; nil means time.Now.
	Now func() time.Time
	// Jitter turns a backoff step into the actual wait; nil means a random
	// duration in [d/2, d).
	Jitter func(d time.Duration) time.Duration
	// Transport replaces the HTTP transport built from the spec (caFile,
	// insecureSkipVerify); nil builds it.
	Transport http.RoundTripper
	// Observer is told about every HTTP attempt to a node (metrics); nil
	// means nobody listens.
	Observer Observer
}

// Observer learns the outcome of every HTTP attempt to a CUCM node. It is
// called on the request's goroutine and must not block.
type Observer interface {
	// CUCMCall reports one attempt: cluster code, node (host:port of the
	// URL, never a path or credentials), operation (login, logout,
	// deviceUserQuery, userDevicesQuery, axl), one of the Call* outcomes and
	// how long the attempt took.
	CUCMCall(cluster, node, op, outcome string, d time.Duration)
}

// Outcomes of one attempt, as reported to the Observer.
const (
	CallSuccess    = "success"          // an answer that is not an EM failure
	CallEMError    = "em_error"         // an EM failure answer (or SOAP fault / AXL refusal)
	CallTimeout    = "timeout"          // no answer within the node timeout
	CallConnection = "connection_error" // refused, reset or dropped
	CallHTTPError  = "http_error"       // an HTTP status other than 200
	CallGarbled    = "garbled"          // an answer that could not be decoded
)

type nopObserver struct{}

func (nopObserver) CUCMCall(string, string, string, string, time.Duration) {}

// Client talks to one cluster. It is safe for concurrent use.
type Client struct {
	code     string
	nodes    []*node
	axl      []string
	http     *http.Client
	timeout  time.Duration
	lim      *limiter
	devices  *deviceLocks
	busyBase time.Duration
	busyMax  time.Duration
	jitter   func(time.Duration) time.Duration
	log      *slog.Logger
	obs      Observer
	// resetCred authenticates doDeviceReset (nil: the request's own).
	resetCred    *service.Credentials
	clearHistory bool
}

type node struct {
	url  string
	host string // host:port, the node's name in metrics and stats
	br   *breaker
}

var _ service.Cluster = (*Client)(nil)

// New builds the client of one cluster.
func New(cfg Config, opts Options) (*Client, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Jitter == nil {
		opts.Jitter = func(d time.Duration) time.Duration {
			return d/2 + rand.N(d/2+1)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	rt := opts.Transport
	if rt == nil {
		rt = newTransport(cfg)
	}
	c := &Client{
		code:         cfg.Code,
		axl:          cfg.AXL,
		http:         &http.Client{Transport: rt, CheckRedirect: noRedirects},
		timeout:      cfg.Timeout,
		lim:          newLimiter(cfg.MaxConcurrentRequests, cfg.MaxQueue),
		devices:      newDeviceLocks(),
		busyBase:     cfg.BusyRetryBase,
		busyMax:      cfg.BusyRetryMax,
		jitter:       opts.Jitter,
		log:          opts.Logger.With("cluster", cfg.Code),
		obs:          opts.Observer,
		clearHistory: cfg.ClearCallHistoryOnLogout,
	}
	if cfg.AXLUser != "" {
		c.resetCred = &service.Credentials{AppID: cfg.AXLUser, AppCertificate: cfg.AXLPassword}
	}
	for _, u := range cfg.Nodes {
		c.nodes = append(c.nodes, &node{url: u, host: hostOf(u), br: newBreaker(cfg.BreakerFailures, cfg.BreakerCooldown, opts.Now)})
	}
	return c, nil
}

func newTransport(cfg Config) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Queries are not limited by maxConcurrentRequests, so keep enough idle connections for
	// bursts of them too: a connection closed for lack of an idle slot costs a new TCP
	// handshake per request.
	t.MaxIdleConnsPerHost = max(cfg.MaxConcurrentRequests*4, 64)
	if cfg.TLS != nil {
		t.TLSClientConfig = cfg.TLS.Clone()
	} else {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return t
}

// A redirect from a CUCM node is not followed: it would resend the
// credentials somewhere unconfigured.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Code returns the cluster code.
func (c *Client) Code() string { return c.code }

// Login logs user into device with opts' profile (default: the user's
// default profile) and duration (EM exclusiveDuration, minutes). Returns nil
// on success, CUCM's EM error, 1002 when no node could be reached, 1010 when
// a login may have taken effect but reconciliation could not tell, 1011 when
// the wait for the device or a concurrency slot did not end in time. CUCM's
// busy code 26 is retried with backoff within ctx's deadline, then passed
// through. With opts.Force, whoever else is on the device is logged out
// first, under the same device lock (forceLogin).
func (c *Client) Login(ctx context.Context, cred service.Credentials, device, user string, opts service.LoginOptions) (service.LoginReport, error) {
	a := auth(cred)
	lr := LoginRequest{Device: device, User: user, Profile: opts.Profile}
	if opts.Duration > 0 {
		lr.Duration = &opts.Duration
	}
	body := EncodeLogin(a, lr)
	applied := func(d DeviceResult) bool { return !d.DoesNotExist && strings.EqualFold(d.User, user) }
	unlock, err := c.devices.lock(ctx, device)
	if err != nil {
		return service.LoginReport{}, c.busy("waiting for device " + device)
	}
	defer unlock()
	if !opts.Force {
		return service.LoginReport{}, c.changeLocked(ctx, a, "login", body, device, applied)
	}
	return c.forceLogin(ctx, a, body, device, applied)
}

// forceLogin asks who is on device and, when somebody is, logs them out
// before the login; the caller holds the device lock, so no other request
// for the phone comes between. The report names the user replaced and
// says whether the device was left free: CUCM refused the login after the
// logout (an unknown outcome, 1010, leaves that open).
func (c *Client) forceLogin(ctx context.Context, a Auth, body, device string, applied func(DeviceResult) bool) (service.LoginReport, error) {
	var rep service.LoginReport
	st, err := c.queryDevice(ctx, a, device, 0)
	if err != nil {
		return rep, err
	}
	if !st.DoesNotExist && st.User != "" {
		if err := c.changeLocked(ctx, a, "logout", EncodeLogout(a, device), device, deviceFree); err != nil {
			return rep, err
		}
		rep.Replaced = st.User
	}
	err = c.changeLocked(ctx, a, "login", body, device, applied)
	var se *service.Error
	rep.LeftFree = err != nil && rep.Replaced != "" && errors.As(err, &se) && se.FromCUCM
	return rep, err
}

// deviceFree is the end state of a logout.
func deviceFree(d DeviceResult) bool { return !d.DoesNotExist && d.User == "" }

// Logout logs whoever is on device out; codes as for Login. A lost answer
// reconciled as "device free" is reported as success (even if the device was
// already free before: the end state is what the caller asked for).
func (c *Client) Logout(ctx context.Context, cred service.Credentials, device string) error {
	a := auth(cred)
	unlock, err := c.devices.lock(ctx, device)
	if err != nil {
		return c.busy("waiting for device " + device)
	}
	defer unlock()
	return c.changeLocked(ctx, a, "logout", EncodeLogout(a, device), device, deviceFree)
}

// DeviceUser asks who is on device. Returns CUCM's EM error, 1002 or 1011.
func (c *Client) DeviceUser(ctx context.Context, cred service.Credentials, device string) (service.DeviceStatus, error) {
	unlock, err := c.devices.lock(ctx, device)
	if err != nil {
		return service.DeviceStatus{}, c.busy("waiting for device " + device)
	}
	defer unlock()
	a := auth(cred)
	d, err := c.queryDevice(ctx, a, device, 0)
	if err != nil {
		return service.DeviceStatus{}, err
	}
	return service.DeviceStatus{Exists: !d.DoesNotExist, User: d.User}, nil
}

// UserDevices asks where user is logged in. Returns CUCM's EM error, 1002 or
// 1011.
func (c *Client) UserDevices(ctx context.Context, cred service.Credentials, user string) (service.UserStatus, error) {
	a := auth(cred)
	resp, err := c.query(ctx, a, "userDevicesQuery", EncodeQuery(a, UserDevicesQuery, user), 0)
	if err != nil {
		return service.UserStatus{}, err
	}
	for _, u := range resp.UserDevices {
		if strings.EqualFold(u.ID, user) {
			return service.UserStatus{Exists: !u.DoesNotExist, Devices: u.Devices}, nil
		}
	}
	if len(resp.UserDevices) == 1 {
		// Some servers normalise the ID; one result for one name is ours.
		u := resp.UserDevices[0]
		return service.UserStatus{Exists: !u.DoesNotExist, Devices: u.Devices}, nil
	}
	return service.UserStatus{}, c.unreachable("userDevicesQuery answer without the user")
}

// changeLocked runs a login or logout: concurrency slot, then the
// exchange loop. When an answer is lost after the request may have reached
// CUCM, it asks the next node who is on the device before doing anything
// else: applied(state) true means the change took effect (success); a state
// that says otherwise means it did not (the request is sent again, to the
// next node); no state means the outcome is unknown (1010). This is the
// no-double-login rule. If such a resend is refused as already done (18 for
// a login, 19 for a logout), the lost attempt took effect after the check,
// and the device is asked once more before the refusal is reported.
// The caller holds the device lock.
func (c *Client) changeLocked(ctx context.Context, a Auth, op, body, device string, applied func(DeviceResult) bool) error {
	release, err := c.lim.acquire(ctx)
	if err != nil {
		var le *limitError
		if errors.As(err, &le) && le.full {
			return c.busy("too many requests queued")
		}
		return c.busy("waiting for a request slot")
	}
	defer release()

	start, busyTries, resends := 0, 0, 0
	var lastBusy *Failure // CUCM's last busy answer, if the loop is retrying one
	for {
		x := c.exchange(ctx, op, body, start, false)
		switch {
		case x.resp != nil && x.resp.Success:
			return nil
		case x.resp != nil && x.resp.Failure != nil:
			f := x.resp.Failure
			if f.HasCode && f.Code == service.EMCodeBusy && c.backoff(ctx, busyTries) {
				busyTries, lastBusy = busyTries+1, f
				continue
			}
			if resends > 0 && f.HasCode && f.Code == alreadyDoneCode(op) {
				// A resend found the change already made: the attempt whose answer was
				// lost took effect after the check (a node may finish a request whose
				// connection died). Look once more rather than report a refusal.
				if state, ok := c.reconcile(ctx, a, device, x.node); ok && applied(state) {
					c.log.Info("reconciled lost answer", "op", op, "device", device, "result", "applied late")
					return nil
				}
			}
			return c.emError(f, a)
		case x.resp != nil:
			// A query-shaped answer to a request: CUCM did not do it.
			return c.unreachable(op + ": unexpected answer")
		case x.maybeSent:
			state, ok := c.reconcile(ctx, a, device, x.node+1)
			if !ok {
				return service.Errorf(service.CodeOutcomeUnknown, "%s outcome unknown: the answer from cluster %s was lost and the device state could not be checked", opTitle(op), c.code)
			}
			if applied(state) {
				c.log.Info("reconciled lost answer", "op", op, "device", device, "result", "applied")
				return nil
			}
			c.log.Info("reconciled lost answer", "op", op, "device", device, "result", "not applied, resending")
			resends++
			if resends > len(c.nodes) {
				return c.unreachable(op + ": every attempt lost its answer")
			}
			start = x.node + 1
		default:
			if ctx.Err() != nil && !x.tried {
				return c.deadlinePassed(lastBusy, a)
			}
			return c.unreachable(op)
		}
	}
}

// alreadyDoneCode is CUCM's answer to op when the device is already in the
// state op asks for: 18 "Another user logged in" to a login (the user itself,
// where CUCM refuses a relogin), 19 "No user logged in" to a logout.
func alreadyDoneCode(op string) int {
	if op == "login" {
		return 18
	}
	return 19
}

// reconcile asks nodes from index `from` on (wrapping) who is on device.
func (c *Client) reconcile(ctx context.Context, a Auth, device string, from int) (DeviceResult, bool) {
	if ctx.Err() != nil {
		return DeviceResult{}, false
	}
	d, err := c.queryDevice(ctx, a, device, from)
	if err != nil {
		return DeviceResult{}, false
	}
	return d, true
}

func (c *Client) queryDevice(ctx context.Context, a Auth, device string, from int) (DeviceResult, error) {
	resp, err := c.query(ctx, a, "deviceUserQuery", EncodeQuery(a, DeviceUserQuery, device), from)
	if err != nil {
		return DeviceResult{}, err
	}
	for _, d := range resp.DeviceUsers {
		if strings.EqualFold(d.Name, device) {
			return d, nil
		}
	}
	if len(resp.DeviceUsers) == 1 {
		return resp.DeviceUsers[0], nil
	}
	return DeviceResult{}, c.unreachable("deviceUserQuery answer without the device")
}

// query sends an idempotent query, failing over on any transport failure and
// retrying CUCM's busy code with backoff. A failure answer is an EM error.
func (c *Client) query(ctx context.Context, a Auth, op, body string, from int) (*Response, error) {
	var lastBusy *Failure
	for busyTries := 0; ; busyTries++ {
		x := c.exchange(ctx, op, body, from, true)
		switch {
		case x.resp == nil:
			if ctx.Err() != nil && !x.tried {
				return nil, c.deadlinePassed(lastBusy, a)
			}
			return nil, c.unreachable(op)
		case x.resp.Failure != nil:
			f := x.resp.Failure
			if f.HasCode && f.Code == service.EMCodeBusy && c.backoff(ctx, busyTries) {
				lastBusy = f
				continue
			}
			return nil, c.emError(f, a)
		case x.resp.Success:
			return nil, c.unreachable(op + ": unexpected answer")
		}
		return x.resp, nil
	}
}

// exchangeResult is the end of one pass over the nodes: an answer, or the
// transport failure that ended the pass.
type exchangeResult struct {
	resp      *Response
	node      int  // index of the node that answered or failed last
	maybeSent bool // the last failure happened after the request was written
	tried     bool // at least one node was attempted
}

// exchange sends body to the nodes in order starting at `from` (wrapping),
// skipping nodes whose breaker is open unless every node's is. A failure
// before the request was written moves on to the next node. A failure after
// it ends the pass with maybeSent, unless idempotent (queries), which move on.
func (c *Client) exchange(ctx context.Context, op, body string, from int, idempotent bool) exchangeResult {
	n := len(c.nodes)
	order := make([]int, 0, n)
	for i := range n {
		idx := (from + i) % n
		if c.nodes[idx].br.allow() {
			order = append(order, idx)
		}
	}
	if len(order) == 0 {
		// Every breaker is open: try all anyway rather than refuse, since
		// nothing better is known (the breaker orders, never blocks).
		for i := range n {
			order = append(order, (from+i)%n)
		}
	}
	res := exchangeResult{node: from % n}
	for _, idx := range order {
		if ctx.Err() != nil {
			break
		}
		nd := c.nodes[idx]
		res.node, res.tried = idx, true
		began := time.Now()
		service.ExchangeFrom(ctx).Attempt(c.code, nd.host)
		resp, fail, maybeSent := c.post(ctx, nd.url, body)
		c.obs.CUCMCall(c.code, nd.host, op, outcome(fail, resp != nil && resp.Failure != nil), time.Since(began))
		if fail.kind == "" {
			nd.br.success()
			res.resp, res.maybeSent = resp, false
			return res
		}
		if !errors.Is(ctx.Err(), context.Canceled) {
			// A caller that no longer needs the answer (a search decided by
			// another cluster) cancels: that says nothing about the node.
			nd.br.failure()
		}
		c.log.Debug("CUCM node failed", "op", op, "node", nd.url, "reason", fail.reason, "maybeSent", maybeSent, "breaker", nd.br.state())
		res.maybeSent = maybeSent
		if maybeSent && !idempotent {
			return res
		}
	}
	res.maybeSent = res.maybeSent && !idempotent
	return res
}

// failure is why one HTTP attempt failed: a Call* kind for metrics and a
// reason for the debug log. The zero value means no failure.
type failure struct {
	kind, reason string
}

// outcome is the Call* outcome of one attempt, for the Observer: the
// failure's kind, else em_error when the answer was a refusal (an EM failure,
// a SOAP fault, AXL refusing the credentials), else success. EM and AXL
// attempts are classified by this one rule.
func outcome(f failure, refused bool) string {
	switch {
	case f.kind != "":
		return f.kind
	case refused:
		return CallEMError
	}
	return CallSuccess
}

// reply is what one HTTP attempt brought back. status is 0 when no response
// arrived; fail is set when none arrived, or the body was cut off or too
// large.
type reply struct {
	status    int
	body      []byte
	fail      failure
	maybeSent bool // the request may have reached CUCM
}

// attempt makes one HTTP request built by newReq, bounded by the per-attempt
// timeout, and reads the answer. The request counts as maybe sent once its
// headers were written.
func (c *Client) attempt(ctx context.Context, newReq func(context.Context) (*http.Request, error)) reply {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
	}
	req, err := newReq(httptrace.WithClientTrace(actx, trace))
	if err != nil {
		return reply{fail: failure{CallConnection, "bad node URL"}}
	}
	res, err := c.http.Do(req)
	if err != nil {
		return reply{fail: transportFailure(err), maybeSent: wrote.Load()}
	}
	defer res.Body.Close()
	r := reply{status: res.StatusCode, maybeSent: true}
	r.body, err = io.ReadAll(io.LimitReader(res.Body, maxAnswer+1))
	switch {
	case err != nil:
		r.fail = transportFailure(err)
		r.fail.reason = "connection dropped while reading the answer: " + r.fail.reason
	case len(r.body) > maxAnswer:
		r.fail = failure{CallGarbled, "answer too large"}
	}
	return r
}

// httpFailure is the failure of an answer with an HTTP status the caller does
// not accept.
func httpFailure(status int) failure {
	return failure{CallHTTPError, fmt.Sprintf("HTTP %d", status)}
}

// post makes one EM attempt. A non-zero failure is a transport failure;
// maybeSent tells whether the request may have reached CUCM (anything after
// the request was written: timeout, dropped connection, HTTP error status,
// garbled body).
func (c *Client) post(ctx context.Context, target, body string) (resp *Response, f failure, maybeSent bool) {
	form := url.Values{"xml": {body}}.Encode()
	r := c.attempt(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return req, err
	})
	switch {
	case r.status != 0 && r.status != http.StatusOK:
		return nil, httpFailure(r.status), true
	case r.fail.kind != "":
		return nil, r.fail, r.maybeSent
	}
	resp, err := DecodeResponse(r.body)
	if err != nil {
		return nil, failure{CallGarbled, "garbled answer"}, true
	}
	return resp, failure{}, false
}

// transportFailure classifies a transport error.
func transportFailure(err error) failure {
	kind := CallConnection
	var te interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &te) && te.Timeout() {
		kind = CallTimeout
	}
	return failure{kind, transportReason(err)}
}

// hostOf is the host:port of a node URL (the URL itself if unparseable,
// which validated configurations never are).
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Host
}

// transportReason describes err without quoting URLs or bodies.
func transportReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection dropped"
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		return "timeout"
	}
	return err.Error()
}

// deadlinePassed is the answer when the request deadline passed before any node could be
// tried: 1011, unless the deadline cut off a busy retry, in which case CUCM's busy answer
// (26) is what the caller gets, as if the retry had not been attempted (a backoff can end
// just before the deadline, leaving the retry no time).
func (c *Client) deadlinePassed(lastBusy *Failure, a Auth) error {
	if lastBusy != nil {
		return c.emError(lastBusy, a)
	}
	return c.busy("deadline passed")
}

// backoff waits before the next busy retry; false when the wait would not
// end before ctx's deadline.
func (c *Client) backoff(ctx context.Context, attempt int) bool {
	d := c.busyBase
	for range attempt {
		d *= 2
		if d >= c.busyMax {
			d = c.busyMax
			break
		}
	}
	d = c.jitter(d)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// emError turns a CUCM failure answer into a service error with CUCM's code.
// Code 0 and code-less failures become 1014: passing 0 through would read as
// success.
func (c *Client) emError(f *Failure, a Auth) error {
	text := sanitize(f.Text, a.AppCertificate)
	if !f.HasCode || f.Code == service.EMCodeUnknown {
		if text == "" {
			text = "Unknown Error"
		}
		return &service.Error{Code: service.CodeCUCMUnknownError, Text: "CUCM reported an error without a code: " + text, FromCUCM: true}
	}
	if text == "" {
		text = emText(f.Code)
	}
	return service.CUCMError(f.Code, text)
}

func (c *Client) unreachable(detail string) error {
	c.log.Debug("cluster unreachable", "detail", detail)
	return service.Errorf(service.CodeUnreachable, "CUCM cluster %s unreachable", c.code)
}

func (c *Client) busy(detail string) error {
	return service.Errorf(service.CodeBusy, "Service busy towards cluster %s: %s", c.code, detail)
}

func auth(c service.Credentials) Auth {
	return Auth{AppID: c.AppID, AppCertificate: c.AppCertificate}
}

func opTitle(op string) string {
	if op == "" {
		return op
	}
	return strings.ToUpper(op[:1]) + op[1:]
}

// sanitize makes CUCM's free text safe to show and log: no control
// characters, at most 200 characters, and never the certificate (a server
// that echoes it must not leak it through us).
func sanitize(text, secret string) string {
	if len(secret) >= 3 {
		text = strings.ReplaceAll(text, secret, "***")
	}
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(text, ""))
	text = strings.Join(strings.Fields(text), " ")
	if r := []rune(text); len(r) > 200 {
		text = string(r[:200]) + "..."
	}
	return text
}

// emText is the spec's short text of an EM code, used when CUCM sends a code
// without text.
func emText(code int) string {
	switch code {
	case 1:
		return "Error on Parsing"
	case 2:
		return "Cannot authorize App user"
	case 3:
		return "Invalid App User"
	case 4:
		return "Policy Validation error"
	case 5, 22:
		return "Device logon disabled"
	case 6:
		return "Database Error"
	case 7:
		return "Logout Request Error"
	case 8:
		return "Query type undetermined"
	case 9:
		return "Dir. User Info Error"
	case 10:
		return "User lacks app proxy rights"
	case 11:
		return "Device does not exist"
	case 12:
		return "Dev. Profile not found"
	case 18:
		return "Another user logged in"
	case 19:
		return "No user logged in"
	case 20:
		return "Hoteling flag error"
	case 21:
		return "Hoteling Status error"
	case 23:
		return "User does not exist"
	case 25:
		return "User logged in elsewhere"
	case 26:
		return "Busy, please try again"
	case 27:
		return "Change Password"
	case 28:
		return "Untrusted IP Error"
	case 29:
		return "RIS down-contact admin"
	case 30:
		return "Proxy not allowed"
	}
	return fmt.Sprintf("EM error %d", code)
}
