-- Admin tokens (only their SHA-256 is stored) and published content versions with their history.
-- Standard SQL only, so that PostgreSQL can be added later. Timestamps are RFC 3339 UTC text.

CREATE TABLE admin_tokens (
    id            INTEGER PRIMARY KEY,
    token_sha256  TEXT NOT NULL UNIQUE,
    label         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT
);

-- Every version ever served, as the bundle that produced it, so any can be brought back.
CREATE TABLE content_versions (
    version     TEXT PRIMARY KEY,
    bundle      BLOB NOT NULL,
    articles    INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);

-- Which version was made live when, and how (start, publish, rollback, watch).
CREATE TABLE content_activations (
    id            INTEGER PRIMARY KEY,
    version       TEXT NOT NULL REFERENCES content_versions (version),
    action        TEXT NOT NULL,
    activated_at  TEXT NOT NULL
);
