//! Time helpers: parsing export timestamps and converting between Unix time and the local
//! wall clock of the request's zone.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// Local wall-clock time of a Unix time.
pub fn local_dt(tz: Tz, utc: i64) -> NaiveDateTime {
    DateTime::from_timestamp(utc, 0)
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

/// Local naive seconds (the sink's `DateTime` value) of a Unix time.
pub fn local_secs(tz: Tz, utc: i64) -> i64 {
    local_dt(tz, utc).and_utc().timestamp()
}

/// Days since 1970-01-01 of a date.
pub fn day_number(d: NaiveDate) -> i32 {
    (d - NaiveDate::default()).num_days() as i32
}

/// Seconds since midnight of a local time.
pub fn secs_of_day(t: NaiveTime) -> u32 {
    use chrono::Timelike;
    t.num_seconds_from_midnight()
}

/// Parses an export timestamp: Unix seconds, RFC 3339 with offset, or a local wall-clock
/// `YYYY-MM-DD[ T]HH:MM[:SS]` (Score exports local times) in `tz`.
pub fn parse_ts(s: &str, tz: Tz) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp());
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return Some(utc_of(tz, n));
        }
    }
    None
}

/// Parses a `YYYY-MM-DD` date (a timestamp's date part is accepted too).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

/// Parses `hh:mm`; `24:00` is the end of the day (returned as 86 400 s).
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 3600 + m * 60)
}

/// `date + months` calendar months, clamped to the last day of the target month
/// (31 Jan + 1 → 28/29 Feb).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    use chrono::Datelike;
    let total = date.year() * 12 + date.month0() as i32 + months as i32;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let mut d = date.day();
    loop {
        if let Some(x) = NaiveDate::from_ymd_opt(y, m, d) {
            return x;
        }
        if d <= 1 {
            return date;
        }
        d -= 1;
    }
}

/// Parses a decimal amount (`1234.5`, `1234,50`) into `(mantissa, scale)`.
pub fn parse_decimal(s: &str) -> Option<(i64, u32)> {
    let s = s.trim().replace(',', ".");
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b.to_owned()),
        None => (false, s.clone()),
    };
    let (int, frac) = body.split_once('.').unwrap_or((&body, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) || frac.len() > 9 {
        return None;
    }
    let m: i64 = format!("{int}{frac}").parse().ok()?;
    Some((if neg { -m } else { m }, frac.len() as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_parsing() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(add_months(d(2026, 3, 10), 1), d(2026, 4, 10));
        assert_eq!(add_months(d(2026, 1, 31), 1), d(2026, 2, 28));
        assert_eq!(parse_hhmm("08:30"), Some(30_600));
        assert_eq!(parse_hhmm("24:00"), Some(86_400));
        assert_eq!(parse_hhmm("24:01"), None);
        assert_eq!(parse_decimal("150,50"), Some((15050, 2)));
        assert_eq!(parse_decimal("x"), None);
        let tz: Tz = "America/Lima".parse().unwrap();
        // Lima is UTC−5: 2026-03-10 08:00 local = 13:00Z.
        assert_eq!(
            parse_ts("2026-03-10 08:00:00", tz),
            parse_ts("2026-03-10T13:00:00Z", tz)
        );
    }
}
