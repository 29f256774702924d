package emclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emconnector/emconnector/service"
)

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
