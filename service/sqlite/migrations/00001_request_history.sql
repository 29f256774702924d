-- The request history (service/history.Record). Times and durations are
-- milliseconds (UTC epoch); seq orders rows of the same millisecond and is
-- never reused (AUTOINCREMENT), so cursors stay valid across purges.
-- +goose Up
CREATE TABLE request_history (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms     INTEGER NOT NULL,
    request_id  TEXT    NOT NULL DEFAULT '',
    op          TEXT    NOT NULL DEFAULT '',
    device      TEXT    NOT NULL DEFAULT '',
    user_id     TEXT    NOT NULL DEFAULT '',
    cluster     TEXT    NOT NULL DEFAULT '',
    code        INTEGER NOT NULL DEFAULT 0,
    class       TEXT    NOT NULL DEFAULT '',
    text        TEXT    NOT NULL DEFAULT '',
    duration_ms INTEGER NOT NULL DEFAULT 0,
    client      TEXT    NOT NULL DEFAULT '',
    app_id      TEXT    NOT NULL DEFAULT '',
    node        TEXT    NOT NULL DEFAULT '',
    roaming     INTEGER NOT NULL DEFAULT 0,
    actor       TEXT    NOT NULL DEFAULT ''
);
-- A page filtered by device, by user or by time range walks one index in
-- order (newest first) and stops after the page.
CREATE INDEX request_history_device ON request_history (device, time_ms, seq);
CREATE INDEX request_history_user ON request_history (user_id, time_ms, seq);
CREATE INDEX request_history_time ON request_history (time_ms, seq);

-- +goose Down
DROP TABLE request_history;
