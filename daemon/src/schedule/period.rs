//! Reporting periods: the time range a run reports on.
//!
//! A [`PeriodSpec`] is what the schedule configures (`yesterday`, `previous_month`,
//! `2026-11-01..2026-11-30` ...). [`PeriodSpec::resolve`] turns it into a half-open
//! [`Period`] `[start, end)` from the **scheduled** fire instant seen in the schedule's zone,
//! never from the moment the run happens to start, so a late or caught-up run reports on the
//! same range it would have on time.
//!
//! Day boundaries are local midnights and DST-safe: a midnight that does not exist (a
//! spring-forward at 00:00, as in America/Sao_Paulo until 2019 or America/Santiago) starts
//! the day at the first valid instant after the gap; a midnight that happens twice starts it
//! at the earlier one. Days are therefore 23, 24 or 25 hours long.

use chrono::{
    DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

/// Largest N accepted in `last_N_days` (a leap year).
pub const MAX_LAST_DAYS: u32 = 366;

/// A period expression as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodSpec {
    /// `today`: from the start of the fire's local day up to the fire instant.
    Today,
    /// `yesterday`: the whole local day before the fire's day.
    Yesterday,
    /// `last_N_days` (N in 1..=366, e.g. `last_7_days`): the N whole local days before the
    /// fire's day (the fire's day itself excluded).
    LastDays(u32),
    /// `current_week`: ISO week (Monday start) of the fire, up to the fire instant.
    CurrentWeek,
    /// `previous_week`: the whole ISO week (Monday–Sunday) before the fire's week.
    PreviousWeek,
    /// `current_month`: from the 1st of the fire's month up to the fire instant.
    CurrentMonth,
    /// `previous_month`: the whole calendar month before the fire's month.
    PreviousMonth,
    /// `current_year`: from January 1st of the fire's year up to the fire instant.
    CurrentYear,
    /// `previous_year`: the whole calendar year before the fire's year.
    PreviousYear,
    /// `last_hour`: the previous whole clock hour (fire at 10:05 → 09:00–10:00).
    LastHour,
    /// Explicit dates, `2026-11-20` or `2026-11-01..2026-11-30`: local days `from` through
    /// `to`, both inclusive.
    Explicit {
        /// First day.
        from: NaiveDate,
        /// Last day, inclusive.
        to: NaiveDate,
    },
}

