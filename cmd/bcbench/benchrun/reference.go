package benchrun

import (
	"context"
	"path/filepath"
)

// startRefHop starts the reference hop (cfg.RefHop) forwarding each cluster to the EM servlet
// emURL[i] of fx.clusters[i], and returns it with its base URL once it listens.
func startRefHop(ctx context.Context, cfg Config, work string, fx *fixture, emURL []string) (*process, string, error) {
	addrPath := filepath.Join(work, "refhop.addr.json")
	if err := removeStale(addrPath); err != nil {
		return nil, "", err
	}
	args := append([]string{}, cfg.RefHop[1:]...)
	args = append(args, "--listen", "127.0.0.1:0", "--addr-file", addrPath)
	for i, c := range fx.clusters {
		args = append(args, "--node", c.code+"="+emURL[i])
	}
	p, err := startProcess("refhop", filepath.Join(work, "refhop.log"), cfg.RefHop[0], args...)
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
