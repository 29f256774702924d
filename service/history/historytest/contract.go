package historytest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// Factory returns a new, empty Store for one test; the test closes it.
type Factory func(t *testing.T) history.Store

// base is the time of the contract's rows: odd milliseconds, so a store
// that loses precision shows it.
var base = time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

// StoreContract runs the behaviour every history.Store must have against
// the stores open makes: what a row keeps, the newest-first order, keyset
// pagination without gaps or repeats, each filter, the limit's clamp, the
// cursor check, parameterised values and the batched purge.
func StoreContract(t *testing.T, open Factory) {
	tests := []struct {
		name string
		run  func(t *testing.T, s history.Store)
	}{
		{"RoundTrip", roundTrip},
		{"NewestFirst", newestFirst},
		{"Pages", pages},
		{"Filters", filters},
		{"LimitClamp", limitClamp},
		{"BadCursor", badCursor},
		{"ValuesAreParameters", valuesAreParameters},
		{"Purge", purge},
		{"EmptyInsert", emptyInsert},
		{"BadQuery", badQuery},
		{"UnstorableRow", unstorableRow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.run(t, s)
		})
	}
}

// Row returns a typical row at base+i seconds.
func Row(i int) history.Record {
	return history.Record{
		Time: base.Add(time.Duration(i) * time.Second), ID: fmt.Sprintf("req-%d", i), Op: "login",
		Device: fmt.Sprintf("SEP%012d", i%3), User: fmt.Sprintf("user%d", i%4), Cluster: "US",
		Code: 0, Class: "success", Text: "Login successful", Duration: 1234 * time.Millisecond,
		Client: "10.0.0.1", AppID: "bcapp", Node: "US/cucm1:8443",
	}
}

func insert(t *testing.T, s history.Store, rows ...history.Record) {
	t.Helper()
	if err := s.Insert(context.Background(), rows); err != nil {
		t.Fatalf("Insert: %v", err)
	}
}

func query(t *testing.T, s history.Store, q history.Query) history.Page {
	t.Helper()
	p, err := s.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("Query(%+v): %v", q, err)
	}
	return p
}

