-- one row per message (or service message) of a Telegram Desktop export, as exported
-- record_id is a hash of source, record_key and payload, so landing the same payload twice adds nothing.
CREATE TABLE IF NOT EXISTS raw_telegram_messages (
    record_id     VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    origin        VARCHAR NOT NULL,      -- file path or request URL, never with credentials
    retrieved_at  TIMESTAMPTZ NOT NULL,  -- when the source served it (exports: the file's modification time)
    landed_at     TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR,
    tool_version  VARCHAR NOT NULL,
    is_simulated  BOOLEAN NOT NULL,
    record_key    VARCHAR,               -- JSON {chat_id, chat_type, executive_id ("*" = every sender, a channel), tz (old exports only)}
    payload       JSON NOT NULL
);
