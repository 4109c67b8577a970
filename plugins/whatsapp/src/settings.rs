//! Turns a [`Request`] (source settings, report parameters, period) into a checked [`Job`].
//! Pure apart from reading a database password file/credential: `validate` and `generate`
//! both go through [`Job::from_request`], so they never disagree about what is valid.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono_tz::Tz;
use reportd_plugin_api::{Problem, Request};
use serde_json::Value as Json;

use crate::catalog::ReportKind;
use crate::db::{self, DbSource};

/// Host-added source key: directory of the config file the source was defined in.
pub use reportd_plugin_api::CONFIG_DIR_KEY;

/// File source setting names (the database ones are [`db::SOURCE_KEYS`]).
pub const SOURCE_KEYS: [&str; 3] = ["webhooks", "send_log", "optouts"];

/// Row grouping of the count reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Period,
    Day,
    /// ISO weeks starting on Monday.
    Week,
    Month,
}

/// The `[sources.X]` settings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    pub webhooks: Option<PathBuf>,
    pub send_log: Option<PathBuf>,
    pub optouts: Option<PathBuf>,
    /// `database` and its table settings: the webhooks (and optionally the send log and
    /// opt-outs) come from tables instead of files.
    pub db: Option<DbSource>,
}

/// Report parameters (schedule `filters`). A `None` list means "all".
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub bucket: Bucket,
    /// `line` ∪ `bot`: phone_number_id or display number.
    pub lines: Option<BTreeSet<String>>,
    pub templates: Option<BTreeSet<String>>,
    pub users: Option<BTreeSet<String>>,
    pub campaigns: Option<BTreeSet<String>>,
    pub contacts: Option<BTreeSet<String>>,
    pub queued: Option<bool>,
    /// outbound_campaign_results: Spanish status; `None` = Todos.
    pub status: Option<String>,
    pub portfolio: Option<String>,
    /// Accepted parameters the data cannot filter on: `(name, value)`.
    pub ignored: Vec<(String, String)>,
}

/// A checked request.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub report: ReportKind,
    pub settings: Settings,
    pub params: Params,
    pub tz: Tz,
    pub start_utc: i64,
    pub end_utc: i64,
}

fn list(v: &Json, field: &str, problems: &mut Vec<Problem>) -> Option<BTreeSet<String>> {
    match v {
        Json::String(s) => Some([s.clone()].into()),
        Json::Array(a) => {
            let mut out = BTreeSet::new();
            for x in a {
                match x {
                    Json::String(s) => {
                        out.insert(s.clone());
                    }
                    Json::Number(n) => {
                        out.insert(n.to_string());
                    }
                    other => problems.push(Problem::new(
                        field,
                        format!("expected strings, got {other}"),
                        "",
                    )),
                }
            }
            Some(out)
        }
        Json::Number(n) => Some([n.to_string()].into()),
        other => {
            problems.push(Problem::new(
                field,
                format!("expected a string or a list of strings, got {other}"),
                "",
            ));
            None
        }
    }
}

