//! Turns a [`Request`] (source settings, report parameters, period) into a checked [`Job`].
//! Pure (no file system access): `validate` and `generate` both go through
//! [`Job::from_request`], so they never disagree. Every problem is collected, not just the
//! first. Checks that need the data (the company and campaign exist, `R-SCORE-HISTORY`) are
//! made by [`crate::reports`] when generating.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use chrono_tz::Tz;
use reportd_plugin_api::sql::{Database, Dialect};
use reportd_plugin_api::{Problem, Request};
use serde_json::Value as Json;

use crate::catalog::ReportKind;
use crate::time::{add_months, local_dt, parse_hhmm};

/// Host-added source key: directory of the config file the source was defined in.
pub use reportd_plugin_api::CONFIG_DIR_KEY;

/// The export tables a source may name: `(setting, description)`. See README "Table model".
pub const TABLES: [(&str, &str); 13] = [
    ("companies", "companies (id, name, created_at)"),
    (
        "campaigns",
        "campaigns (id, company_id, name, type, acw_log_enabled)",
    ),
    ("users", "users (id, name, extension, profile, email)"),
    (
        "contacts",
        "contacts (campaign_id, code, name, phone, base, created_at, updated_at, fields.*)",
    ),
    (
        "contact_fields",
        "contact template fields (campaign_id, position, name)",
    ),
    (
        "tickets",
        "tickets (id, campaign_id, contact_code, strategy, channel_type, dial_type, phone, zip_code, call_id, user_id, assigned_at, resolved_at)",
    ),
    (
        "typifications",
        "typifications (id, ticket_id, management_id, product_code, group…subreason_code, contact_type, comment, typified_at, saved_at, pdp_*, callback_at, user_id, acw_default)",
    ),
    (
        "agent_events",
        "agent state events (user_id, event, started_at, ended_at)",
    ),
    (
        "acw_logs",
        "ACW logs (at, campaign_id, ticket_id, contact_code, phone, user_id, base)",
    ),
    ("forms", "forms (id, campaign_id, name)"),
    ("form_fields", "form fields (form_id, position, name)"),
    (
        "form_answers",
        "form answers (id, form_id, management_id, contact_code, user_id, at, fields.*)",
    ),
    (
        "ai_conclusions",
        "Score AI conclusions (at, user_id, campaign_id)",
    ),
];

/// Report parameters (schedule `filters`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params {
    pub company: Option<String>,
    pub campaign: Option<String>,
    /// One user id; `None` = all users.
    pub user: Option<String>,
    pub product: Option<String>,
    pub form: Option<String>,
    /// Seconds since midnight, `[time_from, time_to)`.
    pub time_from: Option<u32>,
    pub time_to: Option<u32>,
}

/// Source settings of the database input (README "Reading from the database").
pub const DB_KEY: &str = "database";
/// IANA zone of naive database times (default: the report period's zone).
pub const DB_TIMEZONE_KEY: &str = "database_timezone";
/// Prefix added to every model table name (`score_` → `score_tickets`).
pub const DB_PREFIX_KEY: &str = "database_table_prefix";
/// Per-table names: `{ tickets = "tk_tickets" }` (overrides the prefix).
pub const DB_TABLES_KEY: &str = "database_tables";
/// Settings [`Database::from_source`] reads besides `database` itself.
const DB_PASSWORD_KEYS: [&str; 4] = [
    "database_password_file",
    "database_password_env",
    "database_password_credential",
    "database_connect_timeout",
];

/// The database input: where, the zone of its naive times, and each model table's name.
#[derive(Debug, Clone)]
pub struct DbInput {
    pub db: Database,
    /// `database_timezone`, else the period's zone.
    pub zone: Tz,
    /// Model table (`tickets`) → database table name (prefix and overrides applied).
    pub names: BTreeMap<String, String>,
}

