// Command bcbench runs the end-to-end benchmark of `make bench` (see cmd/bcbench/README.md): it starts
// the cucmsim and bcservice binaries from --bin on loopback, and its own reference hop
// (`bcbench refhop`), drives them, prints a table and writes the same figures as JSON under
// --out.
//
//	bcbench [--bin DIR] [--out DIR] [--scenarios service,replicas,sweep] [sizes…]
//	bcbench refhop --node CODE=URL… [--listen ADDR] [--addr-file FILE]
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/emconnector/emconnector/cmd/bcbench/benchrun"
	"github.com/emconnector/emconnector/cmd/bcbench/refhop"
	"github.com/emconnector/emconnector/service/atomicfile"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newApp().RunContext(ctx, os.Args)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bcbench:", err)
		os.Exit(1)
	}
}

func newApp() *cli.App {
	d := benchrun.Defaults()
	return &cli.App{
		Name:  "bcbench",
		Usage: "benchmark bcservice against cucmsim on loopback",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "scenarios", Value: cli.NewStringSlice(d.Scenarios...), Usage: "scenario groups to run: service (one bcservice against direct and reference), replicas (two replicas, one budget), sweep (a sweep beside people)"},
			&cli.StringFlag{Name: "bin", Value: d.BinDir, Usage: "directory holding the cucmsim and bcservice binaries"},
			&cli.StringFlag{Name: "out", Value: "bin/bench", Usage: "directory for bench-<timestamp>.json (empty: none)"},
			&cli.IntFlag{Name: "devices", Value: d.Devices, Usage: "devices in the generated topology"},
			&cli.IntFlag{Name: "users", Value: d.Users, Usage: "users in the generated topology"},
			&cli.IntFlag{Name: "clusters", Value: d.Clusters, Usage: "clusters in the generated topology"},
			&cli.IntFlag{Name: "concurrency", Value: d.Concurrency, Usage: "closed-loop workers (requests in flight)"},
			&cli.DurationFlag{Name: "duration", Value: d.Duration, Usage: "time bound of each closed-loop scenario"},
			&cli.IntFlag{Name: "max-requests", Value: d.MaxRequests, Usage: "request bound of each closed-loop scenario"},
			&cli.IntFlag{Name: "warmup", Value: d.Warmup, Usage: "unmeasured requests before each throughput scenario"},
			&cli.Float64Flag{Name: "rate", Value: d.Rate, Usage: "requests per second of the latency scenarios"},
			&cli.DurationFlag{Name: "rate-duration", Value: d.RateDuration, Usage: "length of the latency scenarios"},
			&cli.StringFlag{Name: "log-level", Value: d.LogLevel, Usage: "log level of both binaries (logs go to the work directory)"},
			&cli.Uint64Flag{Name: "seed", Value: d.Seed, Usage: "seed of the device and user choice"},
			&cli.IntFlag{Name: "replica-logins", Value: d.Replicas.Logins, Usage: "logins of the two replicas' burst (and single logins timed)"},
			&cli.IntFlag{Name: "replica-slots", Value: d.Replicas.Slots, Usage: "the replicas' cluster's maxConcurrentRequests (CUCM's and each replica's)"},
			&cli.DurationFlag{Name: "replica-login-latency", Value: d.Replicas.LoginLatency, Usage: "CUCM's time per login during the replicas' bursts"},
			&cli.IntFlag{Name: "sweep-logouts", Value: d.Sweep.Logouts, Usage: "logins the sweep ends (at most 8191)"},
			&cli.IntFlag{Name: "sweep-slots", Value: d.Sweep.Slots, Usage: "the sweep's cluster's maxConcurrentRequests (CUCM's and the service's)"},
			&cli.DurationFlag{Name: "sweep-latency", Value: d.Sweep.Latency, Usage: "CUCM's time per login or logout in the sweep scenario"},
			&cli.Float64Flag{Name: "sweep-rate", Value: d.Sweep.Rate, Usage: "interactive logins per second beside the sweep"},
			&cli.StringFlag{Name: "workdir", Usage: "keep topology, configs and logs here (default: a temporary directory, removed)"},
		},
		Commands: []*cli.Command{refhopCommand()},
		Action: func(c *cli.Context) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			cfg := benchrun.Config{
				Scenarios:    c.StringSlice("scenarios"),
				RefHop:       []string{self, "refhop"},
				BinDir:       c.String("bin"),
				OutDir:       c.String("out"),
				Devices:      c.Int("devices"),
				Users:        c.Int("users"),
				Clusters:     c.Int("clusters"),
				Concurrency:  c.Int("concurrency"),
				Duration:     c.Duration("duration"),
				MaxRequests:  c.Int("max-requests"),
				Warmup:       c.Int("warmup"),
				Rate:         c.Float64("rate"),
				RateDuration: c.Duration("rate-duration"),
				LogLevel:     c.String("log-level"),
				Seed:         c.Uint64("seed"),
				WorkDir:      c.String("workdir"),
				Logger:       slog.New(slog.NewTextHandler(os.Stderr, nil)),
				Replicas: benchrun.ReplicasConfig{Logins: c.Int("replica-logins"), Slots: c.Int("replica-slots"),
					LoginLatency: c.Duration("replica-login-latency")},
				Sweep: benchrun.SweepConfig{Logouts: c.Int("sweep-logouts"), Slots: c.Int("sweep-slots"),
					Latency: c.Duration("sweep-latency"), Rate: c.Float64("sweep-rate")},
			}
			res, err := benchrun.Run(c.Context, cfg)
			if err != nil {
				return err
			}
			return res.WriteTable(os.Stdout)
		},
	}
}

// refhopCommand serves the reference hop (package refhop) until SIGINT or SIGTERM; the
// benchmark starts it like the other binaries and reads its address file.
func refhopCommand() *cli.Command {
	return &cli.Command{
		Name:  "refhop",
		Usage: "serve the reference hop: one EM call per API call, nothing else",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "node", Required: true, Usage: "CODE=URL: the EM servlet a cluster's calls go to (repeatable)"},
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:0", Usage: "listen address"},
			&cli.StringFlag{Name: "addr-file", Usage: "write {\"listen\":\"host:port\"} here once bound"},
		},
		Action: func(c *cli.Context) error {
			nodes := map[string]string{}
			for _, n := range c.StringSlice("node") {
				code, u, ok := strings.Cut(n, "=")
				if !ok || code == "" || u == "" {
					return fmt.Errorf("--node %q: want CODE=URL", n)
				}
				nodes[code] = u
			}
			ln, err := net.Listen("tcp", c.String("listen"))
			if err != nil {
				return err
			}
			if path := c.String("addr-file"); path != "" {
				if err := writeAddrFile(path, ln.Addr().String()); err != nil {
					ln.Close()
					return err
				}
			}
			return refhop.Serve(c.Context, ln, refhop.New(refhop.NewClient(5*time.Second), nodes), 5*time.Second)
		},
	}
}

// writeAddrFile writes {"listen":addr} atomically (temp file and rename), as bcservice does.
func writeAddrFile(path, addr string) error {
	data, err := json.Marshal(map[string]string{"listen": addr})
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data, 0o600)
}
