//! PostgreSQL implementation of [`super::Store`]: the status store shared by several
//! `reportd` daemons (possibly on different hosts) that run one schedule set.
//!
//! The schema and every query mirror [`super::SqliteStore`] (same columns, times as BIGINT
//! unix milliseconds, rows decoded by the same code), so the two stores behave the same; the
//! schema lives in `daemon/migrations/postgres/*.sql` with the same version numbers.
//!
//! Concurrency between processes:
//! - **Claims** rely on `UNIQUE (schedule, fire_time)` and `INSERT ... ON CONFLICT DO
//!   NOTHING`: a second inserter of the same key waits for the first transaction and then
//!   inserts nothing (or inserts, if the first rolled back), so exactly one claim wins.
//! - **[`Store::try_start`]** cannot be one conditional `UPDATE` here as it is in SQLite.
//!   SQLite takes its database-wide write lock before evaluating the `WHERE` clause;
//!   PostgreSQL evaluates the `NOT EXISTS` checks against a snapshot and only locks the row
//!   it updates, so two daemons starting *different* runs of one portfolio at once would
//!   both see "nothing running" and both start (write skew), under READ COMMITTED and
//!   REPEATABLE READ alike. SERIALIZABLE would detect that, but only when every
//!   participating transaction is serializable, and it fails one of them with a
//!   serialization error that must be retried. Instead the `UPDATE` runs in a short
//!   transaction that first takes one transaction-scoped advisory lock
//!   ([`START_LOCK`]); the lock lives in the server, so it serializes every daemon on every
//!   host, and the `UPDATE`, a new statement under READ COMMITTED, takes its snapshot
//!   after the lock is granted and so sees every earlier start committed. Only `try_start`
//!   moves runs into `running`, so serializing it is enough for "one run at a time per
//!   schedule and per portfolio". It is one indexed `UPDATE`, so a single global lock costs
//!   nothing measurable at reportd's rate (a few starts a minute), has no lock-ordering
//!   deadlock, and, being transaction-scoped, also works behind a transaction-pooling
//!   PgBouncer. `lock_timeout` bounds the wait should a holder hang.
//! - **Migrations** run in one transaction under another advisory lock, so daemons starting
//!   together on an empty database migrate it exactly once.
//!
//! `max_parallel_runs` is a per-process limit (each daemon's own worker slots), enforced by
//! the run loop, not here.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgQueryResult, PgRow};

use super::rows::{
    delivery_from_row, error_cols, instance_from_row, ms, opt_ms, run_from_row, time, u64_to_i64,
};
use super::{
    DeliveryRecord, Generated, InstanceRecord, ListFilter, NewRun, RunRecord, RunState, Store,
    StoreError, StoreResult,
};
use crate::code::ErrorInfo;
use crate::secret::Secret;

/// Connections per daemon. Every store call is one short transaction; four let status
/// reads proceed next to the run loop's writes without loading a shared server.
const MAX_CONNECTIONS: u32 = 4;

/// How long getting a connection (connecting included) may take before the call fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// Bounds how long `try_start` waits for [`START_LOCK`] (10 s), for this transaction only.
const SET_LOCK_TIMEOUT: &str = "SET LOCAL lock_timeout = '10s'";

/// Advisory lock key serializing [`Store::try_start`] across every process on the database
/// ("reportd" in ASCII, then 1).
pub const START_LOCK: i64 = 0x7265_706f_7274_6401;

/// Advisory lock key serializing migrations ("reportd" in ASCII, then 2).
pub const MIGRATE_LOCK: i64 = 0x7265_706f_7274_6402;

/// Schema migrations, in order, with the same version numbers as the SQLite store's. A
/// version is applied once, inside the migration transaction; never edit a released file,
/// add a new one.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_instance_config.sql"),
    ),
];

/// The schema version this build writes: the last migration's.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The shared store. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: sqlx::PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host[:port]/db[?sslmode=...]`) and migrates the
    /// database. `password`, when given, replaces any password in the URL (configuration
    /// validation refuses a password given both ways). Errors never contain the URL nor the
    /// password.
    pub async fn connect(url: &str, password: Option<&Secret>) -> StoreResult<Self> {
        let mut options = connect_options(url)?.application_name("reportd");
        if let Some(password) = password {
            options = options.password(password.expose());
        }
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// The underlying pool (for diagnostics and tests).
    pub fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }

    /// The schema version recorded in the database.
    pub async fn schema_version(&self) -> StoreResult<i64> {
        let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_version")
            .fetch_one(&self.pool)
            .await?;
        Ok(v.unwrap_or(0))
    }

    /// Applies the missing migrations in one transaction holding [`MIGRATE_LOCK`], so
    /// several daemons opening an empty database at once migrate it exactly once (PostgreSQL
    /// DDL is transactional: a failed migration leaves nothing behind).
    async fn migrate(&self) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATE_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_version (\
                version BIGINT NOT NULL PRIMARY KEY, \
                applied_at BIGINT NOT NULL)",
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
            sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)")
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
        let rows = sqlx::query(
            "SELECT run_id, destination, state, attempts, remote_path, \
                    error_code, error_message, error_hint, updated_at \
             FROM deliveries \
             WHERE run_id = ANY($1) \
             ORDER BY seq",
        )
        .bind(&ids)
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
    async fn records(&self, rows: Vec<PgRow>) -> StoreResult<Vec<RunRecord>> {
        let runs = rows
            .iter()
            .map(run_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        self.with_deliveries(runs).await
    }
}

