package benchrun

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/emconnector/emconnector/cmd/bcbench/loadgen"
)

// replicaServiceConfig is a replica's bcservice configuration: the benchmark's own, plus the
// coordination, the shared database and deadlines that hold a whole burst.
type replicaServiceConfig struct {
	serviceConfig  `yaml:",inline"`
	Coordination   string         `yaml:"coordination"`
	RequestTimeout string         `yaml:"requestTimeout"`
	Server         replicaServer  `yaml:"server"`
	History        replicaHistory `yaml:"history"`
}

type replicaServer struct {
	WriteTimeout string `yaml:"writeTimeout"`
}

type replicaHistory struct {
	DSN string `yaml:"dsn"`
}

// startReplicaEnv generates the topology and starts cucmsim, then the replicas one after the
// other (the first one migrates the shared database): replicaCount with coordination postgres,
// replicaCount with coordination local. Both kinds write their history to the same database,
// so the coordination is the only difference between them. It returns every process started
// so far, also on error, for the caller to stop.
func startReplicaEnv(ctx context.Context, cfg Config, work, dsn string) (*replicaEnv, []*process, error) {
	rc := cfg.Replicas
	var procs []*process
	topoPath, topo, err := genReplicaTopology(ctx, cfg, work, rc.Logins, rc.Slots)
	if err != nil {
		return nil, procs, err
	}
	sim, sa, err := startSimOn(ctx, cfg, work, topoPath)
	if sim != nil {
		procs = append(procs, sim)
	}
	if err != nil {
		return nil, procs, err
	}
	client := loadgen.NewClient(rc.Logins, replicaRequestTimeout+10*time.Second)
	busyDev, busyUser, err := simLogins(ctx, client, sa.Admin, topoCodes(topo))
	if err != nil {
		return nil, procs, err
	}
	fx, err := readFixture(topo, cfg.Seed, busyDev, busyUser)
	if err != nil {
		return nil, procs, err
	}
	c := fx.clusters[0]
	if len(c.pairs) < rc.Logins {
		return nil, procs, fmt.Errorf("replicas topology: %d free device/user pairs, want %d", len(c.pairs), rc.Logins)
	}
	_, svcCfg, err := nodeURLs(fx, sa)
	if err != nil {
		return nil, procs, err
	}
	svcCfg.Clusters[0].MaxQueue = rc.Logins // the whole burst may wait
	form, err := bcForm(c.app)
	if err != nil {
		return nil, procs, err
	}
	env := &replicaEnv{sim: simControl{client: client, admin: sa.Admin}, code: c.code, form: form,
		pairs: c.pairs[:rc.Logins], busyAtStart: busyDev, client: client}
	for _, mode := range []string{"postgres", "local"} {
		path := filepath.Join(work, "bcservice-"+mode+".yaml")
		err := writeServiceConfig(path, replicaServiceConfig{serviceConfig: svcCfg, Coordination: mode,
			RequestTimeout: replicaRequestTimeout.String(),
			Server:         replicaServer{WriteTimeout: (replicaRequestTimeout + 10*time.Second).String()},
			History:        replicaHistory{DSN: dsn}})
		if err != nil {
			return nil, procs, err
		}
		for i := range replicaCount {
			p, base, err := startReplica(ctx, cfg, work, fmt.Sprintf("bcservice-%s-%d", mode, i), path)
			if err != nil {
				return nil, procs, err
			}
			procs = append(procs, p)
			if mode == "postgres" {
				env.coordinated = append(env.coordinated, base)
			} else {
				env.local = append(env.local, base)
			}
		}
	}
	return env, procs, env.waitShared(ctx, cfg.StartTimeout)
}

// startReplica starts one bcservice with the config at cfgPath and returns it with its base
// URL once it listens.
func startReplica(ctx context.Context, cfg Config, work, name, cfgPath string) (*process, string, error) {
	addrPath := filepath.Join(work, name+".addr.json")
	if err := removeStale(addrPath); err != nil {
		return nil, "", err
	}
	p, err := startProcess(name, filepath.Join(work, name+".log"), filepath.Join(cfg.BinDir, "bcservice"), "serve",
		"--config", cfgPath, "--listen", "127.0.0.1:0", "--addr-file", addrPath, "--log-level", cfg.LogLevel)
	if err != nil {
		return nil, "", err
	}
	var a serviceAddrs
	if _, err := waitAddrFile(ctx, p, addrPath, cfg.StartTimeout, &a); err != nil {
		stopLogged(p, cfg.Logger)
		return nil, "", err
	}
	return p, "http://" + a.Listen, nil
}

// errorKinds lists a tally of error texts, most frequent first, and their total.
func errorKinds(tally map[string]int) ([]loadgen.ErrorKind, int) {
	var out []loadgen.ErrorKind
	total := 0
	for _, text := range slices.Sorted(maps.Keys(tally)) {
		out = append(out, loadgen.ErrorKind{Text: text, Count: tally[text]})
		total += tally[text]
	}
	slices.SortStableFunc(out, func(a, b loadgen.ErrorKind) int { return b.Count - a.Count })
	return out, total
}

// startSimOn starts cucmsim on topoPath with ephemeral ports and waits for its
// address file. It returns the process whenever it started, also on error,
// for the caller to stop.
func startSimOn(ctx context.Context, cfg Config, work, topoPath string) (*process, simAddrs, error) {
	var sa simAddrs
	addrPath := filepath.Join(work, "cucmsim.addr.json")
	if err := removeStale(addrPath); err != nil {
		return nil, sa, err
	}
	sim, err := startProcess("cucmsim", filepath.Join(work, "cucmsim.log"), filepath.Join(cfg.BinDir, "cucmsim"), "serve",
		"--topology", topoPath, "--ephemeral-ports", "--addr-file", addrPath, "--admin", "127.0.0.1:0", "--log-level", cfg.LogLevel)
	if err != nil {
		return nil, sa, err
	}
	_, err = waitAddrFile(ctx, sim, addrPath, cfg.StartTimeout, &sa)
	return sim, sa, err
}
