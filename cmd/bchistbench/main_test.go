package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// TestRunSmall runs the whole command at toy size on SQLite: every kind of
// query gets its percentiles and the target beside them.
func TestRunSmall(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--rows", "2000", "--queries", "20", "--stores", "sqlite"}, &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if !regexp.MustCompile(`sqlite: loaded in \S+ \(\d+ rows/s\), size \d+ MiB; rollups built from scratch in \S+ \(9[01] batches\)`).MatchString(text) {
		t.Errorf("no load figures in:\n%s", text)
	}
	for _, k := range []string{"90 days by day", "24 hours by hour"} {
		re := regexp.MustCompile(`sqlite +` + k + ` +20 +[\d.]+ ms +[\d.]+ ms +< 100ms (ok|MISSED)`)
		if !re.MatchString(text) {
			t.Errorf("no figures for the report %s in:\n%s", k, text)
		}
	}
	if !regexp.MustCompile(`sqlite +GET / +20 +[\d.]+ ms +[\d.]+ ms +< 100ms (ok|MISSED) +\S+`).MatchString(text) {
		t.Errorf("no figures for the status page in:\n%s", text)
	}
	for _, k := range []string{"device", "user", "hour"} {
		re := regexp.MustCompile(`sqlite +` + k + ` +20 +[\d.]+ ms +[\d.]+ ms +[\d.]+ ms +< 50ms (ok|MISSED)`)
		if !re.MatchString(text) {
			t.Errorf("no figures for %s in:\n%s", k, text)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, args := range [][]string{{"--rows", "0"}, {"--queries", "-1"}, {"--reports", "0"}, {"--stores", "mysql"}} {
		if _, err := parse(args); err == nil {
			t.Errorf("parse(%q) accepted", args)
		}
	}
}

func TestPercentile(t *testing.T) {
	d := make([]time.Duration, 100)
	for i := range d {
		d[i] = time.Duration(100-i) * time.Millisecond
	}
	tests := []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}}
	for _, tt := range tests {
		if got := percentile(d, tt.p); got != tt.want {
			t.Errorf("percentile(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := percentile(nil, 95); got != 0 {
		t.Errorf("percentile(nil) = %v", got)
	}
}

// TestRowsShape checks the generator: oldest first within the 90 days,
// the same rows for the same seed.
func TestRowsShape(t *testing.T) {
	g := newGenerator(1000, defaultDevices, 7)
	var first, again []string
	var last time.Time
	_ = g.each(300, func(rows []history.Record) error {
		for _, r := range rows {
			if r.Time.Before(last) || r.Time.Before(g.start) || !r.Time.Before(g.start.Add(span)) {
				t.Fatalf("row time %v out of order or of the span", r.Time)
			}
			last = r.Time
			first = append(first, r.ID)
		}
		return nil
	})
	_ = g.each(1000, func(rows []history.Record) error {
		for _, r := range rows {
			again = append(again, r.ID)
		}
		return nil
	})
	if len(first) != 1000 || strings.Join(first, ",") != strings.Join(again, ",") {
		t.Errorf("rows differ between runs of the same seed (%d, %d)", len(first), len(again))
	}
}
