-- one row per X API v2 response page as it arrived (API, twarc2 JSONL or the simulator): {data, includes, meta}
-- record_id is a hash of source, record_key and payload, so landing the same payload twice adds nothing.
CREATE TABLE IF NOT EXISTS raw_x_pages (
    record_id     VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    origin        VARCHAR NOT NULL,      -- file path or request URL, never with credentials
    retrieved_at  TIMESTAMPTZ NOT NULL,  -- when the source served it
    landed_at     TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR,
    tool_version  VARCHAR NOT NULL,
    is_simulated  BOOLEAN NOT NULL,
    record_key    VARCHAR,
    payload       JSON NOT NULL
);
