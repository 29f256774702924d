package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestClosedBoundsAndCounts(t *testing.T) {
	tests := []struct {
		name        string
		workers     int
		maxRequests int
		duration    time.Duration
		failEvery   int // every n-th Seq fails; 0: none
		wantReqs    int // exact count when bounded by MaxRequests
		wantErrors  int
	}{
		{name: "count bound, one worker", workers: 1, maxRequests: 50, duration: time.Minute, wantReqs: 50},
		{name: "count bound, many workers", workers: 8, maxRequests: 1000, duration: time.Minute, wantReqs: 1000},
		{name: "errors counted", workers: 4, maxRequests: 100, duration: time.Minute, failEvery: 10, wantReqs: 100, wantErrors: 10},
		{name: "zero workers means one", workers: 0, maxRequests: 7, duration: time.Minute, wantReqs: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			seen := map[int]bool{}
			perWorker := map[int][]int{}
			op := func(_ context.Context, r Request) error {
				mu.Lock()
				defer mu.Unlock()
				if seen[r.Seq] {
					t.Errorf("Seq %d issued twice", r.Seq)
				}
				seen[r.Seq] = true
				perWorker[r.Worker] = append(perWorker[r.Worker], r.Iter)
				if tt.failEvery > 0 && r.Seq%tt.failEvery == 0 {
					return errors.New("code 26")
				}
				return nil
			}
			st := Closed{Workers: tt.workers, MaxRequests: tt.maxRequests, Duration: tt.duration}.Run(context.Background(), op)
			if st.Requests != tt.wantReqs || st.Sent() != tt.wantReqs {
				t.Errorf("Requests=%d Sent=%d, want %d", st.Requests, st.Sent(), tt.wantReqs)
			}
			if st.Errors != tt.wantErrors {
				t.Errorf("Errors=%d, want %d", st.Errors, tt.wantErrors)
			}
			if tt.wantErrors > 0 && (len(st.ErrorKinds) != 1 || st.ErrorKinds[0] != (ErrorKind{"code 26", tt.wantErrors})) {
				t.Errorf("ErrorKinds=%v, want [{code 26 %d}]", st.ErrorKinds, tt.wantErrors)
			}
			for w, iters := range perWorker {
				for i, it := range iters {
					if it != i {
						t.Fatalf("worker %d: Iter sequence %v, want 0,1,2,...", w, iters)
					}
				}
			}
		})
	}
}

func TestClosedTimeBound(t *testing.T) {
	op := func(ctx context.Context, _ Request) error {
		timer := time.NewTimer(time.Millisecond)
		defer timer.Stop()
		<-timer.C
		return nil
	}
	// Only Duration can end this run (its count bound would take days), so
	// the bound need not be tight: 30 s, far above the 100 ms expected, is
	// safe on a loaded machine under -race and still shows the duration ended it.
	start := time.Now()
	st := Closed{Workers: 2, MaxRequests: 1 << 30, Duration: 100 * time.Millisecond}.Run(context.Background(), op)
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("run took %v, want about 100ms", took)
	}
	if st.Requests == 0 || st.Requests >= 1<<30 {
		t.Errorf("Requests=%d, want some but far fewer than the count bound", st.Requests)
	}
	if st.RPS() <= 0 {
		t.Errorf("RPS=%v, want > 0", st.RPS())
	}
}

func TestOpenRateAndOverload(t *testing.T) {
	tests := []struct {
		name        string
		open        Open
		block       bool // requests outlast the whole schedule
		wantReqs    int
		wantSentMax int
	}{
		{name: "rate times duration", open: Open{Rate: 200, Duration: 250 * time.Millisecond}, wantReqs: 50, wantSentMax: 50},
		{name: "count bound", open: Open{Rate: 1000, Duration: time.Second, MaxRequests: 30}, wantReqs: 30, wantSentMax: 30},
		{name: "overload", open: Open{Rate: 1000, Duration: 50 * time.Millisecond, MaxInFlight: 3}, block: true, wantReqs: 50, wantSentMax: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := func(_ context.Context, r Request) error {
				if r.Worker != -1 || r.Iter != r.Seq {
					t.Errorf("open-loop request %+v, want Worker -1 and Iter == Seq", r)
				}
				if tt.block {
					// A slow target: busy well past the end of the schedule
					// (50 ms, which a loaded machine may stretch: 2 s leaves
					// it 40 times that before a slot could free up).
					timer := time.NewTimer(2 * time.Second)
					defer timer.Stop()
					<-timer.C
				}
				return nil
			}
			st := tt.open.Run(context.Background(), op)
			if st.Requests != tt.wantReqs {
				t.Errorf("Requests=%d, want %d", st.Requests, tt.wantReqs)
			}
			if st.Sent() > tt.wantSentMax {
				t.Errorf("Sent=%d, want <= %d", st.Sent(), tt.wantSentMax)
			}
			if wantErr := tt.wantReqs - st.Sent(); st.Errors != wantErr {
				t.Errorf("Errors=%d, want %d (unsent requests)", st.Errors, wantErr)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, ms(i))
	}
	st := newStats([][]time.Duration{lat[:50], lat[50:]}, newTally(), time.Second)
	tests := []struct {
		p    float64
		want time.Duration
	}{
		{0, ms(1)}, {0.5, ms(50)}, {0.99, ms(99)}, {1, ms(100)}, {0.001, ms(1)},
	}
	for _, tt := range tests {
		if got := st.Percentile(tt.p); got != tt.want {
			t.Errorf("Percentile(%v)=%v, want %v", tt.p, got, tt.want)
		}
	}
	if got := (&Stats{}).Percentile(0.5); got != 0 {
		t.Errorf("empty Percentile=%v, want 0", got)
	}
}

func TestErrorKindsBounded(t *testing.T) {
	tl := newTally()
	for i := range 100 {
		tl.add(fmt.Errorf("kind %d", i))
	}
	tl.add(nil)
	kinds := tl.kindsList()
	if len(kinds) != maxErrorKinds+1 {
		t.Fatalf("got %d kinds, want %d", len(kinds), maxErrorKinds+1)
	}
	if kinds[0] != (ErrorKind{"other", 100 - maxErrorKinds}) {
		t.Errorf("first kind %v, want other x%d", kinds[0], 100-maxErrorKinds)
	}
	if tl.total != 101 || tl.errors != 100 {
		t.Errorf("total=%d errors=%d, want 101 and 100", tl.total, tl.errors)
	}
}

func TestPostFormReusesConnections(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("xml") != "<q/>" {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte("<ok/>"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c := NewClient(4, 5*time.Second)
	st := Closed{Workers: 4, MaxRequests: 400, Duration: time.Minute}.Run(context.Background(), func(ctx context.Context, _ Request) error {
		code, body, err := PostForm(ctx, c, srv.URL, "xml=%3Cq%2F%3E")
		if err != nil {
			return err
		}
		if code != http.StatusOK || string(body) != "<ok/>" {
			return fmt.Errorf("HTTP %d %q", code, body)
		}
		return nil
	})
	if st.Errors != 0 {
		t.Fatalf("errors: %v", st.ErrorKinds)
	}
	if n := conns.Load(); n > 8 {
		t.Errorf("%d connections for 4 workers, want keep-alive reuse (<= 8)", n)
	}
}
