//! Turns a [`Request`] (source settings, report parameters, period) into a checked [`Job`].
//! Pure apart from one `is_dir` check on the queue_log directory; `validate` and `generate`
//! both go through [`Job::from_request`], so they can never disagree about what is valid.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use reportd_plugin_api::{Problem, Request};
use serde_json::{Map, Value as Json};

use crate::catalog::ReportKind;

/// Host-added source key: directory of the config file the source was defined in.
pub const CONFIG_DIR_KEY: &str = "config_dir";

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

/// The `[sources.X]` settings of a telephony source.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The current queue_log file (absolute, or relative to the process when the host gave
    /// no `config_dir`).
    pub queue_log: PathBuf,
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
}

/// A checked request, ready to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub report: ReportKind,
    pub settings: Settings,
    pub params: Params,
    pub tz: Tz,
    /// Period start, Unix seconds (inclusive).
    pub start_utc: i64,
    /// Period end, Unix seconds (exclusive).
    pub end_utc: i64,
}

/// Source setting names besides the host-added `config_dir`.
pub const SOURCE_KEYS: [&str; 6] = [
    "queue_log",
    "sl_threshold",
    "sl_thresholds",
    "sl_variant",
    "short_abandon",
    "timeouts_as_abandoned",
];

/// Report parameter names.
pub const PARAM_KEYS: [&str; 6] = [
    "queue",
    "bucket",
    "portfolio",
    "channel",
    "event_type",
    "user",
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

fn resolve_path(raw: &str, source: &Map<String, Json>) -> PathBuf {
    let p = Path::new(raw);
    match source.get(CONFIG_DIR_KEY).and_then(Json::as_str) {
        Some(dir) if p.is_relative() => Path::new(dir).join(p),
        _ => p.to_path_buf(),
    }
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

    let queue_log = match source.get("queue_log") {
        None => {
            problems.push(Problem::new(
                "source.queue_log",
                "missing required setting",
                "queue_log = \"/var/log/asterisk/queue_log\"",
            ));
            None
        }
        Some(v) => match string(v, "source.queue_log", problems) {
            Some("") => {
                problems.push(Problem::new("source.queue_log", "empty path", ""));
                None
            }
            Some(raw) => {
                let path = resolve_path(raw, source);
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                if dir.is_dir() {
                    Some(path)
                } else {
                    problems.push(Problem::new(
                        "source.queue_log",
                        format!("directory {} does not exist", dir.display()),
                        "point queue_log at Asterisk's queue_log file, usually /var/log/asterisk/queue_log",
                    ));
                    None
                }
            }
            None => None,
        },
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
        queue_log: queue_log?,
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
            "portfolio" => {
                if let Some(s) = string(v, &field, problems) {
                    out.portfolio = Some(s.to_owned());
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
    /// Checks everything in `request`; returns every problem found.
    pub fn from_request(request: &Request) -> Result<Self, Vec<Problem>> {
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
        match (report, settings, params, tz) {
            (Some(report), Some(settings), Some(params), Some(tz)) if problems.is_empty() => {
                Ok(Job {
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
