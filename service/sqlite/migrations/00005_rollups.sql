-- The usage reports' rollups (cmd/bcservice/README.md, "Usage reports";
-- service/history.RollupStore): whole UTC hours up to a watermark,
-- materialised by the rollup job. Times are milliseconds (UTC epoch); the
-- blobs are the job's encoding, never read by the database.
-- +goose Up
-- One row (id 1), always there: ApplyRollup and Insert write it first, so
-- each holds the write lock before it reads.
CREATE TABLE rollup_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    watermark_ms  INTEGER NOT NULL DEFAULT 0,
    stale         INTEGER NOT NULL DEFAULT 0,
    open_sessions BLOB    NOT NULL DEFAULT x''
);
INSERT INTO rollup_state (id) VALUES (1);
-- Per scope ('' for every cluster, else one cluster) and hour.
CREATE TABLE rollup_hours (
    scope     TEXT    NOT NULL,
    hour_ms   INTEGER NOT NULL,
    logins    INTEGER NOT NULL DEFAULT 0,
    failures  INTEGER NOT NULL DEFAULT 0,
    peak      INTEGER NOT NULL DEFAULT 0,
    logged_ms INTEGER NOT NULL DEFAULT 0,
    users     BLOB    NOT NULL DEFAULT x'',
    devices   BLOB    NOT NULL DEFAULT x'',
    lengths   BLOB    NOT NULL DEFAULT x'',
    PRIMARY KEY (scope, hour_ms)
);
-- Per device and cluster, cumulative at each UTC day.
CREATE TABLE rollup_days (
    day_ms  INTEGER NOT NULL,
    device  TEXT    NOT NULL,
    cluster TEXT    NOT NULL,
    data    BLOB    NOT NULL DEFAULT x'',
    PRIMARY KEY (day_ms, device, cluster)
);
-- The interned user and device names the blobs refer to by ID.
CREATE TABLE rollup_names (
    kind TEXT    NOT NULL,
    id   INTEGER NOT NULL,
    name TEXT    NOT NULL,
    PRIMARY KEY (kind, id),
    UNIQUE (kind, name)
);

-- +goose Down
DROP TABLE rollup_names;
DROP TABLE rollup_days;
DROP TABLE rollup_hours;
DROP TABLE rollup_state;
