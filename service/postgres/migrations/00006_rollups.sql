-- The usage reports' rollups (cmd/bcservice/README.md, "Usage reports";
-- service/history.RollupStore): whole UTC hours up to a watermark,
-- materialised by the rollup job. Times are milliseconds (UTC epoch); the
-- blobs are the job's encoding, never read by the database.
-- +goose Up
-- One row (id 1), always there: ApplyRollup and Insert lock it first, so
-- that two replicas' batches and the history's inserts take turns.
CREATE TABLE rollup_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    watermark_ms  BIGINT  NOT NULL DEFAULT 0,
    stale         BOOLEAN NOT NULL DEFAULT FALSE,
    open_sessions BYTEA   NOT NULL DEFAULT ''::bytea
);
INSERT INTO rollup_state (id) VALUES (1);
-- Per scope ('' for every cluster, else one cluster) and hour.
CREATE TABLE rollup_hours (
    scope     TEXT   COLLATE "C" NOT NULL,
    hour_ms   BIGINT NOT NULL,
    logins    BIGINT NOT NULL DEFAULT 0,
    failures  BIGINT NOT NULL DEFAULT 0,
    peak      BIGINT NOT NULL DEFAULT 0,
    logged_ms BIGINT NOT NULL DEFAULT 0,
    users     BYTEA  NOT NULL DEFAULT ''::bytea,
    devices   BYTEA  NOT NULL DEFAULT ''::bytea,
    lengths   BYTEA  NOT NULL DEFAULT ''::bytea,
    PRIMARY KEY (scope, hour_ms)
);
-- Per device and cluster, cumulative at each UTC day. Byte order ("C"), as
-- SQLite's and Go's: the key serves RollupDays' order.
CREATE TABLE rollup_days (
    day_ms  BIGINT NOT NULL,
    device  TEXT   COLLATE "C" NOT NULL,
    cluster TEXT   COLLATE "C" NOT NULL,
    data    BYTEA  NOT NULL DEFAULT ''::bytea,
    PRIMARY KEY (day_ms, device, cluster)
);
-- The interned user and device names the blobs refer to by ID.
CREATE TABLE rollup_names (
    kind TEXT   NOT NULL,
    id   BIGINT NOT NULL,
    name TEXT   NOT NULL,
    PRIMARY KEY (kind, id),
    UNIQUE (kind, name)
);

-- +goose Down
DROP TABLE rollup_names;
DROP TABLE rollup_days;
DROP TABLE rollup_hours;
DROP TABLE rollup_state;
