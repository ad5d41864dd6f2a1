-- one row per app.bsky.feed.getAuthorFeed response page as served: {feed, cursor}
-- record_id is a hash of source, record_key and payload, so landing the same payload twice adds nothing.
CREATE TABLE IF NOT EXISTS raw_bluesky_feed_pages (
    record_id     VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    origin        VARCHAR NOT NULL,      -- file path or request URL, never with credentials
    retrieved_at  TIMESTAMPTZ NOT NULL,  -- when the source served it (request time)
    landed_at     TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR,
    tool_version  VARCHAR NOT NULL,
    is_simulated  BOOLEAN NOT NULL,
    record_key    VARCHAR,               -- the actor's DID
    payload       JSON NOT NULL
);
