//! The session model read from database tables instead of JSONL files: the neutral tables
//! (README "Database input") on SQLite or PostgreSQL, and Chatwoot's own PostgreSQL schema
//! ([`crate::chatwoot`]).
//!
//! A generation asks for the sessions of one [`Scope`] (started in the period, surveyed in
//! the period, or named by id/protocol); the time condition is pushed into SQL, so a large
//! table is never read whole, and the rows are converted into the same [`Session`],
//! [`Message`] and [`Survey`] values the file readers produce — through the same JSON rules
//! (`model::*_from_value`), so both inputs behave alike. Messages and surveys are read with
//! `session_id IN (SELECT id FROM sessions WHERE <the same condition>)` and streamed.

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use reportd_plugin_api::PluginError;
use reportd_plugin_api::sql::{CODE_QUERY, Connection, Dialect, Param, Row};
use serde_json::{Map, Value as Json};

use crate::chatwoot::Chatwoot;
use crate::model::{self, Malformed, Message, Session, Sessions, Survey};
use crate::settings::{DbSettings, Schema, Tables};

const DAY_MS: i64 = 86_400_000;

/// Which sessions a generation reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// Started in `[from, to)` (Unix ms).
    Started { from: i64, to: i64 },
    /// With a survey answered in `[from, to)` (Unix ms).
    Surveyed { from: i64, to: i64 },
    /// With one of these ids or protocols.
    Keys(Vec<String>),
    /// Of `bot`, started in `[from, to]` (Unix ms).
    BotWindow { bot: String, from: i64, to: i64 },
}

/// Which surveys a generation reads.
#[derive(Debug, Clone, PartialEq)]
pub enum SurveyScope {
    /// Answered in `[from, to)` (Unix ms), whatever their session.
    At { from: i64, to: i64 },
    /// Of the sessions of a [`Scope`].
    Of(Scope),
}

/// A query under construction: SQL text and its bind parameters, numbered placeholders
/// (`$n` on PostgreSQL, `?n` on SQLite) so conditions can be composed in any order.
#[derive(Debug)]
pub struct Query {
    pub dialect: Dialect,
    pub params: Vec<Param>,
}

impl Query {
    pub fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            params: Vec::new(),
        }
    }

    /// Adds a parameter and returns its placeholder.
    pub fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        match self.dialect {
            Dialect::Postgres => format!("${}", self.params.len()),
            Dialect::MySql | Dialect::Sqlite => format!("?{}", self.params.len()),
        }
    }

    /// `a IN (p1, p2, …)`, or a false condition for an empty list.
    pub fn in_list(&mut self, expr: &str, values: &[String]) -> String {
        if values.is_empty() {
            return "1 = 0".to_owned();
        }
        let ps: Vec<String> = values
            .iter()
            .map(|v| self.bind(Param::Text(v.clone())))
            .collect();
        format!("{expr} IN ({})", ps.join(", "))
    }
}

