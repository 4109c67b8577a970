//! The realtime database inputs: Asterisk's `queue_log` table (FreePBX/Issabel keep it in
//! MariaDB/MySQL, Wazo in PostgreSQL) and its `cdr` table (cdr_adaptive_odbc, FreePBX
//! `asteriskcdrdb.cdr`).
//!
//! Each row is converted into exactly what the file readers produce — a queue_log row into
//! the text line `time|callid|queuename|agent|event|data1|...|data5` parsed by
//! [`crate::queue_log::parse_line`] and fed to the same [`Scanner`], a CDR row into a
//! [`CdrRow`] — so every report works unchanged whatever the input. Rejoining the data
//! columns with `|` is also what Asterisk undoes when it writes the table: it splits the
//! event's data on `|` into data1..data5 (data5 keeps any rest, `|` included), and old
//! schemas keep the whole `|`-separated text in one `data` column.
//!
//! Time filtering is done in SQL (`WHERE time >= ? AND time < ? ORDER BY time, id`) with the
//! file reader's window (`[start − 2 h, end + 4 h]` for queue_log, the period for the CDR),
//! and rows are streamed: memory stays flat with the table size. The time column may be
//! `timestamp with time zone`, `timestamp`/`DATETIME` (wall clock in `database_timezone`),
//! integer Unix seconds, or text (Asterisk's `varchar(26)` `YYYY-MM-DD HH:MM:SS.ffffff`, or
//! Unix seconds): the bounds are bound in the column's own representation, so the
//! comparison uses the table's index instead of converting every row.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use reportd_plugin_api::sql::{self, Connection, Database, Dialect, Param, Row};
use reportd_plugin_api::{PluginError, Sink};

use crate::cdr::{CdrRow, CdrStats};
use crate::queue_log::parse_line;
use crate::scan::{self, Consumer, ScanOptions, ScanStats, Scanner};

/// Newest-time candidates read to find the newest parseable time of a text column.
const NEWEST_PROBE: usize = 100;

/// How a table stores its time column; decides how the period bounds are bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeKind {
    /// `timestamp with time zone`, MySQL `TIMESTAMP`: instants.
    Instant,
    /// `timestamp without time zone`, `DATETIME`: wall clock in the database zone.
    Naive,
    /// Integer (or numeric) Unix seconds.
    UnixInt,
    /// Unix seconds as text (`1795143600`, `1795143600.25`).
    UnixText,
    /// Wall-clock text `YYYY-MM-DD HH:MM:SS[.ffffff]` with this date/time separator.
    LocalText(char),
}

/// One table opened for reading.
pub struct Table {
    conn: Connection,
    dialect: Dialect,
    /// The table name as configured.
    name: String,
    /// Its column names, lower-cased.
    columns: Vec<String>,
    /// The time column used for filtering and ordering.
    time_column: String,
    kind: TimeKind,
    /// Zone of naive times.
    zone: Tz,
    /// The newest time in the table (Unix seconds), for readiness and `wait_for_data`.
    pub newest_utc: Option<i64>,
    /// `queue_log table in mysql://asterisk@db/asterisk`, for metadata and messages (the URL
    /// never carries the password).
    pub label: String,
}

fn query_error(message: String, hint: &str) -> PluginError {
    PluginError::new(sql::CODE_QUERY, message, hint)
}

