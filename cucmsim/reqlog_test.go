package cucmsim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// seqs lists the sequence numbers of entries, in order.
func seqs(entries []RequestEntry) []int64 {
	out := make([]int64, len(entries))
	for i, e := range entries {
		out[i] = e.Seq
	}
	return out
}

// span returns from, from+1, …, to.
func span(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func TestRequestLogRing(t *testing.T) {
	tests := []struct {
		name string
		size int
		// ops: a number n adds n entries; "clear" clears the log.
		ops  []any
		want []int64
	}{
		{"empty", 3, nil, []int64{}},
		{"below size", 3, []any{2}, span(1, 2)},
		{"exactly full", 3, []any{3}, span(1, 3)},
		{"one past full", 3, []any{4}, span(2, 4)},
		{"wraps many times", 3, []any{3*5 + 2}, span(15, 17)},
		{"wraps to head zero", 4, []any{8}, span(5, 8)},
		{"size one", 1, []any{5}, []int64{5}},
		{"clear keeps counting", 3, []any{5, "clear"}, []int64{}},
		{"refill after clear", 3, []any{5, "clear", 2}, span(6, 7)},
		{"wrap after clear", 3, []any{5, "clear", 4}, span(7, 9)},
		{"clear when empty", 2, []any{"clear", 1}, []int64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := requestLog{size: tt.size}
			for _, op := range tt.ops {
				switch op := op.(type) {
				case int:
					for range op {
						// The entry's own fields must survive: seq is set by add, the rest kept.
						l.add(RequestEntry{Node: "n", Device: "D" + strconv.FormatInt(l.seq+1, 10)})
					}
				case string:
					l.clear()
				}
			}
			got := l.list()
			if got == nil {
				t.Fatalf("list() = nil, want a non-nil slice (GET /requests answers [] not null)")
			}
			if !slices.Equal(seqs(got), tt.want) {
				t.Errorf("seqs = %v, want %v", seqs(got), tt.want)
			}
			for _, e := range got {
				if want := "D" + strconv.FormatInt(e.Seq, 10); e.Device != want || e.Node != "n" {
					t.Errorf("entry %d = %+v, want device %s node n", e.Seq, e, want)
				}
			}
			if len(l.entries) > tt.size {
				t.Errorf("storage holds %d entries, want at most %d", len(l.entries), tt.size)
			}
		})
	}
}

// TestRequestLogListIsACopy checks that a listed slice does not change when requests arrive
// (the control API encodes it after the lock is released).
func TestRequestLogListIsACopy(t *testing.T) {
	l := requestLog{size: 2}
	l.add(RequestEntry{Device: "a"})
	l.add(RequestEntry{Device: "b"})
	got := l.list()
	l.add(RequestEntry{Device: "c"})
	if got[0].Device != "a" || got[1].Device != "b" {
		t.Errorf("listed entries changed to %+v after add", got)
	}
	if now := l.list(); now[0].Device != "b" || now[1].Device != "c" {
		t.Errorf("list after wrap = %+v, want b, c", now)
	}
}

// TestRequestLogConcurrent adds from many goroutines (run with -race) and checks that sequence
// numbers stay unique and ascending in the kept window.
func TestRequestLogConcurrent(t *testing.T) {
	l := requestLog{size: 50}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				l.add(RequestEntry{})
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if s := seqs(l.list()); !slices.IsSorted(s) {
				t.Errorf("list during adds not ascending: %v", s)
				return
			}
		}
	})
	wg.Wait()
	if got := seqs(l.list()); !slices.Equal(got, span(751, 800)) {
		t.Errorf("seqs = %v, want 751..800", got)
	}
}

// TestRequestLogOverHTTP checks order, wrap-around and clearing through the control API.
func TestRequestLogOverHTTP(t *testing.T) {
	h := newHarness(t)
	rt, _ := h.sim.cluster("EU")
	rt.reqs.size = 3 // a small window so the test wraps it
	for i := range 5 {
		if status, _ := h.em(t, "EU/eu-pub", logoutXML(fmt.Sprintf("SEPUNKNOWN%05d", i))); status != http.StatusOK {
			t.Fatalf("logout %d: status %d", i, status)
		}
	}
	var entries []RequestEntry
	h.call(t, "GET", "/v1/clusters/EU/requests", nil, &entries)
	if got := seqs(entries); !slices.Equal(got, span(3, 5)) {
		t.Fatalf("seqs = %v, want [3 4 5]", got)
	}
	for i, e := range entries {
		if want := fmt.Sprintf("SEPUNKNOWN%05d", i+2); e.Device != want {
			t.Errorf("entry %d device = %q, want %q", i, e.Device, want)
		}
	}
	h.call(t, "DELETE", "/v1/clusters/EU/requests", nil, nil)
	h.call(t, "GET", "/v1/clusters/EU/requests", nil, &entries)
	if len(entries) != 0 {
		t.Fatalf("after DELETE: %d entries, want 0", len(entries))
	}
	h.em(t, "EU/eu-pub", logoutXML("SEPUNKNOWN"))
	h.call(t, "GET", "/v1/clusters/EU/requests", nil, &entries)
	if got := seqs(entries); !slices.Equal(got, []int64{6}) {
		t.Errorf("after DELETE and one request: seqs = %v, want [6]", got)
	}
}

// A request that arrived first but finished last is listed first: the log tells the order
// the client sent in, which is what a failover test asserts.
func TestRequestLogListsInArrivalOrder(t *testing.T) {
	l := requestLog{size: 4}
	first, second := l.arrive(), l.arrive()
	l.add(RequestEntry{Seq: second, Node: "sub1"})
	l.add(RequestEntry{Seq: first, Node: "pub"})
	l.add(RequestEntry{Node: "control"}) // no arrival number: numbered when recorded
	var got []string
	for _, e := range l.list() {
		got = append(got, fmt.Sprintf("%d %s", e.Seq, e.Node))
	}
	want := []string{"1 pub", "2 sub1", "3 control"}
	if !slices.Equal(got, want) {
		t.Errorf("list = %v, want %v", got, want)
	}
}
