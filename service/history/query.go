package history

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service"
)

// Page size bounds: a Query's Limit is clamped to MinLimit..MaxLimit, and
// 0 means DefaultLimit.
const (
	MinLimit     = 1
	MaxLimit     = 1000
	DefaultLimit = 100
)

// Query selects rows; empty fields do not filter. Rows come newest first
// (Time, then Seq, descending).
type Query struct {
	Device, User, Cluster, Op string
	// Code filters when HasCode (0 is a code).
	Code    int
	HasCode bool
	Class   string
	// From (inclusive) and To (exclusive) bound Time; zero means unbounded.
	From, To time.Time
	// Limit is the page size, clamped (ClampLimit).
	Limit int
	// Cursor is Page.Next of the previous page; "" starts at the newest.
	Cursor string
}

// Page is one page of rows; Next is the cursor of the following page, ""
// when this is the last.
type Page struct {
	Rows []Record
	Next string
}

// ClampLimit returns n within MinLimit..MaxLimit, DefaultLimit for 0.
func ClampLimit(n int) int {
	switch {
	case n == 0:
		return DefaultLimit
	case n < MinLimit:
		return MinLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// ErrBadQuery is wrapped by the error of a Query whose values no row can
// hold (Validate): the caller's mistake, to be answered 400.
var ErrBadQuery = errors.New("history: invalid query")

// BadQueryError names the filter of a Query that no row can match, and
// why, in words fit for the user.
type BadQueryError struct {
	Field, Problem string
}

func (e *BadQueryError) Error() string { return e.Field + ": " + e.Problem }

// Is makes errors.Is(err, ErrBadQuery) hold.
func (e *BadQueryError) Is(target error) bool { return target == ErrBadQuery }

// Validate checks that every text filter could match a stored value: rows
// hold service.Storable values (valid UTF-8, no control character, at most
// service.MaxNameBytes), and PostgreSQL refuses a query with an invalid
// byte or a NUL (it would answer an error, not an empty page).
func (q Query) Validate() error {
	for _, f := range []struct{ name, value string }{{"device", q.Device}, {"user", q.User},
		{"cluster", q.Cluster}, {"op", q.Op}, {"outcome", q.Class}, {"cursor", q.Cursor}} {
		switch {
		case len(f.value) > service.MaxNameBytes:
			return &BadQueryError{f.name, fmt.Sprintf("longer than %d bytes", service.MaxNameBytes)}
		case service.Storable(f.value, service.MaxNameBytes) != f.value:
			return &BadQueryError{f.name, "not valid UTF-8, or holds a control character"}
		}
	}
	return nil
}

// ErrBadCursor is returned for a cursor no Page produced.
var ErrBadCursor = errors.New("history: invalid cursor")

// Position is a place in the newest-first order: the next page holds the
// rows strictly after it (older time, or same time and lower Seq).
type Position struct {
	TimeMS int64
	Seq    int64
}

// EncodeCursor makes the opaque cursor of p.
func EncodeCursor(p Position) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%d", p.TimeMS, p.Seq))
}

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(s string) (Position, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Position{}, ErrBadCursor
	}
	t, q, ok := strings.Cut(string(raw), ".")
	if !ok {
		return Position{}, ErrBadCursor
	}
	ms, err1 := strconv.ParseInt(t, 10, 64)
	seq, err2 := strconv.ParseInt(q, 10, 64)
	if err1 != nil || err2 != nil {
		return Position{}, ErrBadCursor
	}
	return Position{TimeMS: ms, Seq: seq}, nil
}
