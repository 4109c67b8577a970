//! The validated configuration ([`Plan`]): what the rest of the daemon consumes. Built by
//! [`super::validate`] from the raw files; every value here is already checked (zones parsed,
//! cron expressions parsed, durations positive, references between sections resolved), so
//! consumers never re-validate.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value as Json};

use crate::schedule::cron::CronExpr;
use crate::schedule::period::PeriodSpec;
use crate::secret::{Secret, SecretSource};

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
    /// On SIGTERM, how long runs in flight may finish before they are cancelled and recorded
    /// as interrupted (`shutdown_timeout`, default 60s — keep it below systemd's
    /// `TimeoutStopSec`, 90s in the shipped unit).
    pub shutdown_timeout: Duration,
}

/// `[store]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorePlan {
    /// `url = "sqlite:///path/reportd.db"` (default: `<state_dir>/reportd.db`).
    Sqlite { path: PathBuf },
    /// `url = "postgres://..."`: several daemons sharing one database. The URL is a
    /// [`Secret`] because it may hold the password (it never prints); `password` is the
    /// `password|password_file|password_env|password_credential` key, read when the store
    /// is opened.
    Postgres {
        url: Secret,
        password: Option<SecretSource>,
    },
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
#[derive(Debug, Clone)]
pub enum DestinationKind {
    /// `type = "local"`: a directory on this machine.
    Local(LocalPlan),
    /// `type = "email"`: an e-mail with the report attached, sent through an SMTP server.
    /// Boxed: it is much larger than the other variants.
    Email(Box<EmailPlan>),
    /// `type = "ftp"`: an FTP server, over explicit TLS (FTPES), implicit TLS (FTPS) or plain.
    Ftp(FtpPlan),
    /// `type = "sftp"`: a directory on an SSH server (SFTP).
    Sftp(SftpPlan),
}

impl DestinationKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            DestinationKind::Local(_) => "local",
            DestinationKind::Email(_) => "email",
            DestinationKind::Ftp(_) => "ftp",
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

/// `tls` of an e-mail destination: how the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTls {
    /// `"starttls"` (default, port 587): plain connect, then STARTTLS, which is required —
    /// a server that does not offer it is an error, never a silent downgrade.
    StartTls,
    /// `"implicit"` (port 465, "SMTPS"): TLS from the first byte.
    Implicit,
    /// `"none"` (port 25): no encryption. Only by explicit choice; every delivery logs a
    /// warning, and AUTH is refused unless `allow_plain_auth = true`.
    None,
}

impl EmailTls {
    /// The TOML spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailTls::StartTls => "starttls",
            EmailTls::Implicit => "implicit",
            EmailTls::None => "none",
        }
    }

    /// The usual port of the mode: 587, 465 or 25.
    pub fn default_port(self) -> u16 {
        match self {
            EmailTls::StartTls => 587,
            EmailTls::Implicit => 465,
            EmailTls::None => 25,
        }
    }
}

/// `oversize` of an e-mail destination: what to do with a report larger than
/// `max_attachment_size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversize {
    /// `"fail"` (default): the delivery fails with `SMTP_SIZE`; no mail is sent.
    Fail,
    /// `"zip"`: attach `<name>.zip` (deflate) instead; still too big → `SMTP_SIZE`.
    Zip,
}

/// `type = "email"` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailPlan {
    /// SMTP server name or IP address (`host`).
    pub host: String,
    /// SMTP port (`port`, default by `tls`: 587 starttls, 465 implicit, 25 none).
    pub port: u16,
    /// Connection protection (`tls = "starttls" | "implicit" | "none"`, default starttls).
    pub tls: EmailTls,
    /// Allow AUTH (the password) over a connection without TLS (`allow_plain_auth`,
    /// default false; only meaningful with `tls = "none"`).
    pub allow_plain_auth: bool,
    /// PEM file of the CA(s) to trust for the server's certificate, in addition to the
    /// system's roots (`ca_file`), e.g. a company's internal CA.
    pub ca_file: Option<PathBuf>,
    /// Accept any server certificate (`insecure_skip_verify`, default false). Defeats TLS
    /// against an active attacker; logged as a warning at every delivery.
    pub insecure_skip_verify: bool,
    /// Login name for SMTP AUTH (`user`); without it no AUTH is attempted.
    pub user: Option<String>,
    /// The password (`password`, `password_file`, `password_env` or
    /// `password_credential`); required with `user`. Read at delivery time.
    pub password: Option<crate::secret::SecretSource>,
    /// Sender mailbox, RFC 5322 (`from = "Reports <reports@example.com>"`).
    pub from: lettre::message::Mailbox,
    /// Recipients (`to`, a string or a non-empty list of mailboxes).
    pub to: Vec<lettre::message::Mailbox>,
    /// Copy recipients (`cc`, optional list).
    pub cc: Vec<lettre::message::Mailbox>,
    /// Blind-copy recipients (`bcc`, optional list): they receive the mail but appear in
    /// no header.
    pub bcc: Vec<lettre::message::Mailbox>,
    /// Where replies go (`reply_to`, optional mailbox).
    pub reply_to: Option<lettre::message::Mailbox>,
    /// Subject template (`subject`, default `"{report} — {period_start:%Y-%m-%d}"`).
    /// Placeholders: `{schedule}`, `{report}`, `{run_id}`, `{file}`, `{rows}`, `{bytes}`,
    /// `{period_start:FMT}`, `{period_end:FMT}`, `{period_last:FMT}` (FMT a chrono format,
    /// default `%Y-%m-%d`); `{{`/`}}` for literal braces.
    pub subject: crate::deliver::email::template::MailTemplate,
    /// Plain-text body template (`body`, same placeholders; default: a short pt-BR and
    /// English text naming the report, period, rows and file).
    pub body: crate::deliver::email::template::MailTemplate,
    /// Largest attachment sent as is, in bytes (`max_attachment_size`, a size such as
    /// `"25MiB"`, default `"20MiB"`). Mind that base64 makes the mail about 4/3 larger.
    pub max_attachment_size: u64,
    /// What to do with a larger report (`oversize = "fail" | "zip"`, default fail).
    pub oversize: Oversize,
    /// Time allowed to open the TCP connection (`connect_timeout`, default 15s). The whole
    /// send is bounded by the destination's `timeout`.
    pub connect_timeout: Duration,
}

