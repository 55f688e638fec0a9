-- The promise made with each ticket, and the outbox: one row per delivery (an email to the
-- support address, a webhook per configured URL), written in the same transaction as the
-- ticket, then delivered by the background worker with its attempts recorded.
-- Standard SQL only, so that PostgreSQL can be added later. Schedules are Unix milliseconds.

ALTER TABLE tickets ADD COLUMN urgency TEXT;
ALTER TABLE tickets ADD COLUMN reply_by TEXT;

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    ticket_id        INTEGER NOT NULL REFERENCES tickets (id),
    -- 'email' or 'webhook'
    kind             TEXT NOT NULL,
    -- The address or URL delivered to.
    target           TEXT NOT NULL,
    -- Stable for the row's life: the email's Message-ID and the webhook's Baton-Delivery, so
    -- receivers drop a repeat delivery.
    delivery_id      TEXT NOT NULL UNIQUE,
    -- 'pending', 'delivered' or 'dead'
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    -- A worker that claimed the row owns it until then; after a crash it is claimed again.
    lease_until      BIGINT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    delivered_at     TEXT
);

CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

CREATE TABLE delivery_attempts (
    id          INTEGER PRIMARY KEY,
    outbox_id   INTEGER NOT NULL REFERENCES outbox (id),
    attempt     INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    -- 'delivered' or 'failed'
    outcome     TEXT NOT NULL,
    error       TEXT
);
