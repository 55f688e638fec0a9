-- The agent console: agents and their sign-in sessions, sign-in attempts (for rate limits),
-- who a ticket is assigned to, tags, what each agent has read, and a log of the changes agents
-- make to tickets (which also tells open consoles that the inbox changed).
-- Standard SQL only. Timestamps are RFC 3339 UTC text; instants compared in SQL are Unix ms.

CREATE TABLE agents (
    id             INTEGER PRIMARY KEY,
    -- Trimmed and lowercased.
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    -- Argon2id in the PHC string format (salt and parameters included).
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    -- Set by `baton agent remove`: the agent can no longer sign in, their messages keep a name.
    removed_at     TEXT
);

CREATE TABLE agent_sessions (
    id            INTEGER PRIMARY KEY,
    -- SHA-256 (hex) of the random session id in the cookie; the id itself is never stored.
    token_sha256  TEXT NOT NULL UNIQUE,
    agent_id      INTEGER NOT NULL REFERENCES agents (id),
    created_at    TEXT NOT NULL,
    expires_at    BIGINT NOT NULL
);

CREATE INDEX agent_sessions_by_agent ON agent_sessions (agent_id);

CREATE TABLE agent_login_attempts (
    id         INTEGER PRIMARY KEY,
    -- The client address the attempt came from.
    client     TEXT NOT NULL,
    -- The email typed, trimmed and lowercased (whether or not such an agent exists).
    email      TEXT NOT NULL,
    succeeded  BOOLEAN NOT NULL,
    at         BIGINT NOT NULL
);

CREATE INDEX agent_login_attempts_by_client ON agent_login_attempts (client, at);
CREATE INDEX agent_login_attempts_by_email ON agent_login_attempts (email, at);
-- Attempts older than a day are deleted as new ones come in.
CREATE INDEX agent_login_attempts_by_time ON agent_login_attempts (at);

ALTER TABLE tickets ADD COLUMN assignee_id INTEGER REFERENCES agents (id);

CREATE TABLE ticket_tags (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    tag        TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag)
);

-- How far each agent has read each ticket: the last message id seen (0: only the handoff).
-- No row: the agent never opened the ticket.
CREATE TABLE ticket_reads (
    agent_id         INTEGER NOT NULL REFERENCES agents (id),
    ticket_id        INTEGER NOT NULL REFERENCES tickets (id),
    last_message_id  INTEGER NOT NULL,
    PRIMARY KEY (agent_id, ticket_id)
);

-- Status changes, assignments and tags, by whom and when.
CREATE TABLE ticket_changes (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    agent_id    INTEGER NOT NULL REFERENCES agents (id),
    -- 'status', 'assign', 'tag_added' or 'tag_removed'
    what        TEXT NOT NULL,
    -- The new status, the assignee's email (empty: nobody), or the tag.
    detail      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE INDEX ticket_changes_by_ticket ON ticket_changes (ticket_id, id);
