-- How often each published article was read, for the "most viewed" page suggestions.
-- Written in batches by the server; standard SQL (ON CONFLICT works in PostgreSQL too).

CREATE TABLE article_views (
    locale  TEXT NOT NULL,
    slug    TEXT NOT NULL,
    views   INTEGER NOT NULL,
    PRIMARY KEY (locale, slug)
);
