//! Database input: webhook POST bodies stored one per row in a table (PostgreSQL `jsonb` is
//! the usual layout; `json` and text columns, MySQL/MariaDB and SQLite work too), and
//! optionally the send log and opt-outs as tables.
//!
//! Each webhook row's payload is handed to [`Scan::line`] — the same entry point the JSONL
//! reader uses for one line — so both inputs give the same report. Rows are streamed
//! ([`Connection::for_each`]): memory does not grow with the table. Time filtering is done
//! in SQL on the `received_at` column when the table has one.

use reportd_plugin_api::sql::{CODE_QUERY, Connection, Database, Dialect, Param, Row};
use reportd_plugin_api::{Cancelled, PluginError, Problem, Sink};
use serde_json::{Map, Value as Json};

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::reports::LOOKBACK_S;
use crate::settings::Job;
use crate::state::{MAX_EXAMPLES, Scan};

/// Source setting names this module reads.
pub const SOURCE_KEYS: [&str; 12] = [
    "database",
    "database_password_file",
    "database_password_env",
    "database_password_credential",
    "database_connect_timeout",
    "database_timezone",
    "webhook_table",
    "webhook_column",
    "webhook_received_column",
    "webhook_id_column",
    "send_log_table",
    "optouts_table",
];

/// Settings that only make sense with `database`.
const NEEDS_DATABASE: [&str; 7] = [
    "database_timezone",
    "webhook_table",
    "webhook_column",
    "webhook_received_column",
    "webhook_id_column",
    "send_log_table",
    "optouts_table",
];

/// Default webhook table.
pub const DEFAULT_TABLE: &str = "whatsapp_webhooks";
/// Default payload column.
pub const DEFAULT_COLUMN: &str = "payload";
/// Default arrival-time column.
pub const DEFAULT_RECEIVED: &str = "received_at";
/// Default order column.
pub const DEFAULT_ID: &str = "id";

/// Webhooks received up to this long after the period end are read: Meta retries a POST
/// the receiver did not acknowledge for up to 7 days, so a status stamped before the end
/// may be stored days later. (The file input reads every file newer than the look-back,
/// so it has no upper bound at all.)
pub const LATE_S: i64 = 7 * 86_400;

/// The webhook table and its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTable {
    pub table: String,
    pub column: String,
    /// Arrival-time column; `None` when set to `""` (read the whole table).
    pub received: Option<String>,
    /// True when `webhook_received_column` was set: then a missing column is an error,
    /// while the default `received_at` may be absent (whole table read).
    pub received_explicit: bool,
    pub id: String,
}

/// The database settings of a source.
#[derive(Debug, Clone)]
pub struct DbSource {
    pub database: Database,
    /// Zone of naive timestamp columns (`database_timezone`); `None` = the report's zone.
    pub timezone: Option<Tz>,
    pub webhooks: WebhookTable,
    /// `send_log_table`: the send log as a table (columns named as the JSONL keys).
    pub send_log_table: Option<String>,
    /// `optouts_table`: the opt-outs as a table (columns named as the JSONL keys).
    pub optouts_table: Option<String>,
}

impl PartialEq for DbSource {
    /// Compares the printable (password-free) URL and the table settings.
    fn eq(&self, other: &Self) -> bool {
        self.database.to_string() == other.database.to_string()
            && self.timezone == other.timezone
            && self.webhooks == other.webhooks
            && self.send_log_table == other.send_log_table
            && self.optouts_table == other.optouts_table
    }
}