impl Job {
    /// Checks `request`, returning every problem found.
    pub fn from_request(request: &Request) -> Result<Job, Vec<Problem>> {
        let mut problems = Vec::new();
        let report = ReportKind::from_id(&request.report);
        if report.is_none() {
            problems.push(Problem::new(
                "report",
                format!("unknown report {:?}", request.report),
                "see `reportd plugins` for the report ids",
            ));
        }
        let tz: Option<Tz> = match request.period.timezone.parse() {
            Ok(tz) => Some(tz),
            Err(_) => {
                problems.push(Problem::new(
                    "period.timezone",
                    format!("unknown time zone {:?}", request.period.timezone),
                    "an IANA zone such as America/Sao_Paulo",
                ));
                None
            }
        };
        if request.period.end_utc <= request.period.start_utc {
            problems.push(Problem::new("period", "the period is empty", ""));
        }

        let mut settings = Settings {
            db: db::from_source(&request.source, &mut problems),
            ..Settings::default()
        };
        for (k, v) in &request.source {
            let field = format!("source.{k}");
            if k == CONFIG_DIR_KEY || db::SOURCE_KEYS.contains(&k.as_str()) {
                continue;
            }
            let path = match v {
                Json::String(s) if !s.trim().is_empty() => Some(request.source_path(s.trim())),
                other => {
                    if SOURCE_KEYS.contains(&k.as_str()) {
                        problems.push(Problem::new(
                            &field,
                            format!("expected a path string, got {other}"),
                            "",
                        ));
                    }
                    None
                }
            };
            match k.as_str() {
                "webhooks" => settings.webhooks = path,
                "send_log" => settings.send_log = path,
                "optouts" => settings.optouts = path,
                _ => problems.push(Problem::new(
                    &field,
                    "unknown setting",
                    format!(
                        "known settings: {}, {}",
                        SOURCE_KEYS.join(", "),
                        db::SOURCE_KEYS.join(", ")
                    ),
                )),
            }
        }

        let mut params = Params {
            bucket: if report == Some(ReportKind::CasesByPeriod) {
                Bucket::Day
            } else {
                Bucket::Period
            },
            lines: None,
            templates: None,
            users: None,
            campaigns: None,
            contacts: None,
            queued: None,
            status: None,
            portfolio: None,
            ignored: Vec::new(),
        };
        let allowed = report.map(ReportKind::param_names).unwrap_or(&[]);
        for (k, v) in &request.params {
            let field = format!("params.{k}");
            if report.is_some() && !allowed.contains(&k.as_str()) {
                problems.push(Problem::new(
                    &field,
                    "not a parameter of this report",
                    format!("accepted: {}", allowed.join(", ")),
                ));
                continue;
            }
            match k.as_str() {
                "bucket" => match v.as_str() {
                    Some("period") => params.bucket = Bucket::Period,
                    Some("day") => params.bucket = Bucket::Day,
                    Some("week") => params.bucket = Bucket::Week,
                    Some("month") => params.bucket = Bucket::Month,
                    _ => problems.push(Problem::new(
                        &field,
                        format!("unknown bucket {v}"),
                        "period, day, week or month",
                    )),
                },
                "line" | "bot" => {
                    if let Some(l) = list(v, &field, &mut problems) {
                        params.lines.get_or_insert_with(BTreeSet::new).extend(l);
                    }
                }
                "template" => params.templates = list(v, &field, &mut problems),
                "user" => params.users = list(v, &field, &mut problems),
                "campaign" => params.campaigns = list(v, &field, &mut problems),
                "contact" => params.contacts = list(v, &field, &mut problems),
                "queued" => match v {
                    Json::Bool(b) => params.queued = Some(*b),
                    Json::String(s) if s == "Si" || s == "Sí" || s == "Sim" => {
                        params.queued = Some(true)
                    }
                    Json::String(s) if s == "No" || s == "Não" => params.queued = Some(false),
                    other => problems.push(Problem::new(
                        &field,
                        format!("expected true or false, got {other}"),
                        "",
                    )),
                },
                "status" => match v.as_str() {
                    Some("Todos") => params.status = None,
                    Some(s @ ("Enviado" | "Recibido" | "Leído" | "Fallido" | "Pendiente")) => {
                        params.status = Some(s.to_owned())
                    }
                    _ => problems.push(Problem::new(
                        &field,
                        format!("unknown status {v}"),
                        "Todos, Enviado, Recibido, Leído, Fallido or Pendiente",
                    )),
                },
                "portfolio" => params.portfolio = v.as_str().map(str::to_owned),
                other => params.ignored.push((
                    other.to_owned(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                )),
            }
        }

        if let Some(kind) = report {
            use ReportKind::*;
            let need_webhooks = kind != CampaignUnsubscribes;
            let need_send_log = matches!(
                kind,
                HsmActiveSends | HsmSendsByUser | OutboundCampaignResults
            );
            // Keys, not parsed values: a bad database URL is already a problem of its own.
            let has = |k: &str| request.source.contains_key(k);
            if need_webhooks && settings.webhooks.is_none() && !has("database") {
                problems.push(Problem::new(
                    "source.webhooks",
                    format!("{} needs the webhook archive", kind.id()),
                    "set webhooks = \"/var/lib/whatsapp/webhooks\" (files) or database = \"postgres://reportd@db/whatsapp\" (a table) in the source",
                ));
            }
            if need_send_log && settings.send_log.is_none() && !has("send_log_table") {
                problems.push(Problem::new(
                    "source.send_log",
                    format!("{} needs the send log", kind.id()),
                    "set send_log = \"…/sends.jsonl\" (or send_log_table with a database) in the source",
                ));
            }
            if kind == CampaignUnsubscribes && settings.optouts.is_none() && !has("optouts_table") {
                problems.push(Problem::new(
                    "source.optouts",
                    "campaign_unsubscribes needs the opt-out log",
                    "set optouts = \"…/optouts.jsonl\" (or optouts_table with a database) in the source",
                ));
            }
        }
        // Each input comes from one place: a file setting and its table are exclusive.
        for (file, table) in [
            ("webhooks", "database"),
            ("send_log", "send_log_table"),
            ("optouts", "optouts_table"),
        ] {
            if request.source.contains_key(file) && request.source.contains_key(table) {
                problems.push(Problem::new(
                    &format!("source.{file}"),
                    format!("both {file} and {table} are set"),
                    format!("keep one: the file setting {file} or the database setting {table}"),
                ));
            }
        }

        match (report, tz) {
            (Some(report), Some(tz)) if problems.is_empty() => Ok(Job {
                report,
                settings,
                params,
                tz,
                start_utc: request.period.start_utc,
                end_utc: request.period.end_utc,
            }),
            _ => Err(problems),
        }
    }
}

/// True when `set` is `None` or contains `v`.
pub fn allows(set: &Option<BTreeSet<String>>, v: &str) -> bool {
    set.as_ref().is_none_or(|s| s.contains(v))
}