/// Where the tables come from: export files, or Score's database.
#[derive(Debug, Clone)]
pub enum Inputs {
    /// Table setting → resolved path.
    Files(BTreeMap<String, PathBuf>),
    Database(DbInput),
}

/// A checked request.
#[derive(Debug, Clone)]
pub struct Job {
    pub report: ReportKind,
    pub inputs: Inputs,
    pub params: Params,
    pub tz: Tz,
    pub start_utc: i64,
    pub end_utc: i64,
    /// Inclusive local dates of the period.
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
}

impl Job {
    /// The export file of `table`, if configured (never with a database input).
    pub fn table(&self, table: &str) -> Option<&Path> {
        match &self.inputs {
            Inputs::Files(t) => t.get(table).map(PathBuf::as_path),
            Inputs::Database(_) => None,
        }
    }
}

/// The tables a report cannot run without.
pub fn required_tables(kind: ReportKind) -> &'static [&'static str] {
    use ReportKind::*;
    match kind {
        TypificationsByContact
        | TypificationsByProduct
        | TypificationsByHour
        | AcwDefaultTypifications => &["companies", "campaigns", "tickets", "typifications"],
        PlatformTimeSummary | PlatformTimeDetail => &["agent_events"],
        AcwLogs => &["companies", "campaigns", "acw_logs"],
        Forms => &[
            "companies",
            "campaigns",
            "forms",
            "form_fields",
            "form_answers",
        ],
        AiUsage => &["companies", "campaigns", "ai_conclusions"],
    }
}

