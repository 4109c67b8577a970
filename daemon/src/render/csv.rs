//! Streaming CSV writer: header in the dialect's language, one typed row at a time, then an
//! optional metadata footer. Used by the plugin worker (`plugin::worker`), which feeds it the
//! plugin's rows as they arrive; nothing is buffered beyond the csv crate's 8 KiB, so memory
//! stays flat with the number of rows. The SHA-256 and byte count of the file are computed
//! while writing ([`HashingWriter`]), so the file is never read back.
//!
//! # Cell rendering
//! A cell is rendered by its **column type** (from the plugin's catalog), not only by the
//! kind of value the plugin sent:
//!
//! | column type | accepted values | rendering |
//! |---|---|---|
//! | `text`, `enum` | text, int, float, decimal, bool, date, datetime, time | as the value's natural rendering below |
//! | `integer` | int, decimal, float | digits; decimals/floats rounded half away from zero |
//! | `decimal` | int, float, decimal | float as given (shortest round-trip), decimal with its own scale |
//! | `percent` | int, float, decimal | two decimals |
//! | `duration_s` | duration (ms), int (s) | whole seconds (ms / 1000 rounded half away from zero), or `hh:mm:ss` with `duration = "hms"` |
//! | `duration_ms` | duration (ms), int (ms) | whole milliseconds |
//! | `datetime` | datetime, date (midnight) | `datetime_format` |
//! | `date` | date, datetime (its date) | `date_format` |
//! | `time` | time, datetime (its time) | `%H:%M:%S` |
//! | `boolean` | bool, int 0/1 | `true`/`false` (en), `Sim`/`Não` (pt-BR), `Sí`/`No` (es) |
//!
//! Null is an empty cell in every column. Numbers use the dialect's decimal separator; the
//! csv crate quotes a cell when it contains the delimiter (`1,5` with `,` as both). Dates
//! and times are local wall-clock values already (the plugin converts). Anything else (a
//! date in a percent column, a NaN, a row with too few cells) is a [`RenderError`] with
//! code `PLUGIN_ERROR`: a plugin bug, reported, never a panic.
//!
//! # Metadata footer
//! With `metadata = "footer"` (the default) the rows are followed by one empty line, then
//! one single-cell line per item, quoted only where CSV needs it:
//!
//! ```text
//! # <key>: <value>          one per plugin meta item, sorted by key
//! # rows: <data rows>
//! # period: <start_local> .. <end_local> (<IANA zone>)     end exclusive
//! # generated_by: reportd <version>
//! ```
//!
//! With `metadata = "none"` nothing follows the rows (the metadata is still in the run's
//! status entry).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use reportd_plugin_api::{Column, ColumnType, Period, Value};
use sha2::{Digest, Sha256};

use super::RenderError;
use crate::config::{CsvDialect, CsvMetadata, Lang};

/// Days from 0001-01-01 (day 1 in chrono's CE count) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// A writer that counts and hashes every byte on its way to the inner writer.
#[derive(Debug)]
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The inner writer, the byte count and the lowercase hex SHA-256 of everything written.
    pub fn into_parts(self) -> (W, u64, String) {
        (self.inner, self.bytes, hex::encode(self.hasher.finalize()))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Parses a chrono format, refusing what would make `Display` fail (and panic in
/// `to_string`).
pub(crate) fn parse_format(fmt: &str) -> Result<Vec<Item<'static>>, String> {
    let items = StrftimeItems::new(fmt)
        .parse_to_owned()
        .map_err(|e| format!("invalid date format `{fmt}`: {e}"))?;
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Err(format!("invalid date format `{fmt}`"));
    }
    Ok(items)
}

/// The csv writer configuration of a dialect.
fn builder(dialect: &CsvDialect) -> csv::WriterBuilder {
    let mut b = csv::WriterBuilder::new();
    b.delimiter(dialect.delimiter)
        .terminator(terminator(dialect))
        .quote_style(csv::QuoteStyle::Necessary)
        // The footer has one cell per line; the field count check is ours (`row`).
        .flexible(true);
    b
}

fn terminator(dialect: &CsvDialect) -> csv::Terminator {
    if dialect.crlf {
        csv::Terminator::CRLF
    } else {
        csv::Terminator::Any(b'\n')
    }
}

