package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/emconnector/emconnector/cucmsim"
	"github.com/emconnector/emconnector/cucmsim/topology"
	"github.com/emconnector/emconnector/service/atomicfile"
)

// shutdownTimeout bounds the graceful shutdown after SIGINT/SIGTERM.
const shutdownTimeout = 5 * time.Second

// newApp builds the command line; main only wires signals and exit codes, tests run it in-process.
func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:      "cucmsim",
		Usage:     "simulate CUCM Extension Mobility (EMService) clusters",
		Writer:    stdout,
		ErrWriter: stderr,
		Commands: []*cli.Command{
			{
				Name:  "serve",
				Usage: "serve the clusters of a topology",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "topology", Usage: "topology YAML `FILE`", Required: true},
					&cli.StringFlag{Name: "admin", Value: "127.0.0.1:18000", Usage: "control API listen `ADDR` (empty or :0 = ephemeral)"},
					&cli.BoolFlag{Name: "ephemeral-ports", Usage: "bind every node on 127.0.0.1:0 instead of its topology address"},
					&cli.StringFlag{Name: "addr-file", Usage: "write the bound addresses as JSON to `FILE` once listening"},
					&cli.Uint64Flag{Name: "seed", Usage: "seed of the random source (fault probabilities, latency jitter)"},
					&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
				},
				Action: func(c *cli.Context) error { return serve(c.Context, c, stderr) },
			},
			{
				Name:      "validate",
				Usage:     "check a topology file",
				ArgsUsage: "FILE",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return cli.Exit("usage: cucmsim validate FILE", 2)
					}
					topo, err := topology.Load(c.Args().First())
					if err != nil {
						return reportProblems(stderr, c.Args().First(), err)
					}
					devices, users := 0, 0
					for _, cl := range topo.Clusters {
						devices += len(cl.Devices)
						users += len(cl.Users)
					}
					fmt.Fprintf(stdout, "%s: OK (%d clusters, %d devices, %d users)\n", c.Args().First(), len(topo.Clusters), devices, users)
					return nil
				},
			},
			{
				Name:  "gen",
				Usage: "generate a large valid topology (stdout by default)",
				Flags: []cli.Flag{
					requiredInt(&cli.IntFlag{Name: "devices", Required: true, Usage: "number of devices, at least 1 (required)"}),
					requiredInt(&cli.IntFlag{Name: "users", Required: true, Usage: "number of users, at least 1, one profile each (required)"}),
					&cli.IntFlag{Name: "clusters", Value: 2, Usage: "number of clusters (C1, C2, …)"},
					&cli.IntFlag{Name: "nodes", Value: 2, Usage: "nodes per cluster"},
					&cli.IntFlag{Name: "base-port", Value: topology.DefaultBasePort, Usage: "port of the first node; cluster i node j gets base+10*i+j (clear of the demo topology's 18000-18101)"},
					&cli.StringFlag{Name: "pin", Value: "1234", Usage: "every user's PIN"},
					&cli.StringFlag{Name: "out", Usage: "output `FILE` (default stdout)"},
				},
				Action: func(c *cli.Context) error {
					for _, name := range []string{"devices", "users"} {
						if n := c.Int(name); n < 1 {
							return fmt.Errorf("--%s must be at least 1, got %d", name, n)
						}
					}
					opts := topology.GenOptions{Devices: c.Int("devices"), Users: c.Int("users"), Clusters: c.Int("clusters"),
						NodesPerCluster: c.Int("nodes"), BasePort: c.Int("base-port"), PIN: c.String("pin")}
					if c.String("out") == "" {
						return topology.Generate(stdout, opts)
					}
					return atomicfile.WriteFunc(c.String("out"), 0o600, func(w io.Writer) error { return topology.Generate(w, opts) })
				},
			},
		},
	}
}

// requiredIntFlag is an IntFlag whose help shows no default: a required flag has none, and
// urfave/cli would print "(default: 0)".
type requiredIntFlag struct{ *cli.IntFlag }

func requiredInt(f *cli.IntFlag) requiredIntFlag { return requiredIntFlag{f} }

// GetDefaultText is empty: there is no default.
func (f requiredIntFlag) GetDefaultText() string { return "" }

// String renders the help line through the wrapper, so GetDefaultText above is used.
func (f requiredIntFlag) String() string { return cli.FlagStringer(f) }

// reportProblems writes every problem of a topology, one a line, and returns a one-line
// summary for the exit message. Other errors (an unreadable file) are returned as they are.
func reportProblems(w io.Writer, file string, err error) error {
	var problems []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		problems = joined.Unwrap()
	}
	if len(problems) == 0 {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(w, p)
	}
	n := 0
	for _, p := range problems {
		var te *topology.Error
		if errors.As(p, &te) {
			n++
		}
	}
	return fmt.Errorf("%s: %d problem(s)", file, n)
}

func serve(ctx context.Context, c *cli.Context, stderr io.Writer) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	start := time.Now()
	topo, err := topology.Load(c.String("topology"))
	if err != nil {
		return err
	}
	admin := c.String("admin")
	if admin == "" || strings.HasSuffix(admin, ":0") {
		admin = "127.0.0.1:0"
	}
	sim, err := cucmsim.New(topo, cucmsim.Options{
		Logger:         logger,
		AdminAddr:      admin,
		EphemeralPorts: c.Bool("ephemeral-ports"),
		Seed:           c.Uint64("seed"),
	})
	if err != nil {
		return err
	}
	if err := sim.Start(ctx); err != nil {
		return err
	}
	addrs := sim.Addrs()
	if f := c.String("addr-file"); f != "" {
		err := atomicfile.WriteFunc(f, 0o600, func(w io.Writer) error { return json.NewEncoder(w).Encode(addrs) })
		if err != nil {
			_ = sim.Close()
			return fmt.Errorf("--addr-file: %w", err)
		}
	}
	logger.Info("cucmsim ready", "topology", c.String("topology"), "admin", addrs.Admin, "nodes", addrs.Nodes, "startup", time.Since(start))
	<-ctx.Done()
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return sim.Shutdown(sctx)
}
