-- The conversation that goes on after a handoff: the ticket's status, the secret that lets the
-- customer's browser read and continue it, its messages (the customer's follow-ups, agents'
-- replies, internal notes), and outbox rows that deliver one message rather than the ticket.
-- Standard SQL only. Timestamps are RFC 3339 UTC text.

-- 'open', 'pending' or 'solved'.
ALTER TABLE tickets ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
-- SHA-256 (hex) of the per-conversation token handed to the customer's browser; NULL for
-- tickets stored before conversations existed.
ALTER TABLE tickets ADD COLUMN conversation_token_sha256 TEXT;

CREATE TABLE ticket_messages (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    -- 'customer', 'agent' or 'note' (an internal note, never shown to the customer)
    author      TEXT NOT NULL,
    -- Who wrote an agent reply or note (the agent console's account id); NULL for customers.
    agent_id    INTEGER,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE INDEX ticket_messages_by_ticket ON ticket_messages (ticket_id, id);

-- NULL: the row delivers the whole ticket (as before); otherwise the one message it delivers.
ALTER TABLE outbox ADD COLUMN message_id INTEGER REFERENCES ticket_messages (id);
-- Who the row is for: 'support' (the site's support address or a webhook) or 'customer'
-- (the customer's own address: agent replies, reminders about an unfinished handoff).
ALTER TABLE outbox ADD COLUMN audience TEXT NOT NULL DEFAULT 'support';
