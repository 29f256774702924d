-- The dashboard's sessions, shared by the replicas (service/postgres.Sessions).
-- The cookie's token is never stored: the key is its SHA-256, so a copy of
-- the table (a backup, a read-only account) signs nobody in.
-- +goose Up
CREATE TABLE dashboard_sessions (
    token_sha256 BYTEA       PRIMARY KEY CHECK (octet_length(token_sha256) = 32),
    user_name    TEXT        NOT NULL,
    created      TIMESTAMPTZ NOT NULL,
    seen         TIMESTAMPTZ NOT NULL
);
-- The purge finds the expired rows through these, not a scan.
CREATE INDEX dashboard_sessions_seen ON dashboard_sessions (seen);
CREATE INDEX dashboard_sessions_created ON dashboard_sessions (created);

-- +goose Down
DROP TABLE dashboard_sessions;
