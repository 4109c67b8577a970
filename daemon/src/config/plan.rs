//! The validated configuration ([`Plan`]): what the rest of the daemon consumes. Built by
//! [`super::validate`] from the raw files; every value here is already checked (zones parsed,
//! cron expressions parsed, durations positive, references between sections resolved), so
//! consumers never re-validate.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;
use serde_json::{Map, Value as Json};

use crate::schedule::cron::CronExpr;
use crate::schedule::period::PeriodSpec;
use crate::secret::SecretSource;

/// The whole validated configuration.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The main file (`reportd.toml`) this plan was read from.
    pub main_file: PathBuf,
    /// Every file read (main file first, then `schedules.d/*.toml` in name order).
    pub files: Vec<PathBuf>,
    pub daemon: DaemonPlan,
    pub store: StorePlan,
    pub sources: BTreeMap<String, SourcePlan>,
    pub destinations: BTreeMap<String, DestinationPlan>,
    /// In file order, names unique.
    pub schedules: Vec<SchedulePlan>,
    /// Non-fatal findings (`reportd check` prints them): literal secrets in readable files...
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn schedule(&self, name: &str) -> Option<&SchedulePlan> {
        self.schedules.iter().find(|s| s.name == name)
    }
}

/// `[daemon]`.
#[derive(Debug, Clone)]
pub struct DaemonPlan {
    /// Default zone of schedules (`timezone`, default: the system zone from /etc/timezone
    /// or `TZ`, else UTC).
    pub timezone: Tz,
    /// Outbox and SQLite store live here (`state_dir`, default `/var/lib/reportd`, or
    /// `$STATE_DIRECTORY` under systemd). Relative paths are resolved against the main
    /// config file's directory.
    pub state_dir: PathBuf,
    /// Directories searched for `libreportd_<plugin>.so`, in order (`plugin_dir`, default:
    /// the directory of the `reportd` executable, then `/usr/lib/reportd/plugins`).
    pub plugin_dirs: Vec<PathBuf>,
    /// Runs executing at once, all schedules together (`max_parallel_runs`, default 4).
    pub max_parallel_runs: usize,
    /// How long generated files stay in the outbox for `reportd retry` (`keep_files`, 24h).
    pub keep_files: Duration,
    /// How long status entries are kept (`keep_history`, default 90d).
    pub keep_history: Duration,
    /// Default per-run generation timeout (`run_timeout`, default 30m).
    pub run_timeout: Duration,
    /// A fire time older than this when the loop sees it counts as missed and follows
    /// `catch_up` (`misfire_grace`, default 5m).
    pub misfire_grace: Duration,
}

/// `[store]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorePlan {
    /// `url = "sqlite:///path/reportd.db"` (default: `<state_dir>/reportd.db`).
    Sqlite { path: PathBuf },
    /// `url = "postgres://..."` — accepted by validation, built in a later release.
    Postgres { url: String },
}

/// `[sources.NAME]`.
#[derive(Debug, Clone)]
pub struct SourcePlan {
    pub name: String,
    /// Plugin name, e.g. `telephony` → `libreportd_telephony.so`.
    pub plugin: String,
    /// Every other key of the table, passed to the plugin, which validates it. Relative
    /// path strings are left as written; plugins resolve them against `config_dir`.
    pub settings: Map<String, Json>,
    /// Directory of the file that defined the source (for relative paths).
    pub config_dir: PathBuf,
}

/// `[destinations.NAME]`.
#[derive(Debug, Clone)]
pub struct DestinationPlan {
    pub name: String,
    pub kind: DestinationKind,
    /// Delivery retry policy (`retry = { attempts, initial, max_delay, max_elapsed }`).
    pub retry: RetryPolicy,
    /// Whole-delivery timeout (`timeout`, default 10m).
    pub timeout: Duration,
}

/// The destination types; the TOML `type` tag.
// One value per configured destination: the size difference between variants is irrelevant.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum DestinationKind {
    /// `type = "local"`: a directory on this machine.
    Local(LocalPlan),
    /// `type = "sftp"`: a directory on an SSH server (SFTP).
    Sftp(SftpPlan),
}

