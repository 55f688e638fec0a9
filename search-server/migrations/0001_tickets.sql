-- Tickets created by handoffs, and the idempotency keys that make retries safe.
-- Standard SQL only, so that PostgreSQL can be added later. Timestamps are RFC 3339 UTC text.

CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY,
    reference   TEXT NOT NULL UNIQUE,
    site        TEXT NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    message     TEXT NOT NULL,
    locale      TEXT NOT NULL,
    transcript  TEXT NOT NULL,
    summary     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE idempotency_keys (
    site                TEXT NOT NULL,
    idempotency_key     TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    ticket_id           INTEGER NOT NULL REFERENCES tickets (id),
    created_at          TEXT NOT NULL,
    PRIMARY KEY (site, idempotency_key)
);
