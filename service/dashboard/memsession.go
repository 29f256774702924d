package dashboard

import (
	"context"
	"sync"
	"time"
)

// MemorySessions is the default SessionStore: sessions in this process's
// memory, so a restart signs everyone out and replicas do not share them.
// It never fails.
type MemorySessions struct {
	mu             sync.Mutex
	byID           map[string]*memSession
	idle, absolute time.Duration
	now            func() time.Time
}

type memSession struct {
	user          string
	created, seen time.Time
}

// NewMemorySessions returns an empty store whose sessions end idle after
// their last use and absolute after their creation; now is the clock (nil:
// time.Now).
func NewMemorySessions(idle, absolute time.Duration, now func() time.Time) *MemorySessions {
	if now == nil {
		now = time.Now
	}
	return &MemorySessions{byID: map[string]*memSession{}, idle: idle, absolute: absolute, now: now}
}

// Create implements SessionStore.
func (s *MemorySessions) Create(_ context.Context, user string) (string, error) {
	id := NewSessionToken()
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	s.byID[id] = &memSession{user: user, created: now, seen: now}
	return id, nil
}

// Get implements SessionStore.
func (s *MemorySessions) Get(_ context.Context, id string) (string, bool, error) {
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

// Delete implements SessionStore.
func (s *MemorySessions) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
	return nil
}

func (s *MemorySessions) expired(ss *memSession, now time.Time) bool {
	return now.Sub(ss.seen) >= s.idle || now.Sub(ss.created) >= s.absolute
}

// sweep drops expired sessions, so abandoned ones do not pile up.
func (s *MemorySessions) sweep(now time.Time) {
	for id, ss := range s.byID {
		if s.expired(ss, now) {
			delete(s.byID, id)
		}
	}
}