impl PeriodSpec {
    /// Parses a configured period; the error lists the accepted forms.
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        let spec = match lower.as_str() {
            "today" => PeriodSpec::Today,
            "yesterday" => PeriodSpec::Yesterday,
            "current_week" => PeriodSpec::CurrentWeek,
            "previous_week" => PeriodSpec::PreviousWeek,
            "current_month" => PeriodSpec::CurrentMonth,
            "previous_month" => PeriodSpec::PreviousMonth,
            "current_year" => PeriodSpec::CurrentYear,
            "previous_year" => PeriodSpec::PreviousYear,
            "last_hour" => PeriodSpec::LastHour,
            other => {
                if let Some(n) = other
                    .strip_prefix("last_")
                    .and_then(|r| r.strip_suffix("_days"))
                {
                    let n: u32 = n.parse().map_err(|_| {
                        format!("period {t:?}: N in last_N_days must be a whole number, e.g. last_7_days")
                    })?;
                    if !(1..=MAX_LAST_DAYS).contains(&n) {
                        return Err(format!(
                            "period {t:?}: N in last_N_days must be between 1 and {MAX_LAST_DAYS}"
                        ));
                    }
                    PeriodSpec::LastDays(n)
                } else if other.starts_with(|c: char| c.is_ascii_digit()) {
                    parse_explicit(t)?
                } else {
                    return Err(format!(
                        "unknown period {t:?}; expected today, yesterday, last_N_days (e.g. \
                         last_7_days), current_week, previous_week, current_month, \
                         previous_month, current_year, previous_year, last_hour, a date \
                         YYYY-MM-DD, or a range YYYY-MM-DD..YYYY-MM-DD"
                    ));
                }
            }
        };
        Ok(spec)
    }

    /// Resolves the period for a run scheduled at `fire` in `tz`.
    ///
    /// Only `fire` matters: pass the scheduled fire instant, also for late and caught-up
    /// runs. "To date" periods (`today`, `current_*`) end at `fire` and are empty when the
    /// fire is exactly at the start of the unit.
    pub fn resolve(&self, fire: DateTime<Utc>, tz: Tz) -> Period {
        let day = fire.with_timezone(&tz).date_naive();
        let sod = |d: NaiveDate| start_of_local_day(d, tz);
        let (start, end) = match *self {
            PeriodSpec::Today => (sod(day), fire),
            PeriodSpec::Yesterday => (sod(sub_days(day, 1)), sod(day)),
            PeriodSpec::LastDays(n) => (sod(sub_days(day, u64::from(n))), sod(day)),
            PeriodSpec::CurrentWeek => (sod(week_start(day)), fire),
            PeriodSpec::PreviousWeek => {
                let monday = week_start(day);
                (sod(sub_days(monday, 7)), sod(monday))
            }
            PeriodSpec::CurrentMonth => (sod(month_start(day)), fire),
            PeriodSpec::PreviousMonth => {
                let first = month_start(day);
                (sod(month_start(sub_days(first, 1))), sod(first))
            }
            PeriodSpec::CurrentYear => (sod(year_start(day)), fire),
            PeriodSpec::PreviousYear => {
                let first = year_start(day);
                (sod(year_start(sub_days(first, 1))), sod(first))
            }
            PeriodSpec::LastHour => {
                // Step back the local minutes and seconds from the instant itself, so the
                // result stays on the same pass of a repeated hour as the fire; an hour
                // before that is the previous clock hour in real time.
                let local = fire.with_timezone(&tz);
                let into_hour = Duration::seconds(i64::from(local.minute() * 60 + local.second()))
                    + Duration::nanoseconds(i64::from(local.nanosecond()));
                let hour_start = fire - into_hour;
                (hour_start - Duration::hours(1), hour_start)
            }
            PeriodSpec::Explicit { from, to } => {
                let after = to.succ_opt().unwrap_or(to);
                (sod(from), sod(after))
            }
        };
        Period { start, end, tz }
    }

    /// The configured spelling (`last_7_days`, `2026-11-01..2026-11-30`); parses back to an
    /// equal spec.
    pub fn as_string(&self) -> String {
        match self {
            PeriodSpec::Today => "today".to_owned(),
            PeriodSpec::Yesterday => "yesterday".to_owned(),
            PeriodSpec::LastDays(n) => format!("last_{n}_days"),
            PeriodSpec::CurrentWeek => "current_week".to_owned(),
            PeriodSpec::PreviousWeek => "previous_week".to_owned(),
            PeriodSpec::CurrentMonth => "current_month".to_owned(),
            PeriodSpec::PreviousMonth => "previous_month".to_owned(),
            PeriodSpec::CurrentYear => "current_year".to_owned(),
            PeriodSpec::PreviousYear => "previous_year".to_owned(),
            PeriodSpec::LastHour => "last_hour".to_owned(),
            PeriodSpec::Explicit { from, to } if from == to => from.format("%Y-%m-%d").to_string(),
            PeriodSpec::Explicit { from, to } => {
                format!("{}..{}", from.format("%Y-%m-%d"), to.format("%Y-%m-%d"))
            }
        }
    }
}

impl std::fmt::Display for PeriodSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_string())
    }
}

/// A resolved half-open period `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First instant, inclusive.
    pub start: DateTime<Utc>,
    /// End instant, exclusive.
    pub end: DateTime<Utc>,
    /// Zone the period was resolved in; reports show local times in it.
    pub tz: Tz,
}

/// Local wall-clock format used in the plugin API.
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

impl Period {
    /// `start` in the period's zone.
    pub fn start_local(&self) -> DateTime<Tz> {
        self.start.with_timezone(&self.tz)
    }

    /// `end` (exclusive) in the period's zone.
    pub fn end_local(&self) -> DateTime<Tz> {
        self.end.with_timezone(&self.tz)
    }

