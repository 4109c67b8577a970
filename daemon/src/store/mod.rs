//! Status entries: every run (queued → running → succeeded | failed, or skipped) and one
//! delivery row per destination, behind the [`Store`] trait.
//!
//! The store is also the coordination point between several `reportd` processes (a daemon
//! and `reportd trigger`, or several daemons on PostgreSQL): fire times are claimed with a
//! unique key, runs start through an atomic conditional update that enforces "one run at a
//! time per portfolio and per schedule, FIFO", and running runs carry their owner so that
//! the runs of a dead process can be told from live ones.
//!
//! Two backends implement it with the same schema and the same semantics: [`SqliteStore`]
//! (default, one host) and [`PostgresStore`] (several daemons, possibly on different hosts,
//! sharing one schedule set). [`open`] builds the configured one as a [`StatusStore`].

#[macro_use]
mod rows;
pub mod postgres;
pub mod sqlite;

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::code::ErrorInfo;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::config::StorePlan;

/// Lifecycle state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Skipped,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => RunState::Queued,
            "running" => RunState::Running,
            "succeeded" => RunState::Succeeded,
            "failed" => RunState::Failed,
            "skipped" => RunState::Skipped,
            _ => return None,
        })
    }

    /// The label support staff see, in `en`, `pt-BR` or `es`.
    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang) {
            (RunState::Queued, "pt-BR") => "Aguardando",
            (RunState::Running, "pt-BR") => "Em processamento",
            (RunState::Succeeded, "pt-BR") => "Finalizado",
            (RunState::Failed, "pt-BR") => "Falha",
            (RunState::Skipped, "pt-BR") => "Ignorado",
            (RunState::Queued, "es") => "En espera",
            (RunState::Running, "es") => "En proceso",
            (RunState::Succeeded, "es") => "Finalizado",
            (RunState::Failed, "es") => "Fallido",
            (RunState::Skipped, "es") => "Omitido",
            (RunState::Queued, _) => "Waiting",
            (RunState::Running, _) => "Processing",
            (RunState::Succeeded, _) => "Finished",
            (RunState::Failed, _) => "Failed",
            (RunState::Skipped, _) => "Skipped",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunState::Succeeded | RunState::Failed | RunState::Skipped
        )
    }
}

/// Why a run exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Its cron fire time came.
    Cron,
    /// A fire time missed while the daemon was down, run late per `catch_up`.
    CatchUp,
    /// `reportd trigger` (see `requested_by`).
    Manual,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Cron => "cron",
            Trigger::CatchUp => "catch_up",
            Trigger::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "cron" => Trigger::Cron,
            "catch_up" => Trigger::CatchUp,
            "manual" => Trigger::Manual,
            _ => return None,
        })
    }
}

/// Delivery state of one destination of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Succeeded,
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Succeeded => "succeeded",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => DeliveryState::Pending,
            "succeeded" => DeliveryState::Succeeded,
            "failed" => DeliveryState::Failed,
            _ => return None,
        })
    }
}

/// A run about to be recorded (claimed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRun {
    /// Unique id: 16 random hex digits (a prefix of 6+ digits is enough for `reportd show`).
    pub id: String,
    pub schedule: String,
    pub source: String,
    pub report: String,
    pub portfolio: Option<String>,
    pub trigger: Trigger,
    /// Who asked (`reportd trigger`: `user@host`), else None.
    pub requested_by: Option<String>,
    /// The scheduled fire instant; `None` for manual runs. `(schedule, fire_time)` is unique.
    pub fire_time: Option<DateTime<Utc>>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// IANA zone of the period (and of the report's local times).
    pub timezone: String,
    /// The schedule's filters, JSON object text.
    pub filters: String,
    /// Destination names; a pending delivery row is created for each.
    pub destinations: Vec<String>,
    /// `Queued`, or `Skipped` with `skip_reason`.
    pub state: RunState,
    pub skip_reason: Option<String>,
    /// Total attempts allowed for the run (run-level retry policy).
    pub max_attempts: u32,
    /// When set, only this owner may start the run (used by `reportd trigger`).
    pub reserved_for: Option<String>,
}

