-- one row per object of an official X account archive: {"tweet": {...}} from tweets.js / tweet.js and their parts,
-- or {"noteTweet": {...}} from note-tweet.js (the full text of posts over 280 characters), exactly as exported.
CREATE TABLE IF NOT EXISTS raw_x_archive_tweets (
    record_id     VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    origin        VARCHAR NOT NULL,      -- archive path and the file inside it
    retrieved_at  TIMESTAMPTZ NOT NULL,  -- when the archive was generated (manifest generationDate, else file mtime)
    landed_at     TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR,
    tool_version  VARCHAR NOT NULL,
    is_simulated  BOOLEAN NOT NULL,
    record_key    VARCHAR,               -- the archive owner's account id (posts in the archive do not carry it)
    payload       JSON NOT NULL
);
