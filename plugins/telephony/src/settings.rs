//! Turns a [`Request`] (source settings, report parameters, period) into a checked [`Job`].
//! Pure apart from one `is_dir` check on the queue_log directory; `validate` and `generate`
//! both go through [`Job::from_request`], so they can never disagree about what is valid.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono_tz::Tz;
use reportd_plugin_api::sql::Database;
use reportd_plugin_api::{Problem, Request};
use serde_json::{Map, Value as Json};

use crate::catalog::ReportKind;

/// Host-added source key: directory of the config file the source was defined in.
pub use reportd_plugin_api::CONFIG_DIR_KEY;

/// Which service-level formula `pct_sl` uses (DATA-FORMATS.md §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlVariant {
    /// `A≤T / O`: abandoned calls count against the service level (default).
    Offered,
    /// `A≤T / A`: Asterisk `SL`, Wazo `qos`.
    Answered,
    /// `A≤T / (O − Ab≤T)`: calls abandoned within the threshold are left out.
    AbandonsIgnored,
    /// `(A≤T + Ab≤T) / (A + Ab)`: Asterisk `SL2`.
    AbandonsPositive,
}

impl SlVariant {
    /// Wire names, in the order the catalog lists them.
    pub const NAMES: [&'static str; 4] = [
        "offered",
        "answered",
        "abandons_ignored",
        "abandons_positive",
    ];

    fn parse(s: &str) -> Option<Self> {
        match s {
            "offered" => Some(Self::Offered),
            "answered" => Some(Self::Answered),
            "abandons_ignored" => Some(Self::AbandonsIgnored),
            "abandons_positive" => Some(Self::AbandonsPositive),
            _ => None,
        }
    }

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Offered => "offered",
            Self::Answered => "answered",
            Self::AbandonsIgnored => "abandons_ignored",
            Self::AbandonsPositive => "abandons_positive",
        }
    }
}

/// Width of the `interval_start` buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// One bucket for the whole period (default).
    Period,
    /// Local calendar days.
    Day,
    /// Local clock hours.
    Hour,
}

impl Bucket {
    pub const NAMES: [&'static str; 3] = ["period", "day", "hour"];

    fn parse(s: &str) -> Option<Self> {
        match s {
            "period" => Some(Self::Period),
            "day" => Some(Self::Day),
            "hour" => Some(Self::Hour),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Period => "period",
            Self::Day => "day",
            Self::Hour => "hour",
        }
    }
}

/// Column order of the CDR CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CdrFormat {
    /// cdr_csv `Master.csv`: 16, 18 or 21 columns, detected per line.
    CdrCsv,
    /// cdr_custom default mapping (19 columns, `cdr_custom.conf.sample`).
    CdrCustom,
}

/// Where a source reads one input (queue_log or the CDR) from. Inferred from the keys
/// present: a path setting (`queue_log`, `cdr`) means the file; without it, a `database`
/// means that database's table (`queue_log_table`, `cdr_table`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputAt {
    /// The current file (absolute, or relative to the process when the host gave no
    /// `config_dir`); rotated siblings are read too.
    File(PathBuf),
    /// A table of the source's `database`.
    Table(String),
}

impl InputAt {
    /// The file, when the input is one.
    pub fn file(&self) -> Option<&PathBuf> {
        match self {
            Self::File(p) => Some(p),
            Self::Table(_) => None,
        }
    }
}

/// Default `queue_log_table` (Asterisk's realtime `queue_log`).
pub const DEFAULT_QUEUE_LOG_TABLE: &str = "queue_log";
/// Default `cdr_table` (Asterisk's cdr_adaptive_odbc / FreePBX `cdr`).
pub const DEFAULT_CDR_TABLE: &str = "cdr";

/// Default `inbound_contexts` (FreePBX/Issabel trunk contexts).
pub const DEFAULT_INBOUND_CONTEXTS: [&str; 5] = [
    "from-trunk",
    "from-pstn",
    "from-external",
    "from-did-direct",
    "ext-did",
];

