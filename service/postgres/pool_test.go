package postgres

import (
	"context"
	"testing"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
	"github.com/emconnector/emconnector/service/postgres/pgtest"
)

// The history and the sessions share the one pool: one database/sql
// handle, and closing the history store leaves the sessions working.
func TestPoolSharesOneHandle(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	ctx := context.Background()
	p := NewPool(s.CreateDB(t))
	defer p.Close()
	hist, sessions := p.History(), p.Sessions(SessionOptions{})
	if err := hist.Insert(ctx, []history.Record{historytest.Row(1)}); err != nil {
		t.Fatal(err)
	}
	token, err := sessions.Create(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	db1, _ := p.DB(ctx)
	if err := hist.Close(); err != nil {
		t.Fatal(err)
	}
	db2, _ := p.DB(ctx)
	if db1 != db2 {
		t.Fatal("the pool was opened twice")
	}
	if user, ok, err := sessions.Get(ctx, token); user != "admin" || !ok || err != nil {
		t.Fatalf("Get after the history store closed = %q, %v, %v", user, ok, err)
	}
	if err := db2.PingContext(ctx); err != nil {
		t.Fatalf("the pool was closed with the history store: %v", err)
	}
	if n := db2.Stats().MaxOpenConnections; n != maxConns {
		t.Errorf("pool of %d connections, want %d", n, maxConns)
	}
}

// A database away at first use fails the call, not the process, and the
// next call connects.
func TestPoolAwayAtFirstUse(t *testing.T) {
	p := NewPool("postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	defer p.Close()
	if _, err := p.Sessions(SessionOptions{}).Create(context.Background(), "admin"); err == nil {
		t.Fatal("Create on an unreachable database succeeded")
	}
}
