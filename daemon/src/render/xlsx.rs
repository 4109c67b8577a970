//! Streaming XLSX writer (rust_xlsxwriter in constant-memory mode): the same interface as
//! [`super::csv::CsvWriter`] (`create`, `begin`, `row`, `meta`, `finish`), used by the plugin
//! worker through [`super::output::ReportWriter`]. Each worksheet keeps one row in memory and
//! spills the rest to an unnamed temporary file in the output directory (never `/tmp`, which
//! may be RAM or too small), so memory stays flat with the number of rows.
//!
//! # Cells
//! Cells are real Excel values chosen by the **column type** (the same accepted values as
//! the CSV writer; anything else is a `PLUGIN_ERROR`):
//!
//! | column type | Excel value | number format |
//! |---|---|---|
//! | `integer` | number (decimals/floats rounded half away from zero) | `0` |
//! | `decimal` | number as given | General |
//! | `percent` | value / 100 (87.5 → 0.875) | `0.00%` |
//! | `duration_s` | whole seconds | `0`; with `duration = "hms"` the Excel time seconds / 86 400, shown `[h]:mm:ss` |
//! | `duration_ms` | whole milliseconds | `0` |
//! | `date`, `datetime` | Excel date serial (days since 1899-12-30) | `date_format`, `datetime_format` |
//! | `time` | fraction of a day | `hh:mm:ss` |
//! | `boolean` | boolean | — |
//! | `text`, `enum` | string (numbers, dates... in their CSV rendering) | — |
//!
//! Null is a blank cell. Numbers are IEEE doubles, as in Excel: integers beyond 2^53 lose
//! precision. Text longer than Excel's 32 767-character cell limit is cut there and counted
//! ([`XlsxWriter::truncated_cells`]; the worker reports a warning). Excel cannot show
//! negative times: a negative `hms` duration shows as `####` (its value is still right).
//! Dates before 1900-01-01 or after 9999-12-31 are refused (`PLUGIN_ERROR`).
//!
//! # Layout
//! The header row (titles in `lang`) is bold on a light fill, frozen (panes at row 1) and
//! carries an autofilter over the sheet's data. Constant-memory mode cannot autofit, so a
//! column's width is the larger of its header's length and a minimum for its type.
//!
//! Excel holds 1 048 576 rows per sheet. A report with more data rows than the 1 048 575
//! that fit under the header **continues on a new sheet** `<name> (2)`, `(3)`... with the
//! header repeated, rather than failing: a 10-million-row export is then still one file, and
//! every row is in it. The Info sheet's `sheets` item says how many there are.
//!
//! # Metadata
//! With `metadata = "sheet"` (default) a last worksheet `Info` holds key/value rows: the
//! plugin's meta items (sorted by key), `rows`, `period` (`<start_local> .. <end_local>
//! (<zone>)`, end exclusive), `sheets` (when more than one), `truncated_cells` (when any),
//! and `generated_by`. With `metadata = "none"` there is no such sheet.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::format::Item;
use reportd_plugin_api::{Column, ColumnType, Period, Value};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use super::RenderError;
use super::csv::{
    Formats, HashingWriter, column_type_name, parse_format, render_cell, round_div, round_to_scale,
    value_kind_name,
};
use crate::config::{CsvDialect, XlsxMetadata, XlsxOptions};

/// Excel's limit on sheet names, in UTF-16 code units.
pub const SHEET_NAME_MAX: usize = 31;
/// Characters Excel refuses in sheet names.
pub const SHEET_NAME_FORBIDDEN: &[char] = &['[', ']', ':', '*', '?', '/', '\\'];
/// Data rows that fit on one sheet: Excel's 1 048 576 rows less the header.
pub const MAX_DATA_ROWS_PER_SHEET: u32 = 1_048_575;
/// Excel's limit on the characters of one cell.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Name of the metadata sheet.
pub const INFO_SHEET: &str = "Info";

/// Excel serial of 1970-01-01 (days since 1899-12-30, Excel's effective epoch after
/// 1900-02-28): 70 years × 365 + 17 leap days (1904..1968) + 2 = 25 569.
const UNIX_EPOCH_SERIAL: i64 = 25_569;
/// Excel serial of 9999-12-31, the last date Excel accepts.
const MAX_SERIAL: i64 = 2_958_465;
/// Deflate level of the XLSX container (see [`XlsxWriter::finish`]).
const XLSX_ZIP_LEVEL: u8 = 3;
/// Above this estimated worksheet XML size the zip container uses ZIP64 (the plain format
/// stops at 4 GiB per entry); below it ZIP64 would only add bytes and reader demands.
const ZIP64_THRESHOLD: u64 = 3 << 30;