/// Reads the database settings of `source` (`None` without `database`); pushes every
/// problem found.
pub fn from_source(source: &Map<String, Json>, problems: &mut Vec<Problem>) -> Option<DbSource> {
    let database = match Database::from_source(source, "database") {
        Ok(d) => d,
        Err(p) => {
            problems.extend(p);
            return None;
        }
    };
    let Some(database) = database else {
        for k in NEEDS_DATABASE {
            if source.contains_key(k) {
                problems.push(Problem::new(
                    &format!("source.{k}"),
                    "only used with a database input",
                    "set database = \"postgres://reportd@db/whatsapp\" too, or remove it",
                ));
            }
        }
        return None;
    };
    let mut ident = |key: &str, default: Option<&str>, allow_empty: bool| -> Option<String> {
        match source.get(key) {
            None => default.map(str::to_owned),
            Some(Json::String(s)) if s.trim().is_empty() && allow_empty => None,
            Some(Json::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(other) => {
                problems.push(Problem::new(
                    &format!("source.{key}"),
                    format!("expected a table or column name, got {other}"),
                    if allow_empty {
                        "a name, or \"\" for none"
                    } else {
                        "a name such as \"whatsapp_webhooks\""
                    },
                ));
                default.map(str::to_owned)
            }
        }
    };
    let table = ident("webhook_table", Some(DEFAULT_TABLE), false).unwrap_or_default();
    let column = ident("webhook_column", Some(DEFAULT_COLUMN), false).unwrap_or_default();
    let received = ident("webhook_received_column", Some(DEFAULT_RECEIVED), true);
    let id = ident("webhook_id_column", Some(DEFAULT_ID), false).unwrap_or_default();
    let send_log_table = ident("send_log_table", None, false);
    let optouts_table = ident("optouts_table", None, false);
    let timezone = match source.get("database_timezone") {
        None => None,
        Some(v) => match v.as_str().and_then(|s| s.parse::<Tz>().ok()) {
            Some(tz) => Some(tz),
            None => {
                problems.push(Problem::new(
                    "source.database_timezone",
                    format!("{v} is not a time zone"),
                    "an IANA zone such as America/Sao_Paulo (the zone of naive timestamp columns)",
                ));
                None
            }
        },
    };
    Some(DbSource {
        database,
        timezone,
        webhooks: WebhookTable {
            table,
            column,
            received,
            received_explicit: source.contains_key("webhook_received_column"),
            id,
        },
        send_log_table,
        optouts_table,
    })
}

fn cancelled(_: Cancelled) -> PluginError {
    PluginError::new("CANCELLED", "the host stopped the generation", "")
}

fn query_error(message: String) -> PluginError {
    PluginError::new(
        CODE_QUERY,
        message,
        "check the source's table and column settings (webhook_table, webhook_column, …) against the database",
    )
}

/// A more specific hint than [`query_error`]'s.
trait WithHint {
    fn with_hint(self, hint: &str) -> Self;
}

impl WithHint for PluginError {
    fn with_hint(mut self, hint: &str) -> Self {
        hint.clone_into(&mut self.hint);
        self
    }
}

/// `schema.table` or `table`, quoted.
fn quote_table(d: Dialect, name: &str) -> String {
    name.split('.')
        .map(|p| d.quote(p))
        .collect::<Vec<_>>()
        .join(".")
}

/// How a time column is compared with a bound instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeKind {
    /// `timestamptz` / MySQL `TIMESTAMP`: bind the instant.
    Instant,
    /// `timestamp` / `DATETIME` / SQLite date text: bind the wall-clock time in the zone.
    Naive,
    /// An integer column: Unix seconds.
    Unix,
}

/// The columns of `table` (lower-cased name, lower-cased declared type); empty when the
/// table does not exist.
fn column_types(conn: &mut Connection, table: &str) -> Result<Vec<(String, String)>, PluginError> {
    let (schema, name) = match table.rsplit_once('.') {
        Some((s, n)) => (s, n),
        None => ("", table),
    };
    let sql = match conn.dialect() {
        Dialect::Postgres => {
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_name = $1 AND (CASE WHEN $2 = '' THEN table_schema = ANY (current_schemas(false)) \
             ELSE table_schema = $2 END) ORDER BY ordinal_position"
        }
        Dialect::MySql => {
            "SELECT CAST(column_name AS CHAR), CAST(data_type AS CHAR) FROM information_schema.columns \
             WHERE table_name = ? AND table_schema = IF(? = '', DATABASE(), ?) ORDER BY ordinal_position"
        }
        Dialect::Sqlite => "SELECT name, type FROM pragma_table_info(?)",
    };
    let params: Vec<Param> = match conn.dialect() {
        Dialect::Postgres => vec![Param::Text(name.to_owned()), Param::Text(schema.to_owned())],
        Dialect::MySql => vec![
            Param::Text(name.to_owned()),
            Param::Text(schema.to_owned()),
            Param::Text(schema.to_owned()),
        ],
        Dialect::Sqlite => vec![Param::Text(name.to_owned())],
    };
    let mut out = Vec::new();
    conn.for_each(sql, &params, |r| {
        let text = |i| {
            r.text(i)
                .map(|t| t.map(|t| t.to_ascii_lowercase()).unwrap_or_default())
                .map_err(|e| query_error(e.to_string()))
        };
        out.push((text(0)?, text(1)?));
        Ok::<(), PluginError>(())
    })?;
    Ok(out)
}

