-- one row per X API v2 user lookup response (get_user by username) as it arrived: {data: {public_metrics, ...}}
-- Landed on every `collect x` run so account_snapshots gets a row per run; identical responses land once.
CREATE TABLE IF NOT EXISTS raw_x_users (
    record_id     VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    origin        VARCHAR NOT NULL,      -- request URL, never with credentials (the token travels in a header)
    retrieved_at  TIMESTAMPTZ NOT NULL,  -- when the API answered
    landed_at     TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR,
    tool_version  VARCHAR NOT NULL,
    is_simulated  BOOLEAN NOT NULL,
    record_key    VARCHAR,               -- handle@request time: every lookup is its own observation
    payload       JSON NOT NULL
);
