package report

// Histogram counts quantised lengths (Quantise) in a dense array, one
// cell per value Quantise can give: a gatherer that merges thousands of
// hours' counts (the rollups) adds to it an array cell at a time rather
// than a map entry, and walks it once for the median. The zero value is
// ready; Reset empties it for the next group.
type Histogram struct {
	cells   []int64
	touched []int
	n       int64
}

// Cells: lengths below 1,000 ms are exact (one cell each); above, each
// power of ten has 900 cells (three significant digits), up to 10^13 ms
// (the longest time.Duration is 9.2 × 10^12 ms).
const (
	exactCells = 1000
	decadeSize = 900
	// Cells is the number of cells.
	Cells = exactCells + 10*decadeSize
)

// Cell is the index of quantised length q among every value Quantise
// gives, in order (0 to Cells−1), or -1 if Quantise gives no q: the
// rollups store cells, which are small and dense.
func Cell(q int64) int {
	if q < 0 {
		return -1
	}
	if q < exactCells {
		return int(q)
	}
	e := 0
	for q%10 == 0 && q >= exactCells {
		q /= 10
		e++
	}
	i := exactCells + (e-1)*decadeSize + int(q-100)
	if q < 100 || q >= exactCells || e < 1 || i >= Cells {
		return -1
	}
	return i
}

// CellValue is the quantised length of cell i (0 <= i < Cells).
func CellValue(i int) int64 {
	if i < exactCells {
		return int64(i)
	}
	i -= exactCells
	v := int64(100 + i%decadeSize)
	for range i/decadeSize + 1 {
		v *= 10
	}
	return v
}

// Add counts n sessions of quantised length q; false if q is not a
// quantised length.
func (h *Histogram) Add(q, n int64) bool { return h.AddCell(Cell(q), n) }

// AddCell counts n sessions of the length of cell i; false if there is no
// such cell.
func (h *Histogram) AddCell(i int, n int64) bool {
	if i < 0 || i >= Cells {
		return false
	}
	if h.cells == nil {
		h.cells = make([]int64, Cells)
	}
	if h.cells[i] == 0 {
		h.touched = append(h.touched, i)
	}
	h.cells[i] += n
	h.n += n
	return true
}

// AddLengths counts l.
func (h *Histogram) AddLengths(l Lengths) {
	for q, n := range l {
		h.Add(q, n)
	}
}

// Median is the median in seconds, as the report gives it (median).
func (h *Histogram) Median() float64 {
	if h.n == 0 {
		return 0
	}
	return medianOf(h.n, func(rank int64) int64 {
		for i, c := range h.cells {
			if rank < c {
				return CellValue(i)
			}
			rank -= c
		}
		return 0
	})
}

// Reset empties h, keeping its array.
func (h *Histogram) Reset() {
	for _, i := range h.touched {
		h.cells[i] = 0
	}
	h.touched, h.n = h.touched[:0], 0
}
