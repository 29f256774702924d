package rollup

import (
	"encoding/binary"
	"errors"
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

// encodeSet writes ids (any order, no repeats) sorted, as deltas.
func encodeSet(ids []int64) []byte {
	slices.Sort(ids)
	out := binary.AppendUvarint(nil, uint64(len(ids)))
	prev := int64(0)
	for _, id := range ids {
		out = binary.AppendUvarint(out, uint64(id-prev))
		prev = id
	}
	return out
}

// decodeSet calls fn with each id of a set.
func decodeSet(b []byte, fn func(int64)) error {
	if len(b) == 0 {
		return nil
	}
	r := reader{b: b}
	n, id := r.uvarint(), int64(0)
	for range n {
		id += int64(r.uvarint())
		if r.err != nil {
			return r.err
		}
		fn(id)
	}
	return r.err
}

// encodeLengths writes a length count sorted by length, as deltas.
func encodeLengths(l report.Lengths) []byte {
	keys := make([]int64, 0, len(l))
	for q := range l {
		keys = append(keys, q)
	}
	slices.Sort(keys)
	out := binary.AppendUvarint(nil, uint64(len(keys)))
	prev := int64(0)
	for _, q := range keys {
		out = binary.AppendUvarint(out, uint64(q-prev))
		out = binary.AppendUvarint(out, uint64(l[q]))
		prev = q
	}
	return out
}

// decodeLengths adds a blob's counts to l.
func decodeLengths(b []byte, l *report.Lengths) error {
	if len(b) == 0 {
		return nil
	}
	r := reader{b: b}
	n, q := r.uvarint(), int64(0)
	for range n {
		q += int64(r.uvarint())
		c := int64(r.uvarint())
		if r.err != nil {
			return r.err
		}
		l.Add(q, c)
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
