package postgres

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/dashboard"
	"github.com/emconnector/emconnector/service/history/historytest"
	"github.com/emconnector/emconnector/service/postgres/pgtest"
	"github.com/emconnector/emconnector/service/websession"
	"github.com/emconnector/emconnector/service/websession/websessiontest"
	"golang.org/x/crypto/bcrypt"
)

// connect opens a pool on dsn, closed at the end of the test: one pool is
// one replica.
func connect(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestSessionsContract(t *testing.T) {
	websessiontest.Contract(t, func(t *testing.T, idle, absolute time.Duration, now func() time.Time) websession.Store {
		s := pgtest.Require(t, server, startErr)
		return NewSessions(connect(t, s.CreateDB(t)), SessionOptions{Idle: idle, Absolute: absolute, Now: now})
	})
}

// Two replicas on one database, on the database's clock: a session made
// through one is valid through the other, and a sign-out through either
// ends it on both.
func TestSessionsAcrossReplicas(t *testing.T) {
	dsn := pgtest.Require(t, server, startErr).CreateDB(t)
	a, b := NewSessions(connect(t, dsn), SessionOptions{}), NewSessions(connect(t, dsn), SessionOptions{})
	tests := []struct {
		name             string
		create, del, get *Sessions
	}{
		{"made on A, ended on B", a, b, a},
		{"made on B, ended on A", b, a, b},
		{"made and ended on A, seen from B", a, a, b},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := websessiontest.Create(t, tc.create, "desk")
			websessiontest.Want(t, a, token, "desk")
			websessiontest.Want(t, b, token, "desk")
			if err := tc.del.Delete(context.Background(), token); err != nil {
				t.Fatal(err)
			}
			websessiontest.Want(t, tc.get, token, "")
		})
	}
}

// No row holds a token, in any encoding: only its SHA-256.
func TestSessionsStoreNoToken(t *testing.T) {
	db := connect(t, pgtest.Require(t, server, startErr).CreateDB(t))
	s := NewSessions(db, SessionOptions{})
	tokens := map[string]bool{}
	for range 5 {
		tokens[websessiontest.Create(t, s, "desk")] = true
	}
	rows, err := db.Query(`SELECT encode(token_sha256, 'hex'), t::text FROM ` + SessionTable + ` t`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	keys := map[string]bool{}
	for rows.Next() {
		var key, row string
		if err := rows.Scan(&key, &row); err != nil {
			t.Fatal(err)
		}
		keys[key] = true
		for token := range tokens {
			raw, _ := base64.RawURLEncoding.DecodeString(token)
			for _, enc := range []string{token, hex.EncodeToString(raw), hex.EncodeToString([]byte(token))} {
				if strings.Contains(strings.ToLower(row), strings.ToLower(enc)) {
					t.Errorf("row %s holds a token", row)
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for token := range tokens {
		if !keys[hex.EncodeToString(hashToken(token))] {
			t.Errorf("no row keyed by the SHA-256 of a token")
		}
	}
}

// A Get writes the last use only when it is older than the refresh period
// (1 minute for a 30-minute idle timeout).
func TestSessionsLazyRefresh(t *testing.T) {
	db := connect(t, pgtest.Require(t, server, startErr).CreateDB(t))
	clock := websessiontest.NewClock(websessiontest.Start)
	s := NewSessions(db, SessionOptions{Idle: 30 * time.Minute, Absolute: time.Hour, Now: clock.Now})
	token := websessiontest.Create(t, s, "desk")
	tests := []struct {
		after    time.Duration
		wantSeen time.Duration // since Start
	}{
		{30 * time.Second, 0},
		{29 * time.Second, 0},
		{time.Second, time.Minute},
		{59 * time.Second, time.Minute},
		{2 * time.Minute, 4*time.Minute - time.Second},
	}
	for _, tc := range tests {
		clock.Add(tc.after)
		websessiontest.Want(t, s, token, "desk")
		var seen time.Time
		if err := db.QueryRow(`SELECT seen FROM ` + SessionTable).Scan(&seen); err != nil {
			t.Fatal(err)
		}
		if want := websessiontest.Start.Add(tc.wantSeen); !seen.Equal(want) {
			t.Errorf("at %s: seen %s, want %s", clock.Now().Sub(websessiontest.Start), seen.UTC(), want)
		}
	}
}

// Create purges at most purgeBatch expired rows, and never a live one.
func TestSessionsPurge(t *testing.T) {
	db := connect(t, pgtest.Require(t, server, startErr).CreateDB(t))
	clock := websessiontest.NewClock(websessiontest.Start)
	s := NewSessions(db, SessionOptions{Idle: time.Hour, Absolute: 2 * time.Hour, Now: clock.Now})
	for range purgeBatch + 50 {
		websessiontest.Create(t, s, "old")
	}
	clock.Add(time.Hour)
	tests := []struct {
		name string
		want int // rows after the Create
	}{
		{"a batch", 50 + 1},
		{"the rest", 2},
		{"nothing expired", 3},
	}
	for _, tc := range tests {
		websessiontest.Create(t, s, "new")
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM ` + SessionTable).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != tc.want {
			t.Errorf("%s: %d rows, want %d", tc.name, n, tc.want)
		}
	}
}

// An unreachable database: the store's errors hold neither the token nor
// the password, and the dashboard answers 503.
func TestSessionsDatabaseDown(t *testing.T) {
	db, err := sql.Open("pgx", "postgres://bc:s3cretpw@127.0.0.1:1/bc?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := NewSessions(db, SessionOptions{})
	token := websession.NewToken()
	ctx := context.Background()
	_, createErr := s.Create(ctx, "desk")
	_, _, getErr := s.Get(ctx, token)
	for _, err := range []error{createErr, getErr, s.Delete(ctx, token)} {
		if err == nil || strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("err = %v, want an error without the token or the password", err)
		}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("deskpw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	d, err := dashboard.New(dashboard.Options{
		Users: []dashboard.User{{Name: "desk", Role: dashboard.RoleViewer, Hash: string(hash)}},
		Store: historytest.NewMemory(), Conn: noConn{}, Sessions: s,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "bcdash_session", Value: token})
	w := httptest.NewRecorder()
	d.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("dashboard with the database down: %d, want 503", w.Code)
	}
}

// noConn is a dashboard.Connector the test never reaches.
type noConn struct{}

func (noConn) Serve(context.Context, service.Credentials, service.Request) service.Result {
	return service.Result{}
}

func (noConn) Finish(*service.Exchange) bool { return false }
