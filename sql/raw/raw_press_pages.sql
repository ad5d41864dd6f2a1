-- one row per article page as fetched or imported from a file: payload = {"url", "final_url", "content_type",
-- "html" (the page as served, decoded), "extracted": {title, author, date, sitename, language, text} from
-- trafilatura at landing time, "notes": what was missing or odd}.
-- record_id is a hash of source, record_key and payload, so landing the same payload twice adds nothing.
CREATE TABLE IF NOT EXISTS raw_press_pages (
    record_id     VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    origin        VARCHAR NOT NULL,      -- page URL or file path, never with credentials
    retrieved_at  TIMESTAMPTZ NOT NULL,  -- when the source served it
    landed_at     TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR,
    tool_version  VARCHAR NOT NULL,
    is_simulated  BOOLEAN NOT NULL,
    record_key    VARCHAR,
    payload       JSON NOT NULL
);
