// Package service is the Business Connector domain: it validates API
// requests, picks the CUCM cluster of a device, runs the PIN (roaming) flow
// and turns every outcome into a result code and text. It knows nothing about
// HTTP: service/httpapi decodes requests and encodes results, and
// service/emclient talks to CUCM through the Cluster interface.
package service

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Connector carries out the API operations against a set of clusters.
type Connector struct {
	clusters []Cluster // configuration order: decides ties in a search
	byCode   map[string]Cluster
	def      Cluster // nil when no cluster is the default
}

// Outcome is what an operation found out, also on failure: the cluster it
// used (empty if none was resolved) and, for getloggedinuser, the user
// logged in on the device (empty for nobody).
type Outcome struct {
	Cluster string
	User    string
	// Roaming is true when a login went through the PIN flow.
	Roaming bool
}

// NewConnector returns a Connector over clusters, in configuration order.
// defaultCode names the default cluster; "" means none (devices are then
// searched in every cluster). Cluster codes are matched case-insensitively.
func NewConnector(clusters []Cluster, defaultCode string) (*Connector, error) {
	c := &Connector{clusters: clusters, byCode: make(map[string]Cluster, len(clusters))}
	for _, cl := range clusters {
		key := strings.ToUpper(cl.Code())
		if _, dup := c.byCode[key]; dup {
			return nil, fmt.Errorf("duplicate cluster code %q", cl.Code())
		}
		c.byCode[key] = cl
	}
	if defaultCode != "" {
		c.def = c.byCode[strings.ToUpper(defaultCode)]
		if c.def == nil {
			return nil, fmt.Errorf("default cluster %q is not configured", defaultCode)
		}
	}
	return c, nil
}

// Login logs req.User into req.Device (README.md, "PIN design").
// Returns 404/1008/1005/1009/1012 for invalid input, 1007 for missing
// credentials, 1001 for an unknown cluster code, 11 when no cluster has the
// device, 1003 when a roaming user gave no PIN, 1013 when no cluster knows
// the user, 1004 for a wrong PIN, CUCM's code for an EM failure, and the
// client's 1002/1010/1011.
func (c *Connector) Login(ctx context.Context, cred Credentials, req Request) (Outcome, error) {
	req.Op = OpLogin
	if err := checkInput(cred, req); err != nil {
		return Outcome{}, err
	}
	visited, _, err := c.resolve(ctx, cred, req.Device, req.Cluster)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Cluster: visited.Code()}
	st, err := visited.UserDevices(ctx, cred, req.User)
	if err != nil {
		return out, err
	}
	if !st.Exists {
		// Roaming: the visited cluster does not know the user. Only the
		// PIN, checked by the home cluster, lets the login through.
		out.Roaming = true
		if req.PIN == "" {
			return out, Errorf(CodePINRequired, "PIN required: user %s is not known in cluster %s", req.User, visited.Code())
		}
		home, err := c.homeCluster(ctx, cred, req.User, visited)
		if err != nil {
			return out, err
		}
		ok, err := home.AuthenticateUser(ctx, cred, req.User, req.PIN)
		if err != nil {
			return out, err
		}
		if !ok {
			return out, Errorf(CodePINInvalid, "PIN invalid for user %s (home cluster %s)", req.User, home.Code())
		}
	}
	// A local user's PIN, if given, is ignored: the EM API has no PIN and
	// the app user's proxy rights authorise the login (documented).
	return out, visited.Login(ctx, cred, req.Device, req.User)
}

// Logout logs whoever is on req.Device out. Returns the validation codes,
// 1007, 1001, 11 when no cluster has the device, CUCM's code (19 nobody
// logged in) and the client's 1002/1010/1011.
func (c *Connector) Logout(ctx context.Context, cred Credentials, req Request) (Outcome, error) {
	req.Op = OpLogout
	if err := checkInput(cred, req); err != nil {
		return Outcome{}, err
	}
	cl, _, err := c.resolve(ctx, cred, req.Device, req.Cluster)
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Cluster: cl.Code()}, cl.Logout(ctx, cred, req.Device)
}

