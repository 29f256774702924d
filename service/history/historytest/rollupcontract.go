package historytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// RollupContract runs the behaviour every history.RollupStore must have
// against the stores open makes (each must be one): the state's round
// trip, a batch applied whole, the refusals of a batch the rollups moved
// away from (ErrRollupMoved, nothing written), upserts, unique names, the
// stale mark of Insert, reset, purge, blobs kept byte for byte, the
// orders, a large batch and two batches racing.
func RollupContract(t *testing.T, open Factory) {
	tests := []struct {
		name string
		run  func(t *testing.T, s rollupStore)
	}{
		{"Empty", rollupEmpty},
		{"Apply", rollupApply},
		{"Chain", rollupChain},
		{"Refusals", rollupRefusals},
		{"RowAfterCount", rollupRowAfterCount},
		{"Upsert", rollupUpsert},
		{"NamesUnique", rollupNamesUnique},
		{"Stale", rollupStale},
		{"Reset", rollupReset},
		{"Purge", rollupPurge},
		{"Blobs", rollupBlobs},
		{"Order", rollupOrder},
		{"Large", rollupLarge},
		{"Unstorable", rollupUnstorable},
		{"RacingBatches", rollupRacingBatches},
		{"InsertRacesApply", rollupInsertRacesApply},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			rs, ok := s.(rollupStore)
			if !ok {
				t.Fatalf("%T is no history.RollupStore", s)
			}
			tc.run(t, rs)
		})
	}
}

// rollupStore is what the contract drives: the rows and the rollups.
type rollupStore interface {
	history.Store
	history.RollupStore
}

// hour0 is the first whole hour after base: the contract's rows fall in
// the hours from it.
var hour0 = base.Truncate(time.Hour).Add(time.Hour).UnixMilli()

const hourMS = int64(time.Hour / time.Millisecond)

// sessionRow is a login row at ms (unix ms) on device dev.
func sessionRow(ms int64, dev string) history.Record {
	r := Row(0)
	r.Time, r.Device, r.ID = time.UnixMilli(ms).UTC(), dev, fmt.Sprintf("req-%d-%s", ms, dev)
	return r
}

func state(t *testing.T, s rollupStore) history.RollupState {
	t.Helper()
	st, err := s.RollupState(context.Background())
	if err != nil {
		t.Fatalf("RollupState: %v", err)
	}
	return st
}

func apply(t *testing.T, s rollupStore, b history.RollupBatch) {
	t.Helper()
	if err := s.ApplyRollup(context.Background(), b); err != nil {
		t.Fatalf("ApplyRollup(From %d To %d Rows %d): %v", b.From, b.To, b.Rows, err)
	}
}

func hours(t *testing.T, s rollupStore, scope string, from, to int64) []history.RollupHour {
	t.Helper()
	hs, err := s.RollupHours(context.Background(), scope, from, to)
	if err != nil {
		t.Fatalf("RollupHours: %v", err)
	}
	return hs
}

func days(t *testing.T, s rollupStore, day int64) []history.RollupDay {
	t.Helper()
	ds, err := s.RollupDays(context.Background(), day)
	if err != nil {
		t.Fatalf("RollupDays: %v", err)
	}
	return ds
}

func names(t *testing.T, s rollupStore, kind string) map[string]int64 {
	t.Helper()
	ns, err := s.RollupNames(context.Background(), kind)
	if err != nil {
		t.Fatalf("RollupNames: %v", err)
	}
	return ns
}

func hour(scope string, h int64, n int64) history.RollupHour {
	return history.RollupHour{Scope: scope, Hour: h, Logins: n, Failures: n + 1, Peak: n + 2, LoggedMs: n * 1000,
		Users: []byte(fmt.Sprint("u", n)), Devices: []byte(fmt.Sprint("d", n)), Lengths: []byte(fmt.Sprint("l", n))}
}

func sameHours(a, b []history.RollupHour) bool {
	return slices.EqualFunc(a, b, func(x, y history.RollupHour) bool {
		return x.Scope == y.Scope && x.Hour == y.Hour && x.Logins == y.Logins && x.Failures == y.Failures &&
			x.Peak == y.Peak && x.LoggedMs == y.LoggedMs && bytes.Equal(x.Users, y.Users) &&
			bytes.Equal(x.Devices, y.Devices) && bytes.Equal(x.Lengths, y.Lengths)
	})
}

