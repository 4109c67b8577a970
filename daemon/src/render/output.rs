//! [`ReportWriter`]: one streaming interface over the format writers ([`CsvWriter`],
//! [`XlsxWriter`]), so the plugin worker feeds rows without caring which file it makes. An
//! enum rather than a trait object: the set of formats is closed and the calls are per row.

use std::io;
use std::path::Path;

use reportd_plugin_api::{Column, Period, Value};

use super::RenderError;
use super::csv::CsvWriter;
use super::xlsx::XlsxWriter;
use crate::config::Format;

/// A report file being written, in one of the formats.
#[derive(Debug)]
pub enum ReportWriter {
    Csv(Box<CsvWriter>),
    Xlsx(Box<XlsxWriter>),
}

impl ReportWriter {
    /// Creates (truncates) the file at `path` in `format`. `title` is the report's title in
    /// the format's language: the XLSX sheet name when none is configured. A bad option (an
    /// invalid date format) is an `InvalidInput` error.
    pub fn create(path: &Path, format: &Format, title: &str) -> io::Result<Self> {
        Ok(match format {
            Format::Csv(dialect) => ReportWriter::Csv(Box::new(CsvWriter::create(path, dialect)?)),
            Format::Xlsx(options) => {
                ReportWriter::Xlsx(Box::new(XlsxWriter::create(path, options, title)?))
            }
        })
    }

    /// Declares the columns and writes the header.
    pub fn begin(&mut self, columns: &[Column]) -> Result<(), RenderError> {
        match self {
            ReportWriter::Csv(w) => w.begin(columns),
            ReportWriter::Xlsx(w) => w.begin(columns),
        }
    }

    /// Whether [`ReportWriter::begin`] was called.
    pub fn is_begun(&self) -> bool {
        match self {
            ReportWriter::Csv(w) => w.is_begun(),
            ReportWriter::Xlsx(w) => w.is_begun(),
        }
    }

    /// Writes one data row; `cells.len()` must equal the number of columns.
    pub fn row(&mut self, cells: &[Value<'_>]) -> Result<(), RenderError> {
        match self {
            ReportWriter::Csv(w) => w.row(cells),
            ReportWriter::Xlsx(w) => w.row(cells),
        }
    }

    /// Records a metadata item (CSV footer, XLSX Info sheet).
    pub fn meta(&mut self, key: &str, value: &str) {
        match self {
            ReportWriter::Csv(w) => w.meta(key, value),
            ReportWriter::Xlsx(w) => w.meta(key, value),
        }
    }

    /// Sets the reporting period written with the metadata.
    pub fn set_period(&mut self, period: &Period) {
        match self {
            ReportWriter::Csv(w) => w.set_period(period),
            ReportWriter::Xlsx(w) => w.set_period(period),
        }
    }

    /// Number of declared columns (0 before [`ReportWriter::begin`]).
    pub fn column_count(&self) -> usize {
        match self {
            ReportWriter::Csv(w) => w.column_count(),
            ReportWriter::Xlsx(w) => w.column_count(),
        }
    }

    /// Data rows written so far.
    pub fn rows(&self) -> u64 {
        match self {
            ReportWriter::Csv(w) => w.rows(),
            ReportWriter::Xlsx(w) => w.rows(),
        }
    }

    /// Text cells cut to fit the format (XLSX's 32 767 characters; never for CSV).
    pub fn truncated_cells(&self) -> u64 {
        match self {
            ReportWriter::Csv(_) => 0,
            ReportWriter::Xlsx(w) => w.truncated_cells(),
        }
    }

    /// Finishes and fsyncs the file; returns its size in bytes and lowercase hex SHA-256.
    pub fn finish(self) -> io::Result<(u64, String)> {
        match self {
            ReportWriter::Csv(w) => w.finish(),
            ReportWriter::Xlsx(w) => w.finish(),
        }
    }
}
