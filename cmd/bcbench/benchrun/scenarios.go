package benchrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"

	"github.com/emconnector/emconnector/cmd/bcbench/loadgen"
)

// targets knows where the running programs listen and turns a loadgen.Request into one HTTP
// request, checking the answer. The Business Connector operations take the base URL of the
// program answering them: bcservice or the reference hop.
type targets struct {
	client *http.Client
	fx     *fixture
	// emURL[cluster] is the EM servlet of the cluster's first node (the service's primary).
	emURL []string
	// bcForm[cluster] is the precomputed xml= body for the service (same for every call).
	bcForm []string
}

func newTargets(client *http.Client, fx *fixture, emURL []string) (*targets, error) {
	t := &targets{client: client, fx: fx, emURL: emURL}
	for _, c := range fx.clusters {
		form, err := bcForm(c.app)
		if err != nil {
			return nil, err
		}
		t.bcForm = append(t.bcForm, form)
	}
	return t, nil
}

// device picks the request's device: a free device from the shuffled list, by sequence
// number, so runs are reproducible and concurrent requests need no shared random source.
func (t *targets) device(r loadgen.Request) clusterDevice {
	return t.fx.freeDevices[r.Seq%len(t.fx.freeDevices)]
}

// directQuery is EM deviceUserQuery sent straight to the simulator. Expected: `<none/>`.
func (t *targets) directQuery(ctx context.Context, r loadgen.Request) error {
	d := t.device(r)
	form, err := emDeviceUserQueryForm(t.fx.clusters[d.cluster].app, d.name)
	if err != nil {
		return err
	}
	body, err := t.post(ctx, t.emURL[d.cluster], form)
	if err != nil {
		return err
	}
	return checkDeviceUserNone(body, d.name)
}

// bcQuery returns getloggedinuser through the Business Connector at base. Expected: code 0,
// empty userID.
func (t *targets) bcQuery(base string) loadgen.Op {
	return func(ctx context.Context, r loadgen.Request) error {
		d := t.device(r)
		code := t.fx.clusters[d.cluster].code
		body, err := t.post(ctx, base+"/api/getloggedinuser/"+url.PathEscape(d.name)+"/"+url.PathEscape(code), t.bcForm[d.cluster])
		if err != nil {
			return err
		}
		return checkBC(body, d.name, "")
	}
}

// bcCycle returns the login/logout scenario through the Business Connector at base.
// Expected: code 0 for both.
func (t *targets) bcCycle(base string, pairs [][]workerPair) loadgen.Op {
	return cycle(pairs, func(ctx context.Context, p workerPair) error {
		code := url.PathEscape(t.fx.clusters[p.cluster].code)
		body, err := t.post(ctx, base+"/api/login/"+url.PathEscape(p.device)+"/"+url.PathEscape(p.user)+"/"+code, t.bcForm[p.cluster])
		if err != nil {
			return err
		}
		return checkBC(body, p.device, p.user)
	}, func(ctx context.Context, p workerPair) error {
		code := url.PathEscape(t.fx.clusters[p.cluster].code)
		body, err := t.post(ctx, base+"/api/logout/"+url.PathEscape(p.device)+"/"+code, t.bcForm[p.cluster])
		if err != nil {
			return err
		}
		return checkBC(body, p.device, "-")
	})
}

// emCycle returns the login/logout scenario sent straight to the simulator (EM login and
// logout to the cluster's first node). Expected: `<success/>` for both.
func (t *targets) emCycle(pairs [][]workerPair) loadgen.Op {
	return cycle(pairs, func(ctx context.Context, p workerPair) error {
		form, err := emLoginForm(t.fx.clusters[p.cluster].app, p.device, p.user)
		if err != nil {
			return err
		}
		return t.postEM(ctx, p.cluster, form)
	}, func(ctx context.Context, p workerPair) error {
		form, err := emLogoutForm(t.fx.clusters[p.cluster].app, p.device)
		if err != nil {
			return err
		}
		return t.postEM(ctx, p.cluster, form)
	})
}

func (t *targets) postEM(ctx context.Context, cluster int, form string) error {
	body, err := t.post(ctx, t.emURL[cluster], form)
	if err != nil {
		return err
	}
	return checkEMSuccess(body)
}

// cycle makes each worker alternate login and logout over its own pairs (pairs[worker]).
func cycle(pairs [][]workerPair, login, logout func(context.Context, workerPair) error) loadgen.Op {
	return func(ctx context.Context, r loadgen.Request) error {
		mine := pairs[r.Worker]
		if len(mine) == 0 {
			return errors.New("no device/user pair left for this worker")
		}
		p := mine[(r.Iter/2)%len(mine)]
		if r.Iter%2 == 0 {
			return login(ctx, p)
		}
		return logout(ctx, p)
	}
}

// post sends a form and returns the body of a 200 answer; anything else is an error with a
// short text that is the same for every request (for the error tally; never the body, which
// could echo a request).
func (t *targets) post(ctx context.Context, url, form string) ([]byte, error) {
	status, body, err := loadgen.PostForm(ctx, t.client, url, form)
	if err != nil {
		return nil, transportError(err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", status)
	}
	return body, nil
}

// transportError names the kind of a transport failure without the URL or addresses.
func transportError(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return errors.New("transport: timeout")
	case errors.Is(err, context.Canceled):
		return errors.New("transport: cancelled")
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("transport: connection refused")
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("transport: connection closed by server")
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return errors.New("transport: out of local ports")
	}
	return fmt.Errorf("transport: %T", errors.Unwrap(err))
}