func sameDays(a, b []history.RollupDay) bool {
	return slices.EqualFunc(a, b, func(x, y history.RollupDay) bool {
		return x.Device == y.Device && x.Cluster == y.Cluster && x.Day == y.Day && bytes.Equal(x.Data, y.Data)
	})
}

// empty checks that nothing is stored and the state is zero.
func empty(t *testing.T, s rollupStore) {
	t.Helper()
	if st := state(t, s); st.Watermark != 0 || st.Stale || len(st.Open) != 0 {
		t.Errorf("state = %+v, want zero", st)
	}
	if hs := hours(t, s, "", 0, 1<<62); len(hs) != 0 {
		t.Errorf("hours = %+v, want none", hs)
	}
	if ns := names(t, s, history.NameUser); len(ns) != 0 {
		t.Errorf("names = %v, want none", ns)
	}
}

func rollupEmpty(t *testing.T, s rollupStore) {
	empty(t, s)
	if ds := days(t, s, hour0); len(ds) != 0 {
		t.Errorf("days = %+v, want none", ds)
	}
	ids, err := s.RollupNameIDs(context.Background(), history.NameDevice, []string{"SEPA"})
	if err != nil || len(ids) != 0 {
		t.Errorf("RollupNameIDs = %v, %v; want none", ids, err)
	}
}

// firstBatch writes three login rows and one failed one (a session row
// all the same) in the first two hours and the batch that rolls them up.
func firstBatch(t *testing.T, s rollupStore) history.RollupBatch {
	t.Helper()
	failed := sessionRow(hour0+hourMS+5, "SEPB")
	failed.Class = "cucm_error"
	other := sessionRow(hour0+7, "SEPA")
	other.Op = "deviceuserquery" // not a session row: not counted
	insert(t, s, sessionRow(hour0-1, "SEPA"), sessionRow(hour0+1, "SEPA"), sessionRow(hour0+hourMS-1, "SEPB"),
		failed, other, sessionRow(hour0+2*hourMS, "SEPC"))
	return history.RollupBatch{
		From: 0, To: hour0 + 2*hourMS, Rows: 4,
		Hours: []history.RollupHour{hour("", hour0, 1), hour("", hour0+hourMS, 2), hour("US", hour0, 3)},
		Days: []history.RollupDay{{Device: "SEPA", Cluster: "US", Day: hour0, Data: []byte("a")},
			{Device: "SEPB", Cluster: "US", Day: hour0, Data: []byte("b")}},
		Names: []history.RollupName{{Kind: history.NameUser, ID: 1, Name: "user0"},
			{Kind: history.NameDevice, ID: 1, Name: "SEPA"}, {Kind: history.NameDevice, ID: 2, Name: "SEPB"}},
		Open: []byte("open sessions"),
	}
}

func rollupApply(t *testing.T, s rollupStore) {
	b := firstBatch(t, s)
	apply(t, s, b)
	st := state(t, s)
	if st.Watermark != b.To || st.Stale || string(st.Open) != "open sessions" {
		t.Errorf("state = %+v, want watermark %d, open sessions", st, b.To)
	}
	if got := hours(t, s, "", hour0, b.To); !sameHours(got, b.Hours[:2]) {
		t.Errorf("hours \"\" = %+v, want %+v", got, b.Hours[:2])
	}
	if got := hours(t, s, "US", 0, 1<<62); !sameHours(got, b.Hours[2:]) {
		t.Errorf("hours US = %+v, want %+v", got, b.Hours[2:])
	}
	if got := hours(t, s, "", hour0+hourMS, hour0+hourMS); len(got) != 0 {
		t.Errorf("hours in an empty range = %+v", got)
	}
	if got := days(t, s, hour0); !sameDays(got, b.Days) {
		t.Errorf("days = %+v, want %+v", got, b.Days)
	}
	if got := names(t, s, history.NameDevice); fmt.Sprint(got) != "map[SEPA:1 SEPB:2]" {
		t.Errorf("device names = %v", got)
	}
	if got := names(t, s, history.NameUser); fmt.Sprint(got) != "map[user0:1]" {
		t.Errorf("user names = %v", got)
	}
	ids, err := s.RollupNameIDs(context.Background(), history.NameDevice, []string{"SEPB", "SEPZ", "user0"})
	if err != nil || fmt.Sprint(ids) != "map[SEPB:2]" {
		t.Errorf("RollupNameIDs = %v, %v; want map[SEPB:2]", ids, err)
	}
}

