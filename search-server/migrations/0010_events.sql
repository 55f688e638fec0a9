-- Widget events behind the insights reports: one row per event, the columns its kind uses set
-- and the others NULL. No client address is stored; queries are scrubbed before they get here.
-- Standard SQL only. Instants are Unix milliseconds; `day` is the UTC date of `at_ms`
-- (YYYY-MM-DD), so reports filter and group by day without date functions.

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    site          TEXT NOT NULL,
    -- Random per page load, from the widget; no cookie behind it.
    session_id    TEXT NOT NULL,
    -- widget_opened, search, result_clicked, article_viewed, vote, flow_started, flow_step,
    -- flow_outcome, flow_abandoned, handoff_started, handoff_abandoned, handoff_submitted,
    -- survey_answered
    kind          TEXT NOT NULL,
    locale        TEXT NOT NULL,
    -- The client's time, clamped to the server's clock when it was received.
    at_ms         BIGINT NOT NULL,
    day           TEXT NOT NULL,
    received_ms   BIGINT NOT NULL,
    -- Lowercased, whitespace collapsed, emails and runs of 6 or more digits removed.
    query         TEXT,
    result_count  INTEGER,
    -- 1 is the first result.
    position      INTEGER,
    slug          TEXT,
    seconds       INTEGER,
    helpful       BOOLEAN,
    flow_id       TEXT,
    step          TEXT,
    outcome       TEXT,
    -- A ticket reference (handoff_submitted, survey_answered after a ticket).
    reference     TEXT,
    -- 1 to 5.
    rating        INTEGER,
    solved        BOOLEAN
);

-- Reports read one kind over a range of days, and look up a session's events of a kind (a
-- click on the same query, an article read before a handoff).
CREATE INDEX events_by_kind ON events (kind, day, locale);
CREATE INDEX events_by_session ON events (session_id, kind, query);
CREATE INDEX events_by_time ON events (at_ms);
