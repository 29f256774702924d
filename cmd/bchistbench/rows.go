package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// The shape of the generated history: 90 days of requests from --devices
// phones (20,000 unless told) and 20,000 users on 3 clusters.
const (
	defaultDevices = 20_000
	users          = 20_000
	span           = 90 * 24 * time.Hour
	clusters       = 3
)

// generator makes the rows, oldest first (as the service writes them), and
// the query values; the same seed gives the same rows.
type generator struct {
	rows    int
	devices int
	seed    uint64
	start   time.Time
}

func newGenerator(rows, devices int, seed uint64) *generator {
	end := time.Now().UTC().Truncate(time.Hour)
	return &generator{rows: rows, devices: devices, seed: seed, start: end.Add(-span)}
}

func deviceName(i int) string { return fmt.Sprintf("SEP%012X", 0x001122000000+i) }
func userName(i int) string   { return fmt.Sprintf("user%05d", i) }

// outcome is one kind of answer and its weight among the rows.
type outcome struct {
	op, class, text string
	code, weight    int
}

var outcomes = []outcome{
	{"login", "success", "", 0, 40},
	{"logout", "success", "", 0, 35},
	{"userquery", "success", "", 0, 10},
	{"login", "client", "Device already logged in", 25, 5},
	{"logout", "client", "Device not logged in", 27, 5},
	{"login", "upstream", "CUCM busy", 26, 3},
	{"login", "transport", "all nodes unreachable", 1011, 2},
}

// each calls f with every row, oldest first, in batches of n (the slice is
// reused: f must not keep it).
func (g *generator) each(n int, f func([]history.Record) error) error {
	rng := rand.New(rand.NewPCG(g.seed, 0))
	batch := make([]history.Record, 0, n)
	step := float64(span.Milliseconds()) / float64(g.rows)
	for i := range g.rows {
		batch = append(batch, g.row(rng, i, step))
		if len(batch) == n || i == g.rows-1 {
			if err := f(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}

func (g *generator) row(rng *rand.Rand, i int, step float64) history.Record {
	o := pick(rng)
	dev := rng.IntN(g.devices)
	r := history.Record{
		Time:     g.start.Add(time.Duration(float64(i)*step) * time.Millisecond),
		ID:       fmt.Sprintf("%016x", rng.Uint64()),
		Op:       o.op,
		Device:   deviceName(dev),
		User:     userName(rng.IntN(users)),
		Cluster:  fmt.Sprintf("C%d", dev%clusters+1),
		Code:     o.code,
		Class:    o.class,
		Text:     o.text,
		Duration: time.Duration(20+rng.IntN(400)) * time.Millisecond,
		Client:   fmt.Sprintf("10.0.%d.%d", rng.IntN(4), rng.IntN(250)+1),
		AppID:    "bcapp",
		Node:     fmt.Sprintf("C%d/cucm%d.example.com:8443", dev%clusters+1, rng.IntN(2)+1),
		Roaming:  o.op == "login" && rng.IntN(10) == 0,
	}
	if o.op == "userquery" {
		r.Device = ""
	}
	return r
}

func pick(rng *rand.Rand) outcome {
	n := rng.IntN(100)
	for _, o := range outcomes {
		if n < o.weight {
			return o
		}
		n -= o.weight
	}
	return outcomes[0]
}
