package dashboard

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// sessions are held in memory: a restart signs everyone out.
type sessions struct {
	mu             sync.Mutex
	byID           map[string]*session
	idle, absolute time.Duration
	now            func() time.Time
}

type session struct {
	user          string
	created, seen time.Time
}

func newSessions(idle, absolute time.Duration, now func() time.Time) *sessions {
	return &sessions{byID: map[string]*session{}, idle: idle, absolute: absolute, now: now}
}

// create opens a session for user and returns its id: 32 random bytes.
func (s *sessions) create(user string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	id := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	s.byID[id] = &session{user: user, created: now, seen: now}
	return id
}

// get returns the user of a live session and marks it used.
func (s *sessions) get(id string) (string, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byID[id]
	if !ok {
		return "", false
	}
	if s.expired(ss, now) {
		delete(s.byID, id)
		return "", false
	}
	ss.seen = now
	return ss.user, true
}

func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

func (s *sessions) expired(ss *session, now time.Time) bool {
	return now.Sub(ss.seen) >= s.idle || now.Sub(ss.created) >= s.absolute
}

// sweep drops expired sessions, so abandoned ones do not pile up.
func (s *sessions) sweep(now time.Time) {
	for id, ss := range s.byID {
		if s.expired(ss, now) {
			delete(s.byID, id)
		}
	}
}

// rand16 is a request id for an operator action: 16 random characters.
func rand16() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "dash-" + base64.RawURLEncoding.EncodeToString(b)
}