/// `name` made into a valid worksheet name: forbidden characters (and control characters)
/// become `-`, apostrophes and blanks at either end are dropped, and it is cut to 31 UTF-16
/// units on a character boundary. May be empty.
pub fn sanitize_sheet_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| {
            if SHEET_NAME_FORBIDDEN.contains(&c) || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect();
    let trimmed = replaced.trim_matches(|c: char| c == '\'' || c.is_whitespace());
    cut_utf16(trimmed, SHEET_NAME_MAX)
        // Cutting may expose an apostrophe or a blank at the end.
        .trim_end_matches(|c: char| c == '\'' || c.is_whitespace())
        .to_owned()
}

/// The longest prefix of `s` of at most `max` UTF-16 units.
fn cut_utf16(s: &str, max: usize) -> &str {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &s[..i];
        }
    }
    s
}

/// The name of data sheet `n` (1-based): `base`, then `base (2)`, `base (3)`... with `base`
/// cut so the whole stays within 31 characters.
pub fn data_sheet_name(base: &str, n: u32) -> String {
    if n <= 1 {
        return base.to_owned();
    }
    let suffix = format!(" ({n})");
    let head = cut_utf16(base, SHEET_NAME_MAX - suffix.len()).trim_end();
    format!("{head}{suffix}")
}

/// The Excel date serial of a day counted from 1970-01-01. Excel counts a 1900-02-29 that
/// never was (Lotus compatibility), so days before 1900-03-01 (serial 61) are one lower.
fn excel_day(days: i64) -> Result<i64, String> {
    let serial = days + UNIX_EPOCH_SERIAL;
    let serial = if serial < 61 { serial - 1 } else { serial };
    if (1..=MAX_SERIAL).contains(&serial) {
        Ok(serial)
    } else {
        Err(format!(
            "day {days} (since 1970-01-01) is outside Excel's dates (1900-01-01 to 9999-12-31)"
        ))
    }
}

/// The Excel serial of a naive date-time in seconds since 1970-01-01T00:00:00.
fn excel_datetime(secs: i64) -> Result<f64, String> {
    let day = excel_day(secs.div_euclid(86_400))?;
    Ok(day as f64 + secs.rem_euclid(86_400) as f64 / 86_400.0)
}

/// `mantissa × 10^-scale` as the nearest double.
fn decimal_f64(mantissa: i64, scale: u32) -> f64 {
    // Both operands exact (|m| < 2^53, 10^22 is the largest exact power of ten): one
    // correctly rounded division. Otherwise let the float parser round.
    if scale <= 22 && mantissa.unsigned_abs() < (1 << 53) {
        mantissa as f64 / 10f64.powi(scale as i32)
    } else {
        format!("{mantissa}e-{scale}").parse().unwrap_or(f64::NAN)
    }
}

fn finite(x: f64) -> Result<f64, String> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!(
            "{x} is not a number that can be written (send null instead)"
        ))
    }
}

/// One cell as Excel will hold it.
#[derive(Debug, Clone, PartialEq)]
pub enum XlsxCell<'a> {
    Blank,
    Number(f64),
    Bool(bool),
    Text(Cow<'a, str>),
}