impl DestinationKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            DestinationKind::Local(_) => "local",
            DestinationKind::Sftp(_) => "sftp",
        }
    }
}

/// `type = "local"` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPlan {
    /// Target directory (`dir`), absolute after validation.
    pub dir: PathBuf,
    /// File mode of delivered files (`mode`, octal string, default `"0640"`).
    pub mode: u32,
    /// Create `dir` if missing (`create_dir`, default false).
    pub create_dir: bool,
}

/// `type = "sftp"` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SftpPlan {
    /// Server host name or IP address (`host`, required).
    pub host: String,
    /// SSH port (`port`, default 22).
    pub port: u16,
    /// Login name (`user`, required).
    pub user: String,
    /// Password (`password`, `password_file`, `password_env` or `password_credential`).
    /// Tried after the private key, when both are given.
    pub password: Option<SecretSource>,
    /// OpenSSH private key file (`private_key`): ed25519, ECDSA or RSA (signed with
    /// rsa-sha2-512/256). At least one of `private_key` and a password is required.
    pub private_key: Option<PathBuf>,
    /// Passphrase of an encrypted `private_key` (`passphrase`, `passphrase_file`,
    /// `passphrase_env` or `passphrase_credential`).
    pub passphrase: Option<SecretSource>,
    /// How the server's host key is verified (`known_hosts`, `host_key_fingerprint` or
    /// `insecure_accept_any_host_key = true`; exactly one). Keys are never learned on first use.
    pub host_key: HostKeyCheck,
    /// Remote directory (`dir`, required), as the server resolves it: absolute, or relative
    /// to the login directory.
    pub dir: String,
    /// Create `dir` (and missing parents) if it does not exist (`create_dir`, default false).
    pub create_dir: bool,
    /// Upload to `.<name>.part`, check its size, then rename it over `<name>` in one step
    /// (`atomic`, default true). `false` writes the final name directly, for servers that
    /// refuse renames; a reader may then see a partial file.
    pub atomic: bool,
    /// After the file is in place, write an empty `<name>.done` (`done_marker`, default false),
    /// for pickup scripts that wait for a marker.
    pub done_marker: bool,
    /// Limit for TCP connect, SSH handshake and login together (`connect_timeout`, default 15s).
    pub connect_timeout: Duration,
    /// An upload making no progress for this long fails, and is retried (`idle_timeout`,
    /// default 60s).
    pub idle_timeout: Duration,
    /// Ciphers to prefer, in order (`ciphers`, e.g. `["aes256-gcm@openssh.com"]`). Default:
    /// aes128-gcm, aes256-gcm, chacha20-poly1305, then aes-ctr.
    pub ciphers: Vec<String>,
}

/// How an SFTP destination verifies the server's host key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyCheck {
    /// An OpenSSH `known_hosts` file (`known_hosts`): plain or hashed entries, `[host]:port`,
    /// wildcards and negations; a key marked `@revoked` is refused.
    KnownHosts(PathBuf),
    /// A pinned `SHA256:...` fingerprint, as `ssh-keygen -lf` prints it
    /// (`host_key_fingerprint`).
    Fingerprint(String),
    /// Any key is accepted (`insecure_accept_any_host_key = true`); a warning is logged at
    /// each delivery. Only for tests and lab setups.
    InsecureAcceptAny,
}

/// Retry with exponential backoff and full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (`attempts`, default 5 for deliveries, 3 for runs).
    pub attempts: u32,
    /// First backoff ceiling (`initial`, default 5s).
    pub initial: Duration,
    /// Largest backoff ceiling (`max_delay`, default 5m).
    pub max_delay: Duration,
    /// Give up once this much time passed since the first attempt (`max_elapsed`, 1h).
    pub max_elapsed: Duration,
}

impl RetryPolicy {
    pub const DELIVERY_DEFAULT: RetryPolicy = RetryPolicy {
        attempts: 5,
        initial: Duration::from_secs(5),
        max_delay: Duration::from_secs(300),
        max_elapsed: Duration::from_secs(3600),
    };
    pub const RUN_DEFAULT: RetryPolicy = RetryPolicy {
        attempts: 3,
        initial: Duration::from_secs(30),
        max_delay: Duration::from_secs(600),
        max_elapsed: Duration::from_secs(6 * 3600),
    };
}

