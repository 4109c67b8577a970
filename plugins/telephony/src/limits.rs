//! Per-report checks of the period and parameters (REPORTS.md §0.5 and each §3 entry), run by
//! `validate` before any work starts: `R-MONTH`, `R-DAY`, `R-15D`, the one-month and
//! one-year reports, the required filters and the input each report needs. Every problem is
//! collected (not just the first), each with a hint.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use reportd_plugin_api::Problem;

use crate::catalog::ReportKind;
use crate::settings::{Params, Settings};

/// Look-back window of `calls_list` (`R-15D`), days.
pub const CALLS_LIST_LOOKBACK_DAYS: i64 = 15;

/// Local wall-clock time of a Unix time.
pub fn local_dt(tz: Tz, utc: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(utc, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .naive_local()
}

/// Unix time of a local wall-clock time (the earlier one in a DST overlap; a time in a DST
/// gap is taken one hour later).
pub fn utc_of(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local).earliest() {
        Some(d) => d.timestamp(),
        None => tz
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map_or(local.and_utc().timestamp(), |d| d.timestamp()),
    }
}

/// `date + months` calendar months, clamped to the last day of the target month
/// (31 Jan + 1 → 28/29 Feb).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    let total = date.year() * 12 + date.month0() as i32 + months as i32;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let mut d = date.day();
    loop {
        if let Some(x) = NaiveDate::from_ymd_opt(y, m, d) {
            return x;
        }
        d -= 1;
    }
}

/// First local midnight of the month containing `utc`, as Unix time.
pub fn month_start_utc(tz: Tz, utc: i64) -> i64 {
    let d = local_dt(tz, utc).date();
    let first = d.with_day(1).unwrap_or(d);
    utc_of(tz, first.and_time(chrono::NaiveTime::MIN))
}

/// The inclusive local dates `[date_from, date_to]` of a period `[start, end)`.
fn dates(tz: Tz, start: i64, end: i64) -> (NaiveDate, NaiveDate) {
    (local_dt(tz, start).date(), local_dt(tz, end - 1).date())
}

/// Checks `kind`'s limits; pushes every problem found.
#[allow(clippy::too_many_arguments)]
pub fn check(
    kind: ReportKind,
    settings: &Settings,
    params: &Params,
    given_params: &[&str],
    tz: Tz,
    start: i64,
    end: i64,
    now_utc: i64,
    problems: &mut Vec<Problem>,
) {
    use ReportKind::*;
    let allowed = crate::catalog::param_names(kind);
    for key in given_params {
        if !allowed.contains(key) {
            problems.push(Problem::new(
                &format!("params.{key}"),
                format!("parameter {key:?} does not apply to {}", kind.id()),
                format!("parameters of this report: {}", allowed.join(", ")),
            ));
        }
    }
    if kind == CallsList {
        if settings.cdr.is_none() {
            problems.push(Problem::new(
                "source.cdr",
                "missing input: telephony.calls_list reads the CDR, but the source has neither a \
                 cdr file nor a database",
                "cdr = \"/var/log/asterisk/cdr-csv/Master.csv\", or database = \
                 \"mysql://asterisk@db/asteriskcdrdb\" to read its cdr table",
            ));
        }
    } else if settings.queue_log.is_none() {
        problems.push(Problem::new(
            "source.queue_log",
            format!(
                "missing input: {} reads queue_log, but the source has neither a queue_log file \
                 nor a database",
                kind.id()
            ),
            "queue_log = \"/var/log/asterisk/queue_log\", or database = \
             \"mysql://asterisk@db/asteriskcdrdb\" to read its realtime queue_log table",
        ));
    }
    if end <= start {
        return;
    }
    let (from, to) = dates(tz, start, end);
    let span = format!("{from} .. {to}");
    match kind {
        InboundByQueue | InboundCallsDetail | Hourly | IvrSurvey => {
            let max = add_months(from, 1);
            if to > max {
                problems.push(Problem::new(
                    "period",
                    format!("{span} is longer than one month (R-MONTH: the last day may be {max})"),
                    "request at most one month, e.g. 10 Mar .. 10 Apr",
                ));
            }
        }
        DailySummary => {
            let midnight = |utc: i64| local_dt(tz, utc).time() == chrono::NaiveTime::MIN;
            if from != to || !midnight(start) || !midnight(end) {
                problems.push(Problem::new(
                    "period",
                    format!("{span} is not exactly one day (R-DAY)"),
                    "schedule the summary with a one-day period (e.g. period = \"yesterday\")",
                ));
            }
        }
        Daily | AgentPerformance if (from.year(), from.month()) != (to.year(), to.month()) => {
            problems.push(Problem::new(
                "period",
                format!("{span} is not within one calendar month"),
                "use a one-month period (e.g. period = \"last_month\")",
            ));
        }
        AbandonedByHourYearly if from.year() != to.year() => {
            problems.push(Problem::new(
                "period",
                format!("{span} is not within one calendar year"),
                "use a one-year period (e.g. period = \"last_year\")",
            ));
        }
        CallsList => {
            let today = local_dt(tz, now_utc).date();
            let oldest = today - Duration::days(CALLS_LIST_LOOKBACK_DAYS);
            if from < oldest || to > today {
                problems.push(Problem::new(
                    "period",
                    format!(
                        "{span} is outside the last {CALLS_LIST_LOOKBACK_DAYS} days (R-15D: {oldest} .. {today})"
                    ),
                    "the calls list only covers the last 15 days",
                ));
            }
        }
        _ => {}
    }
    match kind {
        Hourly if params.queues.as_ref().is_none_or(|q| q.len() != 1) => {
            problems.push(Problem::new(
                "params.queue",
                "telephony.hourly needs exactly one queue",
                "queue = \"support\"",
            ));
        }
        AgentPerformance if params.metric.is_none() => problems.push(Problem::new(
            "params.metric",
            "missing required parameter",
            "metric = \"TMO\" or metric = \"Contestadas\"",
        )),
        IvrSurvey if params.ivr_name.is_none() => problems.push(Problem::new(
            "params.ivr_name",
            "missing required parameter",
            "ivr_name = \"satisfaction\" (data1 of the SURVEY events)",
        )),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_months_clamps() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(add_months(d(2026, 3, 10), 1), d(2026, 4, 10));
        assert_eq!(add_months(d(2026, 1, 31), 1), d(2026, 2, 28));
        assert_eq!(add_months(d(2028, 1, 31), 1), d(2028, 2, 29));
        assert_eq!(add_months(d(2026, 12, 15), 1), d(2027, 1, 15));
    }
}
