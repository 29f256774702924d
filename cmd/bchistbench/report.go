package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// result is one store's figures.
type result struct {
	store string
	load  time.Duration
	size  int64
	kinds []timings
	// reports are the usage reports' timings (reports.go), after the
	// rollups were built in rollups (batches of them).
	reports []reportTimings
	rollups time.Duration
	batches int
	// status is the status page's (status.go).
	status statusTimings
}

// report prints one line per store and kind of query, with the target.
func report(out io.Writer, results []result) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "store\tquery\tn\tp50\tp95\tp99\ttarget p95\t")
	for _, r := range results {
		for _, k := range r.kinds {
			if len(k.d) == 0 {
				fmt.Fprintf(w, "%s\t%s\t0\t-\t-\t-\t< %v -\t\n", r.store, k.name, target)
				continue
			}
			p95 := percentile(k.d, 95)
			verdict := "ok"
			if p95 >= target {
				verdict = "MISSED"
			}
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t< %v %s\t\n", r.store, k.name, len(k.d),
				ms(percentile(k.d, 50)), ms(p95), ms(percentile(k.d, 99)), target, verdict)
		}
	}
	w.Flush()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }
