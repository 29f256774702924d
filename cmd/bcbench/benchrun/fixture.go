package benchrun

import (
	"fmt"
	"math/rand/v2"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

// fixture is what the scenarios need to know about the generated estate, in compact form:
// the topology itself is dropped once this is extracted, so that the load generator does not
// carry a 100k-entry heap through the measurements.
type fixture struct {
	clusters []fixtureCluster
	// freeDevices are EM-enabled devices nobody is logged in on, shuffled, across clusters.
	freeDevices []clusterDevice
}

type fixtureCluster struct {
	code string
	// nodes are the node names in topology order (the first is the service's primary).
	nodes []string
	app   appInfo
	// maxConcurrent is the cluster's EM "Maximum Concurrent Requests".
	maxConcurrent int
	// pairs are distinct (free device, free user) pairs for login/logout cycles, shuffled.
	pairs []loginPair
}

type clusterDevice struct {
	cluster int // index into fixture.clusters
	name    string
}

type loginPair struct {
	device, user string
}

// readFixture reads the topology the way the simulator does (the generator's compact format
// is the simulator's own extension, so its loader is the authority on it) and picks, with a
// seeded shuffle, the devices and users the scenarios use. busyDevices and busyUsers (by
// cluster code) are excluded: the simulator's state at start, as its control API reports it.
func readFixture(topo *topology.Topology, seed uint64, busyDevices, busyUsers map[string]map[string]bool) (*fixture, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	fx := &fixture{}
	for ci, c := range topo.Clusters {
		fc := fixtureCluster{code: c.Code, maxConcurrent: c.Policy.MaxConcurrentRequests}
		for _, n := range c.Nodes {
			fc.nodes = append(fc.nodes, n.Name)
		}
		if len(fc.nodes) == 0 {
			return nil, fmt.Errorf("cluster %s has no nodes", c.Code)
		}
		found := false
		for _, a := range c.AppUsers {
			if a.EMProxyRights && !a.MustChangePassword {
				fc.app = appInfo{AppID: a.ID, AppCertificate: a.Password}
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("cluster %s has no app user with EM proxy rights", c.Code)
		}
		var devices []string
		for _, d := range c.Devices {
			if d.EMEnabled && !busyDevices[c.Code][d.Name] {
				devices = append(devices, d.Name)
				fx.freeDevices = append(fx.freeDevices, clusterDevice{cluster: ci, name: d.Name})
			}
		}
		var users []string
		for _, u := range c.Users {
			if !u.Locked && len(u.Profiles) > 0 && !busyUsers[c.Code][u.ID] {
				users = append(users, u.ID)
			}
		}
		rng.Shuffle(len(devices), func(i, j int) { devices[i], devices[j] = devices[j], devices[i] })
		rng.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
		for i := range min(len(devices), len(users)) {
			fc.pairs = append(fc.pairs, loginPair{device: devices[i], user: users[i]})
		}
		fx.clusters = append(fx.clusters, fc)
	}
	if len(fx.freeDevices) == 0 {
		return nil, fmt.Errorf("the topology has no free EM-enabled device")
	}
	rng.Shuffle(len(fx.freeDevices), func(i, j int) {
		fx.freeDevices[i], fx.freeDevices[j] = fx.freeDevices[j], fx.freeDevices[i]
	})
	return fx, nil
}

// pairsFor splits the login pairs of every cluster among workers: worker w works on cluster
// w mod (clusters with pairs) and gets its own disjoint, bounded list, so no two workers ever
// touch the same device or user. A worker gets no list (nil) only if no cluster has pairs.
func (fx *fixture) pairsFor(workers, perWorker int) [][]workerPair {
	var usable []int
	for ci, c := range fx.clusters {
		if len(c.pairs) > 0 {
			usable = append(usable, ci)
		}
	}
	out := make([][]workerPair, workers)
	if len(usable) == 0 {
		return out
	}
	// How many workers share each usable cluster.
	share := make([]int, len(usable))
	for w := range workers {
		share[w%len(usable)]++
	}
	for w := range workers {
		k := w % len(usable)
		ci := usable[k]
		pairs := fx.clusters[ci].pairs
		slot := w / len(usable) // this worker's index among the cluster's workers
		for j := slot; j < len(pairs) && len(out[w]) < perWorker; j += share[k] {
			out[w] = append(out[w], workerPair{cluster: ci, loginPair: pairs[j]})
		}
	}
	return out
}

type workerPair struct {
	cluster int
	loginPair
}

// codes lists the clusters' codes in fixture order.
func (fx *fixture) codes() []string {
	out := make([]string, len(fx.clusters))
	for i, c := range fx.clusters {
		out[i] = c.code
	}
	return out
}
