//! Turns a [`Request`] (source settings, report parameters, period) into a checked [`Job`].
//! Pure (no file system access): `validate` and `generate` both go through
//! [`Job::from_request`], so they never disagree about what is valid.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono_tz::Tz;
use reportd_plugin_api::sql::{Database, Dialect};
use reportd_plugin_api::{Problem, Request};
use serde_json::Value as Json;

use crate::catalog::ReportKind;
use crate::model::Status;

/// Host-added source key: directory of the config file the source was defined in.
pub use reportd_plugin_api::CONFIG_DIR_KEY;

/// Source setting names besides `config_dir`.
pub const SOURCE_KEYS: [&str; 16] = [
    "sessions",
    "messages",
    "surveys",
    "database",
    "database_password_file",
    "database_password_env",
    "database_password_credential",
    "database_connect_timeout",
    "database_timezone",
    "schema",
    "adapter",
    "account_id",
    "sessions_table",
    "messages_table",
    "surveys_table",
    "session_tags_table",
];

/// The file settings: the JSONL input.
const FILE_KEYS: [&str; 3] = ["sessions", "messages", "surveys"];

/// The `[sources.X]` settings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    pub sessions: Option<PathBuf>,
    pub messages: Option<PathBuf>,
    pub surveys: Option<PathBuf>,
    /// The model read from database tables instead of files.
    pub database: Option<DbSettings>,
}

/// Table names of the neutral model in a database (`*_table` settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub sessions: String,
    pub messages: String,
    pub surveys: String,
    pub session_tags: String,
}

impl Default for Tables {
    fn default() -> Self {
        Self {
            sessions: "sessions".to_owned(),
            messages: "messages".to_owned(),
            surveys: "surveys".to_owned(),
            session_tags: "session_tags".to_owned(),
        }
    }
}

/// Which schema the database holds (`schema` / `adapter` setting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schema {
    /// The neutral model's tables (README "Database input").
    Neutral(Tables),
    /// Chatwoot's own PostgreSQL schema, optionally one account.
    Chatwoot { account_id: Option<i64> },
}

/// `database = "…"` and its companions.
#[derive(Debug, Clone)]
pub struct DbSettings {
    pub database: Database,
    pub schema: Schema,
    /// `database_timezone`: the zone of naive timestamps. `None` = the report's zone for the
    /// neutral tables, UTC for Chatwoot (Rails stores UTC in `timestamp without time zone`).
    pub timezone: Option<Tz>,
}

impl PartialEq for DbSettings {
    fn eq(&self, other: &Self) -> bool {
        // The URL without its password identifies the database well enough for equality.
        self.database.to_string() == other.database.to_string()
            && self.database.dialect() == other.database.dialect()
            && self.schema == other.schema
            && self.timezone == other.timezone
    }
}

/// `session_detail` "Modalidad".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    All,
    /// Reached the agent panel.
    Panel,
    /// Never reached the panel.
    BotOnly,
}

/// `attendance_transcript` scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    Attendance,
    /// The contact's attendances with the same bot in the 24 h before this one's end.
    Session,
}