fn csv_to_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("csv writer: {other:?}")),
    }
}

/// Streaming CSV report writer. See the module docs for the cell rendering and footer.
pub struct CsvWriter {
    out: csv::Writer<HashingWriter<File>>,
    path: PathBuf,
    dialect: CsvDialect,
    date_fmt: Vec<Item<'static>>,
    datetime_fmt: Vec<Item<'static>>,
    columns: Option<Vec<Column>>,
    rows: u64,
    meta: BTreeMap<String, String>,
    period: Option<Period>,
    /// Reused for every cell so that rendering a row allocates nothing.
    cell: String,
}

impl std::fmt::Debug for CsvWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvWriter")
            .field("path", &self.path)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl CsvWriter {
    /// Creates (truncates) the file at `path` and writes the BOM if the dialect asks for one.
    /// An invalid date format in the dialect is an `InvalidInput` error.
    pub fn create(path: &Path, dialect: &CsvDialect) -> io::Result<Self> {
        let bad = |e: String| io::Error::new(io::ErrorKind::InvalidInput, e);
        let date_fmt = parse_format(&dialect.date_format).map_err(bad)?;
        let datetime_fmt = parse_format(&dialect.datetime_format).map_err(bad)?;
        let mut file = HashingWriter::new(File::create(path)?);
        if dialect.bom {
            file.write_all("\u{feff}".as_bytes())?;
        }
        let out = builder(dialect).from_writer(file);
        Ok(Self {
            out,
            path: path.to_owned(),
            dialect: dialect.clone(),
            date_fmt,
            datetime_fmt,
            columns: None,
            rows: 0,
            meta: BTreeMap::new(),
            period: None,
            cell: String::new(),
        })
    }

    fn io(&self, source: io::Error) -> RenderError {
        RenderError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Declares the columns and writes the header (titles in the dialect's language).
    pub fn begin(&mut self, columns: &[Column]) -> Result<(), RenderError> {
        if self.columns.is_some() {
            return Err(RenderError::BegunTwice);
        }
        let lang = self.dialect.lang.tag();
        let titles: Vec<&str> = columns.iter().map(|c| c.title.get(lang)).collect();
        if let Err(e) = self.out.write_record(&titles) {
            return Err(self.io(csv_to_io(e)));
        }
        self.columns = Some(columns.to_vec());
        Ok(())
    }

    /// Whether [`CsvWriter::begin`] was called.
    pub fn is_begun(&self) -> bool {
        self.columns.is_some()
    }

    /// Writes one data row; `cells.len()` must equal the number of columns.
    pub fn row(&mut self, cells: &[Value<'_>]) -> Result<(), RenderError> {
        let Some(columns) = self.columns.as_ref() else {
            return Err(RenderError::NotBegun);
        };
        let row = self.rows + 1;
        if cells.len() != columns.len() {
            return Err(RenderError::CellCount {
                row,
                expected: columns.len(),
                got: cells.len(),
            });
        }
        for (col, value) in columns.iter().zip(cells) {
            self.cell.clear();
            let fmts = Formats {
                dialect: &self.dialect,
                date: &self.date_fmt,
                datetime: &self.datetime_fmt,
            };
            if let Err(problem) = render_cell(&mut self.cell, col.kind, value, &fmts) {
                return Err(RenderError::Cell {
                    row,
                    column: col.id.clone(),
                    kind: column_type_name(col.kind),
                    problem,
                });
            }
            if let Err(e) = self.out.write_field(self.cell.as_bytes()) {
                let e = csv_to_io(e);
                return Err(self.io(e));
            }
        }
        if let Err(e) = self.out.write_record(None::<&[u8]>) {
            let e = csv_to_io(e);
            return Err(self.io(e));
        }
        self.rows = row;
        Ok(())
    }

    /// Records a metadata item for the footer (a later value for the same key wins).
    pub fn meta(&mut self, key: &str, value: &str) {
        self.meta.insert(key.to_owned(), value.to_owned());
    }

    /// Sets the reporting period written in the footer's `# period:` line.
    pub fn set_period(&mut self, period: &Period) {
        self.period = Some(period.clone());
    }

    /// Number of declared columns (0 before [`CsvWriter::begin`]).
    pub fn column_count(&self) -> usize {
        self.columns.as_ref().map_or(0, Vec::len)
    }

    /// Data rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The footer's lines (empty with `metadata = "none"`).
    fn footer_lines(&self) -> Vec<String> {
        if self.dialect.metadata != CsvMetadata::Footer {
            return Vec::new();
        }
        let mut lines: Vec<String> = self
            .meta
            .iter()
            .map(|(k, v)| format!("# {k}: {v}"))
            .collect();
        lines.push(format!("# rows: {}", self.rows));
        if let Some(p) = &self.period {
            lines.push(format!(
                "# period: {} .. {} ({})",
                p.start_local, p.end_local, p.timezone
            ));
        }
        lines.push(format!(
            "# generated_by: reportd {}",
            env!("CARGO_PKG_VERSION")
        ));
        lines
    }

    /// Writes the footer (per the dialect), flushes and fsyncs the file. Returns its size in
    /// bytes and its lowercase hex SHA-256.
    pub fn finish(self) -> io::Result<(u64, String)> {
        let footer = self.footer_lines();
        let mut hashing = self.out.into_inner().map_err(|e| e.into_error())?;
        if !footer.is_empty() {
            // The blank separator line is written raw: the csv writer renders an empty
            // record as `""`.
            hashing.write_all(if self.dialect.crlf { b"\r\n" } else { b"\n" })?;
            let mut w = builder(&self.dialect).from_writer(&mut hashing);
            for line in &footer {
                w.write_record([line.as_bytes()]).map_err(csv_to_io)?;
            }
            w.flush()?;
        }
        let (mut file, bytes, sha) = hashing.into_parts();
        file.flush()?;
        file.sync_all()?;
        Ok((bytes, sha))
    }
}

/// The snake_case name of a column type, as in the catalog.
pub fn column_type_name(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Text => "text",
        ColumnType::Enum => "enum",
        ColumnType::Integer => "integer",
        ColumnType::Decimal => "decimal",
        ColumnType::Percent => "percent",
        ColumnType::DurationS => "duration_s",
        ColumnType::DurationMs => "duration_ms",
        ColumnType::Datetime => "datetime",
        ColumnType::Date => "date",
        ColumnType::Time => "time",
        ColumnType::Boolean => "boolean",
    }
}

pub(crate) fn value_kind_name(v: &Value<'_>) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Bool(_) => "bool",
        Value::Text(_) => "text",
        Value::Date(_) => "date",
        Value::DateTime(_) => "datetime",
        Value::Time(_) => "time",
        Value::Duration(_) => "duration",
        Value::Decimal { .. } => "decimal",
    }
}

/// The dialect's formats, parsed once.
pub(crate) struct Formats<'a> {
    pub(crate) dialect: &'a CsvDialect,
    pub(crate) date: &'a [Item<'static>],
    pub(crate) datetime: &'a [Item<'static>],
}

