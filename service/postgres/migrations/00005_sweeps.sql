-- Sweeps (cmd/bcservice/README.md, "Sweeps"): one row per run, keyed by the sweep and its
-- scheduled time (so a scheduled run exists once), and one lease per sweep (its runner).
-- Times are milliseconds (UTC epoch). Several replicas share them: the lease makes one the runner.
-- +goose Up
CREATE TABLE sweep_runs (
    sweep        TEXT    NOT NULL,
    scheduled_ms BIGINT  NOT NULL,
    manual       INTEGER NOT NULL DEFAULT 0,
    state        TEXT    NOT NULL,
    owner        TEXT    NOT NULL DEFAULT '',
    app_id       TEXT    NOT NULL DEFAULT '',
    resumed      INTEGER NOT NULL DEFAULT 0,
    started_ms   BIGINT  NOT NULL,
    finished_ms  BIGINT  NOT NULL DEFAULT 0,
    examined     INTEGER NOT NULL DEFAULT 0,
    logged_in    INTEGER NOT NULL DEFAULT 0,
    logged_out   INTEGER NOT NULL DEFAULT 0,
    spared       INTEGER NOT NULL DEFAULT 0,
    failures     TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (sweep, scheduled_ms)
);
CREATE TABLE sweep_leases (
    sweep    TEXT    PRIMARY KEY,
    owner    TEXT    NOT NULL,
    until_ms BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE sweep_leases;
DROP TABLE sweep_runs;
