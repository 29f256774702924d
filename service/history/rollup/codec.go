package rollup

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report"
)

// errCorrupt is a blob that does not decode: the rollups are rebuilt.
var errCorrupt = errors.New("rollup: a stored blob does not decode")

// reader decodes the varints of a blob, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) text() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errCorrupt
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// The encodings of a set of IDs (its first byte).
const (
	setList   = 0 // count, then the sorted IDs as varint deltas
	setBitmap = 1 // 64-bit little-endian words, bit i of word w for ID 64w+i
)

// encodeSet writes ids (any order, no repeats) as a sorted list or as a
// bitmap, whichever is smaller: a busy hour's users are dense among the
// IDs, and a bitmap is ORed into a report's sets a word at a time.
func encodeSet(ids []int64) []byte {
	slices.Sort(ids)
	list := binary.AppendUvarint([]byte{setList}, uint64(len(ids)))
	prev := int64(0)
	for _, id := range ids {
		list = binary.AppendUvarint(list, uint64(id-prev))
		prev = id
	}
	if len(ids) == 0 || 1+8*(ids[len(ids)-1]/64+1) >= int64(len(list)) {
		return list
	}
	var bs bitset
	for _, id := range ids {
		bs.set(id)
	}
	out := make([]byte, 1, 1+8*len(bs))
	out[0] = setBitmap
	for _, w := range bs {
		out = binary.LittleEndian.AppendUint64(out, w)
	}
	return out
}

// maxID bounds the IDs a set may hold: a corrupt blob must not make a
// report allocate gigabytes.
const maxID = 1 << 30

// decodeSetInto adds a set's IDs to bs.
func decodeSetInto(b []byte, bs *bitset) error {
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case setBitmap:
		words := b[1:]
		if len(words)%8 != 0 || len(words)/8 > maxID/64 {
			return errCorrupt
		}
		for len(*bs) < len(words)/8 {
			*bs = append(*bs, 0)
		}
		for i := range len(words) / 8 {
			(*bs)[i] |= binary.LittleEndian.Uint64(words[8*i:])
		}
		return nil
	case setList:
		r := reader{b: b[1:]}
		n, id := r.uvarint(), int64(0)
		for range n {
			id += int64(r.uvarint())
			if r.err != nil || id < 0 || id > maxID {
				return errCorrupt
			}
			bs.set(id)
		}
		return r.err
	}
	return errCorrupt
}

// encodeLengths writes a length count as the lengths' cells
// (report.Cell: small, dense numbers), sorted, as deltas, each with its
// count.
func encodeLengths(l report.Lengths) []byte {
	cells := make([]int, 0, len(l))
	for q := range l {
		cells = append(cells, report.Cell(q))
	}
	slices.Sort(cells)
	out := binary.AppendUvarint(nil, uint64(len(cells)))
	prev := 0
	for _, c := range cells {
		out = binary.AppendUvarint(out, uint64(c-prev))
		out = binary.AppendUvarint(out, uint64(l[report.CellValue(c)]))
		prev = c
	}
	return out
}

// decodeLengths adds a blob's counts to l.
func decodeLengths(b []byte, l *report.Lengths) error {
	return eachLength(b, func(c int, n int64) bool {
		if c < 0 || c >= report.Cells {
			return false
		}
		l.Add(report.CellValue(c), n)
		return true
	})
}

// eachLength calls fn with each cell and count of a blob; fn's false (a
// cell that does not exist) makes it corrupt.
func eachLength(b []byte, fn func(cell int, n int64) bool) error {
	if len(b) == 0 {
		return nil
	}
	r := reader{b: b}
	n, c := r.uvarint(), uint64(0)
	for range n {
		c += r.uvarint()
		k := int64(r.uvarint())
		if r.err != nil || c >= report.Cells {
			return errCorrupt
		}
		if !fn(int(c), k) {
			return errCorrupt
		}
	}
	return r.err
}

// encodeOpen writes the sessions open at the watermark.
func encodeOpen(ss []history.Session) []byte {
	out := binary.AppendUvarint(nil, uint64(len(ss)))
	for _, s := range ss {
		for _, t := range []string{s.Device, s.Cluster, s.User} {
			out = binary.AppendUvarint(out, uint64(len(t)))
			out = append(out, t...)
		}
		out = binary.AppendVarint(out, s.Start.UnixMilli())
		out = binary.AppendVarint(out, msOrZero(s.Until))
	}
	return out
}

func decodeOpen(b []byte) ([]history.Session, error) {
	if len(b) == 0 {
		return nil, nil
	}
	r := reader{b: b}
	n := r.uvarint()
	if n > uint64(len(b)) {
		return nil, errCorrupt
	}
	out := make([]history.Session, 0, n)
	for range n {
		s := history.Session{Device: r.text(), Cluster: r.text(), User: r.text(), Open: true}
		s.Start = time.UnixMilli(r.varint()).UTC()
		if u := r.varint(); u != 0 {
			s.Until = time.UnixMilli(u).UTC()
		}
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, s)
	}
	return out, nil
}

func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func trailingZeros(w uint64) int { return bits.TrailingZeros64(w) }
