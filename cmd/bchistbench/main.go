// Command bchistbench measures the request history's scale target (cmd/bcservice/README.md,
// "Request history", Scale; cmd/bcbench/README.md, "make bench-history"): it loads --rows realistic rows into a temporary
// SQLite file and a throwaway PostgreSQL cluster (service/postgres/pgserver),
// then times pages of 100 filtered by device, by user and by an hour of
// time, and their second pages through the cursor, through Store.Query.
// It prints p50/p95/p99 per kind and store beside the target (p95 < 50 ms),
// the load time and the database size, and removes everything it started.
//
// It then builds the usage reports' rollups from scratch (service/history/rollup),
// timed, and times the reports of the last 90 days by day and of the last 24 hours
// by hour, beside their target (p95 < 100 ms); then the dashboard's status page (its
// series filled from the store as at start, then GET / timed, p95 < 100 ms).
//
//	bchistbench [--rows N] [--devices N] [--queries N] [--reports N] [--stores sqlite,postgres] [--seed N]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// config is what the flags set.
type config struct {
	rows    int
	queries int
	stores  []string
	seed    uint64
	// reports is how many of each usage report are timed.
	reports int
	// devices is how many phones the rows spread over.
	devices int
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bchistbench:", err)
		os.Exit(1)
	}
}

func parse(args []string) (config, error) {
	fs := flag.NewFlagSet("bchistbench", flag.ContinueOnError)
	var c config
	var stores string
	fs.IntVar(&c.rows, "rows", 10_000_000, "rows to load into each store")
	fs.IntVar(&c.queries, "queries", 200, "measured queries of each kind")
	fs.StringVar(&stores, "stores", "sqlite,postgres", "stores to measure (comma-separated)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the generated rows and the queries")
	fs.IntVar(&c.reports, "reports", 20, "measured usage reports of each kind")
	fs.IntVar(&c.devices, "devices", defaultDevices, "phones the rows spread over")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.rows < 1 || c.queries < 1 || c.reports < 1 || c.devices < 1 {
		return c, fmt.Errorf("--rows, --queries, --reports and --devices must be positive")
	}
	for s := range strings.SplitSeq(stores, ",") {
		if _, ok := openers[s]; !ok {
			return c, fmt.Errorf("unknown store %q (sqlite, postgres)", s)
		}
		c.stores = append(c.stores, s)
	}
	return c, nil
}

// run measures each store in turn, printing its figures as they come.
func run(ctx context.Context, args []string, out io.Writer) error {
	c, err := parse(args)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "request history scale: %d rows on %d phones, %d queries of each kind, pages of %d, target p95 < %v\n",
		c.rows, c.devices, c.queries, pageSize, target)
	gen := newGenerator(c.rows, c.devices, c.seed)
	var results []result
	for _, name := range c.stores {
		r, err := measureStore(ctx, name, gen, c)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		results = append(results, r)
		fmt.Fprintf(out, "%s: loaded in %v (%.0f rows/s), size %s; rollups built from scratch in %v (%d batches)\n", name,
			r.load.Round(time.Second), float64(c.rows)/r.load.Seconds(), mib(r.size), r.rollups.Round(time.Millisecond), r.batches)
	}
	report(out, results)
	printReports(out, results)
	printStatus(out, results)
	return nil
}

// measureStore starts a store, loads it, queries it and removes it.
func measureStore(ctx context.Context, name string, gen *generator, c config) (result, error) {
	st, err := openers[name](ctx)
	if err != nil {
		return result{}, err
	}
	defer st.close()
	r := result{store: name}
	start := time.Now()
	if err := st.load(ctx, gen); err != nil {
		return r, fmt.Errorf("load: %w", err)
	}
	r.load = time.Since(start)
	if r.size, err = st.size(ctx); err != nil {
		return r, fmt.Errorf("size: %w", err)
	}
	if r.kinds, err = measureQueries(ctx, st.store, gen, c); err != nil {
		return r, err
	}
	if r.rollups, r.batches, err = buildRollups(ctx, st.store, gen); err != nil {
		return r, fmt.Errorf("rollups: %w", err)
	}
	if r.reports, err = measureReports(ctx, st.store, gen, c.reports); err != nil {
		return r, err
	}
	r.status, err = measureStatus(ctx, st.store, gen, c.reports)
	return r, err
}
