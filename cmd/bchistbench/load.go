package main

import (
	"context"
	"github.com/jackc/pgx/v5"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/sqlstore"
)

// Rows a transaction: Store.Insert (SQLite) and one COPY (PostgreSQL).
const (
	insertBatch = 50_000
	copyBatch   = 500_000
)

// insertAll writes the rows through the store's own Insert (multi-row
// INSERTs in one transaction a batch).
func insertAll(ctx context.Context, st history.Store, g *generator) error {
	return g.each(insertBatch, func(rows []history.Record) error { return st.Insert(ctx, rows) })
}

// copyAll writes the rows with PostgreSQL's COPY through pgx, one
// transaction a batch; the columns are those Store.Insert writes.
func copyAll(ctx context.Context, dsn string, g *generator) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	cols := []string{"time_ms", "request_id", "op", "device", "user_id", "cluster", "code", "class", "text",
		"duration_ms", "client", "app_id", "node", "roaming", "actor"}
	return g.each(copyBatch, func(rows []history.Record) error {
		_, err := conn.CopyFrom(ctx, pgx.Identifier{sqlstore.Table}, cols, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			return []any{r.Time.UnixMilli(), r.ID, r.Op, r.Device, r.User, r.Cluster, int32(r.Code), r.Class, r.Text,
				r.Duration.Milliseconds(), r.Client, r.AppID, r.Node, r.Roaming, r.Actor}, nil
		}))
		return err
	})
}