/// `catch_up` — what to do with fire times missed while the daemon was down or suspended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// Run the most recent missed fire time; record the others as skipped (default).
    Latest,
    /// Run every missed fire time within the window, oldest first.
    All,
    /// Run none; record them as skipped.
    None,
}

/// `overlap` — a fire time arriving while the schedule's previous run is not finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlap {
    /// Wait for the previous run (default).
    Queue,
    /// Record the new fire time as skipped.
    Skip,
}

/// Output format of a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Csv(CsvDialect),
}

impl Format {
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Csv(_) => "csv",
        }
    }
}

/// Header language of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "pt-BR")]
    PtBr,
    #[serde(rename = "es")]
    Es,
}

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::PtBr => "pt-BR",
            Lang::Es => "es",
        }
    }
}

/// Where report metadata (definitions used, thresholds, warnings) goes in a CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsvMetadata {
    /// After the data, one blank line, then `# key: value` lines (default).
    Footer,
    /// Not in the file (still in the status entry).
    None,
}

/// `csv = { ... }` of a schedule. Serializable: it travels to the worker process.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CsvDialect {
    /// Field delimiter (`delimiter`, one ASCII char, default `,`).
    pub delimiter: u8,
    /// Write a UTF-8 byte-order mark (`bom`, default false) — Excel needs it for accents.
    pub bom: bool,
    /// Decimal separator (`decimal`, `.` or `,`, default `.`).
    pub decimal: char,
    /// chrono format of dates (`date_format`, default `%Y-%m-%d`).
    pub date_format: String,
    /// chrono format of date-times (`datetime_format`, default `%Y-%m-%d %H:%M:%S`).
    pub datetime_format: String,
    /// Header language (`lang`, `en` | `pt-BR` | `es`, default `pt-BR`).
    pub lang: Lang,
    /// Durations as `hh:mm:ss` instead of whole seconds (`duration = "hms" | "seconds"`,
    /// default seconds, as Score's Excel files do).
    pub duration_hms: bool,
    /// Line terminator CRLF (`crlf`, default false).
    pub crlf: bool,
    pub metadata: CsvMetadata,
}

impl Default for CsvDialect {
    fn default() -> Self {
        Self {
            delimiter: b',',
            bom: false,
            decimal: '.',
            date_format: "%Y-%m-%d".to_owned(),
            datetime_format: "%Y-%m-%d %H:%M:%S".to_owned(),
            lang: Lang::PtBr,
            duration_hms: false,
            crlf: false,
            metadata: CsvMetadata::Footer,
        }
    }
}

/// `[[schedule]]`.
#[derive(Debug, Clone)]
pub struct SchedulePlan {
    /// Unique across all files; `[A-Za-z0-9._-]+`.
    pub name: String,
    /// File that defined it.
    pub file: PathBuf,
    pub enabled: bool,
    pub cron: CronExpr,
    pub timezone: Tz,
    /// Name of a `[sources.X]`.
    pub source: String,
    /// Report id, e.g. `telephony.service_level` (checked against the catalog at build).
    pub report: String,
    pub period: PeriodSpec,
    /// `filters = {...}`, passed to the plugin as params.
    pub filters: Map<String, Json>,
    /// Runs of one portfolio never overlap (FIFO).
    pub portfolio: Option<String>,
    pub format: Format,
    /// File-name template (validated).
    pub filename: crate::render::filename::Template,
    /// Destination names, each a key of `destinations`; at least one.
    pub deliver: Vec<String>,
    pub catch_up: CatchUp,
    /// How far back missed fire times are considered (`catch_up_window`, default 24h).
    pub catch_up_window: Duration,
    pub overlap: Overlap,
    /// Generation timeout (`timeout`, default daemon `run_timeout`).
    pub timeout: Duration,
    /// Run-level retry (generation failures that are transient, `DAEMON_STOPPED`).
    pub retry: RetryPolicy,
}