/// The `[sources.X]` settings of a telephony source.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The queue_log file or table. Required by every report but `calls_list`.
    pub queue_log: Option<InputAt>,
    /// The CDR CSV file or table. Required by `calls_list`.
    pub cdr: Option<InputAt>,
    /// The realtime database (`database` and its `database_password_*` settings).
    pub database: Option<Database>,
    /// Zone of the database's naive times (`database_timezone`); `None` = the request's.
    pub database_timezone: Option<Tz>,
    pub cdr_format: CdrFormat,
    /// dcontexts whose calls are inbound.
    pub inbound_contexts: Vec<String>,
    /// Question id of the NPS question in SURVEY events.
    pub nps_question: String,
    /// Warn when the period is not closed yet.
    pub readiness_warn: bool,
    /// Default service-level threshold, ms.
    pub sl_threshold_ms: u64,
    /// Per-queue thresholds, ms.
    pub sl_thresholds: BTreeMap<String, u64>,
    pub sl_variant: SlVariant,
    /// Abandons with a wait below this (ms) are left out of offered and abandoned.
    pub short_abandon_ms: u64,
    /// Count EXITWITHTIMEOUT/EXITEMPTY/EXITWITHKEY/WITHDRAW as abandoned.
    pub timeouts_as_abandoned: bool,
}

impl Settings {
    /// The threshold of `queue`, ms.
    pub fn threshold_ms(&self, queue: &str) -> u64 {
        self.sl_thresholds
            .get(queue)
            .copied()
            .unwrap_or(self.sl_threshold_ms)
    }
}

/// The report parameters (schedule `filters`).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Only these queues; `None` = all.
    pub queues: Option<BTreeSet<String>>,
    pub bucket: Bucket,
    /// Copied into the abandoned-detail `portfolio` column.
    pub portfolio: Option<String>,
    /// Accepted parameters that queue_log cannot filter on: `(name, value as given)`.
    pub ignored: Vec<(String, String)>,
    /// Label copied into `company` columns.
    pub company: Option<String>,
    /// Label copied into `campaign` columns.
    pub campaign: Option<String>,
    /// agent_performance: `TMO` or `Contestadas`.
    pub metric: Option<String>,
    /// ivr_survey: the survey name.
    pub ivr_name: Option<String>,
}

/// A checked request, ready to generate.
#[derive(Debug, Clone)]
pub struct Job {
    pub report: ReportKind,
    pub settings: Settings,
    pub params: Params,
    pub tz: Tz,
    /// Period start, Unix seconds (inclusive).
    pub start_utc: i64,
    /// Period end, Unix seconds (exclusive).
    pub end_utc: i64,
    /// Where the scan starts tracking calls: the period start, or the 1st of the month for
    /// `daily_summary` (month to date).
    pub scan_start_utc: i64,
}

/// Source setting names besides the host-added `config_dir`.
pub const SOURCE_KEYS: [&str; 19] = [
    "queue_log",
    "cdr",
    "database",
    "database_password_file",
    "database_password_env",
    "database_password_credential",
    "database_connect_timeout",
    "database_timezone",
    "queue_log_table",
    "cdr_table",
    "cdr_format",
    "inbound_contexts",
    "nps_question",
    "readiness",
    "sl_threshold",
    "sl_thresholds",
    "sl_variant",
    "short_abandon",
    "timeouts_as_abandoned",
];

/// Report parameter names.
pub const PARAM_KEYS: [&str; 10] = [
    "queue",
    "bucket",
    "portfolio",
    "channel",
    "event_type",
    "user",
    "company",
    "campaign",
    "metric",
    "ivr_name",
];

/// Parameters accepted for compatibility with the catalog but not applicable to queue_log.
const IGNORED_PARAMS: [&str; 3] = ["channel", "event_type", "user"];

fn duration_ms(v: &Json, field: &str, problems: &mut Vec<Problem>) -> Option<u64> {
    let hint = "a duration such as \"20s\", \"1m 30s\" or \"0s\"";
    match v {
        Json::String(s) => match humantime::parse_duration(s.trim()) {
            Ok(d) => Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            Err(e) => {
                problems.push(Problem::new(
                    field,
                    format!("{s:?} is not a duration: {e}"),
                    hint,
                ));
                None
            }
        },
        other => {
            problems.push(Problem::new(
                field,
                format!("expected a duration string, got {other}"),
                hint,
            ));
            None
        }
    }
}

fn string<'a>(v: &'a Json, field: &str, problems: &mut Vec<Problem>) -> Option<&'a str> {
    match v {
        Json::String(s) => Some(s),
        other => {
            problems.push(Problem::new(
                field,
                format!("expected a string, got {other}"),
                "",
            ));
            None
        }
    }
}