impl Table {
    /// Connects and inspects `table`: its columns, which of `time_candidates` is its time
    /// column and how it is stored, and its newest time. `setting` names the table setting
    /// for hints.
    fn open(
        db: &Database,
        table: &str,
        setting: &str,
        time_candidates: &[&str],
        zone: Tz,
    ) -> Result<Self, PluginError> {
        let mut conn = db.connect()?;
        let dialect = db.dialect();
        let label = format!("{table} table in {db}");
        let columns = conn.columns(table)?;
        if columns.is_empty() {
            return Err(query_error(
                format!(
                    "table {table} not found in {} database {db}",
                    dialect.name()
                ),
                &format!(
                    "check the source's {setting} (and that the database user may read the table)"
                ),
            ));
        }
        let Some(time_column) = time_candidates
            .iter()
            .find(|c| columns.iter().any(|have| have == *c))
            .map(|c| (*c).to_owned())
        else {
            return Err(query_error(
                format!(
                    "the {label} has no {} column (columns: {})",
                    time_candidates.join(" or "),
                    columns.join(", ")
                ),
                &format!("point {setting} at the Asterisk table"),
            ));
        };
        let data_type = column_type(&mut conn, dialect, table, &time_column)?;
        let mut t = Self {
            conn,
            dialect,
            name: table.to_owned(),
            columns,
            time_column,
            kind: TimeKind::LocalText(' '),
            zone,
            newest_utc: None,
            label,
        };
        t.inspect_time(&data_type)?;
        Ok(t)
    }

    fn has(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }

    fn q(&self, ident: &str) -> String {
        self.dialect.quote(ident)
    }

    /// Sets `kind` from the declared type (and, for text, from the newest value) and
    /// `newest_utc`. The newest time is `max(time)`; for text columns it is the greatest
    /// value that reads as a time, since a malformed value may sort after every good one.
    fn inspect_time(&mut self, data_type: &str) -> Result<(), PluginError> {
        let ty = data_type.to_ascii_lowercase();
        let typed = if self.dialect == Dialect::Sqlite {
            None
        } else if ty.contains("with time zone") || ty == "timestamp" {
            // PostgreSQL timestamptz; MySQL TIMESTAMP (read in the session zone, UTC).
            Some(TimeKind::Instant)
        } else if ty.starts_with("timestamp") || ty == "datetime" || ty == "date" {
            Some(TimeKind::Naive)
        } else if ty.contains("int")
            || ty == "numeric"
            || ty == "decimal"
            || ty == "double"
            || ty == "double precision"
            || ty == "real"
            || ty == "float"
        {
            Some(TimeKind::UnixInt)
        } else {
            None
        };
        let sql = format!(
            "SELECT {t} FROM {tbl} WHERE {t} IS NOT NULL ORDER BY {t} DESC LIMIT {NEWEST_PROBE}",
            t = self.q(&self.time_column),
            tbl = self.q(&self.name)
        );
        let zone = self.zone;
        let mut newest: Option<(i64, Option<String>)> = None;
        self.conn.for_each(&sql, &[], |row: &Row<'_>| {
            if newest.is_none()
                && let Ok(Some(t)) = row.instant(0, zone)
            {
                let text = row.text(0).ok().flatten().map(|s| s.into_owned());
                newest = Some((t.timestamp(), text));
            }
            Ok::<(), PluginError>(())
        })?;
        self.newest_utc = newest.as_ref().map(|n| n.0);
        self.kind = match typed {
            Some(kind) => kind,
            None => match newest.and_then(|n| n.1) {
                Some(s) if s.trim().parse::<f64>().is_ok() => TimeKind::UnixText,
                Some(s) if s.as_bytes().get(10) == Some(&b'T') => TimeKind::LocalText('T'),
                _ => TimeKind::LocalText(' '),
            },
        };
        Ok(())
    }

    /// A Unix time bound in the time column's representation.
    fn bound(&self, utc: i64) -> Param {
        let instant = DateTime::<Utc>::from_timestamp(utc, 0).unwrap_or_default();
        let local = instant.with_timezone(&self.zone).naive_local();
        match self.kind {
            TimeKind::Instant => Param::Instant(instant),
            TimeKind::Naive => Param::Naive(local),
            TimeKind::UnixInt => Param::Int(utc),
            TimeKind::UnixText => Param::Text(utc.to_string()),
            TimeKind::LocalText(sep) => {
                Param::Text(local.format(&format!("%Y-%m-%d{sep}%H:%M:%S")).to_string())
            }
        }
    }

    /// `SELECT cols FROM table WHERE time >= ? AND time < ? ORDER BY time, tiebreaks`.
    fn range_query(&self, select: &[&str], tiebreaks: &[&str]) -> String {
        let t = self.q(&self.time_column);
        let cols: Vec<String> = select.iter().map(|c| self.q(c)).collect();
        let mut order = vec![t.clone()];
        order.extend(tiebreaks.iter().filter(|c| self.has(c)).map(|c| self.q(c)));
        format!(
            "SELECT {} FROM {} WHERE {t} >= {} AND {t} < {} ORDER BY {}",
            cols.join(", "),
            self.q(&self.name),
            self.dialect.placeholder(1),
            self.dialect.placeholder(2),
            order.join(", ")
        )
    }

    fn missing(&self, required: &[&str], setting: &str) -> Result<(), PluginError> {
        let missing: Vec<&str> = required.iter().copied().filter(|c| !self.has(c)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(query_error(
            format!(
                "the {} lacks the column(s) {} (it has: {})",
                self.label,
                missing.join(", "),
                self.columns.join(", ")
            ),
            &format!("point {setting} at the Asterisk table"),
        ))
    }
}