/// Exactly one value: a string, a number, or a one-element list.
fn one(v: &Json, field: &str, problems: &mut Vec<Problem>) -> Option<String> {
    let s = match v {
        Json::String(s) => Some(s.trim().to_owned()),
        Json::Number(n) => Some(n.to_string()),
        Json::Array(a) if a.len() == 1 => return one(&a[0], field, problems),
        Json::Array(a) => {
            problems.push(Problem::new(
                field,
                format!("exactly one value is allowed, got {}", a.len()),
                "Score reports take one company and one campaign per report",
            ));
            return None;
        }
        other => {
            problems.push(Problem::new(
                field,
                format!("expected a string, got {other}"),
                "",
            ));
            return None;
        }
    };
    s.filter(|s| !s.is_empty()).or_else(|| {
        problems.push(Problem::new(field, "empty value", ""));
        None
    })
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
        let tz: Option<Tz> = request.period.timezone.parse().ok();
        if tz.is_none() {
            problems.push(Problem::new(
                "period.timezone",
                format!("unknown time zone {:?}", request.period.timezone),
                "an IANA zone such as America/Lima",
            ));
        }
        let (start, end) = (request.period.start_utc, request.period.end_utc);
        if end <= start {
            problems.push(Problem::new("period", "the period is empty", ""));
        }

        // Source tables: export files, or the database (not both).
        let mut tables = BTreeMap::new();
        let mut db_keys = Vec::new();
        for (k, v) in &request.source {
            if k == CONFIG_DIR_KEY {
                continue;
            }
            let field = format!("source.{k}");
            if k == DB_KEY
                || k == DB_TIMEZONE_KEY
                || k == DB_PREFIX_KEY
                || k == DB_TABLES_KEY
                || DB_PASSWORD_KEYS.contains(&k.as_str())
            {
                db_keys.push(k.as_str());
                continue;
            }
            if !TABLES.iter().any(|(t, _)| t == k) {
                let mut names: Vec<&str> = TABLES.iter().map(|t| t.0).collect();
                names.extend([DB_KEY, DB_TIMEZONE_KEY, DB_PREFIX_KEY, DB_TABLES_KEY]);
                problems.push(Problem::new(
                    &field,
                    "unknown setting",
                    format!("known settings: {}", names.join(", ")),
                ));
                continue;
            }
            match v {
                Json::String(s) if !s.trim().is_empty() => {
                    let p = request.source_path(s.trim());
                    if crate::tables::format_of(&p).is_none() {
                        problems.push(Problem::new(
                            &field,
                            format!("{s:?} is neither .csv nor .jsonl"),
                            "the format is chosen by the extension: .csv or .jsonl (optionally .gz)",
                        ));
                    }
                    tables.insert(k.clone(), p);
                }
                other => problems.push(Problem::new(
                    &field,
                    format!("expected a path string, got {other}"),
                    "",
                )),
            }
        }
        let db_input = db_input(request, tz, &db_keys, &mut problems);
        let has_db = request.source.contains_key(DB_KEY);
        if has_db && !tables.is_empty() {
            let files: Vec<&str> = tables.keys().map(String::as_str).collect();
            problems.push(Problem::new(
                "source.database",
                format!(
                    "the source sets both a database and table files ({})",
                    files.join(", ")
                ),
                "read every table from the database (remove the file settings) or from files (remove database)",
            ));
        }

        // Parameters.
        let mut params = Params::default();
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
                "company" => params.company = one(v, &field, &mut problems),
                "campaign" => params.campaign = one(v, &field, &mut problems),
                "user" => {
                    params.user = one(v, &field, &mut problems)
                        .filter(|u| !matches!(u.to_lowercase().as_str(), "all" | "todos" | "*"))
                }
                "product" => params.product = one(v, &field, &mut problems),
                "form" => params.form = one(v, &field, &mut problems),
                "time_from" | "time_to" => {
                    let t = one(v, &field, &mut problems);
                    let secs = t.as_deref().and_then(parse_hhmm);
                    if t.is_some() && secs.is_none() {
                        problems.push(Problem::new(
                            &field,
                            format!("{v} is not hh:mm"),
                            "e.g. \"08:00\"",
                        ));
                    }
                    if k == "time_from" {
                        params.time_from = secs;
                    } else {
                        params.time_to = secs;
                    }
                }
                _ => {}
            }
        }

        let mut dates = None;
        if let (Some(kind), Some(tz)) = (report, tz) {
            for p in kind.required_params() {
                if !request.params.contains_key(*p) {
                    problems.push(Problem::new(
                        &format!("params.{p}"),
                        format!("{} requires {p}", kind.id()),
                        "add it to the schedule's filters",
                    ));
                }
            }
            for t in required_tables(kind).iter().filter(|_| !has_db) {
                if !tables.contains_key(*t) {
                    problems.push(Problem::new(
                        &format!("source.{t}"),
                        format!(
                            "{} reads the {t} table, but the source has no {t} setting",
                            kind.id()
                        ),
                        format!(
                            "{t} = \"exports/{t}.csv\", or read every table from Score's database: database = \"postgres://reportd@HOST/score\""
                        ),
                    ));
                }
            }
            if end > start {
                let from = local_dt(tz, start).date();
                let to = local_dt(tz, end - 1).date();
                let span = format!("{from} .. {to}");
                if kind == ReportKind::TypificationsByHour {
                    if from != to {
                        problems.push(Problem::new(
                            "period",
                            format!("{span} is not one day"),
                            "typifications_by_hour covers one day (period = \"yesterday\" or \"today\")",
                        ));
                    }
                    if let (Some(a), Some(b)) = (params.time_from, params.time_to)
                        && a >= b
                    {
                        problems.push(Problem::new(
                            "params.time_to",
                            "time_to must be after time_from",
                            "e.g. time_from = \"08:00\", time_to = \"18:00\"",
                        ));
                    }
                } else {
                    let max = add_months(from, 1);
                    if to > max {
                        problems.push(Problem::new(
                            "period",
                            format!("{span} is longer than one month (R-MONTH: the last day may be {max})"),
                            "request at most one month, e.g. 10 Mar .. 10 Apr",
                        ));
                    }
                }
                dates = Some((from, to));
            }
        }

        match (report, tz, dates) {
            (Some(report), Some(tz), Some((date_from, date_to))) if problems.is_empty() => {
                Ok(Job {
                    report,
                    inputs: match db_input {
                        Some(d) => Inputs::Database(d),
                        None => Inputs::Files(tables),
                    },
                    params,
                    tz,
                    start_utc: start,
                    end_utc: end,
                    date_from,
                    date_to,
                })
            }
            _ => Err(problems),
        }
    }
}