    /// Length of the period (23 h for a spring-forward day, 25 h for a fall-back day).
    pub fn duration(&self) -> Duration {
        self.end - self.start
    }

    /// The form passed to plugins.
    pub fn to_api(&self) -> reportd_plugin_api::Period {
        reportd_plugin_api::Period {
            start_utc: self.start.timestamp(),
            end_utc: self.end.timestamp(),
            start_local: self.start_local().format(LOCAL_FORMAT).to_string(),
            end_local: self.end_local().format(LOCAL_FORMAT).to_string(),
            timezone: self.tz.name().to_owned(),
        }
    }
}

/// The instant local day `date` starts in `tz`: its midnight; the earlier one if midnight
/// happens twice; the first valid instant after the gap if midnight does not exist.
pub fn start_of_local_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    first_instant_at_or_after(date.and_time(NaiveTime::MIN), tz)
}

/// The earliest instant whose local time in `tz` is `naive`, or, when `naive` falls in a
/// DST gap, the first instant after the gap.
pub(crate) fn first_instant_at_or_after(naive: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            // Scan whole minutes for the first local time past the gap (gaps are at most a
            // few hours; 26 h bounds any real zone), then refine to the second: the
            // transition lies less than a minute before that instant.
            for minutes in 1..=26 * 60 {
                let candidate = naive + Duration::minutes(minutes);
                let found = match tz.from_local_datetime(&candidate) {
                    LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t,
                    LocalResult::None => continue,
                };
                let after = found.with_timezone(&Utc);
                let offset_after = found.offset().fix();
                let mut first = after;
                for s in 1..60 {
                    let earlier = after - Duration::seconds(s);
                    if tz.offset_from_utc_datetime(&earlier.naive_utc()).fix() != offset_after {
                        break;
                    }
                    first = earlier;
                }
                return first;
            }
            // No real zone has a gap this long; read the wall time as UTC rather than fail.
            naive.and_utc()
        }
    }
}

/// `d` minus `n` days, saturating at the earliest representable date.
fn sub_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(NaiveDate::MIN)
}

/// Monday of `d`'s ISO week.
fn week_start(d: NaiveDate) -> NaiveDate {
    sub_days(d, u64::from(d.weekday().num_days_from_monday()))
}

/// First day of `d`'s month.
fn month_start(d: NaiveDate) -> NaiveDate {
    sub_days(d, u64::from(d.day0()))
}

/// January 1st of `d`'s year.
fn year_start(d: NaiveDate) -> NaiveDate {
    sub_days(d, u64::from(d.ordinal0()))
}

