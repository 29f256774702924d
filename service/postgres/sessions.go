package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/emconnector/emconnector/service/websession"
)

// SessionTable is the dashboard sessions' table (migration 00002).
const SessionTable = "dashboard_sessions"

// purgeBatch bounds the expired rows one Create deletes, so a sign-in
// never waits on a large purge; sign-ins outnumber expiries over time.
const purgeBatch = 100

// SessionOptions configure Sessions.
type SessionOptions struct {
	// Idle and Absolute bound a session: it ends that long after its last
	// use, and that long after its creation (defaults 30m, 12h).
	Idle, Absolute time.Duration
	// Now is the clock; nil means the database's, so that every replica
	// judges expiry by the same clock whatever its own says.
	Now func() time.Time
}

// Sessions is a websession.Store in PostgreSQL, so that the replicas
// behind a load balancer share sessions: a sign-in on one is valid on all,
// a sign-out on one ends it on all. Only the SHA-256 of a token is stored.
// Expiry is decided in SQL; a Get writes the last use only when it is older
// than min(Idle/10, 1m), so a page view is a read, and a session may end up
// to that much before Idle after its last use.
type Sessions struct {
	db                      func(context.Context) (*sql.DB, error)
	idle, absolute, refresh time.Duration
	now                     func() time.Time
}

var _ websession.Store = (*Sessions)(nil)

// NewSessions returns the sessions kept in db, a pool on a database
// Connect (or Open) has migrated; it shares the pool and does not close it.
// A process's service uses Pool.Sessions.
func NewSessions(db *sql.DB, o SessionOptions) *Sessions {
	return newSessions(func(context.Context) (*sql.DB, error) { return db, nil }, o)
}

// newSessions returns the sessions kept in the pool db returns.
func newSessions(db func(context.Context) (*sql.DB, error), o SessionOptions) *Sessions {
	if o.Idle <= 0 {
		o.Idle = 30 * time.Minute
	}
	if o.Absolute <= 0 {
		o.Absolute = 12 * time.Hour
	}
	return &Sessions{db: db, idle: o.Idle, absolute: o.Absolute, refresh: min(o.Idle/10, time.Minute), now: o.Now}
}

// The statements' parameters: $1 the token's hash, $2 the clock (NULL:
// the database's), $3 the idle and $4 the absolute timeout in
// microseconds, then $5 the user and $6 the purge batch (create) or $5 the
// refresh period in microseconds (get). clockCTE and liveRow are the
// common parts.
const (
	clockCTE = `clock AS (SELECT COALESCE($2::timestamptz, now()) AS now)`
	liveRow  = `seen > clock.now - $3::bigint * interval '1 microsecond'
		AND created > clock.now - $4::bigint * interval '1 microsecond'`
)

// createSQL purges a batch of expired sessions and inserts the new one.
const createSQL = `WITH ` + clockCTE + `,
	purged AS (DELETE FROM dashboard_sessions WHERE token_sha256 IN (
		SELECT token_sha256 FROM dashboard_sessions, clock WHERE NOT (` + liveRow + `) LIMIT $6))
	INSERT INTO dashboard_sessions (token_sha256, user_name, created, seen)
	SELECT $1::bytea, $5::text, clock.now, clock.now FROM clock`

// getSQL returns the user of a live session and, when its last use is
// older than the refresh period, moves that to now in the same round trip.
const getSQL = `WITH ` + clockCTE + `,
	live AS (SELECT user_name, seen <= clock.now - $5::bigint * interval '1 microsecond' AS stale, clock.now
		FROM dashboard_sessions, clock WHERE token_sha256 = $1 AND ` + liveRow + `),
	touched AS (UPDATE dashboard_sessions SET seen = live.now FROM live
		WHERE token_sha256 = $1 AND live.stale)
	SELECT user_name FROM live`

// Create implements websession.Store; it also purges expired rows.
func (s *Sessions) Create(ctx context.Context, user string) (string, error) {
	db, err := s.db(ctx)
	if err != nil {
		return "", fmt.Errorf("dashboard sessions: %w", err)
	}
	token := websession.NewToken()
	_, err = db.ExecContext(ctx, createSQL, hashToken(token), s.clock(),
		s.idle.Microseconds(), s.absolute.Microseconds(), user, purgeBatch)
	if err != nil {
		return "", fmt.Errorf("dashboard sessions: create: %w", err)
	}
	return token, nil
}

// Get implements websession.Store.
func (s *Sessions) Get(ctx context.Context, token string) (string, bool, error) {
	db, err := s.db(ctx)
	if err != nil {
		return "", false, fmt.Errorf("dashboard sessions: %w", err)
	}
	var user string
	err = db.QueryRowContext(ctx, getSQL, hashToken(token), s.clock(),
		s.idle.Microseconds(), s.absolute.Microseconds(), s.refresh.Microseconds()).Scan(&user)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("dashboard sessions: get: %w", err)
	}
	return user, true, nil
}

// Delete implements websession.Store.
func (s *Sessions) Delete(ctx context.Context, token string) error {
	db, err := s.db(ctx)
	if err != nil {
		return fmt.Errorf("dashboard sessions: %w", err)
	}
	_, err = db.ExecContext(ctx, `DELETE FROM dashboard_sessions WHERE token_sha256 = $1`, hashToken(token))
	if err != nil {
		return fmt.Errorf("dashboard sessions: delete: %w", err)
	}
	return nil
}

// clock is the $2 parameter: the injected time, or NULL for the
// database's clock.
func (s *Sessions) clock() any {
	if s.now == nil {
		return nil
	}
	return s.now()
}

// hashToken is the stored key of a token: the token itself would sign in
// whoever reads the table.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
