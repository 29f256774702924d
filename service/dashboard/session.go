package dashboard

import (
	"context"
	"crypto/rand"
	"encoding/base64"
)

// SessionStore keeps the dashboard's sessions. Its errors mean the store
// could not answer (a database unreachable); the dashboard then answers
// 503 rather than signing the user out.
type SessionStore interface {
	// Create opens a session for user and returns its token, the
	// cookie's value.
	Create(ctx context.Context, user string) (token string, err error)
	// Get returns the user of a live session and counts it as used (the
	// idle timeout starts again); ok is false for an unknown, expired or
	// deleted token.
	Get(ctx context.Context, token string) (user string, ok bool, err error)
	// Delete ends a session; an unknown token is not an error.
	Delete(ctx context.Context, token string) error
}

// NewSessionToken returns a session token: 32 random bytes, URL-safe
// base64 (43 characters), for stores that make their own.
func NewSessionToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// rand16 is a request id for an operator action: 16 random characters.
func rand16() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "dash-" + base64.RawURLEncoding.EncodeToString(b)
}
