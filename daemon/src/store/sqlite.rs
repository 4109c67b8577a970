//! SQLite implementation of [`super::Store`]: the default, embedded status store (sqlx,
//! bundled SQLite, WAL).
//!
//! Several processes share one database file (the daemon and `reportd trigger`, or two
//! daemons by mistake), so every decision that must be taken by exactly one of them is a
//! single statement or a `BEGIN IMMEDIATE` transaction: claims rely on the
//! `UNIQUE(schedule, fire_time)` key, and [`Store::try_start`] is one conditional `UPDATE`.
//! `BEGIN IMMEDIATE` takes the write lock up front, so two writers never both hold a read
//! snapshot and then deadlock upgrading it (SQLite would answer `SQLITE_BUSY` at once,
//! without waiting for `busy_timeout`).
//!
//! Times are stored as INTEGER unix milliseconds (UTC); sub-millisecond precision is
//! dropped. The schema lives in `daemon/migrations/sqlite/*.sql`, applied by the small
//! runner in this file (table `schema_version`).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};

use super::rows::{
    delivery_from_row, error_cols, instance_from_row, ms, opt_ms, run_from_row, time, u64_to_i64,
};
use super::{
    DeliveryRecord, Generated, InstanceRecord, ListFilter, NewRun, RunRecord, RunState, Store,
    StoreError, StoreResult,
};
use crate::code::ErrorInfo;

/// How long a statement waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections per pool. SQLite serializes writers anyway; a few connections let reads
/// (status, list) proceed next to a write.
const MAX_CONNECTIONS: u32 = 4;

/// Schema migrations, in order. A version is applied once, inside the migration
/// transaction; never edit a released file, add a new one.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_instance_config.sql"),
    ),
];

/// The schema version this build writes: the last migration's.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The embedded store. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: sqlx::SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and migrates it. The parent
    /// directory is created with mode 0750 when missing. WAL journal, `synchronous=NORMAL`
    /// (durable across process crashes; a power loss may lose the last commits), foreign
    /// keys on, 10 s busy timeout.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let mut builder = tokio::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            builder.mode(0o750);
            builder
                .create(dir)
                .await
                .map_err(|source| StoreError::Dir {
                    path: dir.to_path_buf(),
                    source,
                })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = connect_retrying_busy(options).await?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// A private in-memory database (one connection, kept open for the pool's life), for
    /// tests and dry runs.
    pub async fn open_in_memory() -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .in_memory(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        // Every connection to ":memory:" is a different database: keep exactly one, forever.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// The underlying pool (for diagnostics and tests).
    pub fn pool(&self) -> &sqlx::SqlitePool {
        &self.pool
    }

    /// The schema version recorded in the database.
    pub async fn schema_version(&self) -> StoreResult<i64> {
        let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_version")
            .fetch_one(&self.pool)
            .await?;
        Ok(v.unwrap_or(0))
    }

    /// Applies the missing migrations in one `BEGIN IMMEDIATE` transaction, so two
    /// processes opening a fresh file at once migrate it exactly once.
    async fn migrate(&self) -> StoreResult<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_version (\
                version INTEGER NOT NULL PRIMARY KEY, \
                applied_at INTEGER NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_version")
            .fetch_one(&mut *tx)
            .await?;
        let current = current.unwrap_or(0);
        if current > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        for &(version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)")
                .bind(version)
                .bind(ms(Utc::now()))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Attaches the delivery rows to `runs` with one query (no N+1).
    async fn with_deliveries(&self, mut runs: Vec<RunRecord>) -> StoreResult<Vec<RunRecord>> {
        if runs.is_empty() {
            return Ok(runs);
        }
        let ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
        let ids_json = serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt {
            column: "runs.id",
            value: e.to_string(),
        })?;
        let rows = sqlx::query(
            "SELECT run_id, destination, state, attempts, remote_path, \
                    error_code, error_message, error_hint, updated_at \
             FROM deliveries \
             WHERE run_id IN (SELECT value FROM json_each(?1)) \
             ORDER BY seq",
        )
        .bind(ids_json)
        .fetch_all(&self.pool)
        .await?;
        let mut by_run: HashMap<String, Vec<DeliveryRecord>> = HashMap::new();
        for row in &rows {
            let run_id: String = row.try_get("run_id")?;
            by_run
                .entry(run_id)
                .or_default()
                .push(delivery_from_row(row)?);
        }
        for run in &mut runs {
            if let Some(d) = by_run.remove(&run.id) {
                run.deliveries = d;
            }
        }
        Ok(runs)
    }

    /// Decodes run rows and attaches their deliveries.
    async fn records(&self, rows: Vec<SqliteRow>) -> StoreResult<Vec<RunRecord>> {
        let runs = rows
            .iter()
            .map(run_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        self.with_deliveries(runs).await
    }
}

/// Connects, retrying while the file is locked: switching a fresh file to WAL needs an
/// exclusive lock that `busy_timeout` does not wait for, so two processes creating the
/// database at the same moment would otherwise fail.
async fn connect_retrying_busy(options: SqliteConnectOptions) -> StoreResult<sqlx::SqlitePool> {
    const STEP: Duration = Duration::from_millis(50);
    let mut waited = Duration::ZERO;
    loop {
        let result = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options.clone())
            .await;
        match result {
            Err(e) if is_busy(&e) && waited < BUSY_TIMEOUT => {
                tokio::time::sleep(STEP).await;
                waited += STEP;
            }
            other => return Ok(other?),
        }
    }
}