/// Report parameters (schedule `filters`). A `None` set means "all".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    pub bots: Option<BTreeSet<String>>,
    pub channels: Option<BTreeSet<String>>,
    pub departments: Option<BTreeSet<String>>,
    /// `agent` ∪ `user`.
    pub agents: Option<BTreeSet<String>>,
    pub contacts: Option<BTreeSet<String>>,
    pub tags: Option<BTreeSet<String>>,
    pub flows: Option<BTreeSet<String>>,
    pub steps: Option<BTreeSet<String>>,
    pub statuses: Option<BTreeSet<Status>>,
    /// `status = "Selecionar Todos"` was given explicitly (overrides the Concluído default).
    pub all_statuses: bool,
    /// Lower-case rating words.
    pub evaluations: Option<BTreeSet<String>>,
    pub mode: Mode,
    pub abandoned: Option<bool>,
    /// Lower-cased search text.
    pub message_text: Option<String>,
    pub protocol: Option<String>,
    pub scope: Scope,
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
    let one = |x: &Json| match x {
        Json::String(s) => Some(s.trim().to_owned()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let out: Option<BTreeSet<String>> = match v {
        Json::Array(a) => a.iter().map(one).collect(),
        other => one(other).map(|s| [s].into()),
    };
    if out.is_none() {
        problems.push(Problem::new(
            field,
            format!("expected a string or a list of strings, got {v}"),
            "",
        ));
    }
    out
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
                "an IANA zone such as America/Sao_Paulo",
            ));
        }
        if request.period.end_utc <= request.period.start_utc {
            problems.push(Problem::new("period", "the period is empty", ""));
        }

        let mut settings = Settings::default();
        for (k, v) in &request.source {
            if k == CONFIG_DIR_KEY {
                continue;
            }
            let field = format!("source.{k}");
            if !SOURCE_KEYS.contains(&k.as_str()) {
                problems.push(Problem::new(
                    &field,
                    "unknown setting",
                    format!("known settings: {}", SOURCE_KEYS.join(", ")),
                ));
                continue;
            }
            if !FILE_KEYS.contains(&k.as_str()) {
                // Database settings: read together below.
                continue;
            }
            let path = match v {
                Json::String(s) if !s.trim().is_empty() => request.source_path(s.trim()),
                other => {
                    problems.push(Problem::new(
                        &field,
                        format!("expected a path string, got {other}"),
                        "",
                    ));
                    continue;
                }
            };
            match k.as_str() {
                "sessions" => settings.sessions = Some(path),
                "messages" => settings.messages = Some(path),
                _ => settings.surveys = Some(path),
            }
        }

        settings.database = db_settings(request, &mut problems);
        if settings.database.is_some() {
            for k in FILE_KEYS {
                if request.source.contains_key(k) {
                    problems.push(Problem::new(
                        &format!("source.{k}"),
                        "a source reads either files or a database, not both",
                        "remove the file settings, or the database setting",
                    ));
                }
            }
        }
        let from_db = request.source.contains_key("database");

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
            let p = &mut problems;
            match k.as_str() {
                "bot" => params.bots = list(v, &field, p),
                "channel" => params.channels = list(v, &field, p),
                "department" => params.departments = list(v, &field, p),
                "agent" | "user" => {
                    if let Some(l) = list(v, &field, p) {
                        params.agents.get_or_insert_with(BTreeSet::new).extend(l);
                    }
                }
                "contact" => params.contacts = list(v, &field, p),
                "tag" => params.tags = list(v, &field, p),
                "flow" => params.flows = list(v, &field, p),
                "step" => params.steps = list(v, &field, p),
                "evaluation" => {
                    params.evaluations = list(v, &field, p)
                        .map(|s| s.into_iter().map(|x| x.to_lowercase()).collect())
                }
                "status" => {
                    if let Some(l) = list(v, &field, p) {
                        if l.iter().any(|s| s == "Selecionar Todos" || s == "all") {
                            params.statuses = None;
                            params.all_statuses = true;
                        } else {
                            let mut set = BTreeSet::new();
                            for s in &l {
                                match Status::parse(s) {
                                    Some(st) => {
                                        set.insert(st);
                                    }
                                    None => p.push(Problem::new(
                                        &field,
                                        format!("unknown status {s:?}"),
                                        "a seed status such as Concluído, or Selecionar Todos",
                                    )),
                                }
                            }
                            params.statuses = Some(set);
                        }
                    }
                }
                "mode" => match v.as_str() {
                    Some("all") => params.mode = Mode::All,
                    Some("panel") => params.mode = Mode::Panel,
                    Some("bot_only") => params.mode = Mode::BotOnly,
                    _ => p.push(Problem::new(
                        &field,
                        format!("unknown mode {v}"),
                        "all, panel or bot_only",
                    )),
                },
                "abandoned" => match v {
                    Json::Bool(b) => params.abandoned = Some(*b),
                    other => p.push(Problem::new(
                        &field,
                        format!("expected true or false, got {other}"),
                        "",
                    )),
                },
                "message_text" => match v.as_str().map(str::trim) {
                    Some(s) if !s.is_empty() => params.message_text = Some(s.to_lowercase()),
                    _ => p.push(Problem::new(&field, "expected a non-empty string", "")),
                },
                "protocol" => match v {
                    Json::String(s) if !s.trim().is_empty() => {
                        params.protocol = Some(s.trim().to_owned())
                    }
                    Json::Number(n) => params.protocol = Some(n.to_string()),
                    _ => p.push(Problem::new(&field, "expected a protocol string", "")),
                },
                "scope" => match v.as_str() {
                    Some("attendance") => params.scope = Scope::Attendance,
                    Some("session") => params.scope = Scope::Session,
                    _ => p.push(Problem::new(
                        &field,
                        format!("unknown scope {v}"),
                        "attendance or session",
                    )),
                },
                other => params.ignored.push((
                    other.to_owned(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                )),
            }
        }

        if let Some(kind) = report {
            for r in kind.required_params() {
                if !request.params.contains_key(*r) {
                    problems.push(Problem::new(
                        &format!("params.{r}"),
                        format!("{} needs {r}", kind.id()),
                        "",
                    ));
                }
            }
            if settings.sessions.is_none() && !from_db {
                problems.push(Problem::new(
                    "source.sessions",
                    "every webchat report needs the sessions file (or a database)",
                    "set sessions = \"/var/lib/webchat/sessions.jsonl\" or database = \"postgres://…\" in the source",
                ));
            }
            if kind.needs_messages() && settings.messages.is_none() && !from_db {
                problems.push(Problem::new(
                    "source.messages",
                    format!("{} needs the messages file", kind.id()),
                    "set messages = \"…/messages.jsonl\" in the source",
                ));
            }
            if kind == ReportKind::Nps && settings.surveys.is_none() && !from_db {
                problems.push(Problem::new(
                    "source.surveys",
                    "webchat.nps needs the surveys file",
                    "set surveys = \"…/surveys.jsonl\" in the source",
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

/// Reads `database` and its companion settings (`None` when `database` is absent; problems
/// for companions set without it).
fn db_settings(request: &Request, problems: &mut Vec<Problem>) -> Option<DbSettings> {
    let src = &request.source;
    let database = match Database::from_source(src, "database") {
        Ok(d) => d,
        Err(p) => {
            problems.extend(p);
            None
        }
    };
    let text = |k: &str, problems: &mut Vec<Problem>| -> Option<String> {
        match src.get(k)? {
            Json::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            other => {
                problems.push(Problem::new(
                    &format!("source.{k}"),
                    format!("expected a non-empty string, got {other}"),
                    "",
                ));
                None
            }
        }
    };
    let mut chatwoot = false;
    let mut schema_key = None;
    for k in ["schema", "adapter"] {
        if let Some(v) = text(k, problems) {
            match v.as_str() {
                "neutral" => {}
                "chatwoot" => chatwoot = true,
                other => problems.push(Problem::new(
                    &format!("source.{k}"),
                    format!("unknown {k} {other:?}"),
                    "\"neutral\" (the README's tables, the default) or \"chatwoot\"",
                )),
            }
            if let Some((prev, pv)) = &schema_key
                && *pv != v
            {
                problems.push(Problem::new(
                    &format!("source.{k}"),
                    format!("disagrees with {prev} = {pv:?}"),
                    "set only one of schema and adapter",
                ));
            }
            schema_key = Some((k, v));
        }
    }
    let timezone = text("database_timezone", problems).and_then(|z| match z.parse::<Tz>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            problems.push(Problem::new(
                "source.database_timezone",
                format!("unknown time zone {z:?}"),
                "an IANA zone such as America/Sao_Paulo or UTC",
            ));
            None
        }
    });
    let account_id = match src.get("account_id") {
        None => None,
        Some(v) => {
            let n = match v {
                Json::Number(n) => n.as_i64(),
                Json::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            if n.is_none() {
                problems.push(Problem::new(
                    "source.account_id",
                    format!("expected an integer account id, got {v}"),
                    "the number in Chatwoot's URL /app/accounts/N/…",
                ));
            }
            if !chatwoot {
                problems.push(Problem::new(
                    "source.account_id",
                    "account_id is a Chatwoot setting",
                    "set schema = \"chatwoot\", or remove account_id",
                ));
            }
            n
        }
    };
    let mut tables = Tables::default();
    for (k, slot) in [
        ("sessions_table", &mut tables.sessions),
        ("messages_table", &mut tables.messages),
        ("surveys_table", &mut tables.surveys),
        ("session_tags_table", &mut tables.session_tags),
    ] {
        let Some(v) = text(k, problems) else {
            continue;
        };
        if chatwoot {
            problems.push(Problem::new(
                &format!("source.{k}"),
                "the Chatwoot adapter reads Chatwoot's own tables",
                format!("remove {k}"),
            ));
        } else if !v
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
        {
            problems.push(Problem::new(
                &format!("source.{k}"),
                format!("{v:?} is not a table name"),
                "letters, digits and _, optionally schema.table",
            ));
        }
        *slot = v;
    }
    let Some(database) = database else {
        if !problems
            .iter()
            .any(|p| p.field.starts_with("source.database"))
        {
            for k in SOURCE_KEYS.iter().skip(FILE_KEYS.len() + 1) {
                if src.contains_key(*k) && *k != "account_id" {
                    problems.push(Problem::new(
                        &format!("source.{k}"),
                        "only used with a database source",
                        "set database = \"sqlite:///…\" or \"postgres://…\", or remove it",
                    ));
                }
            }
        }
        return None;
    };
    if chatwoot && database.dialect() != Dialect::Postgres {
        problems.push(Problem::new(
            "source.database",
            format!(
                "Chatwoot keeps its data in PostgreSQL; {} was given",
                database.dialect().name()
            ),
            "database = \"postgres://reportd@chatwoot-db/chatwoot_production\"",
        ));
    }
    if !chatwoot && database.dialect() == Dialect::MySql {
        problems.push(Problem::new(
            "source.database",
            "the neutral webchat tables are read from SQLite or PostgreSQL",
            "database = \"sqlite:///var/lib/bot/data.db\" or \"postgres://…\"",
        ));
    }
    let schema = if chatwoot {
        Schema::Chatwoot { account_id }
    } else {
        Schema::Neutral(tables)
    };
    Some(DbSettings {
        database,
        schema,
        timezone,
    })
}

/// True when `set` is `None` or contains `v`.
pub fn allows(set: &Option<BTreeSet<String>>, v: &str) -> bool {
    set.as_ref().is_none_or(|s| s.contains(v))
}

/// True when `set` is `None` or `v` is set and in it.
pub fn allows_opt(set: &Option<BTreeSet<String>>, v: Option<&str>) -> bool {
    set.as_ref()
        .is_none_or(|s| v.is_some_and(|v| s.contains(v)))
}