/// Parses a PostgreSQL URL. The error names what is wrong (a bad port, an unknown
/// `sslmode`) but never repeats the URL, which may hold a password.
pub fn connect_options(url: &str) -> StoreResult<PgConnectOptions> {
    PgConnectOptions::from_str(url).map_err(|e| StoreError::Url(e.to_string()))
}

/// Whether a PostgreSQL URL carries a password (`user:pw@host` or `?password=`), so that
/// configuration validation can refuse a password given both in the URL and in a
/// `password*` key.
pub fn url_has_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let in_userinfo = authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'));
    let in_query = rest[authority_end..]
        .split_once('?')
        .is_some_and(|(_, query)| {
            query
                .split(['&', '#'])
                .any(|pair| pair.starts_with("password="))
        });
    in_userinfo || in_query
}

/// `rows_affected == 0` on an update by id means the run does not exist.
fn expect_one(result: PgQueryResult, run_id: &str) -> StoreResult<()> {
    if result.rows_affected() == 0 {
        Err(StoreError::NoSuchRun(run_id.to_owned()))
    } else {
        Ok(())
    }
}

impl Store for PostgresStore {
    async fn claim(&self, run: &NewRun) -> StoreResult<bool> {
        let now = ms(Utc::now());
        // A run recorded as skipped is over the moment it is recorded; giving it a
        // finished_at lets `prune` age it out like any other terminal run.
        let finished_at = run.state.is_terminal().then_some(now);
        let fifo_at = run.fire_time.map_or(now, ms);
        // READ COMMITTED: an insert of a key another open transaction has just inserted
        // waits for that transaction, then conflicts (it committed) or inserts (it rolled
        // back). Either way exactly one claim of (schedule, fire_time) wins.
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO runs (id, schedule, source, report, portfolio, trigger_kind, \
                requested_by, fire_time, period_start, period_end, timezone, filters, state, \
                skip_reason, attempt, max_attempts, reserved_for, queued_at, fifo_at, \
                finished_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $16, \
                $17, $18, $19) \
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
                     VALUES ($1, $2, 'pending', 0, $3) \
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
            sqlx::query_scalar("SELECT MAX(fire_time) FROM runs WHERE schedule = $1")
                .bind(schedule)
                .fetch_one(&self.pool)
                .await?;
        v.map(|v| time("runs.fire_time", v)).transpose()
    }