/// Renders one cell into `out` (which is empty). `Err` says what is wrong with the value.
pub(crate) fn render_cell(
    out: &mut String,
    kind: ColumnType,
    value: &Value<'_>,
    f: &Formats<'_>,
) -> Result<(), String> {
    let sep = f.dialect.decimal;
    let mismatch = || {
        format!(
            "a {} value does not fit this column",
            value_kind_name(value)
        )
    };
    match (kind, *value) {
        (_, Value::Null) => Ok(()),

        (ColumnType::Text | ColumnType::Enum, Value::Text(s)) => {
            out.push_str(s);
            Ok(())
        }
        (ColumnType::Text | ColumnType::Enum, Value::Int(i)) => push_int(out, i128::from(i)),
        (ColumnType::Text | ColumnType::Enum | ColumnType::Decimal, Value::Float(x)) => {
            push_float_as_given(out, x, sep)
        }
        (
            ColumnType::Text | ColumnType::Enum | ColumnType::Decimal,
            Value::Decimal { mantissa, scale },
        ) => push_fixed(out, i128::from(mantissa), scale, sep),
        (ColumnType::Text | ColumnType::Enum | ColumnType::Boolean, Value::Bool(b)) => {
            out.push_str(bool_word(b, f.dialect.lang));
            Ok(())
        }
        (ColumnType::Text | ColumnType::Enum | ColumnType::Date, Value::Date(d)) => {
            push_formatted(out, date_at_midnight(d)?, f.date)
        }
        (ColumnType::Text | ColumnType::Enum | ColumnType::Datetime, Value::DateTime(s)) => {
            push_formatted(out, naive_datetime(s)?, f.datetime)
        }
        (ColumnType::Text | ColumnType::Enum | ColumnType::Time, Value::Time(s)) => {
            push_time(out, time_of_day(s)?)
        }

        (ColumnType::Integer, Value::Int(i)) => push_int(out, i128::from(i)),
        (ColumnType::Integer, Value::Decimal { mantissa, scale }) => {
            push_int(out, round_to_scale(i128::from(mantissa), scale, 0))
        }
        (ColumnType::Integer, Value::Float(x)) => {
            finite(x)?;
            write!(out, "{}", x.round()).map_err(|e| e.to_string())?;
            normalize_negative_zero(out);
            Ok(())
        }

        (ColumnType::Decimal, Value::Int(i)) => push_int(out, i128::from(i)),

        (ColumnType::Percent, Value::Int(i)) => push_fixed(out, i128::from(i) * 100, 2, sep),
        (ColumnType::Percent, Value::Decimal { mantissa, scale }) => {
            push_fixed(out, round_to_scale(i128::from(mantissa), scale, 2), 2, sep)
        }
        (ColumnType::Percent, Value::Float(x)) => {
            finite(x)?;
            write!(out, "{x:.2}").map_err(|e| e.to_string())?;
            normalize_negative_zero(out);
            set_separator(out, sep);
            Ok(())
        }

        (ColumnType::DurationS, Value::Duration(ms)) => {
            push_seconds(out, round_div(i128::from(ms), 1000), f.dialect.duration_hms)
        }
        (ColumnType::DurationS, Value::Int(s)) => {
            push_seconds(out, i128::from(s), f.dialect.duration_hms)
        }
        (ColumnType::DurationMs, Value::Duration(ms) | Value::Int(ms)) => {
            push_int(out, i128::from(ms))
        }

        (ColumnType::Datetime, Value::Date(d)) => {
            push_formatted(out, date_at_midnight(d)?, f.datetime)
        }
        (ColumnType::Date, Value::DateTime(s)) => push_formatted(out, naive_datetime(s)?, f.date),
        (ColumnType::Time, Value::DateTime(s)) => push_time(out, naive_datetime(s)?.time()),

        (ColumnType::Boolean, Value::Int(i @ (0 | 1))) => {
            out.push_str(bool_word(i == 1, f.dialect.lang));
            Ok(())
        }

        _ => Err(mismatch()),
    }
}

