-- Bookings (service.Booking, service/bookingsql): "user on device from start
-- to end", run by the replicas' schedulers. Times are milliseconds (UTC
-- epoch). A PIN is never stored. A scheduler claims a due booking by
-- writing its claim_token and claim_until_ms (FOR UPDATE SKIP LOCKED):
-- another replica takes it only once claim_until_ms has passed.
-- +goose Up
CREATE TABLE bookings (
    id                 TEXT    PRIMARY KEY,
    device             TEXT    NOT NULL,
    user_id            TEXT    NOT NULL,
    cluster            TEXT    NOT NULL,
    app_id             TEXT    NOT NULL DEFAULT '',
    start_ms           BIGINT  NOT NULL,
    end_ms             BIGINT  NOT NULL,
    force_login        BOOLEAN NOT NULL DEFAULT FALSE,
    device_profile     TEXT    NOT NULL DEFAULT '',
    clear_call_history BOOLEAN,
    state              TEXT    NOT NULL,
    code               BIGINT  NOT NULL DEFAULT 0,
    text               TEXT    NOT NULL DEFAULT '',
    due_ms             BIGINT  NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    claim_token        TEXT    NOT NULL DEFAULT '',
    claim_until_ms     BIGINT  NOT NULL DEFAULT 0,
    created_ms         BIGINT  NOT NULL,
    updated_ms         BIGINT  NOT NULL
);
-- The scheduler's due work, and the overlap check and lists by device.
CREATE INDEX bookings_due ON bookings (due_ms) WHERE state IN ('scheduled', 'active');
CREATE INDEX bookings_device ON bookings (cluster, device, start_ms);
CREATE INDEX bookings_start ON bookings (start_ms);

-- +goose Down
DROP TABLE bookings;