/// `type = "ftp"` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpPlan {
    /// Server host name or IP address (`host`). With TLS, the server's certificate must be
    /// valid for this name.
    pub host: String,
    /// Control connection port (`port`, default 21, or 990 with `tls = "implicit"`).
    pub port: u16,
    /// Login name (`user`).
    pub user: String,
    /// The login password (`password`, `password_file`, `password_env` or
    /// `password_credential`), read at each delivery; never logged.
    pub password: crate::secret::SecretSource,
    /// Encryption (`tls`, default `"explicit"`): `"explicit"` (FTPES: `AUTH TLS` on the normal
    /// port), `"implicit"` (FTPS: TLS from the first byte, usually port 990) or `"none"`
    /// (plain FTP: password and report cross the network readable; warned at each delivery).
    pub tls: FtpTls,
    /// PEM file with the CA certificate(s) that signed the server's certificate (`ca_file`);
    /// default: the system's trusted CAs.
    pub ca_file: Option<PathBuf>,
    /// Accept any server certificate (`insecure_skip_verify`, default false). Anyone on the
    /// path can then read the password and the reports; warned at each delivery.
    pub insecure_skip_verify: bool,
    /// Highest TLS version to use (`tls_max_version = "1.2"`), for servers that fail with
    /// TLS 1.3; default: TLS 1.3 with 1.2 as fallback.
    pub tls_max_version: Option<TlsVersion>,
    /// Remote directory (`dir`), absolute or relative to the login directory; default: the
    /// login directory.
    pub dir: Option<String>,
    /// Create `dir` (and its parents) when missing (`create_dir`, default false).
    pub create_dir: bool,
    /// Upload as `.<name>.part`, check its size, then rename it to `<name>` (`atomic`, default
    /// true), so the customer never picks up a half-written file. Set false for servers that
    /// refuse renames: the file is then written under its final name directly, and an
    /// interrupted transfer leaves a partial file there until the retry replaces it.
    pub atomic: bool,
    /// After the file is in place, also upload an empty marker file (`done_marker`, e.g.
    /// `"{name}.done"`; `{name}` is the delivered file name), for pickup scripts that wait
    /// for one.
    pub done_marker: Option<String>,
    /// Time allowed to connect and get the server's greeting (`connect_timeout`, default 15s).
    pub connect_timeout: Duration,
    /// Longest silence allowed from the server once connected, per command or per block of
    /// data (`idle_timeout`, default 60s).
    pub idle_timeout: Duration,
    /// Passive mode command (`passive`, default `"epsv"`, falling back to PASV when the server
    /// refuses EPSV; `"pasv"` for servers or firewalls that mishandle EPSV). Data connections
    /// go to the control connection's address, whatever address a PASV reply names.
    pub passive: FtpPassive,
}

/// `tls` of an FTP destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FtpTls {
    /// `"explicit"` (FTPES): connect in clear, `AUTH TLS`, then everything encrypted.
    Explicit,
    /// `"implicit"` (FTPS): TLS from the first byte.
    Implicit,
    /// `"none"`: plain FTP.
    None,
}

impl FtpTls {
    /// The URL scheme used in receipts and messages.
    pub fn scheme(self) -> &'static str {
        match self {
            FtpTls::Explicit => "ftpes",
            FtpTls::Implicit => "ftps",
            FtpTls::None => "ftp",
        }
    }
}

/// `passive` of an FTP destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FtpPassive {
    /// `"epsv"`: EPSV, falling back to PASV if the server does not know it.
    Epsv,
    /// `"pasv"`: PASV only.
    Pasv,
}