fn finite(x: f64) -> Result<(), String> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(format!(
            "{x} is not a number that can be written (send null instead)"
        ))
    }
}

fn push_int(out: &mut String, i: i128) -> Result<(), String> {
    write!(out, "{i}").map_err(|e| e.to_string())
}

/// Shortest round-trip rendering (Rust's `Display` never uses an exponent).
fn push_float_as_given(out: &mut String, x: f64, sep: char) -> Result<(), String> {
    finite(x)?;
    write!(out, "{x}").map_err(|e| e.to_string())?;
    normalize_negative_zero(out);
    set_separator(out, sep);
    Ok(())
}

fn set_separator(out: &mut String, sep: char) {
    if sep == '.' {
        return;
    }
    if let Some(pos) = out.find('.') {
        out.replace_range(pos..pos + 1, sep.encode_utf8(&mut [0; 4]));
    }
}

/// `-0`, `-0.00` → `0`, `0.00`: a rounded tiny negative is not a meaningful sign.
fn normalize_negative_zero(out: &mut String) {
    if out.starts_with('-') && out[1..].bytes().all(|b| b == b'0' || b == b'.') {
        out.remove(0);
    }
}

/// `mantissa × 10^-scale` with exactly `scale` decimals.
fn push_fixed(out: &mut String, mantissa: i128, scale: u32, sep: char) -> Result<(), String> {
    let digits = mantissa.unsigned_abs().to_string();
    let scale = scale as usize;
    if mantissa < 0 {
        out.push('-');
    }
    if scale == 0 {
        out.push_str(&digits);
        return Ok(());
    }
    if digits.len() <= scale {
        out.push('0');
        out.push(sep);
        out.extend(std::iter::repeat_n('0', scale - digits.len()));
        out.push_str(&digits);
    } else {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.push_str(int);
        out.push(sep);
        out.push_str(frac);
    }
    normalize_negative_zero(out);
    Ok(())
}

