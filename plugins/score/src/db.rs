//! Reading Score's tables from its PostgreSQL database (or a SQLite copy of it) instead of
//! export files. The tables and columns are the export model's (README "Table model"); each
//! row becomes the same flat [`Record`] an export line gives, so the reports cannot tell the
//! two inputs apart:
//!
//! * time columns (`timestamptz`, `timestamp`/`date` read in `database_timezone`, ISO text,
//!   or Unix seconds) become Unix seconds, which [`crate::time::parse_ts`] reads back exactly;
//! * the custom-field column `fields` (`jsonb`, `json` or text holding a JSON object) is
//!   flattened to `fields.<name>` like a JSONL export;
//! * everything else is read as text (PostgreSQL casts it in the query, so `numeric`,
//!   `boolean`, `date` and `uuid` columns all work).
//!
//! Big tables are never read whole: a [`Query`] carries the report's filters ([`Cond`]) and
//! they are rendered as a `WHERE` clause bound with parameters of the column's own type, so an
//! index on the time and key columns is used. Time bounds are widened by [`MARGIN`] (and to
//! whole days on text columns, whose text may carry any offset); the reports then filter the
//! rows exactly, as they do for files. A cell that cannot be read makes its row a malformed
//! record.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration};
use chrono_tz::Tz;
use reportd_plugin_api::PluginError;
use reportd_plugin_api::sql::{CODE_QUERY, Connection, Dialect, Param};
use serde_json::Value as Json;

use crate::settings::DbInput;
use crate::tables::{Malformed, Record, Row, Visit, flatten_into};
use crate::time::local_dt;

/// How far time filters are widened, in seconds: one day covers any UTC offset of text times
/// and DST shifts of naive ones. The reports filter exactly afterwards.
pub const MARGIN: i64 = 86_400;

/// A table of the Score model: its columns, the ones the plugin cannot read it without, its
/// time columns and its custom-fields (JSON) column.
#[derive(Debug)]
pub struct Model {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub required: &'static [&'static str],
    pub times: &'static [&'static str],
    pub json: Option<&'static str>,
}

const fn m(
    name: &'static str,
    columns: &'static [&'static str],
    required: &'static [&'static str],
    times: &'static [&'static str],
    json: Option<&'static str>,
) -> Model {
    Model {
        name,
        columns,
        required,
        times,
        json,
    }
}

/// The 13 model tables (README "Table model"; `required` adds the columns the SQL filters use).
pub const MODELS: [Model; 13] = [
    m(
        "companies",
        &["id", "name", "created_at"],
        &["id"],
        &["created_at"],
        None,
    ),
    m(
        "campaigns",
        &["id", "company_id", "name", "type", "acw_log_enabled"],
        &["id", "company_id"],
        &[],
        None,
    ),
    m(
        "users",
        &["id", "name", "extension", "profile", "email"],
        &["id"],
        &[],
        None,
    ),
    m(
        "contacts",
        &[
            "code",
            "campaign_id",
            "name",
            "phone",
            "base",
            "created_at",
            "updated_at",
            "fields",
        ],
        &["code", "campaign_id"],
        &["created_at", "updated_at"],
        Some("fields"),
    ),
    m(
        "contact_fields",
        &["campaign_id", "name", "position"],
        &["campaign_id", "name"],
        &[],
        None,
    ),
    m(
        "tickets",
        &[
            "id",
            "campaign_id",
            "contact_code",
            "strategy",
            "channel_type",
            "dial_type",
            "phone",
            "zip_code",
            "call_id",
            "user_id",
            "user_extension",
            "assigned_at",
            "resolved_at",
        ],
        &["id", "campaign_id"],
        &["assigned_at", "resolved_at"],
        None,
    ),
    m(
        "typifications",
        &[
            "id",
            "ticket_id",
            "typified_at",
            "management_id",
            "product_code",
            "group",
            "group_code",
            "result",
            "result_code",
            "reason",
            "reason_code",
            "subreason",
            "subreason_code",
            "contact_type",
            "comment",
            "saved_at",
            "pdp_date",
            "pdp_amount",
            "callback_at",
            "user_id",
            "acw_default",
        ],
        &["id", "ticket_id", "typified_at"],
        &["typified_at", "saved_at", "callback_at"],
        None,
    ),
    m(
        "agent_events",
        &["user_id", "event", "started_at", "ended_at"],
        &["user_id", "event", "started_at"],
        &["started_at", "ended_at"],
        None,
    ),
    m(
        "acw_logs",
        &[
            "at",
            "campaign_id",
            "ticket_id",
            "contact_code",
            "phone",
            "user_id",
            "base",
        ],
        &["at", "campaign_id"],
        &["at"],
        None,
    ),
    m(
        "forms",
        &["id", "campaign_id", "name"],
        &["id", "campaign_id"],
        &[],
        None,
    ),
    m(
        "form_fields",
        &["form_id", "name", "position"],
        &["form_id", "name"],
        &[],
        None,
    ),
    m(
        "form_answers",
        &[
            "id",
            "form_id",
            "at",
            "management_id",
            "contact_code",
            "user_id",
            "fields",
        ],
        &["id", "form_id", "at"],
        &["at"],
        Some("fields"),
    ),
    m(
        "ai_conclusions",
        &["at", "campaign_id", "user_id", "ticket_id"],
        &["at", "campaign_id", "user_id"],
        &["at"],
        None,
    ),
];