fn time_kind(
    dialect: Dialect,
    table: &str,
    column: &str,
    ty: &str,
) -> Result<TimeKind, PluginError> {
    let t = ty.to_ascii_lowercase();
    Ok(match dialect {
        Dialect::Postgres if t == "timestamp with time zone" => TimeKind::Instant,
        Dialect::Postgres if t == "timestamp without time zone" || t == "date" => TimeKind::Naive,
        Dialect::MySql if t == "timestamp" => TimeKind::Instant,
        Dialect::MySql if t == "datetime" || t == "date" => TimeKind::Naive,
        Dialect::Sqlite if t.contains("date") || t.contains("time") => TimeKind::Naive,
        _ if t.contains("int") => TimeKind::Unix,
        _ => {
            return Err(query_error(format!(
                "column {column} of {table} has type {ty}, which cannot be compared with a time"
            ))
            .with_hint(
                "use timestamptz (or timestamp / DATETIME with database_timezone, or Unix seconds)",
            ));
        }
    })
}

fn time_param(kind: TimeKind, utc: i64, zone: Tz) -> Param {
    let instant = DateTime::<Utc>::from_timestamp(utc, 0).unwrap_or_default();
    match kind {
        TimeKind::Instant => Param::Instant(instant),
        TimeKind::Naive => Param::Naive(zone.from_utc_datetime(&instant.naive_utc()).naive_local()),
        TimeKind::Unix => Param::Int(utc),
    }
}