/// `n / d` rounded half away from zero (`d > 0`).
pub(crate) fn round_div(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if r.abs() * 2 >= d { q + n.signum() } else { q }
}

/// Re-expresses `mantissa × 10^-scale` with `to` decimals, rounding half away from zero.
pub(crate) fn round_to_scale(mantissa: i128, scale: u32, to: u32) -> i128 {
    if scale <= to {
        // to ≤ 2 in practice; an i64 mantissa × 100 fits i128 easily.
        mantissa * 10i128.pow(to - scale)
    } else if scale - to > 30 {
        // |mantissa| < 10^19 < 0.5 × 10^30: rounds to zero.
        0
    } else {
        round_div(mantissa, 10i128.pow(scale - to))
    }
}

fn push_seconds(out: &mut String, secs: i128, hms: bool) -> Result<(), String> {
    if !hms {
        return push_int(out, secs);
    }
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.unsigned_abs();
    write!(
        out,
        "{sign}{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
    .map_err(|e| e.to_string())
}

fn bool_word(b: bool, lang: Lang) -> &'static str {
    match (lang, b) {
        (Lang::En, true) => "true",
        (Lang::En, false) => "false",
        (Lang::PtBr, true) => "Sim",
        (Lang::PtBr, false) => "Não",
        (Lang::Es, true) => "Sí",
        (Lang::Es, false) => "No",
    }
}

fn date_at_midnight(days: i32) -> Result<NaiveDateTime, String> {
    days.checked_add(UNIX_EPOCH_DAYS_FROM_CE)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .map(|d| d.and_time(NaiveTime::MIN))
        .ok_or_else(|| format!("date {days} (days since 1970-01-01) is out of range"))
}

fn naive_datetime(secs: i64) -> Result<NaiveDateTime, String> {
    DateTime::from_timestamp(secs, 0)
        .map(|d| d.naive_utc())
        .ok_or_else(|| format!("date-time {secs} (seconds since 1970-01-01) is out of range"))
}

fn time_of_day(secs: u32) -> Result<NaiveTime, String> {
    NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)
        .ok_or_else(|| format!("time {secs} is not a second of the day (0..86399)"))
}