/// The realtime queue_log table: `id, time, callid, queuename, agent, event, data1..data5`
/// (or one `data` column).
pub struct QueueLogTable(pub Table);

impl QueueLogTable {
    /// Connects to `db` and inspects `table`; naive times are in `zone`.
    pub fn open(db: &Database, table: &str, zone: Tz) -> Result<Self, PluginError> {
        let t = Table::open(db, table, "queue_log_table", &["time"], zone)?;
        t.missing(
            &["time", "callid", "queuename", "agent", "event"],
            "queue_log_table",
        )?;
        Ok(Self(t))
    }

    /// Streams the rows of the read window through a [`Scanner`], like
    /// [`crate::scan::scan`] does with lines. A row whose time or text cannot be read, or
    /// with an empty event, is counted as malformed (example: `queue_log id 42: ...`).
    pub fn scan(
        &mut self,
        opts: &ScanOptions<'_>,
        sink: &mut dyn Sink,
        consumer: &mut dyn Consumer,
    ) -> Result<ScanStats, PluginError> {
        let t = &mut self.0;
        let data: Vec<&str> = if t.has("data1") {
            ["data1", "data2", "data3", "data4", "data5"]
                .into_iter()
                .filter(|c| t.has(c))
                .collect()
        } else if t.has("data") {
            vec!["data"]
        } else {
            Vec::new()
        };
        let has_id = t.has("id");
        let mut select = vec![
            t.time_column.as_str(),
            "callid",
            "queuename",
            "agent",
            "event",
        ];
        select.extend(&data);
        if has_id {
            select.push("id");
        }
        let sql = t.range_query(&select, &["id"]);
        let mut scanner = Scanner::new(opts, consumer);
        let (from, to) = scanner.window();
        // The window's end is inclusive to the second: `< end + 1` keeps fractions of it.
        let params = [t.bound(from), t.bound(to + 1)];
        let id_col = has_id.then_some(select.len() - 1);
        let zone = t.zone;
        let table_name = t.name.clone();
        let mut buf = String::with_capacity(256);
        let mut n: u64 = 0;
        t.conn.for_each(&sql, &params, |row: &Row<'_>| {
            n += 1;
            scanner.stats.lines_read += 1;
            if n.is_multiple_of(scan::CHECK_EVERY) {
                if sink.cancelled() {
                    return Err(scan::cancelled());
                }
                // The row count is not known in advance: progress is a pulse.
                sink.progress(n, 0);
            }
            match line_of(row, zone, data.len(), &mut buf) {
                Ok(()) => match parse_line(&buf) {
                    Ok(line) => {
                        scanner.line(&line);
                    }
                    Err(e) => scanner.malformed(|| {
                        format!(
                            "{table_name} {}: {e:?}: {}",
                            row_id(row, id_col, n),
                            scan::excerpt(&buf)
                        )
                    }),
                },
                Err(problem) => scanner.malformed(|| {
                    format!(
                        "{table_name} {}: {}",
                        row_id(row, id_col, n),
                        scan::excerpt(&problem)
                    )
                }),
            }
            Ok(())
        })?;
        let mut stats = scanner.finish();
        stats.source_table = Some(self.0.label.clone());
        Ok(stats)
    }
}