// rollupChain: the next batch starts at the watermark and counts only the
// rows of its own hours.
func rollupChain(t *testing.T, s rollupStore) {
	b := firstBatch(t, s)
	apply(t, s, b)
	next := history.RollupBatch{From: b.To, To: b.To + hourMS, Rows: 1, Hours: []history.RollupHour{hour("", b.To, 9)},
		Names: []history.RollupName{{Kind: history.NameDevice, ID: 3, Name: "SEPC"}}}
	apply(t, s, next)
	if st := state(t, s); st.Watermark != next.To || len(st.Open) != 0 {
		t.Errorf("state = %+v, want watermark %d and no open sessions", st, next.To)
	}
	if got := hours(t, s, "", 0, 1<<62); len(got) != 3 {
		t.Errorf("%d hours, want 3", len(got))
	}
}

// unchanged checks that a refused batch wrote nothing.
func unchanged(t *testing.T, s rollupStore, want history.RollupState, nhours int) {
	t.Helper()
	st := state(t, s)
	if st.Watermark != want.Watermark || st.Stale != want.Stale || !bytes.Equal(st.Open, want.Open) {
		t.Errorf("state = %+v after a refused batch, want %+v", st, want)
	}
	if got := hours(t, s, "", 0, 1<<62); len(got) != nhours {
		t.Errorf("%d hours after a refused batch, want %d", len(got), nhours)
	}
}

func rollupRefusals(t *testing.T, s rollupStore) {
	b := firstBatch(t, s)
	moved := func(name string, b history.RollupBatch) {
		t.Helper()
		if err := s.ApplyRollup(context.Background(), b); !errors.Is(err, history.ErrRollupMoved) {
			t.Errorf("%s: ApplyRollup = %v, want ErrRollupMoved", name, err)
		}
	}
	for _, tc := range []struct {
		name       string
		from, rows int64
	}{{"from ahead", hour0, 4}, {"rows fewer", 0, 3}, {"rows more", 0, 5}} {
		bad := b
		bad.From, bad.Rows = tc.from, tc.rows
		moved(tc.name, bad)
		unchanged(t, s, history.RollupState{}, 0)
	}
	apply(t, s, b)
	moved("from behind", b) // the same batch again: another replica's
	moved("from zero", history.RollupBatch{From: 0, To: b.To + hourMS, Rows: 5})
	want := state(t, s)
	insert(t, s, sessionRow(hour0, "SEPD")) // an old row: stale
	want.Stale = true
	moved("stale", history.RollupBatch{From: b.To, To: b.To + hourMS, Rows: 1})
	unchanged(t, s, want, 2)
}

// rollupRowAfterCount: a row written into the batch's hours after the job
// counted them refuses the batch.
func rollupRowAfterCount(t *testing.T, s rollupStore) {
	b := firstBatch(t, s)
	insert(t, s, sessionRow(hour0+hourMS+10, "SEPE")) // the job had read 4
	if err := s.ApplyRollup(context.Background(), b); !errors.Is(err, history.ErrRollupMoved) {
		t.Fatalf("ApplyRollup = %v, want ErrRollupMoved", err)
	}
	unchanged(t, s, history.RollupState{}, 0)
	if ns := names(t, s, history.NameDevice); len(ns) != 0 {
		t.Errorf("names %v written by a refused batch", ns)
	}
	if ds := days(t, s, hour0); len(ds) != 0 {
		t.Errorf("days %+v written by a refused batch", ds)
	}
	b.Rows = 5
	apply(t, s, b)
}

