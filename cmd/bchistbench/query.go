package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// pageSize is the page of the target; target its p95.
const (
	pageSize = 100
	target   = 50 * time.Millisecond
	// warmup queries of each kind run unmeasured first.
	warmup = 10
)

// kind is one filter of the target: its first page, and the second through
// the first's cursor.
type kind struct {
	name  string
	query func(rng *rand.Rand, g *generator) history.Query
}

var kinds = []kind{
	{"device", func(rng *rand.Rand, g *generator) history.Query {
		return history.Query{Device: deviceName(rng.IntN(g.devices)), Limit: pageSize}
	}},
	{"user", func(rng *rand.Rand, _ *generator) history.Query {
		return history.Query{User: userName(rng.IntN(users)), Limit: pageSize}
	}},
	{"hour", func(rng *rand.Rand, g *generator) history.Query {
		from := g.start.Add(time.Duration(rng.IntN(int(span/time.Hour))) * time.Hour)
		return history.Query{From: from, To: from.Add(time.Hour), Limit: pageSize}
	}},
}

// timings are the measured durations of one kind of query on one store.
type timings struct {
	name string
	d    []time.Duration
}

// measureQueries runs c.queries of each kind (and the second page of each
// that has one), one at a time.
func measureQueries(ctx context.Context, st history.Store, g *generator, c config) ([]timings, error) {
	rng := rand.New(rand.NewPCG(c.seed, 1))
	var out []timings
	for _, k := range kinds {
		first, second := timings{name: k.name}, timings{name: k.name + " p2"}
		for i := range warmup + c.queries {
			q := k.query(rng, g)
			d, page, err := timed(ctx, st, q)
			if err != nil {
				return nil, fmt.Errorf("%s query: %w", k.name, err)
			}
			if page.Next == "" || i < warmup {
				first.add(d, i >= warmup)
				continue
			}
			q.Cursor = page.Next
			d2, _, err := timed(ctx, st, q)
			if err != nil {
				return nil, fmt.Errorf("%s second page: %w", k.name, err)
			}
			first.add(d, true)
			second.add(d2, true)
		}
		out = append(out, first, second)
	}
	return out, nil
}

func (t *timings) add(d time.Duration, keep bool) {
	if keep {
		t.d = append(t.d, d)
	}
}

func timed(ctx context.Context, st history.Store, q history.Query) (time.Duration, history.Page, error) {
	start := time.Now()
	page, err := st.Query(ctx, q)
	return time.Since(start), page, err
}

// percentile is the nearest-rank p-th percentile of d (sorted in place),
// 0 for none.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d))*p/100+0.999999) - 1
	return d[max(0, min(i, len(d)-1))]
}