/// `id 42` from the id column, else `row 7` (its position in the result).
fn row_id(row: &Row<'_>, id_col: Option<usize>, n: u64) -> String {
    match id_col.and_then(|i| row.text(i).ok().flatten()) {
        Some(id) => format!("id {id}"),
        None => format!("row {n}"),
    }
}

/// Writes a queue_log row as the file line `secs|callid|queue|agent|event|data...` into
/// `buf`; the error says which cell is wrong.
fn line_of(row: &Row<'_>, zone: Tz, data: usize, buf: &mut String) -> Result<(), String> {
    buf.clear();
    let time = row
        .instant(0, zone)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("column {}: empty time", row.name(0)))?;
    let _ = write!(buf, "{}", time.timestamp());
    for i in 1..5 + data {
        let cell = row.text(i).map_err(|e| e.to_string())?;
        let text = cell.as_deref().unwrap_or("");
        if i == 4 && text.trim().is_empty() {
            return Err(format!("column {}: empty event", row.name(i)));
        }
        buf.push('|');
        buf.push_str(text);
    }
    Ok(())
}

/// The CDR table: `calldate` (or `start`/`answer`/`end`), `clid`, `src`, `dst`, `dcontext`,
/// `channel`, `dstchannel`, `duration`, `billsec`, `disposition`, `uniqueid` and the optional
/// `linkedid`, `sequence`.
pub struct CdrTable(pub Table);

impl CdrTable {
    /// Connects to `db` and inspects `table`; naive times are in `zone`.
    pub fn open(db: &Database, table: &str, zone: Tz) -> Result<Self, PluginError> {
        let t = Table::open(db, table, "cdr_table", &["calldate", "start"], zone)?;
        t.missing(
            &[
                "src",
                "dst",
                "dcontext",
                "clid",
                "channel",
                "dstchannel",
                "billsec",
                "disposition",
            ],
            "cdr_table",
        )?;
        if !t.has("end") && !t.has("duration") {
            return Err(query_error(
                format!("the {} has neither an end nor a duration column", t.label),
                "point cdr_table at the Asterisk CDR table",
            ));
        }
        Ok(Self(t))
    }

    /// Reads the rows that started in `[start_utc, end_utc)`, as [`crate::cdr::read`] does
    /// from files: times become local naive seconds in `report_tz`. Rows come in time order,
    /// ties by `sequence` (Asterisk's CDR counter) or `id`. `end` is the `end` column, or
    /// `calldate + duration` (which is how Asterisk computes duration).
    pub fn read(
        &mut self,
        report_tz: Tz,
        start_utc: i64,
        end_utc: i64,
        sink: &mut dyn Sink,
    ) -> Result<(Vec<CdrRow>, CdrStats), PluginError> {
        let t = &mut self.0;
        let has_end = t.has("end");
        let mut select = vec![
            t.time_column.as_str(),
            if has_end { "end" } else { "duration" },
            "src",
            "dst",
            "dcontext",
            "clid",
            "channel",
            "dstchannel",
            "billsec",
            "disposition",
        ];
        let optional = ["answer", "uniqueid", "linkedid"];
        let mut idx = [None; 3];
        for (slot, col) in idx.iter_mut().zip(optional) {
            if t.has(col) {
                *slot = Some(select.len());
                select.push(col);
            }
        }
        let sql = t.range_query(&select, &["sequence", "id"]);
        let params = [t.bound(start_utc), t.bound(end_utc)];
        let zone = t.zone;
        let table_name = t.name.clone();
        let from_local = crate::kpi::local_secs(report_tz, start_utc);
        let to_local = crate::kpi::local_secs(report_tz, end_utc);
        let mut stats = CdrStats::default();
        let mut rows = Vec::new();
        t.conn.for_each(&sql, &params, |row: &Row<'_>| {
            stats.lines_read += 1;
            if stats.lines_read.is_multiple_of(scan::CHECK_EVERY) && sink.cancelled() {
                return Err(scan::cancelled());
            }
            match cdr_row(row, zone, report_tz, has_end, idx) {
                Ok(r) => {
                    if r.start >= from_local && r.start < to_local {
                        rows.push(r);
                    }
                }
                Err(problem) => {
                    stats.malformed_lines += 1;
                    if stats.malformed_examples.len() < 5 {
                        let uid = idx[1]
                            .and_then(|i| row.text(i).ok().flatten())
                            .map(|u| format!(" (uniqueid {u})"))
                            .unwrap_or_default();
                        stats.malformed_examples.push(format!(
                            "{table_name} row {}{uid}: {}",
                            stats.lines_read,
                            scan::excerpt(&problem)
                        ));
                    }
                }
            }
            Ok(())
        })?;
        Ok((rows, stats))
    }
}

