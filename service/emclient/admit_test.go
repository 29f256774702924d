package emclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

// fakeCoordinator records what the client asks of the coordination and
// answers with err (nil: entered), or waits for ctx when block is set.
type fakeCoordinator struct {
	mu      sync.Mutex
	entered []string // cluster/device/slots
	left    int
	err     error
	block   bool
}

func (f *fakeCoordinator) Enter(ctx context.Context, cluster, device string, slots int) (func(), error) {
	f.mu.Lock()
	f.entered = append(f.entered, fmt.Sprintf("%s/%s/%d", cluster, device, slots))
	f.mu.Unlock()
	if f.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if f.err != nil {
		return nil, f.err
	}
	return func() {
		f.mu.Lock()
		f.left++
		f.mu.Unlock()
	}, nil
}

func (f *fakeCoordinator) calls() ([]string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.entered...), f.left
}

func coordinatedClient(t *testing.T, c *cluster, fc *fakeCoordinator) *Client {
	t.Helper()
	s := spec(c.urls...)
	s.AXL = nil
	cl, err := New(s, Options{Coordinator: fc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func TestCoordinatedAdmission(t *testing.T) {
	down := errors.New("coordination down")
	tests := []struct {
		name     string
		fc       *fakeCoordinator
		run      func(*Client) error
		wantCode int
		wantCall []string // what Enter was asked
		wantLeft int
	}{
		{"a login enters once and leaves", &fakeCoordinator{},
			func(cl *Client) error { return login(cl, ctxT(t, 5*time.Second), cred, dev, user) },
			0, []string{"EU/" + dev + "/5"}, 1},
		{"a forced login enters once for its logout and login", &fakeCoordinator{},
			func(cl *Client) error {
				_, err := cl.Login(ctxT(t, 5*time.Second), cred, dev, user, service.LoginOptions{Force: true})
				return err
			},
			0, []string{"EU/" + dev + "/5"}, 1},
		{"a logout enters once", &fakeCoordinator{},
			func(cl *Client) error { return cl.Logout(ctxT(t, 5*time.Second), cred, dev) },
			19, []string{"EU/" + dev + "/5"}, 1},
		{"a query never enters", &fakeCoordinator{},
			func(cl *Client) error { _, err := cl.DeviceUser(ctxT(t, 5*time.Second), cred, dev); return err },
			0, nil, 0},
		{"coordination down: the login goes on local limits", &fakeCoordinator{err: down},
			func(cl *Client) error { return login(cl, ctxT(t, 5*time.Second), cred, dev, user) },
			0, []string{"EU/" + dev + "/5"}, 0},
		{"no shared slot before the deadline: 1011", &fakeCoordinator{block: true},
			func(cl *Client) error { return login(cl, ctxT(t, 100*time.Millisecond), cred, dev, user) },
			service.CodeBusy, []string{"EU/" + dev + "/5"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, 1)
			cl := coordinatedClient(t, c, tt.fc)
			err := tt.run(cl)
			if got := code(err); got != tt.wantCode {
				t.Fatalf("code %d (%v), want %d", got, err, tt.wantCode)
			}
			calls, left := tt.fc.calls()
			if len(calls) != len(tt.wantCall) || (len(calls) > 0 && calls[0] != tt.wantCall[0]) || left != tt.wantLeft {
				t.Errorf("Enter calls %v, left %d; want %v, %d", calls, left, tt.wantCall, tt.wantLeft)
			}
			if st := cl.Stats(); st.InFlight != 0 || st.Queued != 0 {
				t.Errorf("after the request: %+v", st)
			}
		})
	}
}

// Coordinated, a replica admits twice maxConcurrentRequests into the
// shared wait (the shared slots are the limit), the rest queue behind.
func TestCoordinatedAdmissionBound(t *testing.T) {
	c := newCluster(t, 1)
	fc := &fakeCoordinator{block: true}
	s := spec(c.urls...)
	s.MaxConcurrentRequests, s.MaxQueue = 2, 0
	cl, err := New(s, Options{Coordinator: fc})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = login(cl, ctx, cred, fmt.Sprintf("SEP%d", i), user)
		}()
	}
	for deadline := time.Now().Add(5 * time.Second); cl.Stats().InFlight < 4; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("4 requests not admitted: %+v", cl.Stats())
		}
	}
	if err := login(cl, ctxT(t, time.Second), cred, "SEPE", user); code(err) != service.CodeBusy {
		t.Errorf("the fifth with no queue: %v, want 1011", err)
	}
	cancel()
	wg.Wait()
}
