-- "Did this solve your problem?" after a guided flow ended `resolved`, with the path the
-- customer took (replayed against the published flow before it is stored).
-- Standard SQL only. Timestamps are RFC 3339 UTC text.

CREATE TABLE flow_surveys (
    id          INTEGER PRIMARY KEY,
    site        TEXT NOT NULL,
    flow_id     TEXT NOT NULL,
    locale      TEXT NOT NULL,
    -- The outcome node the replayed path reached.
    outcome     TEXT NOT NULL,
    solved      BOOLEAN NOT NULL,
    -- 1 to 5, or NULL when not given.
    rating      INTEGER,
    comment     TEXT NOT NULL,
    -- The flow path (`FlowPath`) as JSON: context and answers.
    path        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE INDEX flow_surveys_by_flow ON flow_surveys (site, flow_id, created_at);
