package report

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Every length Quantise gives has its cell, in order, and back.
func TestHistogramCells(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	prev := -1
	for _, d := range []time.Duration{0, 999 * time.Millisecond, time.Second, 80 * time.Minute, 1<<63 - 1} {
		q := Quantise(d)
		if i := Cell(q); i < 0 || CellValue(i) != q {
			t.Errorf("Quantise(%v) = %d: cell %d, back %d", d, q, i, CellValue(i))
		}
	}
	for i := range Cells {
		v := CellValue(i)
		if Cell(v) != i || int(v) <= prev && i > 0 {
			t.Fatalf("cell %d: value %d, back %d", i, v, Cell(v))
		}
		prev = int(v)
	}
	for range 10000 {
		q := Quantise(time.Duration(r.Int64N(1 << 50)))
		if CellValue(Cell(q)) != q {
			t.Fatalf("%d does not round-trip", q)
		}
	}
	for _, q := range []int64{-1, 1001, 1234, 99990} {
		if Cell(q) != -1 {
			t.Errorf("Cell(%d) = %d, want -1 (not a quantised length)", q, Cell(q))
		}
	}
}

// A Histogram's median is the median of the same lengths in a map.
func TestHistogramMedian(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var h Histogram
	for i := range 300 {
		h.Reset()
		l := Lengths{}
		for range r.IntN(40) {
			q, n := Quantise(time.Duration(r.Int64N(int64(1+i)*int64(time.Hour)))), 1+r.Int64N(3)
			l.Add(q, n)
			h.Add(q, n)
		}
		if got, want := h.Median(), median(l); got != want {
			t.Fatalf("case %d: histogram %v, map %v", i, got, want)
		}
	}
}