fn push_formatted(
    out: &mut String,
    dt: NaiveDateTime,
    items: &[Item<'static>],
) -> Result<(), String> {
    write!(out, "{}", dt.format_with_items(items.iter()))
        .map_err(|_| "the date format cannot render this value".to_owned())
}

fn push_time(out: &mut String, t: NaiveTime) -> Result<(), String> {
    write!(out, "{}", t.format("%H:%M:%S")).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reportd_plugin_api::Titles;

    fn fmts_for(d: &CsvDialect) -> (Vec<Item<'static>>, Vec<Item<'static>>) {
        (
            parse_format(&d.date_format).unwrap(),
            parse_format(&d.datetime_format).unwrap(),
        )
    }

    fn cell_with(d: &CsvDialect, kind: ColumnType, v: Value<'_>) -> Result<String, String> {
        let (date, datetime) = fmts_for(d);
        let f = Formats {
            dialect: d,
            date: &date,
            datetime: &datetime,
        };
        let mut s = String::new();
        render_cell(&mut s, kind, &v, &f).map(|()| s)
    }

    fn en() -> CsvDialect {
        CsvDialect {
            lang: Lang::En,
            ..CsvDialect::default()
        }
    }

    fn cell(kind: ColumnType, v: Value<'_>) -> String {
        cell_with(&en(), kind, v).unwrap()
    }

    fn comma() -> CsvDialect {
        CsvDialect {
            decimal: ',',
            ..en()
        }
    }

    #[test]
    fn integers() {
        assert_eq!(cell(ColumnType::Integer, Value::Int(-42)), "-42");
        assert_eq!(
            cell(ColumnType::Integer, Value::Int(i64::MAX)),
            "9223372036854775807"
        );
        // 12.5 → 13 and -12.5 → -13 (half away from zero); 12.49 → 12.
        let d = |mantissa, scale| Value::Decimal { mantissa, scale };
        assert_eq!(cell(ColumnType::Integer, d(125, 1)), "13");
        assert_eq!(cell(ColumnType::Integer, d(-125, 1)), "-13");
        assert_eq!(cell(ColumnType::Integer, d(1249, 2)), "12");
        assert_eq!(cell(ColumnType::Integer, Value::Float(2.5)), "3");
        assert_eq!(cell(ColumnType::Integer, Value::Float(-0.2)), "0");
        assert!(cell_with(&en(), ColumnType::Integer, Value::Text("7")).is_err());
        assert!(cell_with(&en(), ColumnType::Integer, Value::Float(f64::NAN)).is_err());
    }

    #[test]
    fn percent_two_decimals_with_dialect_separator() {
        assert_eq!(cell(ColumnType::Percent, Value::Float(87.5)), "87.50");
        assert_eq!(cell(ColumnType::Percent, Value::Int(100)), "100.00");
        // 12.345 exactly (decimal) → 12.35, half away from zero.
        let v = Value::Decimal {
            mantissa: 12345,
            scale: 3,
        };
        assert_eq!(cell(ColumnType::Percent, v), "12.35");
        // 5 × 10^-1 = 0.5 → 0.50.
        let v = Value::Decimal {
            mantissa: 5,
            scale: 1,
        };
        assert_eq!(cell(ColumnType::Percent, v), "0.50");
        assert_eq!(cell(ColumnType::Percent, Value::Float(-0.001)), "0.00");
        assert_eq!(
            cell_with(&comma(), ColumnType::Percent, Value::Float(1.23456)).unwrap(),
            "1,23"
        );
        assert!(cell_with(&en(), ColumnType::Percent, Value::Float(f64::INFINITY)).is_err());
        assert!(cell_with(&en(), ColumnType::Percent, Value::Bool(true)).is_err());
    }

    #[test]
    fn decimals_as_given() {
        assert_eq!(cell(ColumnType::Decimal, Value::Float(0.1)), "0.1");
        assert_eq!(cell(ColumnType::Decimal, Value::Float(2.0)), "2");
        assert_eq!(
            cell(ColumnType::Decimal, Value::Float(1234.5678)),
            "1234.5678"
        );
        assert_eq!(cell(ColumnType::Decimal, Value::Int(7)), "7");
        // -5 × 10^-3 = -0.005; 1234 × 10^-2 = 12.34; 7 × 10^0 = 7.
        let d = |mantissa, scale| Value::Decimal { mantissa, scale };
        assert_eq!(cell(ColumnType::Decimal, d(-5, 3)), "-0.005");
        assert_eq!(cell(ColumnType::Decimal, d(1234, 2)), "12.34");
        assert_eq!(cell(ColumnType::Decimal, d(7, 0)), "7");
        assert_eq!(
            cell_with(&comma(), ColumnType::Decimal, d(1234, 2)).unwrap(),
            "12,34"
        );
        assert_eq!(
            cell_with(&comma(), ColumnType::Decimal, Value::Float(0.25)).unwrap(),
            "0,25"
        );
        assert!(cell_with(&en(), ColumnType::Decimal, Value::Date(0)).is_err());
    }

    #[test]
    fn durations() {
        // 125 400 ms = 125.4 s → 125; 59 500 ms → 59.5 → 60 (half away from zero).
        assert_eq!(cell(ColumnType::DurationS, Value::Duration(125_400)), "125");
        assert_eq!(cell(ColumnType::DurationS, Value::Duration(59_500)), "60");
        assert_eq!(cell(ColumnType::DurationS, Value::Duration(-1_500)), "-2");
        assert_eq!(cell(ColumnType::DurationS, Value::Int(90)), "90");
        let hms = CsvDialect {
            duration_hms: true,
            ..en()
        };
        // 3 723 s = 1 h 2 min 3 s; 90 000 s = 25 h.
        assert_eq!(
            cell_with(&hms, ColumnType::DurationS, Value::Duration(3_723_000)).unwrap(),
            "01:02:03"
        );
        assert_eq!(
            cell_with(&hms, ColumnType::DurationS, Value::Int(90_000)).unwrap(),
            "25:00:00"
        );
        assert_eq!(
            cell_with(&hms, ColumnType::DurationS, Value::Int(-5)).unwrap(),
            "-00:00:05"
        );
        assert_eq!(cell(ColumnType::DurationMs, Value::Duration(1234)), "1234");
        assert_eq!(cell(ColumnType::DurationMs, Value::Int(5)), "5");
        assert!(cell_with(&en(), ColumnType::DurationMs, Value::Float(1.0)).is_err());
        assert!(cell_with(&en(), ColumnType::Text, Value::Duration(1)).is_err());
    }

    #[test]
    fn dates_and_times() {
        // 2026-11-20 is 20 777 days after 1970-01-01: 56 years (14 leap days 1972..2024)
        // = 56×365 + 14 = 20 454, + 323 (Jan 1 → Nov 20 in a non-leap year) = 20 777.
        let day = 20_777;
        assert_eq!(cell(ColumnType::Date, Value::Date(day)), "2026-11-20");
        // 20 777 × 86 400 + 6×3600 + 30×60 + 5 = 1 795 132 800 + 23 405.
        let secs = 20_777i64 * 86_400 + 6 * 3600 + 30 * 60 + 5;
        assert_eq!(
            cell(ColumnType::Datetime, Value::DateTime(secs)),
            "2026-11-20 06:30:05"
        );
        assert_eq!(cell(ColumnType::Date, Value::DateTime(secs)), "2026-11-20");
        assert_eq!(cell(ColumnType::Time, Value::DateTime(secs)), "06:30:05");
        assert_eq!(
            cell(ColumnType::Datetime, Value::Date(day)),
            "2026-11-20 00:00:00"
        );
        assert_eq!(cell(ColumnType::Time, Value::Time(3661)), "01:01:01");
        assert!(cell_with(&en(), ColumnType::Time, Value::Time(86_400)).is_err());
        let br = CsvDialect {
            date_format: "%d/%m/%Y".into(),
            datetime_format: "%d/%m/%Y %H:%M".into(),
            ..CsvDialect::default()
        };
        assert_eq!(
            cell_with(&br, ColumnType::Date, Value::Date(day)).unwrap(),
            "20/11/2026"
        );
        assert_eq!(
            cell_with(&br, ColumnType::Datetime, Value::DateTime(secs)).unwrap(),
            "20/11/2026 06:30"
        );
        assert_eq!(cell(ColumnType::Date, Value::Date(-1)), "1969-12-31");
        assert!(cell_with(&en(), ColumnType::Date, Value::Date(i32::MAX)).is_err());
    }

    #[test]
    fn booleans_per_language() {
        let lang = |lang| CsvDialect {
            lang,
            ..CsvDialect::default()
        };
        let b = |l, v| cell_with(&lang(l), ColumnType::Boolean, Value::Bool(v)).unwrap();
        assert_eq!(
            (b(Lang::En, true), b(Lang::En, false)),
            ("true".into(), "false".into())
        );
        assert_eq!(
            (b(Lang::PtBr, true), b(Lang::PtBr, false)),
            ("Sim".into(), "Não".into())
        );
        assert_eq!(
            (b(Lang::Es, true), b(Lang::Es, false)),
            ("Sí".into(), "No".into())
        );
        assert_eq!(cell(ColumnType::Boolean, Value::Int(1)), "true");
        assert!(cell_with(&en(), ColumnType::Boolean, Value::Int(2)).is_err());
    }

    #[test]
    fn text_and_null() {
        assert_eq!(cell(ColumnType::Text, Value::Text("a;b")), "a;b");
        assert_eq!(cell(ColumnType::Enum, Value::Int(3)), "3");
        for kind in [
            ColumnType::Text,
            ColumnType::Integer,
            ColumnType::Percent,
            ColumnType::DurationS,
            ColumnType::Date,
            ColumnType::Boolean,
        ] {
            assert_eq!(cell(kind, Value::Null), "");
        }
        assert!(cell_with(&en(), ColumnType::Date, Value::Text("2026-01-01")).is_err());
    }

    fn columns() -> Vec<Column> {
        vec![
            Column {
                id: "queue".into(),
                title: Titles::new("Queue", "Fila", "Cola"),
                kind: ColumnType::Text,
            },
            Column {
                id: "sl".into(),
                title: Titles::new("Service level", "Nível de serviço", "Nivel de servicio"),
                kind: ColumnType::Percent,
            },
        ]
    }

    fn period() -> Period {
        Period {
            start_utc: 0,
            end_utc: 86_400,
            start_local: "2026-11-20T00:00:00".into(),
            end_local: "2026-11-21T00:00:00".into(),
            timezone: "America/Sao_Paulo".into(),
        }
    }

    #[test]
    fn whole_file_default_dialect_with_footer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let mut w = CsvWriter::create(&path, &CsvDialect::default()).unwrap();
        w.set_period(&period());
        w.begin(&columns()).unwrap();
        w.row(&[Value::Text("sales, east"), Value::Float(87.5)])
            .unwrap();
        w.row(&[Value::Text("support"), Value::Null]).unwrap();
        w.meta("threshold", "20s");
        w.meta("definition", "answered, within threshold");
        let (bytes, sha) = w.finish().unwrap();
        let expected = format!(
            "Fila,Nível de serviço\n\"sales, east\",87.50\nsupport,\n\n\
             \"# definition: answered, within threshold\"\n# threshold: 20s\n# rows: 2\n\
             # period: 2026-11-20T00:00:00 .. 2026-11-21T00:00:00 (America/Sao_Paulo)\n\
             # generated_by: reportd {}\n",
            env!("CARGO_PKG_VERSION")
        );
        let got = std::fs::read(&path).unwrap();
        assert_eq!(String::from_utf8(got.clone()).unwrap(), expected);
        assert_eq!(bytes, got.len() as u64);
        assert_eq!(sha, hex::encode(Sha256::digest(&got)));
    }

    #[test]
    fn whole_file_excel_dialect_without_footer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let dialect = CsvDialect {
            delimiter: b';',
            bom: true,
            decimal: ',',
            lang: Lang::Es,
            crlf: true,
            metadata: CsvMetadata::None,
            ..CsvDialect::default()
        };
        let mut w = CsvWriter::create(&path, &dialect).unwrap();
        w.begin(&columns()).unwrap();
        w.row(&[Value::Text("a;b"), Value::Float(0.5)]).unwrap();
        w.meta("ignored", "x");
        let (bytes, _) = w.finish().unwrap();
        let got = std::fs::read(&path).unwrap();
        assert_eq!(
            got,
            "\u{feff}Cola;Nivel de servicio\r\n\"a;b\";0,50\r\n".as_bytes()
        );
        // BOM 3 + "Cola;Nivel de servicio" 22 + CRLF 2 + "\"a;b\";0,50" 10 + CRLF 2 = 39.
        assert_eq!(bytes, 39);
    }

    #[test]
    fn row_errors_are_reported_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let mut w = CsvWriter::create(&path, &CsvDialect::default()).unwrap();
        assert!(matches!(w.row(&[Value::Null]), Err(RenderError::NotBegun)));
        w.begin(&columns()).unwrap();
        let e = w.row(&[Value::Text("x")]).unwrap_err();
        assert!(matches!(
            e,
            RenderError::CellCount {
                row: 1,
                expected: 2,
                got: 1
            }
        ));
        assert_eq!(e.code(), crate::code::Code::PluginError);
        let e = w.row(&[Value::Text("x"), Value::Date(1)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 1, column `sl` (percent): a date value does not fit this column"
        );
        assert!(matches!(w.begin(&columns()), Err(RenderError::BegunTwice)));
    }

    #[test]
    fn bad_dialect_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let dialect = CsvDialect {
            date_format: "%Q".into(),
            ..CsvDialect::default()
        };
        let e = CsvWriter::create(&dir.path().join("r.csv"), &dialect).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    }
}