/// The Excel value of `value` in a column of type `kind` (see the module docs). `text`
/// renders non-text values of text columns, the CSV way.
pub(crate) fn excel_cell<'a>(
    kind: ColumnType,
    value: &Value<'a>,
    duration_hms: bool,
    text: &Formats<'_>,
) -> Result<XlsxCell<'a>, String> {
    use XlsxCell::{Blank, Bool, Number};
    let mismatch = || {
        format!(
            "a {} value does not fit this column",
            value_kind_name(value)
        )
    };
    let seconds = |s: i64| {
        if duration_hms {
            Number(s as f64 / 86_400.0)
        } else {
            Number(s as f64)
        }
    };
    Ok(match (kind, *value) {
        (_, Value::Null) => Blank,

        (ColumnType::Text | ColumnType::Enum, Value::Text(s)) => XlsxCell::Text(Cow::Borrowed(s)),
        (ColumnType::Text | ColumnType::Enum, _) => {
            let mut out = String::new();
            render_cell(&mut out, kind, value, text)?;
            XlsxCell::Text(Cow::Owned(out))
        }

        (ColumnType::Integer, Value::Int(i)) => Number(i as f64),
        (ColumnType::Integer, Value::Decimal { mantissa, scale }) => {
            Number(round_to_scale(i128::from(mantissa), scale, 0) as f64)
        }
        (ColumnType::Integer, Value::Float(x)) => Number(finite(x)?.round() + 0.0),

        (ColumnType::Decimal, Value::Int(i)) => Number(i as f64),
        (ColumnType::Decimal, Value::Float(x)) => Number(finite(x)?),
        (ColumnType::Decimal, Value::Decimal { mantissa, scale }) => {
            Number(finite(decimal_f64(mantissa, scale))?)
        }

        (ColumnType::Percent, Value::Int(i)) => Number(i as f64 / 100.0),
        (ColumnType::Percent, Value::Float(x)) => Number(finite(x)? / 100.0),
        (ColumnType::Percent, Value::Decimal { mantissa, scale }) => {
            Number(finite(decimal_f64(mantissa, scale.saturating_add(2)))?)
        }

        (ColumnType::DurationS, Value::Duration(ms)) => {
            seconds(round_div(i128::from(ms), 1000) as i64)
        }
        (ColumnType::DurationS, Value::Int(s)) => seconds(s),
        (ColumnType::DurationMs, Value::Duration(ms) | Value::Int(ms)) => Number(ms as f64),

        (ColumnType::Date, Value::Date(d)) => Number(excel_day(i64::from(d))? as f64),
        (ColumnType::Date, Value::DateTime(s)) => Number(excel_day(s.div_euclid(86_400))? as f64),
        (ColumnType::Datetime, Value::DateTime(s)) => Number(excel_datetime(s)?),
        (ColumnType::Datetime, Value::Date(d)) => Number(excel_day(i64::from(d))? as f64),
        (ColumnType::Time, Value::Time(s)) if s < 86_400 => Number(f64::from(s) / 86_400.0),
        (ColumnType::Time, Value::Time(s)) => {
            return Err(format!("time {s} is not a second of the day (0..86399)"));
        }
        (ColumnType::Time, Value::DateTime(s)) => Number(s.rem_euclid(86_400) as f64 / 86_400.0),

        (ColumnType::Boolean, Value::Bool(b)) => Bool(b),
        (ColumnType::Boolean, Value::Int(i @ (0 | 1))) => Bool(i == 1),

        _ => return Err(mismatch()),
    })
}

/// The number format of a column (`None`: General).
fn column_format(kind: ColumnType, options: &XlsxOptions) -> Option<Format> {
    let code = match kind {
        ColumnType::Integer | ColumnType::DurationMs => "0",
        ColumnType::DurationS if options.duration_hms => "[h]:mm:ss",
        ColumnType::DurationS => "0",
        ColumnType::Percent => "0.00%",
        ColumnType::Date => options.date_format.as_str(),
        ColumnType::Datetime => options.datetime_format.as_str(),
        ColumnType::Time => "hh:mm:ss",
        ColumnType::Text | ColumnType::Enum | ColumnType::Decimal | ColumnType::Boolean => {
            return None;
        }
    };
    Some(Format::new().set_num_format(code))
}

/// A column's width in Excel's units (about one digit each): room for the bold header and
/// the autofilter button, at least what the type usually needs, at most 60.
pub fn column_width(kind: ColumnType, title: &str, duration_hms: bool) -> f64 {
    let minimum: f64 = match kind {
        ColumnType::Text | ColumnType::Enum => 20.0,
        ColumnType::Integer | ColumnType::Percent | ColumnType::Time => 10.0,
        ColumnType::DurationS if duration_hms => 11.0,
        ColumnType::DurationS => 10.0,
        ColumnType::Decimal | ColumnType::DurationMs | ColumnType::Date => 12.0,
        ColumnType::Datetime => 19.0,
        ColumnType::Boolean => 8.0,
    };
    // Bold text is ~10 % wider; the filter button takes ~3 characters.
    let header = title.chars().count() as f64 * 1.1 + 3.0;
    minimum.max(header).min(60.0).round()
}

fn xlsx_to_io(e: XlsxError) -> io::Error {
    match e {
        XlsxError::IoError(e) | XlsxError::TempFileError(_, e) => e,
        other => io::Error::other(other.to_string()),
    }
}

