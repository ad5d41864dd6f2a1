-- one row per chat as a source lists it: a Telegram export's header, a Slack export's conversation list entry,
-- a saved public t.me page. record_id is a hash of source, record_key and payload, so landing the same listing
-- twice adds nothing.
CREATE TABLE IF NOT EXISTS raw_chat_listings (
    record_id     VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,      -- telegram_export, slack_export, telegram_page
    origin        VARCHAR NOT NULL,      -- file path, never with credentials
    retrieved_at  TIMESTAMPTZ NOT NULL,  -- when the source showed it (files: their modification time)
    landed_at     TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR,
    tool_version  VARCHAR NOT NULL,
    is_simulated  BOOLEAN NOT NULL,
    record_key    VARCHAR,               -- JSON {platform, chat_id}
    payload       JSON NOT NULL          -- as listed: Slack's channels.json entry; Telegram's {id, name, type};
                                         -- a t.me page's {url, title, extra} ("352 104 members, 4 120 online")
);