/// A TLS protocol version (`tls_max_version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    /// `"1.2"`.
    V1_2,
    /// `"1.3"`.
    V1_3,
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

/// Output format of a schedule (`format = "csv" | "xlsx"` with its `csv = {...}` or
/// `xlsx = {...}` options). Compression is not part of it: it applies to any format and is
/// the schedule's [`SchedulePlan::compress`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Csv(CsvDialect),
    Xlsx(XlsxOptions),
}

impl Format {
    /// The file extension of the uncompressed file (`csv`, `xlsx`).
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Csv(_) => "csv",
            Format::Xlsx(_) => "xlsx",
        }
    }

    /// The extension with compression: `csv`, `csv.gz`, `xlsx.zip`... (the `{ext}` of
    /// file-name templates).
    pub fn extension_with(&self, compress: Compression) -> &'static str {
        match (self, compress) {
            (Format::Csv(_), Compression::None) => "csv",
            (Format::Csv(_), Compression::Gzip) => "csv.gz",
            (Format::Csv(_), Compression::Zip) => "csv.zip",
            (Format::Xlsx(_), Compression::None) => "xlsx",
            (Format::Xlsx(_), Compression::Gzip) => "xlsx.gz",
            (Format::Xlsx(_), Compression::Zip) => "xlsx.zip",
        }
    }
}

/// `compress` of a schedule: applied to the finished file, whatever its format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// The file as rendered (default).
    #[default]
    None,
    /// gzip (`.gz`): one member, the original name in its header.
    Gzip,
    /// A zip archive (`.zip`) holding one deflated entry named as the file without `.zip`.
    Zip,
}

impl Compression {
    /// The suffix it adds to a file name (`""`, `.gz`, `.zip`).
    pub fn suffix(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip => ".gz",
            Compression::Zip => ".zip",
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

/// Where report metadata goes in an XLSX file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum XlsxMetadata {
    /// A last worksheet `Info` with key/value rows: the plugin's meta items, rows, period,
    /// generated_by (default).
    Sheet,
    /// Not in the file (still in the status entry).
    None,
}

/// `xlsx = { ... }` of a schedule. Serializable: it travels to the worker process.
///
/// Cells are real Excel values (numbers, dates, booleans); the formats below are Excel
/// number formats, not chrono ones, because Excel does the rendering.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct XlsxOptions {
    /// Header language, also of the default sheet name (`lang`, `en` | `pt-BR` | `es`,
    /// default `pt-BR`).
    pub lang: Lang,
    /// Excel number format of date columns (`date_format`, default `yyyy-mm-dd`; pt-BR
    /// readers may prefer `dd/mm/yyyy`).
    pub date_format: String,
    /// Excel number format of date-time columns (`datetime_format`, default
    /// `yyyy-mm-dd hh:mm:ss`).
    pub datetime_format: String,
    /// Worksheet name (`sheet_name`, at most 31 characters, none of `[]:*?/\`; default:
    /// the report's title in `lang`, cut to 31 characters with those characters replaced).
    pub sheet_name: Option<String>,
    /// `duration_s` columns as Excel times shown `[h]:mm:ss` instead of whole seconds
    /// (`duration = "hms" | "seconds"`, default seconds, as Score's Excel files do).
    pub duration_hms: bool,
    /// `metadata = "sheet" | "none"`.
    pub metadata: XlsxMetadata,
}

impl Default for XlsxOptions {
    fn default() -> Self {
        Self {
            lang: Lang::PtBr,
            date_format: "yyyy-mm-dd".to_owned(),
            datetime_format: "yyyy-mm-dd hh:mm:ss".to_owned(),
            sheet_name: None,
            duration_hms: false,
            metadata: XlsxMetadata::Sheet,
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
    /// `compress = "none" | "gzip" | "zip"` (default none), applied to the finished file.
    /// A schedule field rather than part of [`Format`]: it is independent of the format's
    /// options, and `{ext}` is [`SchedulePlan::extension`].
    pub compress: Compression,
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
    /// `wait_for_data = "2h"`: how long after the fire time the run may wait for its source's
    /// data to cover the period (the plugin answers `DATA_NOT_READY`); `None` = no waiting,
    /// the report is made at once (with a `PERIOD_NOT_CLOSED` warning when data is missing).
    pub wait_for_data: Option<Duration>,
    /// How often a waiting run looks again (`wait_check_every`, default 5m).
    pub wait_check_every: Duration,
}

impl SchedulePlan {
    /// Until when a run fired at `fired` may wait for its data; `None` when it may not.
    pub fn wait_deadline(&self, fired: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let wait = chrono::Duration::from_std(self.wait_for_data?).ok()?;
        fired.checked_add_signed(wait)
    }
}

impl SchedulePlan {
    /// The `{ext}` of the file name: format and compression (`csv`, `xlsx.gz`...).
    pub fn extension(&self) -> &'static str {
        self.format.extension_with(self.compress)
    }
}
