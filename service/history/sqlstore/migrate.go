package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// Migrate applies the versioned migrations of fsys (goose's *.sql files)
// that db lacks, recording them in goose's version table; opts add e.g. a
// session locker so that two services starting together do not race.
func Migrate(ctx context.Context, db *sql.DB, dialect goose.Dialect, fsys fs.FS, opts ...goose.ProviderOption) error {
	p, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("history migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("history migrations: %w", err)
	}
	return nil
}

// Ready pings db and applies the migrations it lacks from the directory
// "migrations" of fsys (a store package's embedded files). On an error the
// caller closes db and says which database it was.
func Ready(ctx context.Context, db *sql.DB, dialect goose.Dialect, fsys fs.FS, opts ...goose.ProviderOption) error {
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	sub, err := fs.Sub(fsys, "migrations")
	if err != nil {
		return err
	}
	return Migrate(ctx, db, dialect, sub, opts...)
}
