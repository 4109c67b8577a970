//! Decoding of store rows into [`RunRecord`]/[`DeliveryRecord`], shared by the SQLite and
//! PostgreSQL stores so that both read every column the same way.
//!
//! Both schemas use the same column names and the same representations (times as 64-bit
//! unix milliseconds, counters as 64-bit integers, enums as their `as_str` text), so the only
//! backend-specific part is [`Columns`], five typed getters per row type.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{
    DeliveryRecord, DeliveryState, FileInfo, RunRecord, RunState, StoreError, StoreResult, Trigger,
};
use crate::code::ErrorInfo;

/// The columns of `runs` read into a [`RunRecord`], in one place so every query agrees.
macro_rules! run_columns {
    () => {
        "id, schedule, source, report, portfolio, trigger_kind, requested_by, fire_time, \
         period_start, period_end, timezone, filters, state, skip_reason, attempt, max_attempts, \
         not_before, owner, reserved_for, queued_at, started_at, finished_at, row_count, \
         file_name, file_path, file_bytes, file_sha256, file_removed, warnings, meta, \
         error_code, error_message, error_hint"
    };
}

/// Typed column getters of one backend's row type.
pub(super) trait Columns {
    fn text(&self, column: &'static str) -> StoreResult<String>;
    fn opt_text(&self, column: &'static str) -> StoreResult<Option<String>>;
    fn int(&self, column: &'static str) -> StoreResult<i64>;
    fn opt_int(&self, column: &'static str) -> StoreResult<Option<i64>>;
    fn flag(&self, column: &'static str) -> StoreResult<bool>;
}

/// Implements [`Columns`] for a sqlx row type through `try_get`.
macro_rules! impl_columns {
    ($row:ty) => {
        impl Columns for $row {
            fn text(&self, column: &'static str) -> StoreResult<String> {
                Ok(self.try_get(column)?)
            }
            fn opt_text(&self, column: &'static str) -> StoreResult<Option<String>> {
                Ok(self.try_get(column)?)
            }
            fn int(&self, column: &'static str) -> StoreResult<i64> {
                Ok(self.try_get(column)?)
            }
            fn opt_int(&self, column: &'static str) -> StoreResult<Option<i64>> {
                Ok(self.try_get(column)?)
            }
            fn flag(&self, column: &'static str) -> StoreResult<bool> {
                Ok(self.try_get(column)?)
            }
        }
    };
}

impl_columns!(sqlx::sqlite::SqliteRow);
impl_columns!(sqlx::postgres::PgRow);

/// An instant as stored: unix milliseconds, UTC (sub-millisecond precision is dropped).
pub(super) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn opt_ms(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(ms)
}

/// A stored instant back; `column` names it in the error for an out-of-range value.
pub(super) fn time(column: &'static str, v: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(v).ok_or_else(|| StoreError::Corrupt {
        column,
        value: v.to_string(),
    })
}

pub(super) fn opt_time(column: &'static str, v: Option<i64>) -> StoreResult<Option<DateTime<Utc>>> {
    v.map(|v| time(column, v)).transpose()
}

fn get_time(row: &impl Columns, column: &'static str) -> StoreResult<DateTime<Utc>> {
    time(column, row.int(column)?)
}

fn get_opt_time(row: &impl Columns, column: &'static str) -> StoreResult<Option<DateTime<Utc>>> {
    opt_time(column, row.opt_int(column)?)
}

fn get_u32(row: &impl Columns, column: &'static str) -> StoreResult<u32> {
    let v = row.int(column)?;
    u32::try_from(v).map_err(|_| StoreError::Corrupt {
        column,
        value: v.to_string(),
    })
}

fn get_opt_u64(row: &impl Columns, column: &'static str) -> StoreResult<Option<u64>> {
    row.opt_int(column)?
        .map(|v| {
            u64::try_from(v).map_err(|_| StoreError::Corrupt {
                column,
                value: v.to_string(),
            })
        })
        .transpose()
}

/// u64 counters (rows, bytes) as a signed 64-bit column; values above i64::MAX cannot occur
/// in practice and are clamped rather than wrapped.
pub(super) fn u64_to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn get_error(row: &impl Columns) -> StoreResult<Option<ErrorInfo>> {
    Ok(match row.opt_text("error_code")? {
        None => None,
        Some(code) => Some(ErrorInfo {
            code,
            message: row.opt_text("error_message")?.unwrap_or_default(),
            hint: row.opt_text("error_hint")?.unwrap_or_default(),
        }),
    })
}

/// The three error columns of an optional [`ErrorInfo`].
pub(super) fn error_cols(e: Option<&ErrorInfo>) -> (Option<&str>, Option<&str>, Option<&str>) {
    match e {
        Some(e) => (Some(&e.code), Some(&e.message), Some(&e.hint)),
        None => (None, None, None),
    }
}

/// A row of `run_columns!()` as a record (without its deliveries).
pub(super) fn run_from_row(row: &impl Columns) -> StoreResult<RunRecord> {
    let trigger = row.text("trigger_kind")?;
    let trigger = Trigger::parse(&trigger).ok_or(StoreError::Corrupt {
        column: "runs.trigger_kind",
        value: trigger,
    })?;
    let state = row.text("state")?;
    let state = RunState::parse(&state).ok_or(StoreError::Corrupt {
        column: "runs.state",
        value: state,
    })?;
    let file = match (
        row.opt_text("file_name")?,
        row.opt_text("file_path")?,
        get_opt_u64(row, "file_bytes")?,
        row.opt_text("file_sha256")?,
    ) {
        (Some(name), Some(path), Some(bytes), Some(sha256)) => Some(FileInfo {
            name,
            path,
            bytes,
            sha256,
        }),
        (None, None, None, None) => None,
        (name, path, bytes, _) => {
            return Err(StoreError::Corrupt {
                column: "runs.file_*",
                value: format!("partial file info: name={name:?} path={path:?} bytes={bytes:?}"),
            });
        }
    };
    Ok(RunRecord {
        id: row.text("id")?,
        schedule: row.text("schedule")?,
        source: row.text("source")?,
        report: row.text("report")?,
        portfolio: row.opt_text("portfolio")?,
        trigger,
        requested_by: row.opt_text("requested_by")?,
        fire_time: get_opt_time(row, "fire_time")?,
        period_start: get_time(row, "period_start")?,
        period_end: get_time(row, "period_end")?,
        timezone: row.text("timezone")?,
        filters: row.text("filters")?,
        state,
        skip_reason: row.opt_text("skip_reason")?,
        attempt: get_u32(row, "attempt")?,
        max_attempts: get_u32(row, "max_attempts")?,
        not_before: get_opt_time(row, "not_before")?,
        owner: row.opt_text("owner")?,
        reserved_for: row.opt_text("reserved_for")?,
        queued_at: get_time(row, "queued_at")?,
        started_at: get_opt_time(row, "started_at")?,
        finished_at: get_opt_time(row, "finished_at")?,
        rows: get_opt_u64(row, "row_count")?,
        file,
        file_removed: row.flag("file_removed")?,
        warnings: row.text("warnings")?,
        meta: row.text("meta")?,
        error: get_error(row)?,
        deliveries: Vec::new(),
    })
}

/// A row of `deliveries` (state, attempts, remote_path, error_*, updated_at) as a record.
pub(super) fn delivery_from_row(row: &impl Columns) -> StoreResult<DeliveryRecord> {
    let state = row.text("state")?;
    let state = DeliveryState::parse(&state).ok_or(StoreError::Corrupt {
        column: "deliveries.state",
        value: state,
    })?;
    Ok(DeliveryRecord {
        destination: row.text("destination")?,
        state,
        attempts: get_u32(row, "attempts")?,
        remote_path: row.opt_text("remote_path")?,
        last_error: get_error(row)?,
        updated_at: get_time(row, "updated_at")?,
    })
}

/// An `instances` row as a record.
pub(super) fn instance_from_row(row: &impl Columns) -> StoreResult<super::InstanceRecord> {
    Ok(super::InstanceRecord {
        owner: row.text("owner")?,
        heartbeat_at: time("instances.heartbeat_at", row.int("heartbeat_at")?)?,
        config_loaded_at: opt_time(
            "instances.config_loaded_at",
            row.opt_int("config_loaded_at")?,
        )?,
        config_error: row.opt_text("config_error")?,
        config_error_at: opt_time("instances.config_error_at", row.opt_int("config_error_at")?)?,
    })
}
