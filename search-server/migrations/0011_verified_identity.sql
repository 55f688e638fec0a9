-- The id the host site vouched for (a matching identity hash), so that a verified customer can
-- list their conversations. NULL when the handoff carried no verified identity.
-- Standard SQL only.

ALTER TABLE tickets ADD COLUMN verified_identity_id TEXT;

CREATE INDEX tickets_by_verified_identity ON tickets (site, verified_identity_id);