/// An optional path setting whose directory must exist.
fn path_setting(
    source: &Map<String, Json>,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Option<PathBuf> {
    let field = format!("source.{key}");
    let raw = string(source.get(key)?, &field, problems)?;
    if raw.is_empty() {
        problems.push(Problem::new(&field, "empty path", ""));
        return None;
    }
    let path = reportd_plugin_api::source_path(source, raw);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if dir.is_dir() {
        Some(path)
    } else {
        problems.push(Problem::new(
            &field,
            format!("directory {} does not exist", dir.display()),
            if key == "cdr" {
                "point cdr at Asterisk's Master.csv, usually /var/log/asterisk/cdr-csv/Master.csv"
            } else {
                "point queue_log at Asterisk's queue_log file, usually /var/log/asterisk/queue_log"
            },
        ));
        None
    }
}

/// One input (`queue_log` or `cdr`): its path setting when present (a file), else the
/// database's `{key}_table` when there is a database, else none. Both a path and a table
/// setting is a problem: a source reads each input from exactly one place.
fn input_setting(
    source: &Map<String, Json>,
    key: &str,
    database_given: bool,
    problems: &mut Vec<Problem>,
) -> Option<InputAt> {
    let table_key = format!("{key}_table");
    let table = match source.get(&table_key) {
        None => None,
        Some(v) => {
            let field = format!("source.{table_key}");
            match string(v, &field, problems) {
                Some("") => {
                    problems.push(Problem::new(&field, "empty table name", ""));
                    None
                }
                other => other,
            }
        }
    };
    if source.contains_key(key) {
        if source.contains_key(&table_key) {
            problems.push(Problem::new(
                &format!("source.{table_key}"),
                format!(
                    "both a {key} file and a database {table_key} are set: a source reads {key} \
                     from exactly one of them"
                ),
                format!(
                    "remove {table_key} to read the file, or remove {key} to read the table of \
                     the source's database"
                ),
            ));
        }
        return path_setting(source, key, problems).map(InputAt::File);
    }
    if !database_given {
        return None;
    }
    let default = if key == "cdr" {
        DEFAULT_CDR_TABLE
    } else {
        DEFAULT_QUEUE_LOG_TABLE
    };
    Some(InputAt::Table(table.unwrap_or(default).to_owned()))
}

fn parse_settings(source: &Map<String, Json>, problems: &mut Vec<Problem>) -> Option<Settings> {
    for key in source.keys() {
        if key != CONFIG_DIR_KEY && !SOURCE_KEYS.contains(&key.as_str()) {
            problems.push(Problem::new(
                &format!("source.{key}"),
                format!("unknown telephony source setting {key:?}"),
                format!("known settings: {}", SOURCE_KEYS.join(", ")),
            ));
        }
    }
    let before = problems.len();

    let database = match Database::from_source(source, "database") {
        Ok(db) => db,
        Err(p) => {
            problems.extend(p);
            None
        }
    };
    let database_given = source.contains_key("database");
    let database_timezone = match source.get("database_timezone") {
        None => None,
        Some(v) => string(v, "source.database_timezone", problems).and_then(|s| {
            let tz = s.parse::<Tz>().ok();
            if tz.is_none() {
                problems.push(Problem::new(
                    "source.database_timezone",
                    format!("unknown time zone {s:?}"),
                    "an IANA name such as America/Sao_Paulo or UTC: the zone the database's \
                     naive times (varchar, DATETIME, timestamp without time zone) are in",
                ));
            }
            tz
        }),
    };
    if !database_given {
        for key in ["queue_log_table", "cdr_table", "database_timezone"] {
            if source.contains_key(key) {
                problems.push(Problem::new(
                    &format!("source.{key}"),
                    format!("{key} is set but the source has no database"),
                    "add database = \"mysql://asterisk@db/asteriskcdrdb\" (or postgres://...), \
                     or remove the setting",
                ));
            }
        }
    }
    let queue_log = input_setting(source, "queue_log", database_given, problems);
    let cdr = input_setting(source, "cdr", database_given, problems);
    if database_given && source.contains_key("queue_log") && source.contains_key("cdr") {
        problems.push(Problem::new(
            "source.database",
            "database is set but not used: queue_log and cdr are both files",
            "remove database, or remove queue_log (or cdr) to read that input from the \
             database's queue_log_table (cdr_table) instead",
        ));
    }
    if matches!(cdr, Some(InputAt::Table(_))) && source.contains_key("cdr_format") {
        problems.push(Problem::new(
            "source.cdr_format",
            "cdr_format applies to CDR files, but this source reads the CDR from its database",
            "remove cdr_format (the table's columns are read by name)",
        ));
    }
    let cdr_format = match source
        .get("cdr_format")
        .map(|v| string(v, "source.cdr_format", problems))
    {
        None => Some(CdrFormat::CdrCsv),
        Some(Some("cdr_csv")) => Some(CdrFormat::CdrCsv),
        Some(Some("cdr_custom")) => Some(CdrFormat::CdrCustom),
        Some(Some(other)) => {
            problems.push(Problem::new(
                "source.cdr_format",
                format!("unknown CDR format {other:?}"),
                "one of: cdr_csv, cdr_custom",
            ));
            None
        }
        Some(None) => None,
    };
    let inbound_contexts = match source.get("inbound_contexts") {
        None => DEFAULT_INBOUND_CONTEXTS.map(str::to_owned).to_vec(),
        Some(Json::Array(items)) if items.iter().all(Json::is_string) => items
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect(),
        Some(other) => {
            problems.push(Problem::new(
                "source.inbound_contexts",
                format!("expected a list of context names, got {other}"),
                "inbound_contexts = [\"from-trunk\", \"from-pstn\"]",
            ));
            Vec::new()
        }
    };
    let nps_question = match source.get("nps_question") {
        None => "nps".to_owned(),
        Some(v) => string(v, "source.nps_question", problems)
            .unwrap_or("nps")
            .to_owned(),
    };
    let readiness_warn = match source
        .get("readiness")
        .map(|v| string(v, "source.readiness", problems))
    {
        None | Some(Some("warn")) => Some(true),
        Some(Some("off")) => Some(false),
        Some(Some(other)) => {
            problems.push(Problem::new(
                "source.readiness",
                format!("unknown readiness mode {other:?}"),
                "one of: warn, off (to wait for the data instead, set the schedule's wait_for_data)",
            ));
            None
        }
        Some(None) => None,
    };

    let sl_threshold_ms = match source.get("sl_threshold") {
        None => Some(20_000),
        Some(v) => duration_ms(v, "source.sl_threshold", problems),
    };

    let mut sl_thresholds = BTreeMap::new();
    match source.get("sl_thresholds") {
        None => {}
        Some(Json::Object(map)) => {
            for (queue, v) in map {
                if let Some(ms) = duration_ms(v, &format!("source.sl_thresholds.{queue}"), problems)
                {
                    sl_thresholds.insert(queue.clone(), ms);
                }
            }
        }
        Some(other) => problems.push(Problem::new(
            "source.sl_thresholds",
            format!("expected a table of queue = duration, got {other}"),
            "sl_thresholds = { sales = \"30s\", support = \"60s\" }",
        )),
    }

    let sl_variant = match source.get("sl_variant") {
        None => Some(SlVariant::Offered),
        Some(v) => match string(v, "source.sl_variant", problems) {
            Some(s) => {
                let parsed = SlVariant::parse(s);
                if parsed.is_none() {
                    problems.push(Problem::new(
                        "source.sl_variant",
                        format!("unknown service-level variant {s:?}"),
                        format!("one of: {}", SlVariant::NAMES.join(", ")),
                    ));
                }
                parsed
            }
            None => None,
        },
    };

    let short_abandon_ms = match source.get("short_abandon") {
        None => Some(0),
        Some(v) => duration_ms(v, "source.short_abandon", problems),
    };

    let timeouts_as_abandoned = match source.get("timeouts_as_abandoned") {
        None => Some(false),
        Some(Json::Bool(b)) => Some(*b),
        Some(other) => {
            problems.push(Problem::new(
                "source.timeouts_as_abandoned",
                format!("expected true or false, got {other}"),
                "",
            ));
            None
        }
    };

    if problems.len() > before {
        return None;
    }
    Some(Settings {
        queue_log,
        cdr,
        database,
        database_timezone,
        cdr_format: cdr_format?,
        inbound_contexts,
        nps_question,
        readiness_warn: readiness_warn?,
        sl_threshold_ms: sl_threshold_ms?,
        sl_thresholds,
        sl_variant: sl_variant?,
        short_abandon_ms: short_abandon_ms?,
        timeouts_as_abandoned: timeouts_as_abandoned?,
    })
}

fn parse_params(params: &Map<String, Json>, problems: &mut Vec<Problem>) -> Option<Params> {
    let before = problems.len();
    let mut out = Params {
        queues: None,
        bucket: Bucket::Period,
        portfolio: None,
        ignored: Vec::new(),
        company: None,
        campaign: None,
        metric: None,
        ivr_name: None,
    };
    for (key, v) in params {
        let field = format!("params.{key}");
        match key.as_str() {
            "queue" => {
                let list: Option<Vec<&str>> = match v {
                    Json::String(s) => Some(vec![s.as_str()]),
                    Json::Array(items) => items.iter().map(Json::as_str).collect(),
                    _ => None,
                };
                match list {
                    Some(list) if !list.is_empty() && list.iter().all(|q| !q.is_empty()) => {
                        out.queues = Some(list.into_iter().map(str::to_owned).collect());
                    }
                    _ => problems.push(Problem::new(
                        &field,
                        format!("expected a non-empty list of queue names, got {v}"),
                        "queue = [\"sales\", \"support\"]",
                    )),
                }
            }
            "bucket" => {
                if let Some(s) = string(v, &field, problems) {
                    match Bucket::parse(s) {
                        Some(b) => out.bucket = b,
                        None => problems.push(Problem::new(
                            &field,
                            format!("unknown bucket {s:?}"),
                            format!("one of: {}", Bucket::NAMES.join(", ")),
                        )),
                    }
                }
            }
            "portfolio" | "company" | "campaign" | "ivr_name" => {
                if let Some(s) = string(v, &field, problems) {
                    let slot = match key.as_str() {
                        "portfolio" => &mut out.portfolio,
                        "company" => &mut out.company,
                        "campaign" => &mut out.campaign,
                        _ => &mut out.ivr_name,
                    };
                    *slot = Some(s.to_owned());
                }
            }
            "metric" => {
                if let Some(s) = string(v, &field, problems) {
                    if s == "TMO" || s == "Contestadas" {
                        out.metric = Some(s.to_owned());
                    } else {
                        problems.push(Problem::new(
                            &field,
                            format!("unknown metric {s:?}"),
                            "one of: TMO, Contestadas",
                        ));
                    }
                }
            }
            k if IGNORED_PARAMS.contains(&k) => {
                if let Some(s) = string(v, &field, problems) {
                    out.ignored.push((k.to_owned(), s.to_owned()));
                }
            }
            _ => problems.push(Problem::new(
                &field,
                format!("unknown parameter {key:?} for telephony reports"),
                format!("known parameters: {}", PARAM_KEYS.join(", ")),
            )),
        }
    }
    (problems.len() == before).then_some(out)
}

impl Job {
    /// Checks everything in `request` with the current time as "today"; returns every
    /// problem found.
    pub fn from_request(request: &Request) -> Result<Self, Vec<Problem>> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Self::from_request_at(request, now)
    }

    /// [`Job::from_request`] with `now_utc` as the current time (for `R-15D`).
    pub fn from_request_at(request: &Request, now_utc: i64) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let report = ReportKind::from_id(&request.report);
        if report.is_none() {
            problems.push(Problem::new(
                "report",
                format!("unknown telephony report {:?}", request.report),
                format!("one of: {}", ReportKind::ALL.map(ReportKind::id).join(", ")),
            ));
        }
        let settings = parse_settings(&request.source, &mut problems);
        let params = parse_params(&request.params, &mut problems);
        let tz: Option<Tz> = match request.period.timezone.parse() {
            Ok(tz) => Some(tz),
            Err(_) => {
                problems.push(Problem::new(
                    "period.timezone",
                    format!("unknown time zone {:?}", request.period.timezone),
                    "an IANA name such as America/Sao_Paulo",
                ));
                None
            }
        };
        if request.period.end_utc <= request.period.start_utc {
            problems.push(Problem::new(
                "period",
                format!(
                    "empty period: end {} is not after start {}",
                    request.period.end_utc, request.period.start_utc
                ),
                "",
            ));
        }
        if let (Some(report), Some(settings), Some(params), Some(tz)) =
            (report, settings.as_ref(), params.as_ref(), tz)
        {
            let given: Vec<&str> = request.params.keys().map(String::as_str).collect();
            crate::limits::check(
                report,
                settings,
                params,
                &given,
                tz,
                request.period.start_utc,
                request.period.end_utc,
                now_utc,
                &mut problems,
            );
        }
        match (report, settings, params, tz) {
            (Some(report), Some(settings), Some(params), Some(tz)) if problems.is_empty() => {
                let scan_start_utc = if report == ReportKind::DailySummary {
                    crate::limits::month_start_utc(tz, request.period.start_utc)
                } else {
                    request.period.start_utc
                };
                Ok(Job {
                    scan_start_utc,
                    report,
                    settings,
                    params,
                    tz,
                    start_utc: request.period.start_utc,
                    end_utc: request.period.end_utc,
                })
            }
            _ => Err(problems),
        }
    }
}
