-- one row per message of a Slack workspace export day file, as exported
-- record_id is a hash of source, record_key and payload, so landing the same payload twice adds nothing.
CREATE TABLE IF NOT EXISTS raw_slack_messages (
    record_id     VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    origin        VARCHAR NOT NULL,      -- file path or request URL, never with credentials
    retrieved_at  TIMESTAMPTZ NOT NULL,  -- when the source served it (exports: the day file's modification time)
    landed_at     TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR,
    tool_version  VARCHAR NOT NULL,
    is_simulated  BOOLEAN NOT NULL,
    record_key    VARCHAR,               -- JSON {channel_id, executive_id}
    payload       JSON NOT NULL
);