    async fn has_active(&self, schedule: &str) -> StoreResult<bool> {
        let v: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM runs \
             WHERE schedule = $1 AND state IN ('queued', 'running'))",
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
                AND (not_before IS NULL OR not_before <= $2) \
                AND (reserved_for IS NULL OR reserved_for = $1) \
              ORDER BY fifo_at, id"
        ))
        .bind(owner)
        .bind(ms(Utc::now()))
        .fetch_all(&self.pool)
        .await?;
        self.records(rows).await
    }

    async fn try_start(&self, run_id: &str, owner: &str) -> StoreResult<bool> {
        // Why a lock and not the bare UPDATE: see the module documentation. The UPDATE is
        // the SQLite store's, word for word.
        //
        // An earlier queued run of the portfolio that is still waiting out a retry backoff
        // (`not_before` in the future) does not hold the portfolio: it is not ready to
        // start, and blocking on it would stall a customer's other reports for the whole
        // backoff.
        let mut tx = self.pool.begin().await?;
        sqlx::raw_sql(SET_LOCK_TIMEOUT).execute(&mut *tx).await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(START_LOCK)
            .execute(&mut *tx)
            .await?;
        // "now" is read after the lock is granted, so a start never carries an instant
        // earlier than the start it waited for.
        let result = sqlx::query(
            "UPDATE runs SET state = 'running', owner = $2, started_at = $3 \
             WHERE id = $1 \
               AND state = 'queued' \
               AND (reserved_for IS NULL OR reserved_for = $2) \
               AND (not_before IS NULL OR not_before <= $3) \
               AND NOT EXISTS (SELECT 1 FROM runs AS o \
                               WHERE o.schedule = runs.schedule AND o.state = 'running') \
               AND (runs.portfolio IS NULL OR NOT EXISTS ( \
                     SELECT 1 FROM runs AS o \
                     WHERE o.portfolio = runs.portfolio \
                       AND o.id <> runs.id \
                       AND (o.state = 'running' \
                            OR (o.state = 'queued' \
                                AND (o.not_before IS NULL OR o.not_before <= $3) \
                                AND (o.fifo_at < runs.fifo_at \
                                     OR (o.fifo_at = runs.fifo_at AND o.id < runs.id))))))",
        )
        .bind(run_id)
        .bind(owner)
        .bind(ms(Utc::now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(result.rows_affected() == 1)
    }

    async fn set_generated(&self, run_id: &str, generated: &Generated) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE runs SET file_name = $2, file_path = $3, file_bytes = $4, file_sha256 = $5, \
                file_removed = FALSE, row_count = $6, warnings = $7, meta = $8 \
             WHERE id = $1",
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
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
            "UPDATE runs SET state = $2, finished_at = $3, \
                error_code = $4, error_message = $5, error_hint = $6 \
             WHERE id = $1",
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
            "INSERT INTO instances (owner, first_seen, heartbeat_at) VALUES ($1, $2, $2) \
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
            sqlx::query_scalar("SELECT heartbeat_at FROM instances WHERE owner = $1")
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
            "INSERT INTO instances (owner, first_seen, heartbeat_at) VALUES ($1, $2, $2) \
             ON CONFLICT (owner) DO NOTHING",
        )
        .bind(owner)
        .bind(now)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "UPDATE instances SET config_loaded_at = COALESCE($2, config_loaded_at), \
             config_error = $3, config_error_at = CASE WHEN $3 IS NULL THEN NULL ELSE $4 END \
             WHERE owner = $1",
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
             FROM instances WHERE heartbeat_at >= $1 ORDER BY owner",
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
            " FROM runs WHERE id = $1"
        ))
        .bind(id_or_prefix)
        .fetch_all(&self.pool)
        .await?;
        let rows = if !exact.is_empty() {
            exact
        } else if id_or_prefix.chars().count() >= 4 {
            // substr, not LIKE: LIKE treats `%`/`_` as wildcards.
            sqlx::query(concat!(
                "SELECT ",
                run_columns!(),
                " FROM runs WHERE substr(id, 1, length($1)) = $1 ORDER BY id LIMIT 2"
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
        // PostgreSQL reads LIMIT NULL as "no limit".
        let limit = filter.limit.map(i64::from);
        let rows = sqlx::query(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs \
              WHERE (NOT $1 OR state = 'failed') \
                AND ($2::text IS NULL OR schedule = $2) \
                AND ($3::bigint IS NULL OR queued_at >= $3) \
              ORDER BY queued_at DESC, id DESC \
              LIMIT $4"
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
                AND file_path IS NOT NULL AND NOT file_removed \
                AND finished_at < $1 \
              ORDER BY finished_at, id"
        ))
        .bind(ms(before))
        .fetch_all(&self.pool)
        .await?;
        self.records(rows).await
    }

    async fn mark_file_removed(&self, run_id: &str) -> StoreResult<()> {
        let result = sqlx::query("UPDATE runs SET file_removed = TRUE WHERE id = $1")
            .bind(run_id)
            .execute(&self.pool)
            .await?;
        expect_one(result, run_id)
    }

    async fn prune(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let result = sqlx::query(
            "DELETE FROM runs \
             WHERE state IN ('succeeded', 'failed', 'skipped') AND finished_at < $1",
        )
        .bind(ms(before))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }
}

impl PostgresStore {
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
            "UPDATE runs SET state = 'queued', attempt = attempt + $6, not_before = $2, \
                owner = NULL, reserved_for = NULL, started_at = NULL, finished_at = NULL, \
                error_code = $3, error_message = $4, error_hint = $5 \
             WHERE id = $1",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_in_url_is_detected() {
        assert!(url_has_password("postgres://u:pw@h/db"));
        assert!(url_has_password(
            "postgres://u:p%40w@h:5432/db?sslmode=require"
        ));
        assert!(url_has_password(
            "postgres://u@h/db?sslmode=require&password=x"
        ));
        assert!(url_has_password("postgresql://u@h/db?password=x"));
        assert!(!url_has_password("postgres://u@h/db"));
        assert!(!url_has_password("postgres://u@h:5432/db?sslmode=require"));
        assert!(!url_has_password("postgres://h/db"));
        // A ':' in the host part is the port, not a password.
        assert!(!url_has_password("postgres://h:5432/db"));
        assert!(!url_has_password("postgres://u@h/db?application_name=a:b"));
    }

    #[test]
    fn bad_url_error_does_not_repeat_it() {
        let url = "postgres://u:hunter2@h:notaport/db";
        let e = connect_options(url)
            .map(|_| ())
            .err()
            .map(|e| e.to_string());
        assert!(
            e.as_deref().is_some_and(|e| !e.contains("hunter2")),
            "{e:?}"
        );
    }
}