/// Reads the database settings (`None` without `database`; database-only settings without it
/// are problems).
fn db_input(
    request: &Request,
    period_zone: Option<Tz>,
    keys: &[&str],
    problems: &mut Vec<Problem>,
) -> Option<DbInput> {
    let src = &request.source;
    if !src.contains_key(DB_KEY) {
        for k in keys {
            problems.push(Problem::new(
                &format!("source.{k}"),
                "only used with a database input, and the source has no database setting",
                "add database = \"postgres://reportd@HOST/score\" (or sqlite:///PATH), or remove it",
            ));
        }
        return None;
    }
    let db = match Database::from_source(src, DB_KEY) {
        Ok(db) => db,
        Err(p) => {
            problems.extend(p);
            None
        }
    };
    if let Some(d) = &db
        && d.dialect() == Dialect::MySql
    {
        problems.push(Problem::new(
            "source.database",
            "Score's database is PostgreSQL (or a SQLite copy); MySQL/MariaDB is not supported",
            "use postgres://USER@HOST/DB or sqlite:///PATH",
        ));
    }
    let mut zone = period_zone;
    if let Some(v) = src.get(DB_TIMEZONE_KEY) {
        match v.as_str().and_then(|s| s.trim().parse::<Tz>().ok()) {
            Some(z) => zone = Some(z),
            None => {
                problems.push(Problem::new(
                    &format!("source.{DB_TIMEZONE_KEY}"),
                    format!("{v} is not an IANA time zone"),
                    "the zone of the database's naive timestamps, e.g. \"America/Lima\" (default: the schedule's zone)",
                ));
                zone = None;
            }
        }
    }
    let mut prefix = String::new();
    if let Some(v) = src.get(DB_PREFIX_KEY) {
        match v.as_str() {
            Some(s) => prefix = s.trim().to_owned(),
            None => problems.push(Problem::new(
                &format!("source.{DB_PREFIX_KEY}"),
                format!("expected a string, got {v}"),
                "e.g. \"score_\"",
            )),
        }
    }
    let mut names: BTreeMap<String, String> = TABLES
        .iter()
        .map(|(t, _)| ((*t).to_owned(), format!("{prefix}{t}")))
        .collect();
    if let Some(v) = src.get(DB_TABLES_KEY) {
        let field = format!("source.{DB_TABLES_KEY}");
        match v.as_object() {
            Some(m) => {
                for (k, name) in m {
                    let sub = format!("{field}.{k}");
                    match (names.get_mut(k), name.as_str().map(str::trim)) {
                        (None, _) => {
                            let known: Vec<&str> = TABLES.iter().map(|t| t.0).collect();
                            problems.push(Problem::new(
                                &sub,
                                "not a table of the Score model",
                                format!("tables: {}", known.join(", ")),
                            ));
                        }
                        (Some(slot), Some(n)) if !n.is_empty() => *slot = n.to_owned(),
                        (Some(_), _) => problems.push(Problem::new(
                            &sub,
                            format!("expected a table name, got {name}"),
                            "e.g. tickets = \"score_tickets\"",
                        )),
                    }
                }
            }
            None => problems.push(Problem::new(
                &field,
                format!("expected a table of names, got {v}"),
                "e.g. database_tables = { tickets = \"score_tickets\" }",
            )),
        }
    }
    match (db, zone) {
        (Some(db), Some(zone)) => Some(DbInput { db, zone, names }),
        _ => None,
    }
}
