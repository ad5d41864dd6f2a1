-- one row per flow run, with what it did
CREATE TABLE IF NOT EXISTS runs (
    run_id        VARCHAR PRIMARY KEY,
    flow_name     VARCHAR NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL,      -- running, completed, failed
    parameters    JSON,                  -- run parameters with secrets removed
    counts        JSON,                  -- e.g. {"fetched": 120, "new": 100, "skipped": 20, "failed": 0}
    message       VARCHAR
);
