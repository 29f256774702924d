package historytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// rollupLarge: a batch the size of a busy day's (thousands of devices,
// hundreds of hours with blobs of some KB) goes through.
func rollupLarge(t *testing.T, s rollupStore) {
	var b history.RollupBatch
	blob := bytes.Repeat([]byte{0, 1, 0xfe, 0xff}, 1024)
	for i := range int64(300) {
		h := hour(fmt.Sprint("C", i%3), hour0+(i/3)*hourMS, i)
		h.Users, h.Devices, h.Lengths = blob, blob, blob
		b.Hours = append(b.Hours, h)
	}
	for i := range 5000 {
		dev := fmt.Sprintf("SEP%012d", i)
		b.Days = append(b.Days, history.RollupDay{Device: dev, Cluster: "US", Day: hour0, Data: blob[:64]})
		b.Names = append(b.Names, history.RollupName{Kind: history.NameDevice, ID: int64(i + 1), Name: dev})
	}
	b.To = hour0 + 100*hourMS
	start := time.Now()
	apply(t, s, b)
	t.Logf("a batch of %d hours, %d days, %d names in %v", len(b.Hours), len(b.Days), len(b.Names), time.Since(start))
	if got := hours(t, s, "C1", 0, 1<<62); len(got) != 100 || !bytes.Equal(got[99].Lengths, blob) {
		t.Errorf("%d C1 hours, want 100 with their blobs", len(got))
	}
	if got := days(t, s, hour0); len(got) != 5000 {
		t.Errorf("%d days, want 5000", len(got))
	}
	if got := names(t, s, history.NameDevice); len(got) != 5000 || got["SEP000000004999"] != 5000 {
		t.Errorf("%d names, want 5000", len(got))
	}
	ask := []string{"SEP000000000000", "SEP000000002500", "nobody"}
	for i := range 3000 { // more names than one statement's parameters
		ask = append(ask, fmt.Sprintf("SEP%012d", i*7%5000)) // distinct: 7 and 5000 are coprime
	}
	ids, err := s.RollupNameIDs(context.Background(), history.NameDevice, ask)
	if err != nil || len(ids) != 3000 || ids["SEP000000002500"] != 2501 {
		t.Errorf("RollupNameIDs: %d names, %v; want 3000", len(ids), err)
	}
}

// rollupUnstorable: names and scopes a database may refuse (a NUL,
// invalid UTF-8) are either kept as given or refused with an error, the
// batch then writing nothing; a cancelled batch writes nothing either.
func rollupUnstorable(t *testing.T, s rollupStore) {
	ctx := context.Background()
	bad := history.RollupBatch{To: hour0, Hours: []history.RollupHour{hour("E\x00U", hour0-hourMS, 1)},
		Days:  []history.RollupDay{{Device: "SEP\xff", Cluster: "US", Day: hour0}},
		Names: []history.RollupName{{Kind: history.NameDevice, ID: 1, Name: "a\x00b\xc3("}}}
	if err := s.ApplyRollup(ctx, bad); err != nil {
		unchanged(t, s, history.RollupState{}, 0)
		if ns := names(t, s, history.NameDevice); len(ns) != 0 {
			t.Errorf("names %v left by a refused batch", ns)
		}
	} else if got := hours(t, s, "E\x00U", 0, 1<<62); len(got) != 1 {
		t.Errorf("the batch was applied but its hour is %+v", got)
	} else if ns := names(t, s, history.NameDevice); ns["a\x00b\xc3("] != 1 {
		t.Errorf("the batch was applied but its names are %v", ns)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.ResetRollups(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyRollup(cancelled, firstBatch(t, s)); err == nil {
		t.Error("a cancelled batch was applied")
	}
	unchanged(t, s, history.RollupState{}, 0)
}

// rollupRacingBatches: of two replicas applying the same batch at once,
// exactly one succeeds; the other learns that the rollups moved.
func rollupRacingBatches(t *testing.T, s rollupStore) {
	b := firstBatch(t, s)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.ApplyRollup(context.Background(), b)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, history.ErrRollupMoved):
			t.Errorf("the losing ApplyRollup: %v, want ErrRollupMoved", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d batches applied, want exactly 1 (%v)", ok, errs)
	}
}

// rollupInsertRacesApply: a row written into a batch's hours while the
// batch is applied either refuses the batch or marks the rollups stale;
// never is it silently missing from them.
func rollupInsertRacesApply(t *testing.T, s rollupStore) {
	ctx := context.Background()
	from := int64(0)
	for i := range int64(10) {
		to := hour0 + (i+1)*hourMS
		page, err := s.Query(ctx, history.Query{From: time.UnixMilli(from), To: time.UnixMilli(to), Limit: history.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		rows := int64(len(page.Rows)) // every row is a login
		var wg sync.WaitGroup
		var applyErr, insertErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			applyErr = s.ApplyRollup(ctx, history.RollupBatch{From: from, To: to, Rows: rows})
		}()
		go func() {
			defer wg.Done()
			insertErr = s.Insert(ctx, []history.Record{sessionRow(to-1, "SEPR")})
		}()
		wg.Wait()
		if insertErr != nil {
			t.Fatalf("Insert: %v", insertErr)
		}
		st := state(t, s)
		switch {
		case applyErr == nil && !st.Stale:
			t.Fatalf("round %d: the batch applied without the racing row and the rollups are not stale", i)
		case applyErr != nil && !errors.Is(applyErr, history.ErrRollupMoved):
			t.Fatalf("round %d: ApplyRollup: %v", i, applyErr)
		case st.Stale:
			return // the rest would be refused: stale is for good
		}
		from = st.Watermark
	}
}