// rollupUpsert: hours and days of a key already stored are replaced, and
// of a key twice in a batch the last is kept.
func rollupUpsert(t *testing.T, s rollupStore) {
	b := firstBatch(t, s)
	apply(t, s, b)
	h := hour("", hour0+hourMS, 42)
	h.Users = nil
	d := history.RollupDay{Device: "SEPB", Cluster: "US", Day: hour0, Data: []byte("b2")}
	// a key twice in one batch: the last one is kept
	apply(t, s, history.RollupBatch{From: b.To, To: b.To + hourMS, Rows: 1,
		Hours: []history.RollupHour{hour("", hour0+hourMS, 41), h},
		Days:  []history.RollupDay{{Device: "SEPB", Cluster: "US", Day: hour0}, d}})
	if got := hours(t, s, "", hour0+hourMS, hour0+2*hourMS); !sameHours(got, []history.RollupHour{h}) {
		t.Errorf("hours = %+v, want the replaced %+v", got, h)
	}
	if got := days(t, s, hour0); !sameDays(got, []history.RollupDay{b.Days[0], d}) {
		t.Errorf("days = %+v, want SEPB's replaced", got)
	}
}

// rollupNamesUnique: a name or ID interned already fails the batch, which
// writes nothing.
func rollupNamesUnique(t *testing.T, s rollupStore) {
	b := firstBatch(t, s)
	apply(t, s, b)
	for _, n := range []history.RollupName{
		{Kind: history.NameDevice, ID: 7, Name: "SEPA"}, // name taken
		{Kind: history.NameDevice, ID: 2, Name: "SEPX"}, // ID taken
	} {
		err := s.ApplyRollup(context.Background(), history.RollupBatch{From: b.To, To: b.To + hourMS, Rows: 1,
			Hours: []history.RollupHour{hour("", b.To, 1)}, Names: []history.RollupName{n}})
		if err == nil {
			t.Errorf("name %+v interned twice", n)
		}
		unchanged(t, s, history.RollupState{Watermark: b.To, Open: b.Open}, 2)
	}
	// the same name and ID in the other kind is another name
	apply(t, s, history.RollupBatch{From: b.To, To: b.To + hourMS, Rows: 1,
		Names: []history.RollupName{{Kind: history.NameUser, ID: 2, Name: "SEPB"}}})
	if got := names(t, s, history.NameUser); fmt.Sprint(got) != "map[SEPB:2 user0:1]" {
		t.Errorf("user names = %v", got)
	}
}

// rollupStale: Insert marks the rollups stale when a row is older than
// the watermark, not for a newer row nor before any batch.
func rollupStale(t *testing.T, s rollupStore) {
	insert(t, s, sessionRow(hour0-hourMS, "SEPA")) // no watermark yet
	if state(t, s).Stale {
		t.Fatal("stale before any batch")
	}
	apply(t, s, history.RollupBatch{From: 0, To: hour0, Rows: 1})
	insert(t, s, sessionRow(hour0, "SEPA"), sessionRow(hour0+5*hourMS, "SEPB")) // at or after the watermark
	if state(t, s).Stale {
		t.Fatal("stale after rows at and after the watermark")
	}
	insert(t, s, sessionRow(hour0+hourMS, "SEPB"), sessionRow(hour0-1, "SEPC")) // one of them old
	if !state(t, s).Stale {
		t.Fatal("not stale after a row older than the watermark")
	}
}

func rollupReset(t *testing.T, s rollupStore) {
	b := firstBatch(t, s)
	apply(t, s, b)
	insert(t, s, sessionRow(hour0, "SEPD")) // stale
	if err := s.ResetRollups(context.Background()); err != nil {
		t.Fatalf("ResetRollups: %v", err)
	}
	empty(t, s)
	if ds := days(t, s, hour0); len(ds) != 0 {
		t.Errorf("days = %+v after a reset", ds)
	}
	b.Rows = 5 // the rebuild starts again from the beginning
	apply(t, s, b)
}