/// Unix ms to an instant (the epoch for an out-of-range value, never reached by real data).
pub fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// RFC 3339 text with milliseconds, the form the model's JSON rules read.
fn rfc3339(t: DateTime<Utc>) -> Json {
    Json::String(t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// Reads a time cell: native types and the text forms `Row::instant` knows, else the
/// model's own forms (the seed's `-180` minute offsets).
pub fn time_cell(r: &Row<'_>, i: usize, zone: Tz) -> Result<Option<Json>, String> {
    match r.instant(i, zone) {
        Ok(t) => Ok(t.map(rfc3339)),
        Err(e) => {
            let text = r.text(i).ok().flatten().map(|t| t.into_owned());
            match text
                .as_deref()
                .map(|t| model::parse_time(&Json::String(t.to_owned())))
            {
                Some(Some(ms)) => Ok(Some(rfc3339(instant(ms)))),
                _ => Err(e.to_string()),
            }
        }
    }
}

/// How a column of the neutral tables is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Text or a number, kept as text (ids, phones).
    Id,
    Text,
    Time,
    Bool,
    Int,
    /// A list of strings: JSON array, PostgreSQL array, or comma-separated text.
    List,
    /// A JSON object or array (text or jsonb).
    Json,
}

const SESSION_COLUMNS: [(&str, Kind); 23] = [
    ("id", Kind::Id),
    ("protocol", Kind::Id),
    ("bot", Kind::Text),
    ("channel", Kind::Text),
    ("contact", Kind::Id),
    ("contact_name", Kind::Text),
    ("contact_phone", Kind::Id),
    ("contact_email", Kind::Text),
    ("department", Kind::Text),
    ("started_at", Kind::Time),
    ("ended_at", Kind::Time),
    ("status", Kind::Text),
    ("panel_at", Kind::Time),
    ("first_contact_at", Kind::Time),
    ("agents", Kind::List),
    ("abandoned", Kind::Bool),
    ("tags", Kind::List),
    ("form", Kind::Json),
    ("additional_info", Kind::Json),
    ("menus", Kind::Json),
    ("typifications", Kind::Json),
    ("kpis", Kind::Json),
    ("history", Kind::Json),
];

const MESSAGE_COLUMNS: [(&str, Kind); 6] = [
    ("at", Kind::Time),
    ("direction", Kind::Text),
    ("author", Kind::Text),
    ("agent", Kind::Text),
    ("step", Kind::Text),
    ("text", Kind::Text),
];

const SURVEY_COLUMNS: [(&str, Kind); 5] = [
    ("at", Kind::Time),
    ("nps", Kind::Int),
    ("csat", Kind::Int),
    ("rating", Kind::Text),
    ("comment", Kind::Text),
];

/// Prefixes of extra (dynamic) session columns and the map they are folded into; any
/// other extra column goes to `additional_info`.
const DYNAMIC_PREFIXES: [(&str, &str); 3] = [
    ("menu_", "menus"),
    ("form_", "form"),
    ("typification_", "typifications"),
];

fn parse_list(s: &str) -> Json {
    let t = s.trim();
    if t.starts_with('[')
        && let Ok(v @ Json::Array(_)) = serde_json::from_str::<Json>(t)
    {
        return v;
    }
    // PostgreSQL array literal {a,"b c"} or comma-separated text.
    let inner = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    Json::Array(
        inner
            .split(',')
            .map(|x| x.trim().trim_matches('"').trim())
            .filter(|x| !x.is_empty())
            .map(|x| Json::String(x.to_owned()))
            .collect(),
    )
}

/// Reads cell `i` as `kind` into a JSON value for the model's rules.
fn cell(r: &Row<'_>, i: usize, kind: Kind, zone: Tz) -> Result<Option<Json>, String> {
    let text = || r.text(i).map_err(|e| e.to_string());
    Ok(match kind {
        Kind::Id | Kind::Text => text()?.map(|t| Json::String(t.into_owned())),
        Kind::Time => time_cell(r, i, zone)?,
        Kind::Bool => r.bool(i).map_err(|e| e.to_string())?.map(Json::Bool),
        Kind::Int => r.int(i).map_err(|e| e.to_string())?.map(Json::from),
        Kind::List => text()?.map(|t| parse_list(&t)),
        Kind::Json => match text()? {
            None => None,
            Some(t) if t.trim().is_empty() => None,
            Some(t) => Some(
                serde_json::from_str(&t)
                    .map_err(|e| format!("column {}: not JSON: {e}", r.name(i)))?,
            ),
        },
    })
}

/// Quotes a possibly schema-qualified table name.
fn quote_table(d: Dialect, name: &str) -> String {
    name.split('.')
        .map(|p| d.quote(p))
        .collect::<Vec<_>>()
        .join(".")
}

/// A neutral table's columns, as found in the database.
#[derive(Debug, Default)]
struct TableInfo {
    /// Quoted name.
    name: String,
    columns: Vec<String>,
}

impl TableInfo {
    fn has(&self, c: &str) -> bool {
        self.get(c).is_some()
    }

    /// The declared name of column `c` (compared case-insensitively).
    fn get(&self, c: &str) -> Option<String> {
        self.columns
            .iter()
            .find(|x| x.eq_ignore_ascii_case(c))
            .cloned()
    }
}

/// The column names of `table` as declared (case kept: a dynamic column's name is the key
/// its value is shown under, and a quoted mixed-case PostgreSQL name must be quoted back
/// exactly). `Connection::columns` lower-cases them, which suits fixed schemas only.
fn columns(conn: &mut Connection, table: &str) -> Result<Vec<String>, PluginError> {
    let (schema, bare) = match table.rsplit_once('.') {
        Some((s, t)) => (Some(s), t),
        None => (None, table),
    };
    let (sql, params) = match (conn.dialect(), schema) {
        (Dialect::Postgres, None) => (
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = $1 \
             AND table_schema = ANY (current_schemas(false)) ORDER BY ordinal_position",
            vec![Param::Text(bare.to_owned())],
        ),
        (Dialect::Postgres, Some(s)) => (
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = $1 \
             AND table_schema = $2 ORDER BY ordinal_position",
            vec![Param::Text(bare.to_owned()), Param::Text(s.to_owned())],
        ),
        _ => (
            "SELECT name FROM pragma_table_info(?1)",
            vec![Param::Text(bare.to_owned())],
        ),
    };
    let mut out = Vec::new();
    conn.for_each(sql, &params, |r| {
        if let Ok(Some(c)) = r.text(0) {
            out.push(c.into_owned());
        }
        Ok::<(), PluginError>(())
    })?;
    Ok(out)
}

/// The neutral tables of one database.
pub struct Neutral {
    conn: Connection,
    dialect: Dialect,
    zone: Tz,
    tables: Tables,
    sessions: TableInfo,
    messages: TableInfo,
    surveys: TableInfo,
    tags: TableInfo,
    /// `started_at` / surveys `at` are `timestamptz`: SQL bounds are exact. Otherwise
    /// (SQLite text, naive timestamps) they are widened by a day on each side — wider than
    /// any UTC offset — and the exact period test is the in-memory one the file path uses.
    exact_sessions: bool,
    exact_surveys: bool,
}

fn missing(table: &str, what: &str) -> PluginError {
    PluginError::new(
        CODE_QUERY,
        format!("table {table}: {what}"),
        "create the neutral webchat tables as the webchat README (Database input) shows, or name yours with sessions_table / messages_table / surveys_table",
    )
}

impl Neutral {
    fn open(mut conn: Connection, zone: Tz, tables: &Tables) -> Result<Self, PluginError> {
        let dialect = conn.dialect();
        let mut info = |t: &str| -> Result<TableInfo, PluginError> {
            Ok(TableInfo {
                name: quote_table(dialect, t),
                columns: columns(&mut conn, t)?,
            })
        };
        let sessions = info(&tables.sessions)?;
        let messages = info(&tables.messages)?;
        let surveys = info(&tables.surveys)?;
        let tags = info(&tables.session_tags)?;
        if sessions.columns.is_empty() {
            return Err(missing(&tables.sessions, "not found"));
        }
        for c in ["id", "bot", "started_at"] {
            if !sessions.has(c) {
                return Err(missing(&tables.sessions, &format!("has no column {c}")));
            }
        }
        let mut me = Self {
            conn,
            dialect,
            zone,
            tables: tables.clone(),
            sessions,
            messages,
            surveys,
            tags,
            exact_sessions: false,
            exact_surveys: false,
        };
        me.exact_sessions = me.is_timestamptz(&me.tables.sessions.clone(), "started_at")?;
        me.exact_surveys = me.is_timestamptz(&me.tables.surveys.clone(), "at")?;
        Ok(me)
    }

    fn is_timestamptz(&mut self, table: &str, column: &str) -> Result<bool, PluginError> {
        if self.dialect != Dialect::Postgres {
            return Ok(false);
        }
        let bare = table.rsplit('.').next().unwrap_or(table);
        let mut tz = false;
        self.conn.for_each(
            "SELECT data_type::text FROM information_schema.columns WHERE table_name = $1 AND column_name = $2 AND table_schema = ANY (current_schemas(false))",
            &[Param::Text(bare.to_owned()), Param::Text(column.to_owned())],
            |r| {
                tz |= r.text(0).ok().flatten().as_deref() == Some("timestamp with time zone");
                Ok::<(), PluginError>(())
            },
        )?;
        Ok(tz)
    }

    /// `col` (a time column) ≥ / < an instant, in this dialect.
    fn time_cmp(&self, q: &mut Query, col: &str, op: &str, ms: i64) -> String {
        let p = q.bind(Param::Instant(instant(ms)));
        match self.dialect {
            Dialect::Sqlite => format!("julianday({col}) {op} julianday({p})"),
            _ => format!("{col} {op} {p}"),
        }
    }

    fn session_col(&self, t: &TableInfo) -> Option<String> {
        ["session_id", "session"].into_iter().find_map(|c| t.get(c))
    }

    /// The condition selecting the sessions of `scope` (on the sessions table, unaliased).
    fn cond(&self, q: &mut Query, scope: &Scope) -> String {
        let d = self.dialect;
        let m = if self.exact_sessions { 0 } else { DAY_MS };
        let started = d.quote("started_at");
        match scope {
            Scope::Started { from, to } => format!(
                "{} AND {}",
                self.time_cmp(q, &started, ">=", from - m),
                self.time_cmp(q, &started, "<", to + m)
            ),
            Scope::Surveyed { from, to } => {
                let ms = if self.exact_surveys { 0 } else { DAY_MS };
                let Some(sc) = self.session_col(&self.surveys) else {
                    return "1 = 0".to_owned();
                };
                let at = d.quote("at");
                format!(
                    "{} IN (SELECT {} FROM {} WHERE {} AND {})",
                    d.quote("id"),
                    d.quote(&sc),
                    self.surveys.name,
                    self.time_cmp(q, &at, ">=", from - ms),
                    self.time_cmp(q, &at, "<", to + ms)
                )
            }
            Scope::Keys(keys) => {
                let cast = |c: &str| match d {
                    Dialect::Postgres => format!("{}::text", d.quote(c)),
                    _ => format!("CAST({} AS TEXT)", d.quote(c)),
                };
                let mut c = q.in_list(&cast("id"), keys);
                if self.sessions.has("protocol") {
                    c = format!("({c} OR {})", q.in_list(&cast("protocol"), keys));
                }
                c
            }
            Scope::BotWindow { bot, from, to } => {
                let b = q.bind(Param::Text(bot.clone()));
                format!(
                    "{} = {b} AND {} AND {}",
                    d.quote("bot"),
                    self.time_cmp(q, &started, ">=", from - m),
                    self.time_cmp(q, &started, "<=", to + m)
                )
            }
        }
    }

    /// The model columns `t` has and their select expressions (text cast on PostgreSQL so
    /// `varchar`, enums or `citext` read alike).
    fn select(
        &self,
        known: &[(&'static str, Kind)],
        t: &TableInfo,
    ) -> (Vec<(&'static str, Kind)>, Vec<String>) {
        let d = self.dialect;
        known
            .iter()
            .filter_map(|(c, k)| {
                let q = d.quote(&t.get(c)?);
                let e = match (d, k) {
                    (Dialect::Postgres, Kind::Text) => format!("{q}::text"),
                    _ => q,
                };
                Some(((*c, *k), e))
            })
            .unzip()
    }

    /// Stable row order: insertion order where the database has one.
    fn order(&self, t: &TableInfo, first: &str) -> String {
        let d = self.dialect;
        let tie = if let Some(id) = t.get("id") {
            d.quote(&id)
        } else if d == Dialect::Sqlite {
            "rowid".to_owned()
        } else if let Some(at) = t.get("at") {
            // No insertion order on PostgreSQL without an id: ties of a time are unordered.
            d.quote(&at)
        } else {
            "1".to_owned()
        };
        if first.is_empty() {
            tie
        } else {
            format!("{}, {tie}", d.quote(first))
        }
    }

    fn sessions(
        &mut self,
        scope: &Scope,
        bad: &mut Malformed,
        out: &mut Sessions,
    ) -> Result<(), PluginError> {
        let d = self.dialect;
        let mut q = Query::new(d);
        let cond = self.cond(&mut q, scope);
        // Native types matter for times, booleans and numbers; anything else is read as
        // text (on PostgreSQL cast, so arrays, numeric or uuid columns read too).
        let select: Vec<String> = self
            .sessions
            .columns
            .iter()
            .map(|c| match (d, kind_of(&SESSION_COLUMNS, c)) {
                (_, Some(Kind::Time | Kind::Bool | Kind::Int))
                | (Dialect::Sqlite | Dialect::MySql, _) => d.quote(c),
                (Dialect::Postgres, _) => format!("{}::text", d.quote(c)),
            })
            .collect();
        let order = if d == Dialect::Sqlite {
            "julianday(\"started_at\"), rowid".to_owned()
        } else {
            self.order(&self.sessions, "started_at")
        };
        let sql = format!(
            "SELECT {} FROM {} WHERE {cond} ORDER BY {order}",
            select.join(", "),
            self.sessions.name
        );
        let columns = self.sessions.columns.clone();
        let table = self.tables.sessions.clone();
        let zone = self.zone;
        self.conn.for_each(&sql, &q.params, |r| {
            let mut obj = Map::new();
            let mut place = format!("{table} row");
            let res = (|| -> Result<Session, String> {
                let mut folded: Vec<(&str, String, String)> = Vec::new();
                for (i, c) in columns.iter().enumerate() {
                    match kind_of(&SESSION_COLUMNS, c) {
                        Some(kind) => {
                            if let Some(v) = cell(r, i, kind, zone)? {
                                let c = c.to_ascii_lowercase();
                                if c == "id" {
                                    place = format!("{table} id={}", model_text(&v));
                                }
                                obj.insert(c, v);
                            }
                        }
                        None => {
                            // Dynamic columns are folded to text into one of the maps.
                            let Some(v) = r.text(i).map_err(|e| e.to_string())? else {
                                continue;
                            };
                            let (map, key) = DYNAMIC_PREFIXES
                                .iter()
                                .find_map(|(p, m)| c.strip_prefix(p).map(|k| (*m, k)))
                                .unwrap_or(("additional_info", c.as_str()));
                            folded.push((map, key.to_owned(), v.into_owned()));
                        }
                    }
                }
                for (map, key, v) in folded {
                    let slot = obj.entry(map).or_insert_with(|| Json::Object(Map::new()));
                    if let Json::Object(m) = slot {
                        m.entry(key).or_insert(Json::String(v));
                    }
                }
                model::session_from_value(Json::Object(std::mem::take(&mut obj)))
            })();
            match res {
                Ok(s) => out.push(s),
                Err(e) => bad.add_record(&place, &e),
            }
            Ok::<(), PluginError>(())
        })?;
        self.session_tags(scope, bad, out)
    }

    /// Tags from the `session_tags` table (when it exists), appended to the sessions'.
    fn session_tags(
        &mut self,
        scope: &Scope,
        bad: &mut Malformed,
        out: &mut Sessions,
    ) -> Result<(), PluginError> {
        let Some(sc) = self.session_col(&self.tags) else {
            return Ok(());
        };
        let Some(tc) = ["tag", "name", "label"]
            .into_iter()
            .find_map(|c| self.tags.get(c))
        else {
            return Err(missing(&self.tables.session_tags, "has no column tag"));
        };
        let d = self.dialect;
        let mut q = Query::new(d);
        let cond = self.cond(&mut q, scope);
        let sql = format!(
            "SELECT CAST({sc} AS TEXT), CAST({tc} AS TEXT) FROM {} WHERE {sc} IN (SELECT {} FROM {} WHERE {cond}) ORDER BY {}",
            self.tags.name,
            d.quote("id"),
            self.sessions.name,
            self.order(&self.tags, ""),
            sc = d.quote(&sc),
            tc = d.quote(&tc),
        );
        let table = self.tables.session_tags.clone();
        self.conn.for_each(&sql, &q.params, |r| {
            match (r.text(0), r.text(1)) {
                (Ok(Some(id)), Ok(Some(tag))) => {
                    if let Some(i) = out.position(&id) {
                        let tags = &mut out.list[i].tags;
                        if !tags.iter().any(|t| *t == tag) {
                            tags.push(tag.into_owned());
                        }
                    }
                }
                (Ok(_), Ok(_)) => bad.add_record(&format!("{table} row"), "empty session or tag"),
                (Err(e), _) | (_, Err(e)) => {
                    bad.add_record(&format!("{table} row"), &e.to_string())
                }
            }
            Ok::<(), PluginError>(())
        })?;
        Ok(())
    }

    fn messages(
        &mut self,
        scope: &Scope,
        bad: &mut Malformed,
        f: &mut dyn FnMut(Message),
    ) -> Result<(), PluginError> {
        let Some(sc) = self.session_col(&self.messages) else {
            if self.messages.columns.is_empty() {
                return Err(missing(&self.tables.messages, "not found"));
            }
            return Err(missing(&self.tables.messages, "has no column session_id"));
        };
        let d = self.dialect;
        let mut q = Query::new(d);
        let cond = self.cond(&mut q, scope);
        let (cols, select) = self.select(&MESSAGE_COLUMNS, &self.messages);
        let sql = format!(
            "SELECT CAST({scq} AS TEXT), {} FROM {} WHERE {scq} IN (SELECT {} FROM {} WHERE {cond}) ORDER BY {}",
            select.join(", "),
            self.messages.name,
            d.quote("id"),
            self.sessions.name,
            self.order(&self.messages, ""),
            scq = d.quote(&sc),
        );
        let table = self.tables.messages.clone();
        let zone = self.zone;
        self.conn.for_each(&sql, &q.params, |r| {
            match row_object(r, &cols, zone, "session").and_then(model::message_from_value) {
                Ok(m) => f(m),
                Err(e) => bad.add_record(&format!("{table} row"), &e),
            }
            Ok::<(), PluginError>(())
        })?;
        Ok(())
    }

    fn surveys(
        &mut self,
        scope: &SurveyScope,
        bad: &mut Malformed,
        f: &mut dyn FnMut(Survey),
    ) -> Result<(), PluginError> {
        let Some(sc) = self.session_col(&self.surveys) else {
            if self.surveys.columns.is_empty() {
                // Surveys are optional (evaluation columns stay empty) except for NPS.
                if matches!(scope, SurveyScope::Of(_)) {
                    return Ok(());
                }
                return Err(missing(&self.tables.surveys, "not found"));
            }
            return Err(missing(&self.tables.surveys, "has no column session_id"));
        };
        let d = self.dialect;
        let mut q = Query::new(d);
        let scq = d.quote(&sc);
        let cond = match scope {
            SurveyScope::At { from, to } => {
                let m = if self.exact_surveys { 0 } else { DAY_MS };
                let at = d.quote("at");
                format!(
                    "{} AND {}",
                    self.time_cmp(&mut q, &at, ">=", from - m),
                    self.time_cmp(&mut q, &at, "<", to + m)
                )
            }
            SurveyScope::Of(s) => format!(
                "{scq} IN (SELECT {} FROM {} WHERE {})",
                d.quote("id"),
                self.sessions.name,
                self.cond(&mut q, s)
            ),
        };
        let (cols, select) = self.select(&SURVEY_COLUMNS, &self.surveys);
        let sql = format!(
            "SELECT CAST({scq} AS TEXT), {} FROM {} WHERE {cond} ORDER BY {}",
            select.join(", "),
            self.surveys.name,
            self.order(&self.surveys, ""),
        );
        let table = self.tables.surveys.clone();
        let zone = self.zone;
        self.conn.for_each(&sql, &q.params, |r| {
            match row_object(r, &cols, zone, "session").and_then(model::survey_from_value) {
                Ok(s) => f(s),
                Err(e) => bad.add_record(&format!("{table} row"), &e),
            }
            Ok::<(), PluginError>(())
        })?;
        Ok(())
    }
}

fn kind_of(cols: &[(&str, Kind)], c: &str) -> Option<Kind> {
    cols.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(c))
        .map(|(_, k)| *k)
}

fn model_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A row whose column 0 is the session id (`key`) and columns 1.. are `cols`, as a JSON
/// object for the model's rules.
fn row_object(r: &Row<'_>, cols: &[(&str, Kind)], zone: Tz, key: &str) -> Result<Json, String> {
    let mut obj = Map::new();
    if let Some(id) = r.text(0).map_err(|e| e.to_string())? {
        obj.insert(key.to_owned(), Json::String(id.into_owned()));
    }
    for (i, (c, kind)) in cols.iter().enumerate() {
        if let Some(v) = cell(r, i + 1, *kind, zone)? {
            obj.insert((*c).to_owned(), v);
        }
    }
    Ok(Json::Object(obj))
}

/// An open database input of either schema.
pub enum Reader {
    Neutral(Box<Neutral>),
    Chatwoot(Box<Chatwoot>),
}

impl Reader {
    /// Connects and checks the tables. `report_tz` is the zone of naive times in the neutral
    /// tables when `database_timezone` is not set.
    pub fn open(s: &DbSettings, report_tz: Tz) -> Result<Self, PluginError> {
        let conn = s.database.connect()?;
        Ok(match &s.schema {
            Schema::Neutral(t) => Reader::Neutral(Box::new(Neutral::open(
                conn,
                s.timezone.unwrap_or(report_tz),
                t,
            )?)),
            Schema::Chatwoot { account_id } => Reader::Chatwoot(Box::new(Chatwoot::open(
                conn,
                s.timezone.unwrap_or(chrono_tz::UTC),
                *account_id,
            )?)),
        })
    }

    /// The sessions of `scope`, added to `out` (first-appearance order, by start).
    pub fn sessions(
        &mut self,
        scope: &Scope,
        bad: &mut Malformed,
        out: &mut Sessions,
    ) -> Result<(), PluginError> {
        match self {
            Reader::Neutral(n) => n.sessions(scope, bad, out),
            Reader::Chatwoot(c) => c.sessions(scope, bad, out),
        }
    }

    /// Streams the messages of the sessions of `scope`.
    pub fn messages(
        &mut self,
        scope: &Scope,
        bad: &mut Malformed,
        f: &mut dyn FnMut(Message),
    ) -> Result<(), PluginError> {
        match self {
            Reader::Neutral(n) => n.messages(scope, bad, f),
            Reader::Chatwoot(c) => c.messages(scope, bad, f),
        }
    }

    /// Streams the surveys of `scope`.
    pub fn surveys(
        &mut self,
        scope: &SurveyScope,
        bad: &mut Malformed,
        f: &mut dyn FnMut(Survey),
    ) -> Result<(), PluginError> {
        match self {
            Reader::Neutral(n) => n.surveys(scope, bad, f),
            Reader::Chatwoot(c) => c.surveys(scope, bad, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_from_json_pg_arrays_and_commas() {
        let want = serde_json::json!(["Ana", "Bruno Lima"]);
        assert_eq!(parse_list(r#"["Ana","Bruno Lima"]"#), want);
        assert_eq!(parse_list(r#"{Ana,"Bruno Lima"}"#), want);
        assert_eq!(parse_list("Ana, Bruno Lima"), want);
        assert_eq!(parse_list(""), serde_json::json!([]));
    }

    #[test]
    fn numbered_placeholders() {
        let mut q = Query::new(Dialect::Sqlite);
        assert_eq!(q.bind(Param::Int(1)), "?1");
        assert_eq!(q.in_list("x", &["a".into(), "b".into()]), "x IN (?2, ?3)");
        assert_eq!(q.in_list("x", &[]), "1 = 0");
        let mut q = Query::new(Dialect::Postgres);
        assert_eq!(q.bind(Param::Int(1)), "$1");
    }
}
