-- reportd status store, schema version 1.
-- Times are INTEGER unix milliseconds (UTC). Booleans are INTEGER 0/1.

CREATE TABLE runs (
    id            TEXT    NOT NULL PRIMARY KEY,
    schedule      TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    report        TEXT    NOT NULL,
    portfolio     TEXT,
    trigger_kind  TEXT    NOT NULL,
    requested_by  TEXT,
    -- NULL for manual runs; UNIQUE(schedule, fire_time) treats NULLs as distinct.
    fire_time     INTEGER,
    period_start  INTEGER NOT NULL,
    period_end    INTEGER NOT NULL,
    timezone      TEXT    NOT NULL,
    filters       TEXT    NOT NULL,
    state         TEXT    NOT NULL
        CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'skipped')),
    skip_reason   TEXT,
    attempt       INTEGER NOT NULL DEFAULT 1,
    max_attempts  INTEGER NOT NULL,
    not_before    INTEGER,
    owner         TEXT,
    reserved_for  TEXT,
    queued_at     INTEGER NOT NULL,
    -- Queue order: COALESCE(fire_time, queued_at), fixed at claim so that a retry keeps
    -- its place and the FIFO checks can use an index.
    fifo_at       INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER,
    row_count     INTEGER,
    file_name     TEXT,
    file_path     TEXT,
    file_bytes    INTEGER,
    file_sha256   TEXT,
    file_removed  INTEGER NOT NULL DEFAULT 0,
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
    -- rowid keeps the order in which destinations were listed.
    seq           INTEGER NOT NULL PRIMARY KEY,
    run_id        TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    destination   TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    remote_path   TEXT,
    error_code    TEXT,
    error_message TEXT,
    error_hint    TEXT,
    updated_at    INTEGER NOT NULL,
    UNIQUE (run_id, destination)
);

-- Liveness of each process that owns runs (daemon instance or `reportd trigger`).
CREATE TABLE instances (
    owner         TEXT    NOT NULL PRIMARY KEY,
    first_seen    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL
);