/// Streaming XLSX report writer. See the module docs.
pub struct XlsxWriter {
    workbook: Workbook,
    /// The data sheet being written (constant memory; pushed into the workbook when full or
    /// at the end).
    sheet: Option<Worksheet>,
    /// The output file, created (truncated) up front so a bad path fails before generation.
    file: Option<File>,
    path: PathBuf,
    options: XlsxOptions,
    /// The first data sheet's name.
    base_name: String,
    columns: Option<Vec<Column>>,
    /// Number format per column.
    formats: Vec<Option<Format>>,
    header_format: Format,
    /// CSV rendering of non-text values in text columns: ISO dates, `.` decimals.
    text_dialect: CsvDialect,
    text_date: Vec<Item<'static>>,
    text_datetime: Vec<Item<'static>>,
    rows: u64,
    /// Data sheets started so far (1-based number of the current one).
    sheets: u32,
    /// Data rows on the current sheet.
    sheet_rows: u32,
    rows_per_sheet: u32,
    /// Rough size of the current sheet's XML, to decide on ZIP64.
    sheet_bytes: u64,
    large_file: bool,
    truncated: u64,
    meta: BTreeMap<String, String>,
    period: Option<Period>,
}

impl std::fmt::Debug for XlsxWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxWriter")
            .field("path", &self.path)
            .field("rows", &self.rows)
            .field("sheets", &self.sheets)
            .finish_non_exhaustive()
    }
}

impl XlsxWriter {
    /// Creates (truncates) the file at `path`. Temporary sheet data goes to `path`'s
    /// directory. The first sheet is `options.sheet_name`, else `default_sheet_name` (the
    /// report's title) made valid, else `Report`.
    pub fn create(
        path: &Path,
        options: &XlsxOptions,
        default_sheet_name: &str,
    ) -> io::Result<Self> {
        let bad = |e: String| io::Error::new(io::ErrorKind::InvalidInput, e);
        let text_dialect = CsvDialect {
            lang: options.lang,
            ..CsvDialect::default()
        };
        let text_date = parse_format(&text_dialect.date_format).map_err(bad)?;
        let text_datetime = parse_format(&text_dialect.datetime_format).map_err(bad)?;
        let base_name = match &options.sheet_name {
            Some(name) => name.clone(),
            None => match sanitize_sheet_name(default_sheet_name) {
                n if n.is_empty() => "Report".to_owned(),
                n => n,
            },
        };
        let file = File::create(path)?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        let mut workbook = Workbook::new();
        workbook.set_tempdir(&dir).map_err(xlsx_to_io)?;
        let header_format = Format::new()
            .set_bold()
            .set_background_color(Color::RGB(0xD9E1F2))
            .set_border_bottom(FormatBorder::Thin);
        Ok(Self {
            workbook,
            sheet: None,
            file: Some(file),
            path: path.to_owned(),
            options: options.clone(),
            base_name,
            columns: None,
            formats: Vec::new(),
            header_format,
            text_dialect,
            text_date,
            text_datetime,
            rows: 0,
            sheets: 0,
            sheet_rows: 0,
            rows_per_sheet: MAX_DATA_ROWS_PER_SHEET,
            sheet_bytes: 0,
            large_file: false,
            truncated: 0,
            meta: BTreeMap::new(),
            period: None,
        })
    }

    /// Lowers the number of data rows per sheet (at least 1, at most Excel's 1 048 575), so
    /// tests can exercise the sheet rollover without a million rows.
    pub fn set_rows_per_sheet(&mut self, rows: u32) {
        self.rows_per_sheet = rows.clamp(1, MAX_DATA_ROWS_PER_SHEET);
    }