/// The generated file of a run, kept in the outbox for `keep_files`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// Plain file name delivered to destinations.
    pub name: String,
    /// Absolute path in the outbox.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// What generation produced, recorded once the file is complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generated {
    pub file: FileInfo,
    pub rows: u64,
    /// JSON array of plugin warnings.
    pub warnings: String,
    /// JSON object of report metadata (definitions, thresholds).
    pub meta: String,
}

/// One destination of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    pub destination: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub remote_path: Option<String>,
    pub last_error: Option<ErrorInfo>,
    pub updated_at: DateTime<Utc>,
}

/// A status entry as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: String,
    pub schedule: String,
    pub source: String,
    pub report: String,
    pub portfolio: Option<String>,
    pub trigger: Trigger,
    pub requested_by: Option<String>,
    pub fire_time: Option<DateTime<Utc>>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub timezone: String,
    pub filters: String,
    pub state: RunState,
    pub skip_reason: Option<String>,
    /// 1 for the first attempt.
    pub attempt: u32,
    pub max_attempts: u32,
    /// A queued retry does not start before this.
    pub not_before: Option<DateTime<Utc>>,
    pub owner: Option<String>,
    pub reserved_for: Option<String>,
    pub queued_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub rows: Option<u64>,
    pub file: Option<FileInfo>,
    /// Set once the kept file was removed from the outbox.
    pub file_removed: bool,
    /// JSON array text (plugin warnings), `[]` when none.
    pub warnings: String,
    /// JSON object text (report metadata), `{}` when none.
    pub meta: String,
    pub error: Option<ErrorInfo>,
    pub deliveries: Vec<DeliveryRecord>,
}

/// A live `reportd` process as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceRecord {
    pub owner: String,
    pub heartbeat_at: DateTime<Utc>,
    pub config_loaded_at: Option<DateTime<Utc>>,
    /// Errors of the last rejected reload (the process keeps its previous configuration).
    pub config_error: Option<String>,
    pub config_error_at: Option<DateTime<Utc>>,
}

