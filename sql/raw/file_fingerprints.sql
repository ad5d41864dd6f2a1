-- one row per file and importer: what the file looked like when `postaudit import` last landed it whole
CREATE TABLE IF NOT EXISTS file_fingerprints (
    path VARCHAR NOT NULL,            -- resolved absolute path
    importer VARCHAR NOT NULL,        -- the import command, e.g. x_jsonl
    size_bytes BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,         -- modification time, ns since the epoch
    listing VARCHAR,                  -- digest of (name, size, mtime) of every file, for a folder; else NULL
    read_at TIMESTAMPTZ NOT NULL,     -- when the file was stat'ed, just before it was read
    landed_at TIMESTAMPTZ NOT NULL,   -- when its rows were committed
    count_records BIGINT NOT NULL,    -- records read from it (new or already there)
    PRIMARY KEY (path, importer)
);