func rollupPurge(t *testing.T, s rollupStore) {
	day := int64(24 * hourMS)
	d0 := hour0 - hour0%day
	var b history.RollupBatch
	for i := range int64(3) {
		b.Hours = append(b.Hours, hour("", d0+i*hourMS, i), hour("EU", d0+i*hourMS, i))
		b.Days = append(b.Days, history.RollupDay{Device: "SEPA", Cluster: "EU", Day: d0 + i*day, Data: []byte{byte(i)}})
	}
	b.To = d0 + 3*day
	apply(t, s, b)
	ctx := context.Background()
	if err := s.PurgeRollups(ctx, d0+hourMS+1); err != nil { // the first two hours, no whole day
		t.Fatalf("PurgeRollups: %v", err)
	}
	if got := hours(t, s, "EU", 0, 1<<62); len(got) != 1 || got[0].Hour != d0+2*hourMS {
		t.Errorf("EU hours left %+v, want the third", got)
	}
	if got := hours(t, s, "", 0, 1<<62); len(got) != 1 {
		t.Errorf("%d hours left, want 1", len(got))
	}
	if got := days(t, s, d0); len(got) != 1 {
		t.Errorf("day 0 purged before its end")
	}
	if err := s.PurgeRollups(ctx, d0+2*day); err != nil { // days 0 and 1 are whole before it
		t.Fatalf("PurgeRollups: %v", err)
	}
	for i, want := range []int{0, 0, 1} {
		if got := days(t, s, d0+int64(i)*day); len(got) != want {
			t.Errorf("day %d: %d rows left, want %d", i, len(got), want)
		}
	}
	if st := state(t, s); st.Watermark != b.To {
		t.Errorf("purge moved the watermark: %+v", st)
	}
}

// every holds each byte value once, in both orders around NUL.
func every() []byte {
	b := make([]byte, 0, 512)
	for i := range 256 {
		b = append(b, byte(i))
	}
	for i := range 256 {
		b = append(b, byte(255-i))
	}
	return b
}

func rollupBlobs(t *testing.T, s rollupStore) {
	e := every()
	h := history.RollupHour{Scope: "US", Hour: hour0, Users: e, Devices: e[1:], Lengths: []byte{0}}
	d := history.RollupDay{Device: "SEPA", Cluster: "US", Day: hour0, Data: e}
	empties := history.RollupHour{Scope: "US", Hour: hour0 + hourMS, Users: []byte{}}
	huge := history.RollupHour{Scope: "US", Hour: hour0 + 2*hourMS, Lengths: bytes.Repeat(e, 2048)} // 1 MiB
	apply(t, s, history.RollupBatch{From: 0, To: hour0 + 3*hourMS, Hours: []history.RollupHour{h, empties, huge},
		Days: []history.RollupDay{d}, Open: e})
	if st := state(t, s); !bytes.Equal(st.Open, e) {
		t.Errorf("open = %x, want every byte", st.Open)
	}
	if got := hours(t, s, "US", 0, 1<<62); !sameHours(got, []history.RollupHour{h, empties, huge}) {
		t.Errorf("hours = %+v, want the blobs byte for byte", got)
	}
	if got := days(t, s, hour0); !sameDays(got, []history.RollupDay{d}) {
		t.Errorf("days = %+v, want the blob byte for byte", got)
	}
}

// rollupOrder: hours come by hour, days by device then cluster, whatever
// order the batch held them in.
func rollupOrder(t *testing.T, s rollupStore) {
	var b history.RollupBatch
	for _, i := range []int64{5, 1, 4, 0, 3, 2} {
		b.Hours = append(b.Hours, hour("", hour0+i*hourMS, i))
	}
	for _, k := range [][2]string{{"SEPB", "US"}, {"SEPA", "US"}, {"SEPB", "EU"}, {"SEPA", "EU"}} {
		b.Days = append(b.Days, history.RollupDay{Device: k[0], Cluster: k[1], Day: hour0})
	}
	b.To = hour0 + 6*hourMS
	apply(t, s, b)
	var got []int64
	for _, h := range hours(t, s, "", hour0+hourMS, hour0+5*hourMS) {
		got = append(got, (h.Hour-hour0)/hourMS)
	}
	if fmt.Sprint(got) != "[1 2 3 4]" {
		t.Errorf("hours = %v, want [1 2 3 4]", got)
	}
	var keys []string
	for _, d := range days(t, s, hour0) {
		keys = append(keys, d.Device+"/"+d.Cluster)
	}
	if fmt.Sprint(keys) != "[SEPA/EU SEPA/US SEPB/EU SEPB/US]" {
		t.Errorf("days = %v, want by device then cluster", keys)
	}
}
