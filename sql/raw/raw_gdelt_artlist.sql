-- one row per GDELT DOC 2.0 API response (mode=artlist: up to 250 articles for one query and time window),
-- payload = {"request": the query parameters, "response": the JSON as served}.
-- record_id is a hash of source, record_key and payload, so landing the same payload twice adds nothing.
CREATE TABLE IF NOT EXISTS raw_gdelt_artlist (
    record_id     VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    origin        VARCHAR NOT NULL,      -- request URL (GDELT needs no credentials)
    retrieved_at  TIMESTAMPTZ NOT NULL,  -- when the source served it
    landed_at     TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR,
    tool_version  VARCHAR NOT NULL,
    is_simulated  BOOLEAN NOT NULL,
    record_key    VARCHAR,
    payload       JSON NOT NULL
);