/// Filter of `reportd status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub failed_only: bool,
    pub schedule: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
}

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("store migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the store directory {path}: {source}")]
    Dir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("corrupt value in store column {column}: {value}")]
    Corrupt { column: &'static str, value: String },
    /// The PostgreSQL password could not be read (the message never holds the value).
    #[error("store password: {0}")]
    Password(#[from] crate::secret::SecretError),
    /// The PostgreSQL URL does not parse (checked by validation too; the URL is not repeated,
    /// it may hold a password).
    #[error("invalid store url: {0}")]
    Url(String),
    #[error("no run {0}")]
    NoSuchRun(String),
    #[error("run id prefix {0} is ambiguous")]
    Ambiguous(String),
    /// The database was written by a newer reportd (its schema version is higher than
    /// this build knows); refuse rather than corrupt it.
    #[error(
        "the store has schema version {found}, this reportd supports up to {supported}; upgrade reportd"
    )]
    SchemaTooNew { found: i64, supported: i64 },
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The status store. Every method is one short transaction. Times round-trip at
/// millisecond precision. Updates of a run by id answer [`StoreError::NoSuchRun`] when it
/// does not exist.
pub trait Store: Send + Sync + 'static {
    /// Records a run (claim). For runs with a `fire_time`, at most one row per
    /// `(schedule, fire_time)` ever exists: returns `false` when another process (or an earlier
    /// life of this one) already claimed it. Creates one pending delivery row per destination
    /// (none for a run recorded as `Skipped`, which also gets `finished_at` = now so that
    /// `prune` ages it out).
    fn claim(&self, run: &NewRun) -> impl Future<Output = StoreResult<bool>> + Send;

    /// The latest claimed fire time of a schedule (any state), if any.
    fn last_fire(
        &self,
        schedule: &str,
    ) -> impl Future<Output = StoreResult<Option<DateTime<Utc>>>> + Send;

    /// Whether the schedule has a queued or running run.
    fn has_active(&self, schedule: &str) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Queued runs whose `not_before` has passed, oldest fire/queue time first, that `owner`
    /// may start (unreserved or reserved for it).
    fn startable(&self, owner: &str) -> impl Future<Output = StoreResult<Vec<RunRecord>>> + Send;

    /// Atomically moves a queued run to running, owned by `owner`, only if no other run of
    /// the same schedule or the same portfolio is running and no earlier queued run of the
    /// same portfolio is waiting (FIFO by fire time, else queue time, then id). An earlier
    /// queued run still waiting out a retry backoff (`not_before` in the future) does not
    /// hold the portfolio. The run must itself be startable by `owner` (see
    /// [`Store::startable`]). Sets `owner` and `started_at`; increments nothing. Returns
    /// whether it started.
    fn try_start(
        &self,
        run_id: &str,
        owner: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Records the generated file, row count, warnings and metadata.
    fn set_generated(
        &self,
        run_id: &str,
        generated: &Generated,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Updates one delivery row (inserted when the run has no row for that destination).
    fn set_delivery(
        &self,
        run_id: &str,
        delivery: &DeliveryRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Ends a running run: `Succeeded` or `Failed` (with error). Sets `finished_at` = now and
    /// replaces the error (`None` clears it).
    fn finish(
        &self,
        run_id: &str,
        state: RunState,
        error: Option<&ErrorInfo>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Puts a failed or running run back to queued for another attempt (`attempt += 1`),
    /// not before `not_before`, keeping its file and delivery rows. The error stays visible
    /// until the next attempt ends. Clears `owner`, `started_at`, `finished_at` and
    /// `reserved_for` (a retry may be started by any live process).
    fn requeue(
        &self,
        run_id: &str,
        not_before: DateTime<Utc>,
        error: &ErrorInfo,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Puts a running run back in the queue, not before `not_before`, *without* counting an
    /// attempt: the run is waiting for its source's data (`DATA_NOT_READY`), which is not a
    /// failure. Otherwise like [`Store::requeue`]; the error says what it waits for.
    fn postpone(
        &self,
        run_id: &str,
        not_before: DateTime<Utc>,
        error: &ErrorInfo,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Every run in state running, whatever its owner (the caller decides which owners are
    /// dead and fails or requeues their runs).
    fn running(&self) -> impl Future<Output = StoreResult<Vec<RunRecord>>> + Send;

    /// Queued runs reserved for one process (`reportd trigger`), whatever the owner: a
    /// reservation whose process died must be released by someone, or it would hold up its
    /// portfolio forever.
    fn reserved_queued(&self) -> impl Future<Output = StoreResult<Vec<RunRecord>>> + Send;

    /// Refreshes this process's liveness row (owner id, heartbeat now).
    fn heartbeat(&self, owner: &str) -> impl Future<Output = StoreResult<()>> + Send;

    /// Last heartbeat of an owner.
    fn last_heartbeat(
        &self,
        owner: &str,
    ) -> impl Future<Output = StoreResult<Option<DateTime<Utc>>>> + Send;

    /// Records which configuration a process runs: `loaded_at` when a configuration was
    /// (re)loaded, `error` the full text of a rejected reload (None clears it).
    fn set_config_status(
        &self,
        owner: &str,
        loaded_at: Option<DateTime<Utc>>,
        error: Option<&str>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Processes whose heartbeat is at or after `fresh_since`.
    fn instances(
        &self,
        fresh_since: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Vec<InstanceRecord>>> + Send;

    /// One run by id or unique id prefix (at least 4 characters), with its deliveries:
    /// [`StoreError::NoSuchRun`] or [`StoreError::Ambiguous`] otherwise.
    fn get(&self, id_or_prefix: &str) -> impl Future<Output = StoreResult<RunRecord>> + Send;

    /// Runs, newest first (by queue time), with their deliveries. `failed_only` keeps state
    /// `failed`; `since` keeps runs queued at or after it.
    fn list(&self, filter: &ListFilter)
    -> impl Future<Output = StoreResult<Vec<RunRecord>>> + Send;

    /// Runs whose kept file is older than `before` (finished before it) and not yet removed.
    fn expired_files(
        &self,
        before: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Vec<RunRecord>>> + Send;

    /// Marks a run's kept file as removed.
    fn mark_file_removed(&self, run_id: &str) -> impl Future<Output = StoreResult<()>> + Send;

    /// Deletes terminal runs (and their deliveries) finished before `before`; returns how many.
    /// Remove their kept files first (`expired_files`): a pruned run's file is forgotten.
    fn prune(&self, before: DateTime<Utc>) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// Opens the configured store: the SQLite file, or a pool on the PostgreSQL database
/// (password from the `[store]` secret or the URL). Migrates the schema in both cases.
pub async fn open(plan: &StorePlan) -> StoreResult<StatusStore> {
    Ok(match plan {
        StorePlan::Sqlite { path } => StatusStore::Sqlite(SqliteStore::open(path).await?),
        StorePlan::Postgres { url, password } => {
            let password = password.as_ref().map(|p| p.resolve()).transpose()?;
            StatusStore::Postgres(PostgresStore::connect(url.expose(), password.as_ref()).await?)
        }
    })
}

/// The store a process runs with: one of the two backends, chosen by `[store] url`.
/// Cheap to clone (both hold a shared pool).
#[derive(Debug, Clone)]
pub enum StatusStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

/// Forwards one [`Store`] method to the backend.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            StatusStore::Sqlite(s) => s.$method($($arg),*).await,
            StatusStore::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl Store for StatusStore {
    async fn claim(&self, run: &NewRun) -> StoreResult<bool> {
        dispatch!(self.claim(run))
    }
    async fn last_fire(&self, schedule: &str) -> StoreResult<Option<DateTime<Utc>>> {
        dispatch!(self.last_fire(schedule))
    }
    async fn has_active(&self, schedule: &str) -> StoreResult<bool> {
        dispatch!(self.has_active(schedule))
    }
    async fn startable(&self, owner: &str) -> StoreResult<Vec<RunRecord>> {
        dispatch!(self.startable(owner))
    }
    async fn try_start(&self, run_id: &str, owner: &str) -> StoreResult<bool> {
        dispatch!(self.try_start(run_id, owner))
    }
    async fn set_generated(&self, run_id: &str, generated: &Generated) -> StoreResult<()> {
        dispatch!(self.set_generated(run_id, generated))
    }
    async fn set_delivery(&self, run_id: &str, delivery: &DeliveryRecord) -> StoreResult<()> {
        dispatch!(self.set_delivery(run_id, delivery))
    }
    async fn finish(
        &self,
        run_id: &str,
        state: RunState,
        error: Option<&ErrorInfo>,
    ) -> StoreResult<()> {
        dispatch!(self.finish(run_id, state, error))
    }
    async fn requeue(
        &self,
        run_id: &str,
        not_before: DateTime<Utc>,
        error: &ErrorInfo,
    ) -> StoreResult<()> {
        dispatch!(self.requeue(run_id, not_before, error))
    }
    async fn postpone(
        &self,
        run_id: &str,
        not_before: DateTime<Utc>,
        error: &ErrorInfo,
    ) -> StoreResult<()> {
        dispatch!(self.postpone(run_id, not_before, error))
    }
    async fn running(&self) -> StoreResult<Vec<RunRecord>> {
        dispatch!(self.running())
    }
    async fn reserved_queued(&self) -> StoreResult<Vec<RunRecord>> {
        dispatch!(self.reserved_queued())
    }
    async fn heartbeat(&self, owner: &str) -> StoreResult<()> {
        dispatch!(self.heartbeat(owner))
    }
    async fn last_heartbeat(&self, owner: &str) -> StoreResult<Option<DateTime<Utc>>> {
        dispatch!(self.last_heartbeat(owner))
    }
    async fn set_config_status(
        &self,
        owner: &str,
        loaded_at: Option<DateTime<Utc>>,
        error: Option<&str>,
    ) -> StoreResult<()> {
        dispatch!(self.set_config_status(owner, loaded_at, error))
    }
    async fn instances(&self, fresh_since: DateTime<Utc>) -> StoreResult<Vec<InstanceRecord>> {
        dispatch!(self.instances(fresh_since))
    }
    async fn get(&self, id_or_prefix: &str) -> StoreResult<RunRecord> {
        dispatch!(self.get(id_or_prefix))
    }
    async fn list(&self, filter: &ListFilter) -> StoreResult<Vec<RunRecord>> {
        dispatch!(self.list(filter))
    }
    async fn expired_files(&self, before: DateTime<Utc>) -> StoreResult<Vec<RunRecord>> {
        dispatch!(self.expired_files(before))
    }
    async fn mark_file_removed(&self, run_id: &str) -> StoreResult<()> {
        dispatch!(self.mark_file_removed(run_id))
    }
    async fn prune(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        dispatch!(self.prune(before))
    }
}
