-- one row per RSS/Atom feed URL: the validators for the next conditional GET and how the last check went
CREATE TABLE IF NOT EXISTS feed_state (
    feed_url         VARCHAR PRIMARY KEY,
    etag             VARCHAR,               -- sent back as If-None-Match
    last_modified    VARCHAR,               -- sent back as If-Modified-Since, verbatim
    last_status      INTEGER,               -- HTTP status of the last check (304 = unchanged)
    last_checked_at  TIMESTAMPTZ NOT NULL,
    last_changed_at  TIMESTAMPTZ,           -- last time the feed answered 200
    last_count_items INTEGER,
    last_note        VARCHAR
);
