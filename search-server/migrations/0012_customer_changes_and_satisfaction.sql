-- Customers change tickets too (they reopen them and answer "Was your issue resolved?"), so a
-- change no longer always has an agent: `ticket_changes.agent_id` becomes nullable (NULL: the
-- customer). SQLite cannot drop a NOT NULL constraint, so the table is rebuilt with its rows
-- and ids. And the customers' satisfaction answers, one per solved period.
-- Standard SQL only. Timestamps are RFC 3339 UTC text.

CREATE TABLE ticket_changes_rebuilt (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    -- The agent who made the change; NULL when the customer made it (from the widget).
    agent_id    INTEGER REFERENCES agents (id),
    -- 'status', 'assign', 'tag_added', 'tag_removed' or 'satisfaction'
    what        TEXT NOT NULL,
    -- The new status, the assignee's email (empty: nobody), the tag, or for 'satisfaction'
    -- 'resolved' / 'not_resolved'.
    detail      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

INSERT INTO ticket_changes_rebuilt (id, ticket_id, agent_id, what, detail, created_at)
SELECT id, ticket_id, agent_id, what, detail, created_at FROM ticket_changes;

DROP INDEX ticket_changes_by_ticket;
DROP TABLE ticket_changes;
ALTER TABLE ticket_changes_rebuilt RENAME TO ticket_changes;
CREATE INDEX ticket_changes_by_ticket ON ticket_changes (ticket_id, id);

-- A customer's answer after a ticket was solved. `solved_change_id` is the change that solved
-- it: a ticket solved, reopened and solved again can be answered once per solve.
CREATE TABLE ticket_satisfaction (
    id                INTEGER PRIMARY KEY,
    ticket_id         INTEGER NOT NULL REFERENCES tickets (id),
    solved_change_id  INTEGER NOT NULL REFERENCES ticket_changes (id),
    resolved          BOOLEAN NOT NULL,
    -- 1 to 5; NULL when the customer gave none.
    rating            INTEGER,
    -- Redacted like messages; NULL when the customer wrote none.
    comment           TEXT,
    created_at        TEXT NOT NULL,
    UNIQUE (ticket_id, solved_change_id)
);