/// Whether an error is `SQLITE_BUSY` or `SQLITE_LOCKED` (any extended code).
fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| matches!(c & 0xff, 5 | 6)),
        _ => false,
    }
}

/// `rows_affected == 0` on an update by id means the run does not exist.
fn expect_one(result: sqlx::sqlite::SqliteQueryResult, run_id: &str) -> StoreResult<()> {
    if result.rows_affected() == 0 {
        Err(StoreError::NoSuchRun(run_id.to_owned()))
    } else {
        Ok(())
    }
}

impl Store for SqliteStore {
    async fn claim(&self, run: &NewRun) -> StoreResult<bool> {
        let now = ms(Utc::now());
        // A run recorded as skipped is over the moment it is recorded; giving it a
        // finished_at lets `prune` age it out like any other terminal run.
        let finished_at = run.state.is_terminal().then_some(now);
        let fifo_at = run.fire_time.map_or(now, ms);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let inserted = sqlx::query(
            "INSERT INTO runs (id, schedule, source, report, portfolio, trigger_kind, \
                requested_by, fire_time, period_start, period_end, timezone, filters, state, \
                skip_reason, attempt, max_attempts, reserved_for, queued_at, fifo_at, \
                finished_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, ?15, ?16, \
                ?17, ?18, ?19) \
             ON CONFLICT (schedule, fire_time) DO NOTHING",
        )
        .bind(&run.id)
        .bind(&run.schedule)
        .bind(&run.source)
        .bind(&run.report)
        .bind(&run.portfolio)
        .bind(run.trigger.as_str())
        .bind(&run.requested_by)
        .bind(opt_ms(run.fire_time))
        .bind(ms(run.period_start))
        .bind(ms(run.period_end))
        .bind(&run.timezone)
        .bind(&run.filters)
        .bind(run.state.as_str())
        .bind(&run.skip_reason)
        .bind(i64::from(run.max_attempts))
        .bind(&run.reserved_for)
        .bind(now)
        .bind(fifo_at)
        .bind(finished_at)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        // A skipped run delivers nothing: pending rows would read as "still to do".
        if !run.state.is_terminal() {
            for destination in &run.destinations {
                sqlx::query(
                    "INSERT INTO deliveries (run_id, destination, state, attempts, updated_at) \
                     VALUES (?1, ?2, 'pending', 0, ?3) \
                     ON CONFLICT (run_id, destination) DO NOTHING",
                )
                .bind(&run.id)
                .bind(destination)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn last_fire(&self, schedule: &str) -> StoreResult<Option<DateTime<Utc>>> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(fire_time) FROM runs WHERE schedule = ?1")
                .bind(schedule)
                .fetch_one(&self.pool)
                .await?;
        v.map(|v| time("runs.fire_time", v)).transpose()
    }

    async fn has_active(&self, schedule: &str) -> StoreResult<bool> {
        let v: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM runs \
             WHERE schedule = ?1 AND state IN ('queued', 'running'))",
        )
        .bind(schedule)
        .fetch_one(&self.pool)
        .await?;
        Ok(v)
    }

