package benchrun

import (
	"fmt"
	"testing"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

func testTopology(devices, users int) *topology.Topology {
	topo := &topology.Topology{}
	for c, code := range []string{"EU", "US"} {
		cl := topology.Cluster{
			Code:     code,
			Nodes:    []topology.Node{{Name: code + "-pub"}, {Name: code + "-sub"}},
			Policy:   topology.Policy{MaxConcurrentRequests: 7},
			AppUsers: []topology.AppUser{{ID: "nope", Password: "x"}, {ID: "bcapp", Password: "s3cret", EMProxyRights: true}},
		}
		for i := range devices {
			cl.Devices = append(cl.Devices, topology.Device{Name: fmt.Sprintf("SEP%d%04d", c, i), EMEnabled: i%10 != 9})
		}
		for i := range users {
			cl.Users = append(cl.Users, topology.User{ID: fmt.Sprintf("U%d%04d", c, i), Profiles: []string{"P"}, Locked: i%10 == 8})
		}
		topo.Clusters = append(topo.Clusters, cl)
	}
	return topo
}

func TestReadFixture(t *testing.T) {
	topo := testTopology(100, 50)
	busyDev := map[string]map[string]bool{"EU": {"SEP00000": true}}
	busyUser := map[string]map[string]bool{"US": {"U10000": true}}
	fx, err := readFixture(topo, 1, busyDev, busyUser)
	if err != nil {
		t.Fatal(err)
	}
	// 90 EM-enabled devices per cluster, one of them busy in EU.
	if got, want := len(fx.freeDevices), 89+90; got != want {
		t.Errorf("free devices %d, want %d", got, want)
	}
	for _, d := range fx.freeDevices {
		if d.name == "SEP00000" || d.name[len(d.name)-1] == '9' {
			t.Errorf("device %s should have been excluded (busy or EM disabled)", d.name)
		}
		if want := "SEP" + fmt.Sprint(d.cluster); d.name[:4] != want {
			t.Errorf("device %s filed under cluster %d", d.name, d.cluster)
		}
	}
	// 45 unlocked users per cluster, one busy in US.
	if got := [2]int{len(fx.clusters[0].pairs), len(fx.clusters[1].pairs)}; got != [2]int{45, 44} {
		t.Errorf("pairs per cluster %v, want [45 44]", got)
	}
	for ci, c := range fx.clusters {
		if c.app != (appInfo{AppID: "bcapp", AppCertificate: "s3cret"}) || c.maxConcurrent != 7 || len(c.nodes) != 2 {
			t.Errorf("cluster %d: app %v, maxConcurrent %d, nodes %v", ci, c.app.AppID, c.maxConcurrent, c.nodes)
		}
		users := map[string]bool{}
		devices := map[string]bool{}
		for _, p := range c.pairs {
			if users[p.user] || devices[p.device] {
				t.Errorf("pair %v reuses a device or user", p)
			}
			users[p.user], devices[p.device] = true, true
			if p.user == "U10000" {
				t.Errorf("busy user paired")
			}
		}
	}
	again, err := readFixture(testTopology(100, 50), 1, busyDev, busyUser)
	if err != nil {
		t.Fatal(err)
	}
	if again.freeDevices[0] != fx.freeDevices[0] || again.clusters[1].pairs[0] != fx.clusters[1].pairs[0] {
		t.Errorf("same seed gave a different choice")
	}
}

func TestReadFixtureRejects(t *testing.T) {
	noApp := testTopology(5, 5)
	noApp.Clusters[1].AppUsers = []topology.AppUser{{ID: "bcapp", EMProxyRights: true, MustChangePassword: true}}
	noDevices := testTopology(0, 5)
	tests := []struct {
		name string
		topo *topology.Topology
	}{
		{"no usable app user", noApp},
		{"no devices", noDevices},
	}
	for _, tt := range tests {
		if _, err := readFixture(tt.topo, 1, nil, nil); err == nil {
			t.Errorf("%s: readFixture succeeded, want an error", tt.name)
		}
	}
}

func TestPairsForDisjoint(t *testing.T) {
	fx, err := readFixture(testTopology(100, 100), 3, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		workers, perWorker int
		wantLen            func(w int) int
	}{
		{4, 10, func(int) int { return 10 }},
		{16, 64, func(int) int { return 90 / 8 }}, // 90 pairs per cluster shared by 8 workers, rounded down or up
		{200, 5, func(w int) int { return map[bool]int{true: 0, false: 1}[w/2 >= 90] }},
	}
	for _, tt := range tests {
		pairs := fx.pairsFor(tt.workers, tt.perWorker)
		if len(pairs) != tt.workers {
			t.Fatalf("%d workers got %d lists", tt.workers, len(pairs))
		}
		seen := map[string]int{}
		for w, list := range pairs {
			if n, want := len(list), tt.wantLen(w); n != want && n != want+1 {
				t.Errorf("workers=%d: worker %d has %d pairs, want %d", tt.workers, w, n, want)
			}
			for _, p := range list {
				if p.cluster != w%2 {
					t.Errorf("worker %d got a pair of cluster %d", w, p.cluster)
				}
				for _, key := range []string{"d" + p.device, "u" + p.user} {
					if prev, ok := seen[key]; ok {
						t.Errorf("workers=%d: %s used by workers %d and %d", tt.workers, key, prev, w)
					}
					seen[key] = w
				}
			}
		}
	}
}
