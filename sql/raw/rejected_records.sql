-- one row per input record an importer left out and why: a twarc2 line cut short or skipped with
-- --skip-bad-lines (file and line), or a field a staging view could not read (record_id, field, value).
-- Re-importing a file replaces what is recorded for it.
CREATE TABLE IF NOT EXISTS rejected_records (
    source        VARCHAR NOT NULL,       -- the importer or staging view that left it out
    file          VARCHAR,                -- the input file (path as given)
    line          BIGINT,                 -- 1-based line in that file, where lines are records
    record_id     VARCHAR,                -- the raw record, when it landed
    field         VARCHAR,                -- the field that was refused, when one was
    value         VARCHAR,                -- what it held (at most the first 200 characters)
    reason        VARCHAR NOT NULL,       -- why, in words
    rejected_at   TIMESTAMPTZ NOT NULL
);