/// `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`.
fn parse_explicit(s: &str) -> Result<PeriodSpec, String> {
    let date = |part: &str| {
        NaiveDate::parse_from_str(part.trim(), "%Y-%m-%d").map_err(|e| {
            format!(
                "period {s:?}: {:?} is not a valid date YYYY-MM-DD ({e})",
                part.trim()
            )
        })
    };
    let (from, to) = match s.split_once("..") {
        Some((a, b)) => (date(a)?, date(b)?),
        None => {
            let d = date(s)?;
            (d, d)
        }
    };
    if to < from {
        return Err(format!(
            "period {s:?}: the range ends ({to}) before it starts ({from})"
        ));
    }
    Ok(PeriodSpec::Explicit { from, to })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::{Havana, Santiago, Sao_Paulo};
    use chrono_tz::Asia::Kathmandu;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn locals(p: &Period) -> (String, String) {
        let api = p.to_api();
        (api.start_local, api.end_local)
    }

    #[test]
    fn sao_paulo_2018_yesterday_over_missing_midnight_is_23h() {
        // Brazil DST began 2018-11-04: 00:00 -03 → 01:00 -02 (transition at 03:00Z), so local
        // midnight of 11-04 did not exist and that day starts at 01:00 -02 = 03:00Z.
        // Fire 2018-11-05 06:00 -02 = 08:00Z.
        // yesterday = [11-04 01:00 -02 = 03:00Z, 11-05 00:00 -02 = 02:00Z) = 23 h.
        let p = PeriodSpec::Yesterday.resolve(utc(2018, 11, 5, 8, 0, 0), Sao_Paulo);
        assert_eq!(p.start, utc(2018, 11, 4, 3, 0, 0));
        assert_eq!(p.end, utc(2018, 11, 5, 2, 0, 0));
        assert_eq!(p.duration(), Duration::hours(23));
        assert_eq!(
            locals(&p),
            (
                "2018-11-04T01:00:00".to_owned(),
                "2018-11-05T00:00:00".to_owned()
            )
        );
        assert_eq!(p.start_local().format("%:z").to_string(), "-02:00");
    }

    #[test]
    fn sao_paulo_2019_fall_back_day_is_25h() {
        // Brazil DST ended 2019-02-17: at 00:00 -02 (= 02:00Z) clocks went back to 23:00 -03
        // on 02-16. So local 02-16 runs from 00:00 -02 (= 02:00Z 02-16) to 00:00 -03
        // (= 03:00Z 02-17): 25 h, the repeated hour being 02-16 23:00–24:00. Midnight of
        // 02-17 itself happens once (at -03), and 02-17 is a normal 24 h day.
        // `yesterday` fired 2019-02-17 06:00 -03 (= 09:00Z) covers the 25 h day.
        let p = PeriodSpec::Yesterday.resolve(utc(2019, 2, 17, 9, 0, 0), Sao_Paulo);
        assert_eq!(p.start, utc(2019, 2, 16, 2, 0, 0));
        assert_eq!(p.end, utc(2019, 2, 17, 3, 0, 0));
        assert_eq!(p.duration(), Duration::hours(25));
        // The same day given explicitly.
        let e = PeriodSpec::parse("2019-02-16")
            .unwrap()
            .resolve(utc(2026, 1, 1, 0, 0, 0), Sao_Paulo);
        assert_eq!((e.start, e.end), (p.start, p.end));
        // 02-17: [03:00Z 02-17, 03:00Z 02-18) = 24 h.
        let d17 = PeriodSpec::parse("2019-02-17")
            .unwrap()
            .resolve(utc(2026, 1, 1, 0, 0, 0), Sao_Paulo);
        assert_eq!(d17.duration(), Duration::hours(24));
    }

    #[test]
    fn santiago_day_boundaries() {
        // Spring-forward 2024-09-08 00:00 -04 → 01:00 -03 (04:00Z): the day starts 04:00Z.
        assert_eq!(
            start_of_local_day(date(2024, 9, 8), Santiago),
            utc(2024, 9, 8, 4, 0, 0)
        );
        // `today` fired 10:00 -03 (13:00Z) = [04:00Z, 13:00Z) = 9 h (01:00..10:00 local).
        let p = PeriodSpec::Today.resolve(utc(2024, 9, 8, 13, 0, 0), Santiago);
        assert_eq!(p.start, utc(2024, 9, 8, 4, 0, 0));
        assert_eq!(p.duration(), Duration::hours(9));
        // 09-07 is a normal day: 00:00 -04 (04:00Z 09-07) .. 04:00Z 09-08 = 24 h.
        let p = PeriodSpec::Yesterday.resolve(utc(2024, 9, 8, 13, 0, 0), Santiago);
        assert_eq!(p.start, utc(2024, 9, 7, 4, 0, 0));
        assert_eq!(p.duration(), Duration::hours(24));
        // The short day is 09-08:
        let d8 = PeriodSpec::Yesterday.resolve(utc(2024, 9, 9, 13, 0, 0), Santiago);
        // [09-08 04:00Z, 09-09 00:00 -03 = 03:00Z) = 23 h.
        assert_eq!(d8.end, utc(2024, 9, 9, 3, 0, 0));
        assert_eq!(d8.duration(), Duration::hours(23));
        // Fall-back 2024-04-07 00:00 -03 (03:00Z) → 04-06 23:00 -04: 04-06 is
        // [00:00 -03 = 03:00Z 04-06, 00:00 -04 = 04:00Z 04-07) = 25 h.
        let d6 = PeriodSpec::Yesterday.resolve(utc(2024, 4, 7, 10, 0, 0), Santiago);
        assert_eq!(d6.start, utc(2024, 4, 6, 3, 0, 0));
        assert_eq!(d6.end, utc(2024, 4, 7, 4, 0, 0));
        assert_eq!(d6.duration(), Duration::hours(25));
    }

    #[test]
    fn ambiguous_midnight_takes_the_earlier() {
        // Havana 2023-11-05: 01:00 -04 → 00:00 -05 (transition at 05:00Z), so local
        // 00:00 of 11-05 happens at 04:00Z (-04) and again at 05:00Z (-05). Earlier: 04:00Z.
        assert_eq!(
            start_of_local_day(date(2023, 11, 5), Havana),
            utc(2023, 11, 5, 4, 0, 0)
        );
    }

    #[test]
    fn previous_month_on_the_first_just_after_midnight() {
        // Sao Paulo 2026 is -03 all year. Fire 2026-12-01 00:05 -03 = 03:05Z.
        // previous_month = [2026-11-01 00:00 -03 = 03:00Z, 2026-12-01 00:00 -03 = 03:00Z).
        let p = PeriodSpec::PreviousMonth.resolve(utc(2026, 12, 1, 3, 5, 0), Sao_Paulo);
        assert_eq!(p.start, utc(2026, 11, 1, 3, 0, 0));
        assert_eq!(p.end, utc(2026, 12, 1, 3, 0, 0));
        assert_eq!(
            locals(&p),
            (
                "2026-11-01T00:00:00".to_owned(),
                "2026-12-01T00:00:00".to_owned()
            )
        );
        // 30 days of 24 h.
        assert_eq!(p.duration(), Duration::days(30));
        // The local date decides, not the UTC one: 2026-12-01 02:00Z is Nov 30th 23:00
        // local, so previous_month is October.
        let q = PeriodSpec::PreviousMonth.resolve(utc(2026, 12, 1, 2, 0, 0), Sao_Paulo);
        assert_eq!(q.start, utc(2026, 10, 1, 3, 0, 0));
        assert_eq!(q.end, utc(2026, 11, 1, 3, 0, 0));
        // January → December of the previous year.
        let j = PeriodSpec::PreviousMonth.resolve(utc(2026, 1, 1, 3, 5, 0), Sao_Paulo);
        assert_eq!(
            locals(&j),
            (
                "2025-12-01T00:00:00".to_owned(),
                "2026-01-01T00:00:00".to_owned()
            )
        );
    }

    #[test]
    fn weeks_months_years_and_last_days() {
        // Fire Friday 2026-11-20 06:00 -03 = 09:00Z. ISO week: Monday 11-16.
        // (2026-01-01 is a Thursday; Nov 20 is day 324; (324-1) mod 7 = 1 → Friday.)
        let fire = utc(2026, 11, 20, 9, 0, 0);
        let r = |s: PeriodSpec| s.resolve(fire, Sao_Paulo);
        let cw = r(PeriodSpec::CurrentWeek);
        assert_eq!((cw.start, cw.end), (utc(2026, 11, 16, 3, 0, 0), fire));
        let pw = r(PeriodSpec::PreviousWeek);
        assert_eq!(
            (pw.start, pw.end),
            (utc(2026, 11, 9, 3, 0, 0), utc(2026, 11, 16, 3, 0, 0))
        );
        // A Sunday fire (11-22) is still in the week of Monday 11-16.
        let sun = PeriodSpec::CurrentWeek.resolve(utc(2026, 11, 22, 9, 0, 0), Sao_Paulo);
        assert_eq!(sun.start, utc(2026, 11, 16, 3, 0, 0));

        let cm = r(PeriodSpec::CurrentMonth);
        assert_eq!((cm.start, cm.end), (utc(2026, 11, 1, 3, 0, 0), fire));
        let cy = r(PeriodSpec::CurrentYear);
        assert_eq!((cy.start, cy.end), (utc(2026, 1, 1, 3, 0, 0), fire));
        let py = r(PeriodSpec::PreviousYear);
        assert_eq!(
            (py.start, py.end),
            (utc(2025, 1, 1, 3, 0, 0), utc(2026, 1, 1, 3, 0, 0))
        );
        // last_7_days: 11-13 .. 11-19 inclusive = [11-13 03:00Z, 11-20 03:00Z).
        let l7 = r(PeriodSpec::LastDays(7));
        assert_eq!(
            (l7.start, l7.end),
            (utc(2026, 11, 13, 3, 0, 0), utc(2026, 11, 20, 3, 0, 0))
        );
        // last_30_days: 11-20 − 30 days = 10-21 (20 days back to 10-31, 10 more).
        let l30 = r(PeriodSpec::LastDays(30));
        assert_eq!(l30.start, utc(2026, 10, 21, 3, 0, 0));
        assert_eq!(l30.duration(), Duration::days(30));
        // today: [11-20 03:00Z, fire).
        let t = r(PeriodSpec::Today);
        assert_eq!((t.start, t.end), (utc(2026, 11, 20, 3, 0, 0), fire));
    }

    #[test]
    fn last_hour_is_previous_clock_hour() {
        // UTC: fire 10:05:30Z → [09:00Z, 10:00Z).
        let p = PeriodSpec::LastHour.resolve(utc(2026, 3, 1, 10, 5, 30), Tz::UTC);
        assert_eq!(
            (p.start, p.end),
            (utc(2026, 3, 1, 9, 0, 0), utc(2026, 3, 1, 10, 0, 0))
        );
        // Kathmandu +05:45: 10:05 local = 04:20Z; hour 09:00–10:00 local = [03:15Z, 04:15Z).
        let k = PeriodSpec::LastHour.resolve(utc(2026, 3, 1, 4, 20, 0), Kathmandu);
        assert_eq!(
            (k.start, k.end),
            (utc(2026, 3, 1, 3, 15, 0), utc(2026, 3, 1, 4, 15, 0))
        );
        // Santiago spring-forward: hourly fire at 01:00 -03 (04:00Z 09-08); local 00:00
        // never happened, the previous clock hour is 09-07 23:00 -04 = [03:00Z, 04:00Z).
        let s = PeriodSpec::LastHour.resolve(utc(2024, 9, 8, 4, 0, 0), Santiago);
        assert_eq!(
            (s.start, s.end),
            (utc(2024, 9, 8, 3, 0, 0), utc(2024, 9, 8, 4, 0, 0))
        );
        assert_eq!(
            locals(&s),
            (
                "2024-09-07T23:00:00".to_owned(),
                "2024-09-08T01:00:00".to_owned()
            )
        );
        // Santiago fall-back: fire on the second 23:00 (-04, 03:00Z 04-07) covers the first
        // pass of 23:00 (-03) = [02:00Z, 03:00Z); fire at 00:00 -04 (04:00Z) covers the
        // second pass [03:00Z, 04:00Z). Both passes are reported, each once.
        let f1 = PeriodSpec::LastHour.resolve(utc(2024, 4, 7, 3, 0, 0), Santiago);
        assert_eq!(
            (f1.start, f1.end),
            (utc(2024, 4, 7, 2, 0, 0), utc(2024, 4, 7, 3, 0, 0))
        );
        let f2 = PeriodSpec::LastHour.resolve(utc(2024, 4, 7, 4, 0, 0), Santiago);
        assert_eq!(
            (f2.start, f2.end),
            (utc(2024, 4, 7, 3, 0, 0), utc(2024, 4, 7, 4, 0, 0))
        );
        assert_eq!(
            locals(&f2),
            (
                "2024-04-06T23:00:00".to_owned(),
                "2024-04-07T00:00:00".to_owned()
            )
        );
    }

    #[test]
    fn explicit_dates() {
        // Nov 2026 in Sao Paulo (-03): [11-01 03:00Z, 12-01 03:00Z), whatever the fire.
        let spec = PeriodSpec::parse("2026-11-01..2026-11-30").unwrap();
        assert_eq!(
            spec,
            PeriodSpec::Explicit {
                from: date(2026, 11, 1),
                to: date(2026, 11, 30)
            }
        );
        let p = spec.resolve(utc(2027, 6, 1, 0, 0, 0), Sao_Paulo);
        assert_eq!(
            (p.start, p.end),
            (utc(2026, 11, 1, 3, 0, 0), utc(2026, 12, 1, 3, 0, 0))
        );
        let one = PeriodSpec::parse("2026-11-20").unwrap();
        let p = one.resolve(utc(2027, 6, 1, 0, 0, 0), Sao_Paulo);
        assert_eq!(
            (p.start, p.end),
            (utc(2026, 11, 20, 3, 0, 0), utc(2026, 11, 21, 3, 0, 0))
        );
    }

    #[test]
    fn parse_and_as_string_round_trip() {
        let cases = [
            "today",
            "yesterday",
            "last_7_days",
            "last_30_days",
            "last_1_days",
            "last_366_days",
            "current_week",
            "previous_week",
            "current_month",
            "previous_month",
            "current_year",
            "previous_year",
            "last_hour",
            "2026-11-20",
            "2026-11-01..2026-11-30",
        ];
        assert!(!cases.is_empty());
        for c in cases {
            let spec = PeriodSpec::parse(c).unwrap();
            assert_eq!(spec.as_string(), c);
            assert_eq!(PeriodSpec::parse(&spec.as_string()).unwrap(), spec);
        }
        assert_eq!(
            PeriodSpec::parse("last_7_days").unwrap(),
            PeriodSpec::LastDays(7)
        );
        assert_eq!(
            PeriodSpec::parse(" Yesterday ").unwrap(),
            PeriodSpec::Yesterday
        );
    }

    #[test]
    fn parse_errors() {
        let e = PeriodSpec::parse("last_week").unwrap_err();
        assert!(e.contains("unknown period \"last_week\""), "{e}");
        assert!(e.contains("previous_week"), "{e}");
        let e = PeriodSpec::parse("last_0_days").unwrap_err();
        assert!(e.contains("between 1 and 366"), "{e}");
        let e = PeriodSpec::parse("last_367_days").unwrap_err();
        assert!(e.contains("between 1 and 366"), "{e}");
        let e = PeriodSpec::parse("last_x_days").unwrap_err();
        assert!(e.contains("whole number"), "{e}");
        let e = PeriodSpec::parse("2026-02-30").unwrap_err();
        assert!(e.contains("not a valid date"), "{e}");
        let e = PeriodSpec::parse("2026-11-30..2026-11-01").unwrap_err();
        assert!(
            e.contains("ends (2026-11-01) before it starts (2026-11-30)"),
            "{e}"
        );
    }

    #[test]
    fn to_api_fields() {
        // yesterday fired 2026-11-20 06:00 -03 (09:00Z): [11-19 03:00Z, 11-20 03:00Z).
        let p = PeriodSpec::Yesterday.resolve(utc(2026, 11, 20, 9, 0, 0), Sao_Paulo);
        let api = p.to_api();
        assert_eq!(api.start_utc, utc(2026, 11, 19, 3, 0, 0).timestamp());
        assert_eq!(api.end_utc, utc(2026, 11, 20, 3, 0, 0).timestamp());
        // 24 h = 86 400 s.
        assert_eq!(api.end_utc - api.start_utc, 86_400);
        assert_eq!(api.start_local, "2026-11-19T00:00:00");
        assert_eq!(api.end_local, "2026-11-20T00:00:00");
        assert_eq!(api.timezone, "America/Sao_Paulo");
    }

    #[test]
    fn late_run_uses_scheduled_fire_not_now() {
        // Scheduled 2026-11-20 06:00 -03 (09:00Z) but actually run two days late. The
        // period comes from the scheduled instant: yesterday = 11-19, not 11-21.
        let scheduled = utc(2026, 11, 20, 9, 0, 0);
        let now = utc(2026, 11, 22, 14, 0, 0);
        let p = PeriodSpec::Yesterday.resolve(scheduled, Sao_Paulo);
        assert_eq!(p.to_api().start_local, "2026-11-19T00:00:00");
        let wrong = PeriodSpec::Yesterday.resolve(now, Sao_Paulo);
        assert_ne!(p, wrong);
        // `today` of a late run still ends at the scheduled instant.
        let t = PeriodSpec::Today.resolve(scheduled, Sao_Paulo);
        assert_eq!(t.end, scheduled);
    }
}
