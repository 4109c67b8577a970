-- reportd status store on PostgreSQL, schema version 1: the SQLite schema
-- (../sqlite/0001_init.sql) in PostgreSQL types, column for column, so both stores share
-- their queries' shape and their row decoding.
-- Times are BIGINT unix milliseconds (UTC), as in SQLite. Integers are BIGINT (sqlx decodes
-- them as i64, like SQLite INTEGER). file_removed is BOOLEAN.

-- Ids compare byte-wise (COLLATE "C"), as in SQLite: the FIFO tie-break and every ORDER BY id
-- then agree between the two stores whatever the database's default collation is.
CREATE TABLE runs (
    id            TEXT    COLLATE "C" NOT NULL PRIMARY KEY,
    schedule      TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    report        TEXT    NOT NULL,
    portfolio     TEXT,
    trigger_kind  TEXT    NOT NULL,
    requested_by  TEXT,
    -- NULL for manual runs; UNIQUE(schedule, fire_time) treats NULLs as distinct (the
    -- PostgreSQL default, as in SQLite): this key is the exactly-once claim.
    fire_time     BIGINT,
    period_start  BIGINT  NOT NULL,
    period_end    BIGINT  NOT NULL,
    timezone      TEXT    NOT NULL,
    filters       TEXT    NOT NULL,
    state         TEXT    NOT NULL
        CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'skipped')),
    skip_reason   TEXT,
    attempt       BIGINT  NOT NULL DEFAULT 1,
    max_attempts  BIGINT  NOT NULL,
    not_before    BIGINT,
    owner         TEXT,
    reserved_for  TEXT,
    queued_at     BIGINT  NOT NULL,
    -- Queue order: COALESCE(fire_time, queued_at), fixed at claim so that a retry keeps
    -- its place and the FIFO checks can use an index.
    fifo_at       BIGINT  NOT NULL,
    started_at    BIGINT,
    finished_at   BIGINT,
    row_count     BIGINT,
    file_name     TEXT,
    file_path     TEXT,
    file_bytes    BIGINT,
    file_sha256   TEXT,
    file_removed  BOOLEAN NOT NULL DEFAULT FALSE,
    warnings      TEXT    NOT NULL DEFAULT '[]',
    meta          TEXT    NOT NULL DEFAULT '{}',
    error_code    TEXT,
    error_message TEXT,
    error_hint    TEXT,
    UNIQUE (schedule, fire_time)
);

-- has_active, try_start (same schedule running)
CREATE INDEX runs_schedule_state ON runs (schedule, state);
-- try_start (same portfolio running / earlier queued)
CREATE INDEX runs_portfolio_state ON runs (portfolio, state, fifo_at, id)
    WHERE portfolio IS NOT NULL;
-- startable, running
CREATE INDEX runs_state_fifo ON runs (state, fifo_at, id);
-- list (newest first, since)
CREATE INDEX runs_queued_at ON runs (queued_at, id);
-- expired_files, prune
CREATE INDEX runs_finished_at ON runs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE deliveries (
    -- Keeps the order in which destinations were listed (SQLite: the rowid).
    seq           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id        TEXT    COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    destination   TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts      BIGINT  NOT NULL DEFAULT 0,
    remote_path   TEXT,
    error_code    TEXT,
    error_message TEXT,
    error_hint    TEXT,
    updated_at    BIGINT  NOT NULL,
    UNIQUE (run_id, destination)
);

-- Liveness of each process that owns runs (daemon instance or `reportd trigger`).
CREATE TABLE instances (
    owner         TEXT    NOT NULL PRIMARY KEY,
    first_seen    BIGINT  NOT NULL,
    heartbeat_at  BIGINT  NOT NULL
);
