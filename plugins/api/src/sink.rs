//! The plugin-side view of the host's row sink: typed [`Value`] cells streamed row by row.

use crate::model::{Column, Warning};

/// One typed cell. Date and time values are **local wall-clock** values in the request's
/// time zone (the host does not convert them again).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(&'a str),
    /// Days since 1970-01-01.
    Date(i32),
    /// Seconds since 1970-01-01T00:00:00 of the local wall clock (naive).
    DateTime(i64),
    /// Seconds since midnight.
    Time(u32),
    /// Milliseconds.
    Duration(i64),
    /// `mantissa × 10^-scale`.
    Decimal {
        mantissa: i64,
        scale: u32,
    },
}

/// The host asked the plugin to stop (timeout, shutdown). Return from `generate` promptly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled by the host")
    }
}

impl std::error::Error for Cancelled {}

/// Where a plugin writes its report.
pub trait Sink {
    /// Declares the columns, once, before the first row.
    fn begin(&mut self, columns: &[Column]) -> Result<(), Cancelled>;
    /// Writes one row; `cells.len()` must equal the number of columns.
    fn row(&mut self, cells: &[Value<'_>]) -> Result<(), Cancelled>;
    /// Reports a non-fatal problem (aggregate counts; do not call once per bad line).
    fn warn(&mut self, warning: Warning);
    /// Records a fact about the report (definition used, threshold, ...) that the host writes
    /// into the file's metadata and the run's status entry.
    fn meta(&mut self, key: &str, value: &str);
    /// Progress in plugin-defined units (e.g. bytes read of total).
    fn progress(&mut self, done: u64, total: u64);
    /// True once the host wants the plugin to stop.
    fn cancelled(&self) -> bool;
}