/// One CDR row; `idx` = the select positions of answer, uniqueid, linkedid.
fn cdr_row(
    row: &Row<'_>,
    zone: Tz,
    report_tz: Tz,
    has_end: bool,
    idx: [Option<usize>; 3],
) -> Result<CdrRow, String> {
    let err = |e: sql::CellError| e.to_string();
    let text = |i: usize| -> Result<String, String> {
        Ok(row
            .text(i)
            .map_err(err)?
            .map(|s| s.into_owned())
            .unwrap_or_default())
    };
    let start = row
        .instant(0, zone)
        .map_err(err)?
        .ok_or_else(|| format!("column {}: empty time", row.name(0)))?
        .timestamp();
    let end = if has_end {
        row.instant(1, zone)
            .map_err(err)?
            .ok_or("column end: empty")?
            .timestamp()
    } else {
        start + row.int(1).map_err(err)?.ok_or("column duration: empty")?
    };
    let billsec = row.int(8).map_err(err)?.ok_or("column billsec: empty")?;
    // The answer time is informational (no report reads it): an unreadable one (MySQL's
    // zero date) is simply absent.
    let answer = match idx[0] {
        Some(i) => row.instant(i, zone).ok().flatten().map(|t| t.timestamp()),
        None => (billsec > 0).then_some(end - billsec),
    };
    let local = |utc: i64| crate::kpi::local_secs(report_tz, utc);
    Ok(CdrRow {
        start: local(start),
        end: local(end),
        answer: answer.map(local),
        src: text(2)?,
        dst: text(3)?,
        dcontext: text(4)?,
        clid: text(5)?,
        channel: text(6)?,
        dstchannel: text(7)?,
        billsec,
        disposition: text(9)?,
        uniqueid: idx[1].map(text).transpose()?.unwrap_or_default(),
        linkedid: idx[2].map(text).transpose()?.unwrap_or_default(),
    })
}

/// The declared type of `table.column` (`information_schema.columns.data_type`; SQLite's
/// declared type), lower-cased; empty when unknown.
fn column_type(
    conn: &mut Connection,
    dialect: Dialect,
    table: &str,
    column: &str,
) -> Result<String, PluginError> {
    let sql = match dialect {
        Dialect::Postgres => {
            "SELECT data_type::text FROM information_schema.columns WHERE table_name = $1 \
             AND lower(column_name) = $2 AND table_schema = ANY (current_schemas(false))"
        }
        Dialect::MySql => {
            "SELECT CAST(data_type AS CHAR) FROM information_schema.columns WHERE table_name = ? \
             AND lower(column_name) = ? AND table_schema = DATABASE()"
        }
        Dialect::Sqlite => "SELECT type FROM pragma_table_info(?) WHERE lower(name) = ?",
    };
    let mut ty = String::new();
    conn.for_each(
        sql,
        &[
            Param::Text(table.to_owned()),
            Param::Text(column.to_owned()),
        ],
        |row: &Row<'_>| {
            if ty.is_empty() {
                ty = row
                    .text(0)
                    .ok()
                    .flatten()
                    .map(|s| s.to_ascii_lowercase())
                    .unwrap_or_default();
            }
            Ok::<(), PluginError>(())
        },
    )?;
    Ok(ty)
}
