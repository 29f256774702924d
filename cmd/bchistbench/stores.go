package main

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"

	"github.com/emconnector/emconnector/service/history/sqlstore"
	"github.com/emconnector/emconnector/service/postgres"
	"github.com/emconnector/emconnector/service/postgres/pgserver"
	"github.com/emconnector/emconnector/service/sqlite"
)

// benchStore is one store under measure, with what it takes to fill it,
// weigh it and remove it.
type benchStore struct {
	store *sqlstore.Store
	load  func(context.Context, *generator) error
	size  func(context.Context) (int64, error)
	close func() error
}

var openers = map[string]func(context.Context) (*benchStore, error){
	"sqlite":   openSQLite,
	"postgres": openPostgres,
}

// openSQLite makes the store in a file of a temporary directory.
func openSQLite(ctx context.Context) (*benchStore, error) {
	dir, err := os.MkdirTemp("", "bchistbench-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "history.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &benchStore{
		store: st,
		load: func(ctx context.Context, g *generator) error {
			return withoutIndexes(ctx, st.DB(), sqliteIndexes, func() error { return insertAll(ctx, st, g) })
		},
		size: func(context.Context) (int64, error) { return filesSize(path, path+"-wal") },
		close: func() error {
			return errors.Join(st.Close(), os.RemoveAll(dir))
		},
	}, nil
}

// openPostgres starts a throwaway cluster and makes the store in its
// postgres database; close stops the cluster (pg_ctl stop of its own data
// directory) and removes it.
func openPostgres(ctx context.Context) (*benchStore, error) {
	srv, err := pgserver.Start()
	if err != nil {
		return nil, err
	}
	dsn := srv.DSN("postgres")
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		return nil, errors.Join(err, srv.Stop())
	}
	return &benchStore{
		store: st,
		load: func(ctx context.Context, g *generator) error {
			err := withoutIndexes(ctx, st.DB(), postgresIndexes, func() error { return copyAll(ctx, dsn, g) })
			if err != nil {
				return err
			}
			// What autovacuum would do soon after such a load.
			_, err = st.DB().ExecContext(ctx, "VACUUM ANALYZE "+sqlstore.Table)
			return err
		},
		size: func(ctx context.Context) (int64, error) {
			var n int64
			err := st.DB().QueryRowContext(ctx, "SELECT pg_total_relation_size('"+sqlstore.Table+"')").Scan(&n)
			return n, err
		},
		close: func() error { return errors.Join(st.Close(), srv.Stop()) },
	}, nil
}

func filesSize(paths ...string) (int64, error) {
	var n int64
	for _, p := range paths {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, err
		}
		n += fi.Size()
	}
	return n, nil
}

// The migrations' index definitions, read back from each database so that
// the rebuilt indexes are exactly the schema's.
const (
	sqliteIndexes   = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '" + sqlstore.Table + "' AND sql IS NOT NULL"
	postgresIndexes = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = '" + sqlstore.Table + "' AND indexname <> '" + sqlstore.Table + "_pkey'"
)

// withoutIndexes drops the table's secondary indexes, runs load and builds
// them again: one sort per index instead of millions of random B-tree
// inserts, the usual bulk load.
func withoutIndexes(ctx context.Context, db *sql.DB, list string, load func() error) error {
	defs, err := indexDefs(ctx, db, list)
	if err != nil {
		return err
	}
	for name := range defs {
		// The names come from the database's catalogue, not from input.
		if _, err := db.ExecContext(ctx, "DROP INDEX "+name); err != nil {
			return err
		}
	}
	if err := load(); err != nil {
		return err
	}
	for _, def := range defs {
		if _, err := db.ExecContext(ctx, def); err != nil {
			return err
		}
	}
	return nil
}

func indexDefs(ctx context.Context, db *sql.DB, list string) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, list)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	defs := map[string]string{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, err
		}
		defs[name] = def
	}
	if len(defs) == 0 && rows.Err() == nil {
		return nil, errors.New("no index found on " + sqlstore.Table)
	}
	return defs, rows.Err()
}