/// Human UTC text of a Unix time, for metadata.
fn utc_text(utc: i64) -> String {
    DateTime::<Utc>::from_timestamp(utc, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn find(cols: &[(String, String)], name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    cols.iter()
        .find(|(c, _)| *c == lower)
        .map(|(_, ty)| ty.clone())
}

fn names(cols: &[(String, String)]) -> String {
    cols.iter()
        .map(|(c, _)| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Feeds the webhook rows of `db` into `scan`: rows received in
/// `[start − LOOKBACK_S, end + LATE_S)` when the table has the received column, else the
/// whole table, in id order. A NULL, empty or non-JSON payload is a malformed record
/// (counted like a malformed line, example `table id N: error`).
pub fn scan_webhooks(
    job: &Job,
    db: &DbSource,
    scan: &mut Scan,
    sink: &mut dyn Sink,
) -> Result<(), PluginError> {
    let w = &db.webhooks;
    let mut conn = db.database.connect()?;
    let d = conn.dialect();
    let cols = column_types(&mut conn, &w.table)?;
    if cols.is_empty() {
        return Err(query_error(format!(
            "table {} not found in {} database {}",
            w.table,
            d.name(),
            db.database
        ))
        .with_hint("create it (see the plugin README) or set source.webhook_table"));
    }
    for (key, col) in [("webhook_column", &w.column), ("webhook_id_column", &w.id)] {
        if find(&cols, col).is_none() {
            return Err(query_error(format!(
                "table {} has no column {col} (source.{key}); its columns: {}",
                w.table,
                names(&cols)
            )));
        }
    }
    let zone = db.timezone.unwrap_or(job.tz);
    let table = quote_table(d, &w.table);
    let (payload, id) = (d.quote(&w.column), d.quote(&w.id));
    let mut params = Vec::new();
    let filter = match &w.received {
        Some(r) => match find(&cols, r) {
            Some(ty) => {
                let kind = time_kind(d, &w.table, r, &ty)?;
                let (from, to) = (job.start_utc - LOOKBACK_S, job.end_utc + LATE_S);
                params.push(time_param(kind, from, zone));
                params.push(time_param(kind, to, zone));
                sink.meta(
                    "source_rows",
                    &format!("{r} in [{}, {})", utc_text(from), utc_text(to)),
                );
                let r = d.quote(r);
                format!(
                    " WHERE {r} >= {} AND {r} < {}",
                    d.placeholder(1),
                    d.placeholder(2)
                )
            }
            None if w.received_explicit => {
                return Err(query_error(format!(
                    "table {} has no column {r} (source.webhook_received_column); its columns: {}",
                    w.table,
                    names(&cols)
                ))
                .with_hint("set webhook_received_column = \"\" to read the whole table"));
            }
            None => {
                sink.meta("source_rows", &format!("all (no {r} column)"));
                String::new()
            }
        },
        None => {
            sink.meta("source_rows", "all");
            String::new()
        }
    };
    sink.meta("source_table", &format!("{} {}", db.database, w.table));
    let sql = format!("SELECT {payload}, {id} FROM {table}{filter} ORDER BY {id}");
    let mut rows = 0u64;
    conn.for_each(&sql, &params, |row: &Row<'_>| {
        rows += 1;
        let where_ = || format!("{} id {}", w.table, cell_text(row, 1));
        match row.text(0) {
            Ok(Some(p)) if !p.trim().is_empty() => scan.line(p.as_bytes(), where_),
            Ok(_) => malformed(scan, where_, "the payload is NULL or empty"),
            Err(e) => malformed(scan, where_, &e.to_string()),
        }
        // Poll the host every ~64k rows, as the file reader does.
        if rows.is_multiple_of(65_536) {
            sink.progress(rows, 0);
            if sink.cancelled() {
                return Err(cancelled(Cancelled));
            }
        }
        Ok::<(), PluginError>(())
    })?;
    sink.progress(rows, rows);
    Ok(())
}

/// Counts a row the parser never saw (NULL or unreadable payload) like a malformed line.
fn malformed(scan: &mut Scan, where_: impl FnOnce() -> String, problem: &str) {
    let st = &mut scan.stats;
    st.lines_read += 1;
    st.malformed_lines += 1;
    if st.malformed_examples.len() < MAX_EXAMPLES {
        st.malformed_examples
            .push(format!("{}: {problem}", where_()));
    }
}

fn cell_text(row: &Row<'_>, i: usize) -> String {
    match row.text(i) {
        Ok(Some(t)) => t.into_owned(),
        Ok(None) => "NULL".to_owned(),
        Err(_) => "?".to_owned(),
    }
}

/// What a column of a record table becomes in the JSON record.
#[derive(Debug, Clone, Copy)]
enum Field {
    Text,
    Time,
    Bool,
}

/// A record table: columns named like the JSONL keys.
struct RecordTable {
    /// The time column the SQL filter applies to.
    time: &'static str,
    required: &'static [&'static str],
    fields: &'static [(&'static str, Field)],
}

const SEND_LOG: RecordTable = RecordTable {
    time: "sent_at",
    required: &["wamid", "sent_at", "to"],
    fields: &[
        ("wamid", Field::Text),
        ("sent_at", Field::Time),
        ("to", Field::Text),
        ("line", Field::Text),
        ("contact_name", Field::Text),
        ("template", Field::Text),
        ("language", Field::Text),
        ("category", Field::Text),
        ("user", Field::Text),
        ("campaign", Field::Text),
        ("origin", Field::Text),
        ("queued", Field::Bool),
        ("text", Field::Text),
    ],
};

const OPTOUTS: RecordTable = RecordTable {
    time: "at",
    required: &["contact", "at"],
    fields: &[
        ("contact", Field::Text),
        ("at", Field::Time),
        ("contact_name", Field::Text),
        ("channel", Field::Text),
        ("campaign", Field::Text),
        ("reason", Field::Text),
    ],
};

/// Which record table to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Records {
    SendLog,
    OptOuts,
}

/// The table configured for `which`, if any.
pub fn records_table(job: &Job, which: Records) -> Option<(&DbSource, &str)> {
    let db = job.settings.db.as_ref()?;
    let t = match which {
        Records::SendLog => db.send_log_table.as_deref(),
        Records::OptOuts => db.optouts_table.as_deref(),
    }?;
    Some((db, t))
}