/// The model of `table`.
pub fn model(table: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.name == table)
}

/// A filter on a model table's rows. Time conditions are widened by [`MARGIN`]; `Ge(c, t)`
/// and `Below(c, t)` split the rows exactly in two (one is the other's negation).
#[derive(Debug, Clone)]
pub enum Cond {
    /// `column = value`.
    Eq(&'static str, String),
    /// Time `column >= t` (widened: every row at or after `t`, and some before).
    Ge(&'static str, i64),
    /// Time `column < t` (widened: every row before `t`, and some after).
    Lt(&'static str, i64),
    /// The rows `Ge(column, t)` leaves out.
    Below(&'static str, i64),
    /// `column IN (SELECT key FROM table WHERE conds)`; false when that table is absent.
    In(&'static str, &'static str, &'static str, Vec<Cond>),
    /// Any of (false when empty).
    Any(Vec<Cond>),
    /// All of (true when empty).
    All(Vec<Cond>),
}

/// A read of one model table.
#[derive(Debug, Clone)]
pub struct Query {
    pub table: &'static str,
    pub conds: Vec<Cond>,
    /// `ORDER BY` columns (those the table has), for a deterministic row order.
    pub order: &'static [&'static str],
    pub desc: bool,
    pub limit: Option<u32>,
}

impl Query {
    /// All rows of `table` matching `conds`.
    pub fn new(table: &'static str, conds: Vec<Cond>) -> Self {
        Self {
            table,
            conds,
            order: &[],
            desc: false,
            limit: None,
        }
    }

    /// Sorted by `cols`.
    pub fn order(mut self, cols: &'static [&'static str]) -> Self {
        self.order = cols;
        self
    }
}

/// How a column compares, from its declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `timestamptz`.
    Instant,
    /// `timestamp`, `date`: wall clock of `database_timezone`.
    Naive,
    /// Integers and other numbers (times: Unix seconds).
    Number,
    /// Text (times: ISO 8601, `YYYY-MM-DD…`).
    Text,
    /// Anything else (uuid, enums, …): compared as text.
    Other,
}

#[derive(Debug, Clone)]
struct Col {
    /// The model's (lower-case) name.
    model: String,
    /// The name in the database.
    name: String,
    kind: Kind,
    declared: String,
}

fn kind_of(dialect: Dialect, declared: &str) -> Kind {
    let t = declared.to_ascii_lowercase();
    match dialect {
        Dialect::Postgres => match t.as_str() {
            "timestamp with time zone" => Kind::Instant,
            "timestamp without time zone" | "date" => Kind::Naive,
            "smallint" | "integer" | "bigint" | "numeric" | "real" | "double precision" => {
                Kind::Number
            }
            "text" | "character varying" | "character" | "name" => Kind::Text,
            _ => Kind::Other,
        },
        // SQLite's type affinity rules: INT → integer, REAL/FLOA/DOUB → real, else text
        // (or numeric, which keeps ISO text as text).
        _ => {
            if ["int", "real", "floa", "doub"]
                .iter()
                .any(|k| t.contains(k))
            {
                Kind::Number
            } else {
                Kind::Text
            }
        }
    }
}

fn query_error(message: String) -> PluginError {
    PluginError::new(
        CODE_QUERY,
        message,
        "create the Score tables as README \"Reading from the database\" shows, or name yours with database_table_prefix / database_tables",
    )
}

/// An open database input.
pub struct DbSource {
    conn: Connection,
    dialect: Dialect,
    zone: Tz,
    names: BTreeMap<String, String>,
    /// Model table → its columns present in the database (empty: no such table).
    cols: HashMap<&'static str, Vec<Col>>,
}

impl DbSource {
    /// Connects (errors are `SOURCE_DB_UNREACHABLE`, without the password).
    pub fn open(input: &DbInput) -> Result<Self, PluginError> {
        let conn = input.db.connect()?;
        Ok(Self {
            dialect: input.db.dialect(),
            conn,
            zone: input.zone,
            names: input.names.clone(),
            cols: HashMap::new(),
        })
    }

    /// The database name of model table `table`.
    pub fn name(&self, table: &str) -> String {
        self.names
            .get(table)
            .cloned()
            .unwrap_or_else(|| table.to_owned())
    }

    fn columns(&mut self, table: &'static str) -> Result<&[Col], PluginError> {
        if !self.cols.contains_key(table) {
            let name = self.name(table);
            let (sql, params) = match self.dialect {
                Dialect::Postgres => (
                    "SELECT column_name::text, data_type::text FROM information_schema.columns \
                     WHERE table_name = $1 AND table_schema = ANY (current_schemas(false)) \
                     ORDER BY ordinal_position",
                    vec![Param::Text(name.clone())],
                ),
                _ => (
                    "SELECT name, type FROM pragma_table_info(?)",
                    vec![Param::Text(name.clone())],
                ),
            };
            let dialect = self.dialect;
            let wanted = model(table).map_or(&[][..], |m| m.columns);
            let mut found: Vec<Col> = Vec::new();
            self.conn.for_each(sql, &params, |r| {
                let col = r.text(0).ok().flatten().unwrap_or_default().into_owned();
                let declared = r.text(1).ok().flatten().unwrap_or_default().into_owned();
                let lower = col.to_ascii_lowercase();
                // A table in two schemas of the search path: the first one's columns.
                if wanted.contains(&lower.as_str()) && !found.iter().any(|c| c.model == lower) {
                    found.push(Col {
                        model: lower,
                        name: col,
                        kind: kind_of(dialect, &declared),
                        declared,
                    });
                }
                Ok::<(), PluginError>(())
            })?;
            if let Some(m) = model(table)
                && !found.is_empty()
            {
                let missing: Vec<&str> = m
                    .required
                    .iter()
                    .filter(|c| !found.iter().any(|f| f.model == **c))
                    .copied()
                    .collect();
                if !missing.is_empty() {
                    return Err(query_error(format!(
                        "the {} table {name:?} has no column {}",
                        self.dialect.name(),
                        missing.join(", ")
                    )));
                }
            }
            self.cols.insert(table, found);
        }
        Ok(self.cols.get(table).map_or(&[][..], Vec::as_slice))
    }

    /// Whether the database has model table `table`.
    pub fn has(&mut self, table: &'static str) -> Result<bool, PluginError> {
        Ok(!self.columns(table)?.is_empty())
    }

    fn col(&mut self, table: &'static str, column: &str) -> Result<Col, PluginError> {
        let name = self.name(table);
        self.columns(table)?
            .iter()
            .find(|c| c.model == column)
            .cloned()
            .ok_or_else(|| query_error(format!("the table {name:?} has no column {column}")))
    }

    fn bind(&self, params: &mut Vec<Param>, p: Param) -> String {
        params.push(p);
        self.dialect.placeholder(params.len())
    }

    /// The widened bound of a time condition on `col`; `upper` rounds up.
    fn time_param(&self, col: &Col, t: i64, upper: bool) -> Result<Param, PluginError> {
        let t = if upper { t + MARGIN } else { t - MARGIN };
        let instant = DateTime::from_timestamp(t, 0).unwrap_or_default();
        Ok(match col.kind {
            Kind::Instant => Param::Instant(instant),
            Kind::Naive => Param::Naive(local_dt(self.zone, t)),
            Kind::Number => Param::Int(t),
            // Whole local days: `'2026-03-09'` ≤ every text of that day, whatever follows.
            Kind::Text => {
                let mut d = local_dt(self.zone, t).date();
                if upper {
                    d += Duration::days(1);
                }
                Param::Text(d.format("%Y-%m-%d").to_string())
            }
            Kind::Other => {
                return Err(query_error(format!(
                    "column {} has type {}, which cannot hold a time: use timestamptz, timestamp, date, text or an integer",
                    col.name, col.declared
                )));
            }
        })
    }

    /// The column as an expression comparable to a text key.
    fn key_expr(&self, col: &Col, text: bool) -> String {
        let q = self.dialect.quote(&col.name);
        if self.dialect == Dialect::Postgres && (text || col.kind == Kind::Other) {
            format!("CAST({q} AS text)")
        } else {
            q
        }
    }

    fn render(
        &mut self,
        table: &'static str,
        cond: &Cond,
        params: &mut Vec<Param>,
    ) -> Result<String, PluginError> {
        Ok(match cond {
            Cond::Eq(c, v) => {
                let col = self.col(table, c)?;
                if self.dialect == Dialect::Postgres && col.kind == Kind::Number {
                    match v.trim().parse::<i64>() {
                        Ok(n) => {
                            let p = self.bind(params, Param::Int(n));
                            format!("{} = {p}", self.dialect.quote(&col.name))
                        }
                        // A non-numeric id cannot be in a numeric column.
                        Err(_) => "1 = 0".to_owned(),
                    }
                } else {
                    let e = self.key_expr(&col, col.kind != Kind::Text);
                    let p = self.bind(params, Param::Text(v.clone()));
                    format!("{e} = {p}")
                }
            }
            Cond::Ge(c, t) | Cond::Lt(c, t) | Cond::Below(c, t) => {
                let col = self.col(table, c)?;
                let upper = matches!(cond, Cond::Lt(..));
                let p = self.time_param(&col, *t, upper)?;
                let p = self.bind(params, p);
                let op = if matches!(cond, Cond::Ge(..)) {
                    ">="
                } else {
                    "<"
                };
                format!("{} {op} {p}", self.dialect.quote(&col.name))
            }
            Cond::In(c, sub, key, conds) => {
                if !self.has(sub)? {
                    return Ok("1 = 0".to_owned());
                }
                let col = self.col(table, c)?;
                let kcol = self.col(sub, key)?;
                // Different types (text ids vs bigint keys) compare as text.
                let text = col.kind != kcol.kind;
                let mut s = format!(
                    "{} IN (SELECT {} FROM {}",
                    self.key_expr(&col, text),
                    self.key_expr(&kcol, text),
                    self.dialect.quote(&self.name(sub))
                );
                let w = self.render(sub, &Cond::All(conds.clone()), params)?;
                s.push_str(" WHERE ");
                s.push_str(&w);
                s.push(')');
                s
            }
            Cond::Any(v) | Cond::All(v) => {
                let any = matches!(cond, Cond::Any(_));
                if v.is_empty() {
                    return Ok(if any { "1 = 0" } else { "1 = 1" }.to_owned());
                }
                let mut parts = Vec::with_capacity(v.len());
                for c in v {
                    parts.push(self.render(table, c, params)?);
                }
                format!("({})", parts.join(if any { " OR " } else { " AND " }))
            }
        })
    }

    /// Streams the rows of `q` to `visit` as export-like records (row number = position in
    /// the result). A missing table is an error; check [`DbSource::has`] for optional ones.
    pub fn scan(
        &mut self,
        q: &Query,
        bad: &mut Malformed,
        visit: &mut Visit<'_>,
    ) -> Result<(), PluginError> {
        let table = q.table;
        let name = self.name(table);
        let cols = self.columns(table)?.to_vec();
        if cols.is_empty() {
            return Err(query_error(format!(
                "the {} database has no table {name:?} (Score's {table})",
                self.dialect.name()
            )));
        }
        let Some(model) = model(table) else {
            return Err(query_error(format!("{table} is not a Score table")));
        };
        let mut select = Vec::with_capacity(cols.len());
        for c in &cols {
            let q = self.dialect.quote(&c.name);
            // PostgreSQL: everything but times as text (numeric, boolean, jsonb, uuid…).
            let expr =
                if self.dialect == Dialect::Postgres && !model.times.contains(&c.model.as_str()) {
                    format!("CAST({q} AS text)")
                } else {
                    q
                };
            select.push(format!("{expr} AS {}", self.dialect.quote(&c.model)));
        }
        let mut params = Vec::new();
        let mut sql = format!(
            "SELECT {} FROM {}",
            select.join(", "),
            self.dialect.quote(&name)
        );
        if !q.conds.is_empty() {
            let w = self.render(table, &Cond::All(q.conds.clone()), &mut params)?;
            sql.push_str(" WHERE ");
            sql.push_str(&w);
        }
        let order: Vec<String> = q
            .order
            .iter()
            .filter_map(|o| cols.iter().find(|c| c.model == *o))
            .map(|c| {
                format!(
                    "{}{}",
                    self.dialect.quote(&c.name),
                    if q.desc { " DESC" } else { "" }
                )
            })
            .collect();
        if !order.is_empty() {
            sql.push_str(" ORDER BY ");
            sql.push_str(&order.join(", "));
        }
        if let Some(n) = q.limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        let zone = self.zone;
        let mut n = 0u64;
        self.conn.for_each(&sql, &params, |r| {
            n += 1;
            let mut rec = Record::new();
            for (i, c) in cols.iter().enumerate() {
                let key = c.model.as_str();
                let got = if model.times.contains(&key) {
                    r.instant(i, zone)
                        .map(|t| t.map(|t| t.timestamp().to_string()))
                } else {
                    r.text(i).map(|t| t.map(|t| t.trim().to_owned()))
                };
                let v = match got {
                    Ok(Some(v)) if !v.is_empty() => v,
                    Ok(_) => continue,
                    Err(e) => {
                        bad.note(table, n, &e.to_string());
                        return Ok(());
                    }
                };
                if model.json == Some(key) {
                    match serde_json::from_str::<Json>(&v) {
                        Ok(j @ Json::Object(_)) => flatten_into(key, &j, &mut rec),
                        Ok(Json::Null) => {}
                        _ => {
                            bad.note(table, n, &format!("column {}: not a JSON object", c.name));
                            return Ok(());
                        }
                    }
                } else {
                    rec.insert(key.to_owned(), v);
                }
            }
            visit(Row { line: n, rec }, bad)
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_cover_the_settings_tables() {
        assert_eq!(MODELS.len(), crate::settings::TABLES.len());
        for (t, _) in crate::settings::TABLES {
            let m = model(t).unwrap();
            for c in m.required.iter().chain(m.times) {
                assert!(m.columns.contains(c), "{t}.{c}");
            }
        }
    }

    #[test]
    fn declared_types() {
        assert_eq!(
            kind_of(Dialect::Postgres, "timestamp with time zone"),
            Kind::Instant
        );
        assert_eq!(kind_of(Dialect::Postgres, "uuid"), Kind::Other);
        assert_eq!(kind_of(Dialect::Sqlite, "BIGINT"), Kind::Number);
        assert_eq!(kind_of(Dialect::Sqlite, "DATETIME"), Kind::Text);
    }
}
