package websession

import (
	"context"
	"sync"
	"time"
)

// Memory is the default Store: sessions in this process's
// memory, so a restart signs everyone out and replicas do not share them.
// It never fails.
type Memory struct {
	mu             sync.Mutex
	byID           map[string]*memSession
	idle, absolute time.Duration
	now            func() time.Time
}

type memSession struct {
	user          string
	created, seen time.Time
}

// NewMemory returns an empty store whose sessions end idle after
// their last use and absolute after their creation; now is the clock (nil:
// time.Now).
func NewMemory(idle, absolute time.Duration, now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{byID: map[string]*memSession{}, idle: idle, absolute: absolute, now: now}
}

// Create implements Store.
func (s *Memory) Create(_ context.Context, user string) (string, error) {
	id := NewToken()
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	s.byID[id] = &memSession{user: user, created: now, seen: now}
	return id, nil
}

// Get implements Store.
func (s *Memory) Get(_ context.Context, id string) (string, bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byID[id]
	if !ok {
		return "", false, nil
	}
	if s.expired(ss, now) {
		delete(s.byID, id)
		return "", false, nil
	}
	ss.seen = now
	return ss.user, true, nil
}

// Delete implements Store.
func (s *Memory) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
	return nil
}

func (s *Memory) expired(ss *memSession, now time.Time) bool {
	return now.Sub(ss.seen) >= s.idle || now.Sub(ss.created) >= s.absolute
}

// sweep drops expired sessions, so abandoned ones do not pile up.
func (s *Memory) sweep(now time.Time) {
	for id, ss := range s.byID {
		if s.expired(ss, now) {
			delete(s.byID, id)
		}
	}
}
