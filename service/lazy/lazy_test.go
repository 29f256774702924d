package lazy

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestGetOpensOnceAndKeeps(t *testing.T) {
	var opens atomic.Int32
	v := New(func(context.Context) (int, error) { opens.Add(1); return 42, nil }, nil)
	for range 3 {
		if got, err := v.Get(context.Background()); got != 42 || err != nil {
			t.Fatalf("Get = %d, %v", got, err)
		}
	}
	if opens.Load() != 1 {
		t.Errorf("%d opens, want 1", opens.Load())
	}
}

func TestGetRetriesAfterAFailure(t *testing.T) {
	down := errors.New("database down")
	var opens atomic.Int32
	v := New(func(context.Context) (string, error) {
		if opens.Add(1) == 1 {
			return "", down
		}
		return "db", nil
	}, nil)
	if _, err := v.Get(context.Background()); !errors.Is(err, down) {
		t.Fatalf("first Get: %v, want the open's error", err)
	}
	if got, err := v.Get(context.Background()); got != "db" || err != nil {
		t.Fatalf("second Get = %q, %v", got, err)
	}
}

// A slow open holds no lock: a caller whose context ends stops waiting at
// once, Close does not wait for the dial, and concurrent callers share
// one open.
func TestSlowOpenBlocksNobody(t *testing.T) {
	release := make(chan struct{})
	var opens atomic.Int32
	v := New(func(context.Context) (int, error) { opens.Add(1); <-release; return 7, nil }, nil)
	var wg sync.WaitGroup
	results := make([]int, 5)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i], _ = v.Get(context.Background()) }()
	}
	for opens.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.Get(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with an ended context while dialling: %v", err)
	}
	close(release)
	wg.Wait()
	for i, r := range results {
		if r != 7 {
			t.Errorf("caller %d got %d", i, r)
		}
	}
	if opens.Load() != 1 {
		t.Errorf("%d opens, want 1 shared", opens.Load())
	}
}

func TestCloseClosesTheValueOnce(t *testing.T) {
	var closes atomic.Int32
	v := New(func(context.Context) (int, error) { return 1, nil }, func(int) error { closes.Add(1); return nil })
	if err := v.Close(); err != nil || closes.Load() != 0 {
		t.Fatalf("Close before open: %v, %d closes", err, closes.Load())
	}
	v = New(func(context.Context) (int, error) { return 1, nil }, func(int) error { closes.Add(1); return nil })
	_, _ = v.Get(context.Background())
	_ = v.Close()
	_ = v.Close()
	if closes.Load() != 1 {
		t.Errorf("%d closes, want 1", closes.Load())
	}
	if got, err := v.Get(context.Background()); got != 1 || err != nil {
		t.Errorf("Get after Close = %d, %v; want it opened again", got, err)
	}
}

func TestCloseWhileDiallingClosesTheLateValue(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	var closes atomic.Int32
	v := New(func(context.Context) (int, error) { close(started); <-release; return 3, nil },
		func(int) error { closes.Add(1); return nil })
	errc := make(chan error, 1)
	go func() { _, err := v.Get(context.Background()); errc <- err }()
	<-started
	_ = v.Close()
	close(release)
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("Get = %v, want ErrClosed", err)
	}
	if closes.Load() != 1 {
		t.Errorf("the late value was closed %d times, want 1", closes.Load())
	}
}