func ids(rows []history.Record) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func roundTrip(t *testing.T, s history.Store) {
	in := history.Record{
		Time: base.Add(123 * time.Microsecond).In(time.FixedZone("X", 3600)), ID: "abc-1", Op: "login",
		Device: "SEP001122334455", User: "jdoe@example.com", Cluster: "EU", Code: 1013,
		Class: "rejected", Text: "PIN required for roaming user", Duration: 1500*time.Millisecond + 700*time.Microsecond,
		Client: "2001:db8::1", AppID: "app", Node: "EU/cucm2:8443", Roaming: true, Actor: "admin@dash",
		Until: base.Add(time.Hour),
	}
	insert(t, s, in)
	p := query(t, s, history.Query{})
	if len(p.Rows) != 1 {
		t.Fatalf("rows = %d, want 1", len(p.Rows))
	}
	got := p.Rows[0]
	if got.Seq == 0 {
		t.Errorf("Seq not set")
	}
	want := in
	want.Seq = got.Seq
	want.Time = base // UTC, milliseconds
	want.Duration = 1500 * time.Millisecond
	if got != want || got.Time.Location() != time.UTC {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if p.Next != "" {
		t.Errorf("Next = %q on the only page", p.Next)
	}
}

func newestFirst(t *testing.T, s history.Store) {
	a, b, c := Row(1), Row(2), Row(2) // b and c share a millisecond: insertion order decides
	b.ID, c.ID = "b", "c"
	insert(t, s, a, b)
	insert(t, s, c)
	got := ids(query(t, s, history.Query{}).Rows)
	if fmt.Sprint(got) != fmt.Sprint([]string{"c", "b", a.ID}) {
		t.Errorf("order = %v, want [c b %s]", got, a.ID)
	}
}

func pages(t *testing.T, s history.Store) {
	var rows []history.Record
	for i := range 250 {
		r := Row(i / 2) // pairs share a millisecond, so the cursor must use seq
		r.ID = fmt.Sprint(i)
		rows = append(rows, r)
	}
	insert(t, s, rows...)
	var got []string
	q := history.Query{Limit: 100}
	for n := 0; ; n++ {
		p := query(t, s, q)
		got = append(got, ids(p.Rows)...)
		if p.Next == "" {
			break
		}
		if n > 3 {
			t.Fatal("more pages than rows")
		}
		q.Cursor = p.Next
	}
	if len(got) != 250 {
		t.Fatalf("%d rows over the pages, want 250", len(got))
	}
	for i, id := range got {
		if id != fmt.Sprint(249-i) {
			t.Fatalf("row %d is %s, want %d (gap or repeat)", i, id, 249-i)
		}
	}
}

func filters(t *testing.T, s history.Store) {
	var rows []history.Record
	for i := range 24 {
		r := Row(i)
		if i%2 == 1 {
			r.Op, r.Code, r.Class, r.Cluster = "logout", 19, "cucm_error", "EU"
		}
		rows = append(rows, r)
	}
	insert(t, s, rows...)
	count := func(q history.Query) int { return len(query(t, s, q).Rows) }
	tests := []struct {
		name string
		q    history.Query
		want int
	}{
		{"device", history.Query{Device: "SEP000000000001"}, 8},
		{"user", history.Query{User: "user3"}, 6},
		{"cluster", history.Query{Cluster: "EU"}, 12},
		{"op", history.Query{Op: "login"}, 12},
		{"code 0", history.Query{Code: 0, HasCode: true}, 12},
		{"code 19", history.Query{Code: 19, HasCode: true}, 12},
		{"no code filter", history.Query{Code: 19}, 24},
		{"class", history.Query{Class: "cucm_error"}, 12},
		{"from", history.Query{From: base.Add(20 * time.Second)}, 4},
		{"to", history.Query{To: base.Add(2 * time.Second)}, 2},
		{"range", history.Query{From: base.Add(5 * time.Second), To: base.Add(15 * time.Second)}, 10},
		{"combined", history.Query{User: "user1", Op: "logout", Cluster: "EU"}, 6},
		{"nothing", history.Query{Device: "SEPFFFFFFFFFFFF"}, 0},
	}
	for _, tc := range tests {
		if got := count(tc.q); got != tc.want {
			t.Errorf("%s: %d rows, want %d", tc.name, got, tc.want)
		}
	}
	p := query(t, s, history.Query{Device: "SEP000000000001", Limit: 3})
	p = query(t, s, history.Query{Device: "SEP000000000001", Limit: 3, Cursor: p.Next})
	for _, r := range p.Rows {
		if r.Device != "SEP000000000001" {
			t.Errorf("second filtered page holds device %s", r.Device)
		}
	}
}

func limitClamp(t *testing.T, s history.Store) {
	rows := make([]history.Record, history.MaxLimit+1)
	for i := range rows {
		rows[i] = Row(i)
	}
	insert(t, s, rows...)
	tests := []struct{ limit, want int }{
		{0, history.DefaultLimit}, {-5, history.MinLimit}, {1, 1}, {7, 7}, {5000, history.MaxLimit},
	}
	for _, tc := range tests {
		p := query(t, s, history.Query{Limit: tc.limit})
		if len(p.Rows) != tc.want || p.Next == "" {
			t.Errorf("limit %d: %d rows (next %q), want %d and a next page", tc.limit, len(p.Rows), p.Next, tc.want)
		}
	}
}

func badCursor(t *testing.T, s history.Store) {
	insert(t, s, Row(1))
	for _, c := range []string{"!!", "bm9kb3Q", history.EncodeCursor(history.Position{})[:2] + "@"} {
		if _, err := s.Query(context.Background(), history.Query{Cursor: c}); !errors.Is(err, history.ErrBadCursor) {
			t.Errorf("cursor %q: err = %v, want ErrBadCursor", c, err)
		}
	}
}

func valuesAreParameters(t *testing.T, s history.Store) {
	r := Row(1)
	r.Device, r.Text = "x' OR '1'='1", `'); DROP TABLE request_history; --`
	insert(t, s, r, Row(2))
	if n := len(query(t, s, history.Query{Device: "y' OR '1'='1"}).Rows); n != 0 {
		t.Errorf("a quoted filter matched %d rows", n)
	}
	p := query(t, s, history.Query{Device: r.Device})
	if len(p.Rows) != 1 || p.Rows[0].Text != r.Text {
		t.Errorf("rows = %+v, want the row with quotes kept", p.Rows)
	}
}

func purge(t *testing.T, s history.Store) {
	rows := make([]history.Record, 25)
	for i := range rows {
		rows[i] = Row(i)
	}
	insert(t, s, rows...)
	ctx := context.Background()
	before := base.Add(20 * time.Second) // rows 0..19 are older
	n, err := s.Purge(ctx, before, 15)
	if err != nil || n != 15 {
		t.Fatalf("Purge = %d, %v; want 15 (the limit)", n, err)
	}
	n, err = s.Purge(ctx, before, 15)
	if err != nil || n != 5 {
		t.Fatalf("second Purge = %d, %v; want the 5 left", n, err)
	}
	got := ids(query(t, s, history.Query{}).Rows)
	if fmt.Sprint(got) != "[req-24 req-23 req-22 req-21 req-20]" {
		t.Errorf("left %v, want rows 20..24", got)
	}
	if _, err := s.Purge(ctx, before, 0); err == nil {
		t.Errorf("Purge with limit 0 succeeded")
	}
}

func emptyInsert(t *testing.T, s history.Store) {
	if err := s.Insert(context.Background(), nil); err != nil {
		t.Fatalf("Insert(nil): %v", err)
	}
	if n := len(query(t, s, history.Query{}).Rows); n != 0 {
		t.Errorf("%d rows after an empty insert", n)
	}
}

// badQuery: a filter no stored row can hold is the caller's mistake
// (ErrBadQuery), never a database error (PostgreSQL refuses the bytes).
func badQuery(t *testing.T, s history.Store) {
	insert(t, s, Row(1))
	for _, q := range []history.Query{{Device: "SEP\xff"}, {User: "a\x00b"}, {Cluster: "E\x1bU"},
		{Device: strings.Repeat("D", 300)}, {Op: "\xc3("}} {
		if _, err := s.Query(context.Background(), q); !errors.Is(err, history.ErrBadQuery) {
			t.Errorf("query %+v: err = %v, want ErrBadQuery", q, err)
		}
	}
}

// unstorableRow: a row with bytes a database may refuse (the Writer makes
// rows storable first; a store must still say so rather than fail like an
// outage) is either kept or refused with ErrRefused, and the store goes on.
func unstorableRow(t *testing.T, s history.Store) {
	bad := Row(1)
	bad.Device, bad.Text = "SEP\xff\x00", "a\x00b"
	if err := s.Insert(context.Background(), []history.Record{bad}); err != nil && !errors.Is(err, history.ErrRefused) {
		t.Fatalf("Insert of an unstorable row: %v, want nil or ErrRefused", err)
	}
	insert(t, s, Row(2))
	if got := query(t, s, history.Query{User: Row(2).User}).Rows; len(got) == 0 || got[0].ID != "req-2" {
		t.Errorf("after the unstorable row: %v, want req-2 stored", ids(got))
	}
}
