package service

import (
	"context"
	"slices"
	"strings"
)

// userLocation is where one cluster says a user is logged in.
type userLocation struct {
	cluster Cluster
	devices []string
}

// locateUser asks the named cluster (1001 if unknown), or every cluster,
// where user is logged in. Returns the clusters that know the user with
// their devices (configuration order), the clusters that could not be asked,
// and an error: an EM error answered by a cluster (e.g. 3), 23 when every
// cluster was asked and none knows the user, the cluster's own error when
// the only cluster asked could not be.
func (c *Connector) locateUser(ctx context.Context, cred Credentials, user, code string) ([]userLocation, []Cluster, error) {
	clusters := c.clusters
	if code != "" {
		cl, err := c.named(code)
		if err != nil {
			return nil, nil, err
		}
		clusters = []Cluster{cl}
	}
	replies, _ := askAll(ctx, clusters, nil,
		func(ctx context.Context, cl Cluster) (UserStatus, error) { return cl.UserDevices(ctx, cred, user) },
		func(UserStatus) bool { return false }) // every answer is needed
	_, emErr, transportErr := misses(clusters, nil, replies)
	if emErr != nil {
		return nil, nil, emErr
	}
	var found []userLocation
	var down []Cluster
	for i, r := range replies {
		switch {
		case r.err != nil:
			down = append(down, clusters[i])
		case r.val.Exists:
			devices := slices.Clone(r.val.Devices)
			slices.Sort(devices)
			found = append(found, userLocation{clusters[i], devices})
		}
	}
	switch {
	case len(found) == 0 && len(down) == 1 && len(clusters) == 1:
		return nil, nil, transportErr
	case len(found) == 0 && len(down) == 0:
		return nil, nil, Errorf(EMCodeUserNotFound, "User not found")
	}
	return found, down, nil
}

// unreachableText names the clusters that could not be asked about user.
func unreachableText(user string, down []Cluster) string {
	codes := make([]string, len(down))
	for i, cl := range down {
		codes[i] = cl.Code()
	}
	return "CUCM unreachable: cannot look up user " + user + " in cluster(s) " + strings.Join(codes, ", ")
}

// userDevices lists the devices req.User is logged in on, in the named
// cluster or in every cluster: code 0 with the list (empty when nowhere),
// 23 when no cluster knows the user, 1001 for an unknown cluster code, an EM
// error answered by a cluster, and 1002 (with the devices found elsewhere)
// when a cluster could not be asked.
func (c *Connector) userDevices(ctx context.Context, cred Credentials, req Request) (Found, error) {
	locs, down, err := c.locateUser(ctx, cred, req.User, req.Cluster)
	if err != nil {
		return Found{}, err
	}
	found := Found{Devices: []DeviceResult{}}
	for _, l := range locs {
		for _, d := range l.devices {
			found.Devices = append(found.Devices, DeviceResult{Device: d, Cluster: l.cluster.Code()})
		}
	}
	if len(down) > 0 {
		return found, Errorf(CodeUnreachable, "%s", unreachableText(req.User, down))
	}
	return found, nil
}

// logoutUser logs req.User out of every device it is logged in on (in the
// named cluster or in every cluster), each device under its device lock
// and with the logout's call-history rule. Every device is listed with its
// own code and text; a cluster that could not be asked is listed as such
// (1002, no device name). The overall code is 0 when every device was
// logged out, else the first failure's. A device that was free by the time
// its logout came (19: the user left it meanwhile) is listed with 19 but
// is not a failure: the user is not on it. 23 when no cluster knows the user.
func (c *Connector) logoutUser(ctx context.Context, cred Credentials, req Request) (Found, error) {
	locs, down, err := c.locateUser(ctx, cred, req.User, req.Cluster)
	if err != nil {
		return Found{}, err
	}
	found := Found{Devices: []DeviceResult{}}
	var first error
	fail := func(err error) {
		if first == nil {
			first = err
		}
	}
	for _, l := range locs {
		for _, d := range l.devices {
			dr, err := logoutOne(ctx, l.cluster, cred, d, req)
			found.Devices = append(found.Devices, dr)
			if err != nil && dr.Code != emCodeNobody {
				fail(err)
			}
		}
	}
	for _, cl := range down {
		text := unreachableText(req.User, []Cluster{cl})
		found.Devices = append(found.Devices, DeviceResult{Cluster: cl.Code(), Code: CodeUnreachable, Text: text})
		fail(Errorf(CodeUnreachable, "%s", text))
	}
	return found, first
}

// emCodeNobody is CUCM's 19 "No user logged in".
const emCodeNobody = 19

// logoutOne logs device out of cl for logoutuser and reports it as a list
// entry, with the failure itself (nil on success). The entry names the
// device and the cluster, so its text is only what happened: "Logout
// successful" (", call history cleared"), or the failure's own text (CUCM's,
// or the service's). The failure is returned as it came, so that the
// overall answer still knows a CUCM refusal as one.
func logoutOne(ctx context.Context, cl Cluster, cred Credentials, device string, req Request) (DeviceResult, error) {
	dr := DeviceResult{Device: device, Cluster: cl.Code(), Text: "Logout successful"}
	cleared, err := logoutDevice(ctx, cl, cred, device, req.ClearCallHistory)
	switch {
	case err != nil:
		e := asError(err)
		dr.Code, dr.Text = e.Code, e.Text
		return dr, e
	case cleared:
		dr.Text += ", call history cleared"
	}
	return dr, nil
}
