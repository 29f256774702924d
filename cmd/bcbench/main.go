// Command bcbench runs the end-to-end benchmark of `make bench` (see README.md): it starts
// the cucmsim and bcservice binaries from --bin on loopback, drives them, prints a table and
// writes the same figures as JSON under --out.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/emconnector/emconnector/cmd/bcbench/benchrun"
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
			&cli.StringFlag{Name: "workdir", Usage: "keep topology, configs and logs here (default: a temporary directory, removed)"},
		},
		Action: func(c *cli.Context) error {
			cfg := benchrun.Config{
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
			}
			res, err := benchrun.Run(c.Context, cfg)
			if err != nil {
				return err
			}
			return res.WriteTable(os.Stdout)
		},
	}
}