    fn io(&self, source: io::Error) -> RenderError {
        RenderError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn xlsx(&self, e: XlsxError) -> RenderError {
        match e {
            XlsxError::IoError(source) | XlsxError::TempFileError(_, source) => self.io(source),
            other => RenderError::Xlsx {
                path: self.path.clone(),
                message: other.to_string(),
            },
        }
    }

    /// Declares the columns and starts the first sheet (header written, frozen, widths set).
    pub fn begin(&mut self, columns: &[Column]) -> Result<(), RenderError> {
        if self.columns.is_some() {
            return Err(RenderError::BegunTwice);
        }
        self.formats = columns
            .iter()
            .map(|c| column_format(c.kind, &self.options))
            .collect();
        self.columns = Some(columns.to_vec());
        self.start_sheet()
    }

    /// Pushes the current sheet (if any) into the workbook, with its autofilter over the
    /// rows it got.
    fn close_sheet(&mut self) -> Result<(), RenderError> {
        let Some(mut sheet) = self.sheet.take() else {
            return Ok(());
        };
        let ncols = self.column_count();
        if ncols > 0 {
            let last_col = (ncols - 1) as u16;
            if let Err(e) = sheet.autofilter(0, 0, self.sheet_rows, last_col) {
                return Err(self.xlsx(e));
            }
        }
        if self.sheet_bytes > ZIP64_THRESHOLD {
            self.large_file = true;
        }
        self.workbook.push_worksheet(sheet);
        Ok(())
    }

    /// Starts the next data sheet and writes its header.
    fn start_sheet(&mut self) -> Result<(), RenderError> {
        self.close_sheet()?;
        let mut sheet = match self.workbook.new_worksheet_with_constant_memory() {
            Ok(s) => s,
            Err(e) => return Err(self.xlsx(e)),
        };
        self.sheets += 1;
        self.sheet_rows = 0;
        self.sheet_bytes = 0;
        let name = data_sheet_name(&self.base_name, self.sheets);
        let lang = self.options.lang.tag();
        let hms = self.options.duration_hms;
        let columns = self.columns.as_deref().unwrap_or_default();
        let result = (|| -> Result<(), XlsxError> {
            sheet.set_name(name)?;
            if !columns.is_empty() {
                sheet.set_freeze_panes(1, 0)?;
            }
            for (i, col) in columns.iter().enumerate() {
                let title = col.title.get(lang);
                let i = i as u16;
                sheet.set_column_width(i, column_width(col.kind, title, hms))?;
                sheet.write_string_with_format(0, i, title, &self.header_format)?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            return Err(self.xlsx(e));
        }
        self.sheet = Some(sheet);
        Ok(())
    }

    /// Whether [`XlsxWriter::begin`] was called.
    pub fn is_begun(&self) -> bool {
        self.columns.is_some()
    }

    /// Writes one data row; `cells.len()` must equal the number of columns. Starts a new
    /// sheet when the current one is full.
    pub fn row(&mut self, cells: &[Value<'_>]) -> Result<(), RenderError> {
        let Some(ncols) = self.columns.as_ref().map(Vec::len) else {
            return Err(RenderError::NotBegun);
        };
        let row = self.rows + 1;
        if cells.len() != ncols {
            return Err(RenderError::CellCount {
                row,
                expected: ncols,
                got: cells.len(),
            });
        }
        if self.sheet_rows >= self.rows_per_sheet {
            self.start_sheet()?;
        }
        let excel_row = self.sheet_rows + 1;
        let text = Formats {
            dialect: &self.text_dialect,
            date: &self.text_date,
            datetime: &self.text_datetime,
        };
        let (Some(columns), Some(sheet)) = (self.columns.as_ref(), self.sheet.as_mut()) else {
            return Err(RenderError::NotBegun);
        };
        for (i, ((col, value), format)) in columns.iter().zip(cells).zip(&self.formats).enumerate()
        {
            let cell = match excel_cell(col.kind, value, self.options.duration_hms, &text) {
                Ok(c) => c,
                Err(problem) => {
                    return Err(RenderError::Cell {
                        row,
                        column: col.id.clone(),
                        kind: column_type_name(col.kind),
                        problem,
                    });
                }
            };
            let i = i as u16;
            // ~40 bytes of `<c r="..." s=".." t=".."><v>..</v></c>` per cell.
            self.sheet_bytes += 40;
            let written = match (cell, format) {
                (XlsxCell::Blank, _) => continue,
                (XlsxCell::Number(n), Some(f)) => {
                    sheet.write_number_with_format(excel_row, i, n, f)
                }
                (XlsxCell::Number(n), None) => sheet.write_number(excel_row, i, n),
                (XlsxCell::Bool(b), _) => sheet.write_boolean(excel_row, i, b),
                (XlsxCell::Text(s), _) => {
                    let s = if s.len() > MAX_CELL_CHARS && s.chars().count() > MAX_CELL_CHARS {
                        self.truncated += 1;
                        let end = s
                            .char_indices()
                            .nth(MAX_CELL_CHARS)
                            .map_or(s.len(), |(i, _)| i);
                        Cow::Owned(s[..end].to_owned())
                    } else {
                        s
                    };
                    // Escaping can grow text up to 6× (`"` → `&quot;`).
                    self.sheet_bytes += 6 * s.len() as u64;
                    sheet.write_string(excel_row, i, s)
                }
            };
            if let Err(e) = written {
                let e = match e {
                    XlsxError::IoError(source) | XlsxError::TempFileError(_, source) => {
                        RenderError::Io {
                            path: self.path.clone(),
                            source,
                        }
                    }
                    other => RenderError::Xlsx {
                        path: self.path.clone(),
                        message: other.to_string(),
                    },
                };
                return Err(e);
            }
        }
        self.sheet_rows += 1;
        self.rows = row;
        Ok(())
    }

    /// Records a metadata item for the Info sheet (a later value for the same key wins).
    pub fn meta(&mut self, key: &str, value: &str) {
        self.meta.insert(key.to_owned(), value.to_owned());
    }

    /// Sets the reporting period written on the Info sheet.
    pub fn set_period(&mut self, period: &Period) {
        self.period = Some(period.clone());
    }

    /// Number of declared columns (0 before [`XlsxWriter::begin`]).
    pub fn column_count(&self) -> usize {
        self.columns.as_ref().map_or(0, Vec::len)
    }

    /// Data rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Data sheets started so far.
    pub fn sheets(&self) -> u32 {
        self.sheets
    }

    /// Text cells cut at Excel's 32 767 characters so far.
    pub fn truncated_cells(&self) -> u64 {
        self.truncated
    }

    /// The Info sheet's key/value rows.
    fn info_items(&self) -> Vec<(String, String)> {
        let mut items: Vec<(String, String)> = self
            .meta
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        items.push(("rows".to_owned(), self.rows.to_string()));
        if let Some(p) = &self.period {
            items.push((
                "period".to_owned(),
                format!("{} .. {} ({})", p.start_local, p.end_local, p.timezone),
            ));
        }
        if self.sheets > 1 {
            items.push(("sheets".to_owned(), self.sheets.to_string()));
        }
        if self.truncated > 0 {
            items.push(("truncated_cells".to_owned(), self.truncated.to_string()));
        }
        items.push((
            "generated_by".to_owned(),
            format!("reportd {}", env!("CARGO_PKG_VERSION")),
        ));
        items
    }

    /// The Info sheet's name: `Info`, unless a data sheet is already called that.
    fn info_sheet_name(&self) -> String {
        let taken = (1..=self.sheets.max(1))
            .any(|n| data_sheet_name(&self.base_name, n).eq_ignore_ascii_case(INFO_SHEET));
        if taken {
            format!("{INFO_SHEET} (reportd)")
        } else {
            INFO_SHEET.to_owned()
        }
    }

    fn add_info_sheet(&mut self) -> Result<(), XlsxError> {
        let name = self.info_sheet_name();
        let items = self.info_items();
        let bold = Format::new().set_bold();
        let sheet = self.workbook.add_worksheet();
        sheet.set_name(name)?;
        sheet.set_column_width(0, 24)?;
        sheet.set_column_width(1, 80)?;
        for (r, (key, value)) in items.iter().enumerate() {
            let r = r as u32;
            sheet.write_string_with_format(r, 0, key, &bold)?;
            match key.as_str() {
                // Counts are numbers, the rest text (a meta value that looks numeric stays
                // as the plugin wrote it).
                "rows" | "sheets" | "truncated_cells" => {
                    let n: f64 = value.parse().unwrap_or(0.0);
                    sheet.write_number(r, 1, n)?;
                }
                _ => {
                    sheet.write_string(r, 1, value)?;
                }
            }
        }
        Ok(())
    }

    /// Closes the last sheet, adds the Info sheet (per `metadata`), writes the workbook,
    /// fsyncs the file. Returns its size in bytes and its lowercase hex SHA-256 (hashed while
    /// writing: the zip container is written as a stream).
    pub fn finish(mut self) -> io::Result<(u64, String)> {
        let to_io = |e: RenderError| match e {
            RenderError::Io { source, .. } => source,
            other => io::Error::other(other.to_string()),
        };
        if self.sheet.is_none() && self.sheets == 0 {
            // Never begun (the worker refuses that case): still a valid, empty workbook.
            self.start_sheet().map_err(to_io)?;
        }
        self.close_sheet().map_err(to_io)?;
        if self.options.metadata == XlsxMetadata::Sheet {
            self.add_info_sheet().map_err(xlsx_to_io)?;
        }
        self.workbook.use_zip_large_file(self.large_file);
        // Deflate is most of the time spent (half of it at the default level 6); level 3 is
        // what Excel itself writes, ~30 % faster for ~5 % more bytes (rust_xlsxwriter docs).
        self.workbook.set_zip_compression_level(XLSX_ZIP_LEVEL);
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("the XLSX file was already written"))?;
        let mut out = HashingWriter::new(BufWriter::with_capacity(256 * 1024, file));
        self.workbook.save_to_writer(&mut out).map_err(xlsx_to_io)?;
        let (buffered, bytes, sha) = out.into_parts();
        let mut file = buffered.into_inner().map_err(|e| e.into_error())?;
        file.flush()?;
        file.sync_all()?;
        Ok((bytes, sha))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_formats() -> (CsvDialect, Vec<Item<'static>>, Vec<Item<'static>>) {
        let d = CsvDialect {
            lang: crate::config::Lang::En,
            ..CsvDialect::default()
        };
        let date = parse_format(&d.date_format).unwrap();
        let datetime = parse_format(&d.datetime_format).unwrap();
        (d, date, datetime)
    }

    fn cell(kind: ColumnType, v: Value<'_>, hms: bool) -> Result<XlsxCell<'static>, String> {
        let (d, date, datetime) = text_formats();
        let f = Formats {
            dialect: &d,
            date: &date,
            datetime: &datetime,
        };
        excel_cell(kind, &v, hms, &f).map(|c| match c {
            XlsxCell::Text(s) => XlsxCell::Text(Cow::Owned(s.into_owned())),
            XlsxCell::Blank => XlsxCell::Blank,
            XlsxCell::Number(n) => XlsxCell::Number(n),
            XlsxCell::Bool(b) => XlsxCell::Bool(b),
        })
    }

    fn num(kind: ColumnType, v: Value<'_>) -> f64 {
        match cell(kind, v, false).unwrap() {
            XlsxCell::Number(n) => n,
            other => panic!("not a number: {other:?}"),
        }
    }

    #[test]
    fn numbers_by_column_type() {
        assert_eq!(num(ColumnType::Integer, Value::Int(-42)), -42.0);
        // 12.5 → 13 (half away from zero), -0.2 → -0 → 0 (no negative zero).
        let d = |mantissa, scale| Value::Decimal { mantissa, scale };
        assert_eq!(num(ColumnType::Integer, d(125, 1)), 13.0);
        assert_eq!(num(ColumnType::Integer, Value::Float(-0.2)).to_bits(), 0);
        assert_eq!(num(ColumnType::Decimal, d(1234, 2)), 12.34);
        assert_eq!(num(ColumnType::Decimal, d(-5, 3)), -0.005);
        assert_eq!(num(ColumnType::Decimal, Value::Float(0.1)), 0.1);
        // A scale beyond 22 goes through the parser: 5 × 10^-30.
        assert_eq!(num(ColumnType::Decimal, d(5, 30)), 5e-30);
        // Percent: 87.5 → 0.875; 12.345 (decimal) → 0.12345; 100 → 1.
        assert_eq!(num(ColumnType::Percent, Value::Float(87.5)), 0.875);
        assert_eq!(num(ColumnType::Percent, d(12_345, 3)), 0.12345);
        assert_eq!(num(ColumnType::Percent, Value::Int(100)), 1.0);
        assert!(cell(ColumnType::Percent, Value::Float(f64::NAN), false).is_err());
        assert!(cell(ColumnType::Integer, Value::Text("7"), false).is_err());
    }

    #[test]
    fn durations_seconds_or_excel_time() {
        // 125 400 ms → 125.4 s → 125; 59 500 ms → 60 (half away from zero).
        assert_eq!(num(ColumnType::DurationS, Value::Duration(125_400)), 125.0);
        assert_eq!(num(ColumnType::DurationS, Value::Duration(59_500)), 60.0);
        assert_eq!(num(ColumnType::DurationS, Value::Int(3600)), 3600.0);
        // hms: 3 600 s = 1/24 day; 90 000 s = 25 h = 1.041666… days.
        assert_eq!(
            cell(ColumnType::DurationS, Value::Int(3600), true).unwrap(),
            XlsxCell::Number(1.0 / 24.0)
        );
        assert_eq!(
            cell(ColumnType::DurationS, Value::Int(90_000), true).unwrap(),
            XlsxCell::Number(90_000.0 / 86_400.0)
        );
        assert_eq!(num(ColumnType::DurationMs, Value::Duration(1234)), 1234.0);
        assert!(cell(ColumnType::DurationMs, Value::Float(1.0), false).is_err());
    }

    #[test]
    fn dates_are_excel_serials() {
        // 1970-01-01 is serial 25 569; 2026-11-20 is day 20 777 → 46 346.
        assert_eq!(num(ColumnType::Date, Value::Date(0)), 25_569.0);
        assert_eq!(num(ColumnType::Date, Value::Date(20_777)), 46_346.0);
        // 06:00 is 0.25 of a day.
        let secs = 20_777i64 * 86_400 + 6 * 3600;
        assert_eq!(num(ColumnType::Datetime, Value::DateTime(secs)), 46_346.25);
        assert_eq!(num(ColumnType::Date, Value::DateTime(secs)), 46_346.0);
        assert_eq!(num(ColumnType::Time, Value::DateTime(secs)), 0.25);
        assert_eq!(num(ColumnType::Time, Value::Time(43_200)), 0.5);
        assert!(cell(ColumnType::Time, Value::Time(86_400), false).is_err());
        // 1969-12-31 23:00 is day -1, 23/24 of it: 25 568 + 0.958333…
        assert_eq!(
            num(ColumnType::Datetime, Value::DateTime(-3600)),
            25_568.0 + 82_800.0 / 86_400.0
        );
        // Excel's phantom 1900-02-29: 1900-03-01 is serial 61, 1900-02-28 is 59.
        // 1900-03-01 is 25 508 days before 1970-01-01 (25 569 − 61).
        assert_eq!(num(ColumnType::Date, Value::Date(-25_508)), 61.0);
        assert_eq!(num(ColumnType::Date, Value::Date(-25_509)), 59.0);
        // 1900-01-01: 25 567 days before → serial 1; the day before is refused.
        assert_eq!(num(ColumnType::Date, Value::Date(-25_567)), 1.0);
        assert!(cell(ColumnType::Date, Value::Date(-25_568), false).is_err());
        assert!(cell(ColumnType::Date, Value::Date(i32::MAX), false).is_err());
    }

    #[test]
    fn booleans_text_and_null() {
        assert_eq!(
            cell(ColumnType::Boolean, Value::Bool(true), false).unwrap(),
            XlsxCell::Bool(true)
        );
        assert_eq!(
            cell(ColumnType::Boolean, Value::Int(0), false).unwrap(),
            XlsxCell::Bool(false)
        );
        assert!(cell(ColumnType::Boolean, Value::Int(2), false).is_err());
        assert_eq!(
            cell(ColumnType::Text, Value::Text("a;b"), false).unwrap(),
            XlsxCell::Text("a;b".into())
        );
        // Non-text values in text columns: their CSV rendering (ISO date, `.` decimals).
        assert_eq!(
            cell(ColumnType::Enum, Value::Date(20_777), false).unwrap(),
            XlsxCell::Text("2026-11-20".into())
        );
        assert_eq!(
            cell(ColumnType::Text, Value::Float(0.25), false).unwrap(),
            XlsxCell::Text("0.25".into())
        );
        for kind in [ColumnType::Text, ColumnType::Percent, ColumnType::Date] {
            assert_eq!(cell(kind, Value::Null, false).unwrap(), XlsxCell::Blank);
        }
        assert_eq!(
            cell(ColumnType::Percent, Value::Date(1), false).unwrap_err(),
            "a date value does not fit this column"
        );
    }

    #[test]
    fn sheet_names() {
        assert_eq!(
            sanitize_sheet_name("Service level / queue"),
            "Service level - queue"
        );
        assert_eq!(sanitize_sheet_name("'[x]'"), "-x-");
        // 40 characters → the first 31.
        let long = "abcdefghij".repeat(4);
        assert_eq!(sanitize_sheet_name(&long), &long[..31]);
        // `é` is one UTF-16 unit, `𝄞` two: 30 × `a` + `𝄞` = 32 units → `𝄞` is cut.
        let s = format!("{}𝄞", "a".repeat(30));
        assert_eq!(sanitize_sheet_name(&s), "a".repeat(30));
        // Cutting at 31 leaves `… ` + `'`: both trimmed.
        let s = format!("{} 'xyz", "a".repeat(29));
        assert_eq!(sanitize_sheet_name(&s), "a".repeat(29));
        assert_eq!(sanitize_sheet_name(" ' "), "");
        assert_eq!(data_sheet_name("Calls", 1), "Calls");
        assert_eq!(data_sheet_name("Calls", 2), "Calls (2)");
        // 31 − len(" (12)") = 26 characters of the base are kept.
        let base = "b".repeat(31);
        assert_eq!(
            data_sheet_name(&base, 12),
            format!("{} (12)", "b".repeat(26))
        );
        assert_eq!(data_sheet_name(&base, 12).len(), 31);
    }

    #[test]
    fn widths_by_type_and_header() {
        // Short header: the type's minimum.
        assert_eq!(column_width(ColumnType::Integer, "N", false), 10.0);
        assert_eq!(column_width(ColumnType::Datetime, "At", false), 19.0);
        // "Nível de serviço" is 16 characters: 16 × 1.1 + 3 = 20.6 → 21.
        assert_eq!(
            column_width(ColumnType::Percent, "Nível de serviço", false),
            21.0
        );
        // 100 characters → capped at 60.
        assert_eq!(
            column_width(ColumnType::Text, &"x".repeat(100), false),
            60.0
        );
    }
}