/// Reads the records of `table` whose time column is in `[from, to)` (filtered in SQL),
/// each row turned into the JSONL object (column name → key, NULL → absent, times → Unix
/// seconds) and deserialized as `T`, keeping those `keep` accepts. Rows that do not
/// deserialize are counted into a warning named `code`, examples `table id N: error`.
#[allow(clippy::too_many_arguments)]
pub fn read_records<T: serde::de::DeserializeOwned>(
    job: &Job,
    db: &DbSource,
    table: &str,
    which: Records,
    (from, to): (i64, i64),
    (code, what): (&str, &str),
    sink: &mut dyn Sink,
    mut keep: impl FnMut(&T) -> bool,
) -> Result<Vec<T>, PluginError> {
    let spec = match which {
        Records::SendLog => &SEND_LOG,
        Records::OptOuts => &OPTOUTS,
    };
    let mut conn = db.database.connect()?;
    let d = conn.dialect();
    let cols = column_types(&mut conn, table)?;
    if cols.is_empty() {
        return Err(query_error(format!(
            "table {table} not found in {} database {}",
            d.name(),
            db.database
        )));
    }
    let missing: Vec<&str> = spec
        .required
        .iter()
        .copied()
        .filter(|c| find(&cols, c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(query_error(format!(
            "table {table} lacks the column(s) {}; its columns: {}",
            missing.join(", "),
            names(&cols)
        ))
        .with_hint("name the columns as the keys of the JSONL format (see the plugin README)"));
    }
    let present: Vec<(&str, Field)> = spec
        .fields
        .iter()
        .copied()
        .filter(|(c, _)| find(&cols, c).is_some())
        .collect();
    let has_id = find(&cols, "id").is_some();
    let zone = db.timezone.unwrap_or(job.tz);
    let time_ty = find(&cols, spec.time).unwrap_or_default();
    let kind = time_kind(d, table, spec.time, &time_ty)?;
    let mut select: Vec<String> = present.iter().map(|(c, _)| d.quote(c)).collect();
    if has_id {
        select.push(d.quote("id"));
    }
    let t = d.quote(spec.time);
    let sql = format!(
        "SELECT {} FROM {} WHERE {t} >= {} AND {t} < {}{}",
        select.join(", "),
        quote_table(d, table),
        d.placeholder(1),
        d.placeholder(2),
        if has_id {
            format!(" ORDER BY {}", d.quote("id"))
        } else {
            String::new()
        }
    );
    let params = [time_param(kind, from, zone), time_param(kind, to, zone)];
    let mut out = Vec::new();
    let (mut bad, mut n) = (0u64, 0u64);
    let mut examples = Vec::new();
    conn.for_each(&sql, &params, |row| {
        n += 1;
        let record = to_json(row, &present, zone).and_then(|obj| {
            serde_json::from_value::<T>(Json::Object(obj)).map_err(|e| e.to_string())
        });
        match record {
            Ok(r) => {
                if keep(&r) {
                    out.push(r);
                }
            }
            Err(e) => {
                bad += 1;
                if examples.len() < MAX_EXAMPLES {
                    let at = if has_id {
                        format!("id {}", cell_text(row, present.len()))
                    } else {
                        format!("row {n}")
                    };
                    examples.push(format!("{table} {at}: {e}"));
                }
            }
        }
        Ok::<(), PluginError>(())
    })?;
    if bad > 0 {
        sink.warn(reportd_plugin_api::Warning {
            code: code.to_owned(),
            message: format!("{bad} {what} row(s) could not be read and were skipped"),
            count: bad,
            examples,
        });
    }
    Ok(out)
}

/// One record-table row as the JSONL object.
fn to_json(
    row: &Row<'_>,
    present: &[(&str, Field)],
    zone: Tz,
) -> Result<Map<String, Json>, String> {
    let mut obj = Map::new();
    for (i, (name, field)) in present.iter().enumerate() {
        let v = match field {
            Field::Text => row
                .text(i)
                .map_err(|e| e.to_string())?
                .map(|t| Json::String(t.into_owned())),
            Field::Time => row
                .instant(i, zone)
                .map_err(|e| e.to_string())?
                .map(|t| Json::from(t.timestamp())),
            Field::Bool => row.bool(i).map_err(|e| e.to_string())?.map(Json::Bool),
        };
        if let Some(v) = v {
            obj.insert((*name).to_owned(), v);
        }
    }
    Ok(obj)
}
