package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/sqlite"
)

// Local only (not committed): reuse a 10M-row SQLite file across runs.
func TestLocalReports(t *testing.T) {
	path := os.Getenv("LOCAL_DB")
	if path == "" {
		t.Skip()
	}
	ctx := context.Background()
	_, statErr := os.Stat(path)
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	g := newGenerator(10_000_000, 5000, 1)
	g.start = time.Date(2026, 9, 7, 11, 0, 0, 0, time.UTC)
	if statErr != nil {
		if err := withoutIndexes(ctx, st.DB(), sqliteIndexes, func() error { return insertAll(ctx, st, g) }); err != nil {
			t.Fatal(err)
		}
	}
	if statErr != nil || os.Getenv("LOCAL_REBUILD") != "" {
		d, n, err := buildRollups(ctx, st, g)
		fmt.Println("built", d, n, err)
	}
	pf, _ := os.Create("/tmp/local.prof")
	pprof.StartCPUProfile(pf)
	res, err := measureReports(ctx, st, g, 20)
	pprof.StopCPUProfile()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		fmt.Println(r.name, percentile(r.d, 50), percentile(r.d, 95))
	}
}
