-- What the customer side of a conversation needs beyond 0007: the server's own secrets (the key
-- conversation tokens are derived from), idempotency keys of customer messages, and the
-- handoff forms a customer started and left, to be followed up once by email.
-- Standard SQL only. Schedules are Unix milliseconds; timestamps RFC 3339 UTC text.

-- Random secrets made on first start; `name` says what each is for.
CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    -- hex
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE message_idempotency_keys (
    ticket_id           INTEGER NOT NULL REFERENCES tickets (id),
    idempotency_key     TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    message_id          INTEGER NOT NULL REFERENCES ticket_messages (id),
    created_at          TEXT NOT NULL,
    PRIMARY KEY (ticket_id, idempotency_key)
);

-- An unfinished handoff form. Deleted when the handoff is sent, once followed up, or a day
-- after it was started.
CREATE TABLE handoff_drafts (
    -- Random, handed to the widget.
    id               TEXT PRIMARY KEY,
    site             TEXT NOT NULL,
    name             TEXT NOT NULL,
    email            TEXT NOT NULL,
    message          TEXT NOT NULL,
    locale           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    -- The last save; the follow-up is due `follow_up_after` later.
    updated_at       BIGINT NOT NULL,
    -- Follow-up attempts so far, and the lease of the job sending one (as in the outbox).
    attempts         INTEGER NOT NULL DEFAULT 0,
    lease_until      BIGINT
);

CREATE INDEX handoff_drafts_due ON handoff_drafts (updated_at);
