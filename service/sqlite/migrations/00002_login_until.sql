-- A login made with a duration ends when CUCM ends it, without a row:
-- until_ms (milliseconds, UTC epoch; 0 for none) keeps when, so that the
-- sessions of the device page and the usage reports end there.
-- +goose Up
ALTER TABLE request_history ADD COLUMN until_ms INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE request_history DROP COLUMN until_ms;