// LoggedInUser tells who is logged in on req.Device; nobody is a success with
// an empty Outcome.User. Returns 11 for an unknown device and the codes of
// Logout otherwise.
func (c *Connector) LoggedInUser(ctx context.Context, cred Credentials, req Request) (Outcome, error) {
	req.Op = OpLoggedInUser
	if err := checkInput(cred, req); err != nil {
		return Outcome{}, err
	}
	cl, known, err := c.resolve(ctx, cred, req.Device, req.Cluster)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Cluster: cl.Code()}
	st := known
	if st == nil {
		s, err := cl.DeviceUser(ctx, cred, req.Device)
		if err != nil {
			return out, err
		}
		st = &s
	}
	if !st.Exists {
		return out, CUCMError(EMCodeDeviceNotFound, "Device does not exist")
	}
	out.User = st.User
	return out, nil
}

func checkInput(cred Credentials, req Request) error {
	if err := req.Validate(); err != nil {
		return err
	}
	return cred.Validate()
}

// resolve picks the cluster of device: the named one (1001 if unknown), the
// default one, or the one a search finds. A search also returns the device
// status it learnt, so getloggedinuser need not ask twice.
func (c *Connector) resolve(ctx context.Context, cred Credentials, device, code string) (Cluster, *DeviceStatus, error) {
	if code != "" {
		cl := c.byCode[strings.ToUpper(code)]
		if cl == nil {
			return nil, nil, Errorf(CodeClusterNotFound, "Cluster with code [%s] not found", code)
		}
		return cl, nil, nil
	}
	if c.def != nil {
		return c.def, nil, nil
	}
	return c.search(ctx, cred, device)
}

// search asks every cluster in parallel with deviceUserQuery. The first
// cluster in configuration order that has the device wins. Otherwise, in
// this order of precedence: an EM error answered by a cluster (e.g. 3, bad
// credentials) is passed through; if any cluster could not be asked the
// answer is 1002, because the device may live there; 11 only when every
// cluster answered that the device does not exist.
func (c *Connector) search(ctx context.Context, cred Credentials, device string) (Cluster, *DeviceStatus, error) {
	type answer struct {
		st  DeviceStatus
		err error
	}
	answers := make([]answer, len(c.clusters))
	var wg sync.WaitGroup
	for i, cl := range c.clusters {
		wg.Go(func() {
			st, err := cl.DeviceUser(ctx, cred, device)
			answers[i] = answer{st, err}
		})
	}
	wg.Wait()
	var emErr, transportErr error
	var down []string
	for i, a := range answers {
		switch {
		case a.err == nil && a.st.Exists:
			st := a.st
			return c.clusters[i], &st, nil
		case a.err == nil:
		case isCUCM(a.err):
			if emErr == nil {
				emErr = a.err
			}
		default:
			if transportErr == nil {
				transportErr = a.err
			}
			down = append(down, c.clusters[i].Code())
		}
	}
	switch {
	case emErr != nil:
		return nil, nil, emErr
	case len(down) == len(c.clusters) && len(down) == 1:
		return nil, nil, transportErr
	case len(down) > 0:
		return nil, nil, Errorf(CodeUnreachable, "CUCM unreachable: cannot search device %s in cluster(s) %s", device, strings.Join(down, ", "))
	}
	return nil, nil, Errorf(EMCodeDeviceNotFound, "Device %s does not exist in any cluster", device)
}

// homeCluster finds the cluster other than visited that knows user, asking
// all in parallel (first in configuration order wins). Returns 1013 when no
// cluster knows the user, an EM error answered by a cluster, or 1002 when a
// cluster that could be the home could not be asked.
func (c *Connector) homeCluster(ctx context.Context, cred Credentials, user string, visited Cluster) (Cluster, error) {
	type answer struct {
		st  UserStatus
		err error
	}
	answers := make([]answer, len(c.clusters))
	var wg sync.WaitGroup
	for i, cl := range c.clusters {
		if cl == visited {
			continue
		}
		wg.Go(func() {
			st, err := cl.UserDevices(ctx, cred, user)
			answers[i] = answer{st, err}
		})
	}
	wg.Wait()
	var emErr, transportErr error
	for i, a := range answers {
		if c.clusters[i] == visited {
			continue
		}
		switch {
		case a.err == nil && a.st.Exists:
			return c.clusters[i], nil
		case a.err == nil:
		case isCUCM(a.err):
			if emErr == nil {
				emErr = a.err
			}
		default:
			if transportErr == nil {
				transportErr = a.err
			}
		}
	}
	switch {
	case emErr != nil:
		return nil, emErr
	case transportErr != nil:
		return nil, transportErr
	}
	return nil, Errorf(CodeHomeNotFound, "Home cluster of user %s not found", user)
}

func isCUCM(err error) bool {
	e := asError(err)
	return e.FromCUCM
}
