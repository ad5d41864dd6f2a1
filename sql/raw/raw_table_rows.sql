-- one row per row of a user's CSV or JSONL file (CSV rows as a JSON object of header → text; JSONL lines as written)
-- record_id is a hash of source, record_key and payload, so landing the same payload twice adds nothing.
CREATE TABLE IF NOT EXISTS raw_table_rows (
    record_id     VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    origin        VARCHAR NOT NULL,      -- file path or request URL, never with credentials
    retrieved_at  TIMESTAMPTZ NOT NULL,  -- when the source served it (the file's modification time)
    landed_at     TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR,
    tool_version  VARCHAR NOT NULL,
    is_simulated  BOOLEAN NOT NULL,
    record_key    VARCHAR,               -- JSON {platform, map (field → column), tz, account}
    payload       JSON NOT NULL
);
