-- Bookings (service.Booking, service/bookingsql): "user on device from start
-- to end", run by the scheduler. Times are milliseconds (UTC epoch). A PIN
-- is never stored. claim_token/claim_until_ms are the claim of the
-- scheduler working on a booking (one process schedules with SQLite).
-- +goose Up
CREATE TABLE bookings (
    id                 TEXT    PRIMARY KEY,
    device             TEXT    NOT NULL,
    user_id            TEXT    NOT NULL,
    cluster            TEXT    NOT NULL,
    app_id             TEXT    NOT NULL DEFAULT '',
    start_ms           INTEGER NOT NULL,
    end_ms             INTEGER NOT NULL,
    force_login        INTEGER NOT NULL DEFAULT 0,
    device_profile     TEXT    NOT NULL DEFAULT '',
    clear_call_history INTEGER,
    state              TEXT    NOT NULL,
    code               INTEGER NOT NULL DEFAULT 0,
    text               TEXT    NOT NULL DEFAULT '',
    due_ms             INTEGER NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    claim_token        TEXT    NOT NULL DEFAULT '',
    claim_until_ms     INTEGER NOT NULL DEFAULT 0,
    created_ms         INTEGER NOT NULL,
    updated_ms         INTEGER NOT NULL
);
-- The scheduler's due work, and the overlap check and lists by device.
CREATE INDEX bookings_due ON bookings (due_ms) WHERE state IN ('scheduled', 'active');
CREATE INDEX bookings_device ON bookings (cluster, device, start_ms);
CREATE INDEX bookings_start ON bookings (start_ms);

-- +goose Down
DROP TABLE bookings;
