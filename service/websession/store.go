// Package websession holds the dashboard's sign-in sessions as every
// store keeps them: the Store interface, the session token, and Memory, the
// store in this process's memory (the PostgreSQL one, shared by replicas,
// is postgres.Sessions); websessiontest is the contract both pass. It is a
// leaf, so that the dashboard and the database adapter meet here rather
// than import each other.
package websession

import (
	"context"
	"crypto/rand"
	"encoding/base64"
)

// Store keeps the dashboard's sessions. Its errors mean the store
// could not answer (a database unreachable); the dashboard then answers
// 503 rather than signing the user out.
type Store interface {
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

// NewToken returns a session token: 32 random bytes, URL-safe
// base64 (43 characters), for stores that make their own.
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