    async fn startable(&self, owner: &str) -> StoreResult<Vec<RunRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs \
              WHERE state = 'queued' \
                AND (not_before IS NULL OR not_before <= ?2) \
                AND (reserved_for IS NULL OR reserved_for = ?1) \
              ORDER BY fifo_at, id"
        ))
        .bind(owner)
        .bind(ms(Utc::now()))
        .fetch_all(&self.pool)
        .await?;
        self.records(rows).await
    }

    async fn try_start(&self, run_id: &str, owner: &str) -> StoreResult<bool> {
        // One statement: SQLite takes the write lock before evaluating the WHERE clause,
        // so the checks and the update are atomic across processes.
        //
        // An earlier queued run of the portfolio that is still waiting out a retry backoff
        // (`not_before` in the future) does not hold the portfolio: it is not ready to
        // start, and blocking on it would stall a customer's other reports for the whole
        // backoff.
        let result = sqlx::query(
            "UPDATE runs SET state = 'running', owner = ?2, started_at = ?3 \
             WHERE id = ?1 \
               AND state = 'queued' \
               AND (reserved_for IS NULL OR reserved_for = ?2) \
               AND (not_before IS NULL OR not_before <= ?3) \
               AND NOT EXISTS (SELECT 1 FROM runs AS o \
                               WHERE o.schedule = runs.schedule AND o.state = 'running') \
               AND (runs.portfolio IS NULL OR NOT EXISTS ( \
                     SELECT 1 FROM runs AS o \
                     WHERE o.portfolio = runs.portfolio \
                       AND o.id <> runs.id \
                       AND (o.state = 'running' \
                            OR (o.state = 'queued' \
                                AND (o.not_before IS NULL OR o.not_before <= ?3) \
                                AND (o.fifo_at < runs.fifo_at \
                                     OR (o.fifo_at = runs.fifo_at AND o.id < runs.id))))))",
        )
        .bind(run_id)
        .bind(owner)
        .bind(ms(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn set_generated(&self, run_id: &str, generated: &Generated) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE runs SET file_name = ?2, file_path = ?3, file_bytes = ?4, file_sha256 = ?5, \
                file_removed = 0, row_count = ?6, warnings = ?7, meta = ?8 \
             WHERE id = ?1",
        )
        .bind(run_id)
        .bind(&generated.file.name)
        .bind(&generated.file.path)
        .bind(u64_to_i64(generated.file.bytes))
        .bind(&generated.file.sha256)
        .bind(u64_to_i64(generated.rows))
        .bind(&generated.warnings)
        .bind(&generated.meta)
        .execute(&self.pool)
        .await?;
        expect_one(result, run_id)
    }

    async fn set_delivery(&self, run_id: &str, delivery: &DeliveryRecord) -> StoreResult<()> {
        let (code, message, hint) = error_cols(delivery.last_error.as_ref());
        let result = sqlx::query(
            "INSERT INTO deliveries (run_id, destination, state, attempts, remote_path, \
                error_code, error_message, error_hint, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
             ON CONFLICT (run_id, destination) DO UPDATE SET \
                state = excluded.state, attempts = excluded.attempts, \
                remote_path = excluded.remote_path, error_code = excluded.error_code, \
                error_message = excluded.error_message, error_hint = excluded.error_hint, \
                updated_at = excluded.updated_at",
        )
        .bind(run_id)
        .bind(&delivery.destination)
        .bind(delivery.state.as_str())
        .bind(i64::from(delivery.attempts))
        .bind(&delivery.remote_path)
        .bind(code)
        .bind(message)
        .bind(hint)
        .bind(ms(delivery.updated_at))
        .execute(&self.pool)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {
                Err(StoreError::NoSuchRun(run_id.to_owned()))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn finish(
        &self,
        run_id: &str,
        state: RunState,
        error: Option<&ErrorInfo>,
    ) -> StoreResult<()> {
        let (code, message, hint) = error_cols(error);
        let result = sqlx::query(
            "UPDATE runs SET state = ?2, finished_at = ?3, \
                error_code = ?4, error_message = ?5, error_hint = ?6 \
             WHERE id = ?1",
        )
        .bind(run_id)
        .bind(state.as_str())
        .bind(ms(Utc::now()))
        .bind(code)
        .bind(message)
        .bind(hint)
        .execute(&self.pool)
        .await?;
        expect_one(result, run_id)
    }

    async fn requeue(
        &self,
        run_id: &str,
        not_before: DateTime<Utc>,
        error: &ErrorInfo,
    ) -> StoreResult<()> {
        self.back_to_queue(run_id, not_before, error, 1).await
    }

    async fn postpone(
        &self,
        run_id: &str,
        not_before: DateTime<Utc>,
        error: &ErrorInfo,
    ) -> StoreResult<()> {
        self.back_to_queue(run_id, not_before, error, 0).await
    }

    async fn running(&self) -> StoreResult<Vec<RunRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs WHERE state = 'running' ORDER BY started_at, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        self.records(rows).await
    }

    async fn reserved_queued(&self) -> StoreResult<Vec<RunRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs WHERE state = 'queued' AND reserved_for IS NOT NULL ORDER BY queued_at, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        self.records(rows).await
    }

    async fn heartbeat(&self, owner: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO instances (owner, first_seen, heartbeat_at) VALUES (?1, ?2, ?2) \
             ON CONFLICT (owner) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
        )
        .bind(owner)
        .bind(ms(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn last_heartbeat(&self, owner: &str) -> StoreResult<Option<DateTime<Utc>>> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT heartbeat_at FROM instances WHERE owner = ?1")
                .bind(owner)
                .fetch_optional(&self.pool)
                .await?;
        v.map(|v| time("instances.heartbeat_at", v)).transpose()
    }

    async fn set_config_status(
        &self,
        owner: &str,
        loaded_at: Option<DateTime<Utc>>,
        error: Option<&str>,
    ) -> StoreResult<()> {
        let now = ms(Utc::now());
        sqlx::query(
            "INSERT INTO instances (owner, first_seen, heartbeat_at) VALUES (?1, ?2, ?2) \
             ON CONFLICT (owner) DO NOTHING",
        )
        .bind(owner)
        .bind(now)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "UPDATE instances SET config_loaded_at = COALESCE(?2, config_loaded_at), \
             config_error = ?3, config_error_at = CASE WHEN ?3 IS NULL THEN NULL ELSE ?4 END \
             WHERE owner = ?1",
        )
        .bind(owner)
        .bind(loaded_at.map(ms))
        .bind(error)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn instances(&self, fresh_since: DateTime<Utc>) -> StoreResult<Vec<InstanceRecord>> {
        let rows = sqlx::query(
            "SELECT owner, heartbeat_at, config_loaded_at, config_error, config_error_at \
             FROM instances WHERE heartbeat_at >= ?1 ORDER BY owner",
        )
        .bind(ms(fresh_since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(instance_from_row).collect()
    }

    async fn get(&self, id_or_prefix: &str) -> StoreResult<RunRecord> {
        let exact = sqlx::query(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs WHERE id = ?1"
        ))
        .bind(id_or_prefix)
        .fetch_all(&self.pool)
        .await?;
        let rows = if !exact.is_empty() {
            exact
        } else if id_or_prefix.chars().count() >= 4 {
            // substr, not LIKE: LIKE is case-insensitive and treats `%`/`_` as wildcards.
            sqlx::query(concat!(
                "SELECT ",
                run_columns!(),
                " FROM runs WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT 2"
            ))
            .bind(id_or_prefix)
            .fetch_all(&self.pool)
            .await?
        } else {
            Vec::new()
        };
        match rows.len() {
            0 => Err(StoreError::NoSuchRun(id_or_prefix.to_owned())),
            1 => {
                let mut runs = self.records(rows).await?;
                runs.pop()
                    .ok_or_else(|| StoreError::NoSuchRun(id_or_prefix.to_owned()))
            }
            _ => Err(StoreError::Ambiguous(id_or_prefix.to_owned())),
        }
    }

    async fn list(&self, filter: &ListFilter) -> StoreResult<Vec<RunRecord>> {
        // SQLite reads a negative LIMIT as "no limit".
        let limit = filter.limit.map_or(-1, i64::from);
        let rows = sqlx::query(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs \
              WHERE (?1 = 0 OR state = 'failed') \
                AND (?2 IS NULL OR schedule = ?2) \
                AND (?3 IS NULL OR queued_at >= ?3) \
              ORDER BY queued_at DESC, id DESC \
              LIMIT ?4"
        ))
        .bind(filter.failed_only)
        .bind(&filter.schedule)
        .bind(opt_ms(filter.since))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        self.records(rows).await
    }

    async fn expired_files(&self, before: DateTime<Utc>) -> StoreResult<Vec<RunRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs \
              WHERE state IN ('succeeded', 'failed', 'skipped') \
                AND file_path IS NOT NULL AND file_removed = 0 \
                AND finished_at < ?1 \
              ORDER BY finished_at, id"
        ))
        .bind(ms(before))
        .fetch_all(&self.pool)
        .await?;
        self.records(rows).await
    }

    async fn mark_file_removed(&self, run_id: &str) -> StoreResult<()> {
        let result = sqlx::query("UPDATE runs SET file_removed = 1 WHERE id = ?1")
            .bind(run_id)
            .execute(&self.pool)
            .await?;
        expect_one(result, run_id)
    }

    async fn prune(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let result = sqlx::query(
            "DELETE FROM runs \
             WHERE state IN ('succeeded', 'failed', 'skipped') AND finished_at < ?1",
        )
        .bind(ms(before))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }
}

impl SqliteStore {
    /// `requeue` (`attempts` 1: another attempt) and `postpone` (0: waiting for data is not
    /// an attempt): the run goes back to queued until `not_before`, with `error` as the
    /// reason. The reservation is cleared too: it only lets `reportd trigger` start its own
    /// run at once; a retry may be taken by whichever process is alive when it is due.
    async fn back_to_queue(
        &self,
        run_id: &str,
        not_before: DateTime<Utc>,
        error: &ErrorInfo,
        attempts: i64,
    ) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE runs SET state = 'queued', attempt = attempt + ?6, not_before = ?2, \
                owner = NULL, reserved_for = NULL, started_at = NULL, finished_at = NULL, \
                error_code = ?3, error_message = ?4, error_hint = ?5 \
             WHERE id = ?1",
        )
        .bind(run_id)
        .bind(ms(not_before))
        .bind(&error.code)
        .bind(&error.message)
        .bind(&error.hint)
        .bind(attempts)
        .execute(&self.pool)
        .await?;
        expect_one(result, run_id)
    }
}
