-- one row per line of a `twarc2 flatten` file: one X API v2 post with `author`, `__twarc` and referenced posts inlined
CREATE TABLE IF NOT EXISTS raw_x_flat_tweets (
    record_id     VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    origin        VARCHAR NOT NULL,      -- file path
    retrieved_at  TIMESTAMPTZ NOT NULL,  -- twarc's __twarc.retrieved_at when present, else import time
    landed_at     TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR,
    tool_version  VARCHAR NOT NULL,
    is_simulated  BOOLEAN NOT NULL,
    record_key    VARCHAR,
    payload       JSON NOT NULL
);
