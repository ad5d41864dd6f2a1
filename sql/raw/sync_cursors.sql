-- one row per (platform, account_id, source): how far incremental collection has got, and any unfinished sweep
-- Written in the same transaction as each landed page, so a run killed at any moment resumes from what landed.
CREATE TABLE IF NOT EXISTS sync_cursors (
    platform      VARCHAR NOT NULL,
    account_id    VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,      -- x_api (user timeline), x_api_full_archive (search_all_tweets), bluesky_records:<collection>
    newest_id     VARCHAR,               -- everything from covered_from up to this post id (Bluesky: record key) has landed; NULL: nothing yet
    covered_from  TIMESTAMPTZ,           -- start of that complete range; NULL with a newest_id: as far back as the source reaches
    sweep         JSON,                  -- the unfinished sweep (window, oldest id landed so far, counts); NULL when none
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, account_id, source)
);
