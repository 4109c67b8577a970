//! Cron expressions evaluated in an IANA time zone.
//!
//! Parsing and calendar matching are croner 4's; this module restricts the accepted syntax
//! to what the configuration documents (5 fields, or 6 with seconds first, or an
//! `@nickname`), turns croner's errors into sentences that name the offending field, and
//! fixes the DST rules the rest of reportd relies on:
//!
//! * every next fire is computed from the previous fire instant (in UTC), converted to the
//!   schedule's zone, never from a remembered UTC offset;
//! * a **clock-time** job (no `*` or `/` in its seconds, minute and hour fields, e.g.
//!   `0 6 * * *`, `0 0,12 * * *`, `30 8-17 * * 1-5`) runs once per matching local time: a
//!   time in a skipped (spring-forward) hour runs once at the first valid instant after the
//!   gap, a time in a repeated (fall-back) hour runs once, on the first pass;
//! * an **interval** job (`*` or `/` in one of those fields: hourly, `*/15`, ...) runs on
//!   real time: on both passes of a repeated hour, not at all in a skipped one.
//!
//! croner 4.0.3 applies the clock-time rules only to jobs with a single value in each of
//! those fields; with a list or range it treats the job as an interval job, which would
//! drop `0 0,12 * * *` entirely on a spring-forward-at-midnight day and run `0 6,23 * * *`
//! twice on a fall-back day (both pinned by tests below). So clock-time jobs are walked here
//! on the local wall clock (croner matching `NaiveDateTime`s) and each matching wall time is
//! mapped to its one instant; interval jobs use croner's zoned search directly. For
//! single-value jobs both paths agree (a test checks it across DST days).

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::schedule::period::first_instant_at_or_after;

/// Bound on wall-clock matches skipped in one `next_after` (matches inside the second pass
/// of a repeated hour, or several in one gap): at most two hours of per-second matches.
const MAX_SKIPPED_WALL_MATCHES: usize = 2 * 3600 + 1;

/// Field names in the order the 5-field form lists them (used in error messages).
const FIELD_NAMES: [&str; 5] = ["minute", "hour", "day-of-month", "month", "day-of-week"];

/// A parsed cron expression (5 fields, optional 6th seconds field first, or `@daily`...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpr {
    /// The expression exactly as configured (trimmed), for display and `reportd check`.
    source: String,
    cron: Cron,
    /// Runs at set local clock times (see the module doc) rather than on an interval.
    clock_time: bool,
}

impl CronExpr {
    /// Parses an expression; the error says what is wrong in words.
    ///
    /// Accepted: `minute hour day-of-month month day-of-week`, the same preceded by a
    /// seconds field, or one of `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily`
    /// (`@midnight`), `@hourly`. Field syntax is croner's: `*`, lists, ranges, steps,
    /// month/day names, `L`, `W`, `#`.
    pub fn parse(expr: &str) -> Result<Self, String> {
        let source = expr.trim();
        if source.is_empty() {
            return Err(
                "empty cron expression; expected 5 fields (minute hour day-of-month month \
                 day-of-week), e.g. \"0 6 * * *\""
                    .to_owned(),
            );
        }
        let expanded = if source.starts_with('@') {
            expand_nickname(source)?.to_owned()
        } else {
            source.to_owned()
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 && fields.len() != 6 {
            return Err(format!(
                "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with \
                 seconds first, found {}",
                fields.len()
            ));
        }
        let cron = parser().parse(&expanded).map_err(|e| {
            // croner reports the position but not the field; find the field by parsing each
            // one alone so the message can name it.
            match offending_field(&fields) {
                Some((name, value, why)) => format!("invalid {name} field {value:?}: {why}"),
                None => format!("invalid cron expression {source:?}: {e}"),
            }
        })?;
        // Seconds, minute, hour: the first 2 fields of the 5-field form (seconds is an
        // implicit 0), the first 3 of the 6-field form.
        let time_fields = if fields.len() == 6 { 3 } else { 2 };
        let clock_time = fields[..time_fields]
            .iter()
            .all(|f| !f.contains('*') && !f.contains('/'));
        Ok(Self {
            source: source.to_owned(),
            cron,
            clock_time,
        })
    }

    /// The expression as configured (trimmed).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The first fire instant strictly after `after`, evaluated in `tz`.
    ///
    /// `None` when the expression never fires again (e.g. `0 0 30 2 *`) within croner's
    /// search horizon.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        if self.clock_time {
            self.next_clock_time(after, tz)
        } else {
            self.next_zoned(after, tz)
        }
    }

    /// Whether the job runs at set local clock times (once per matching wall time across DST
    /// changes) rather than on an interval of real time.
    pub fn is_clock_time(&self) -> bool {
        self.clock_time
    }

    /// croner's own zoned search. Converting the instant (not a cached offset) into the zone
    /// is what keeps the schedule right across DST changes.
    fn next_zoned(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&tz);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// Clock-time jobs: walk matching local wall times and map each to one instant (the
    /// earlier of a repeated time, the end of the gap for a skipped one). That mapping never
    /// decreases as the wall time grows, so starting at `after`'s own wall time (which maps
    /// to `after` or earlier) and returning the first mapped instant past `after` finds the
    /// next fire, and wall times that map to the same gap end fire once.
    fn next_clock_time(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let mut wall: NaiveDateTime = after.with_timezone(&tz).naive_local();
        for _ in 0..MAX_SKIPPED_WALL_MATCHES {
            wall = self.cron.find_next_occurrence(&wall, false).ok()?;
            let at = first_instant_at_or_after(wall, tz);
            if at > after {
                return Some(at);
            }
        }
        None
    }

    /// The next `n` fire instants strictly after `after` (fewer if the expression stops
    /// firing). Used by `reportd check`.
    pub fn next_n(&self, after: DateTime<Utc>, tz: Tz, n: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::with_capacity(n.min(64));
        let mut cursor = after;
        while out.len() < n {
            match self.next_after(cursor, tz) {
                Some(next) => {
                    out.push(next);
                    cursor = next;
                }
                None => break,
            }
        }
        out
    }

    /// Fire instants `f` with `after < f <= until`, oldest first, at most `limit` of them.
    pub fn fires_between(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        tz: Tz,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = after;
        while out.len() < limit {
            match self.next_after(cursor, tz) {
                Some(next) if next <= until => {
                    out.push(next);
                    cursor = next;
                }
                _ => break,
            }
        }
        out
    }
}

impl std::fmt::Display for CronExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

/// The croner parser configuration: seconds optional (a 6th field goes first), no year
/// field, Vixie-cron OR semantics when both day fields are restricted.
fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Optional)
        .year(Year::Disallowed)
        .build()
}

/// The 5-field expression an `@nickname` stands for.
fn expand_nickname(s: &str) -> Result<&'static str, String> {
    match s.to_ascii_lowercase().as_str() {
        "@yearly" | "@annually" => Ok("0 0 1 1 *"),
        "@monthly" => Ok("0 0 1 * *"),
        "@weekly" => Ok("0 0 * * 0"),
        "@daily" | "@midnight" => Ok("0 0 * * *"),
        "@hourly" => Ok("0 * * * *"),
        "@reboot" => Err(
            "@reboot is not supported: schedules fire at clock times; use catch_up for runs \
             missed while the daemon was down"
                .to_owned(),
        ),
        _ => Err(format!(
            "unknown shortcut {s:?}; expected one of @yearly, @annually, @monthly, @weekly, \
             @daily, @midnight, @hourly"
        )),
    }
}

/// Finds the first field croner rejects when parsed alone, with its name and croner's reason.
fn offending_field(fields: &[&str]) -> Option<(&'static str, String, String)> {
    let with_seconds = fields.len() == 6;
    let names: Vec<&'static str> = if with_seconds {
        std::iter::once("seconds").chain(FIELD_NAMES).collect()
    } else {
        FIELD_NAMES.to_vec()
    };
    let p = parser();
    for (i, (field, name)) in fields.iter().zip(names).enumerate() {
        // Every other field a wildcard (seconds "0"), so only field `i` can fail.
        let probe: Vec<&str> = (0..fields.len())
            .map(|j| {
                if j == i {
                    *field
                } else if with_seconds && j == 0 {
                    "0"
                } else {
                    "*"
                }
            })
            .collect();
        if let Err(e) = p.parse(&probe.join(" ")) {
            return Some((name, (*field).to_owned(), describe_error(&e, name)));
        }
    }
    None
}

/// croner's error text, minus its internal prefixes, with the valid range of the field.
fn describe_error(e: &croner::errors::CronError, field: &str) -> String {
    let range = match field {
        "seconds" | "minute" => "0-59",
        "hour" => "0-23",
        "day-of-month" => "1-31, L, W",
        "month" => "1-12 or JAN-DEC",
        _ => "0-7 (0 and 7 are Sunday) or SUN-SAT, #, L",
    };
    let why = match e {
        croner::errors::CronError::IllegalCharacters(_) => "contains a character not allowed here",
        _ => "value or syntax out of range",
    };
    format!("{why} (allowed: {range}, with * , - /)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::America::{Santiago, Sao_Paulo};

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn five_fields_utc_next() {
        let c = CronExpr::parse("30 6 * * *").unwrap();
        // 2026-03-10 05:00Z → same day 06:30Z.
        assert_eq!(
            c.next_after(utc(2026, 3, 10, 5, 0, 0), Tz::UTC),
            Some(utc(2026, 3, 10, 6, 30, 0))
        );
        // Strictly after: from exactly 06:30Z the next is the following day.
        assert_eq!(
            c.next_after(utc(2026, 3, 10, 6, 30, 0), Tz::UTC),
            Some(utc(2026, 3, 11, 6, 30, 0))
        );
        // Sub-second past the fire still moves on.
        let just_before = utc(2026, 3, 10, 6, 29, 59) + chrono::Duration::milliseconds(999);
        assert_eq!(
            c.next_after(just_before, Tz::UTC),
            Some(utc(2026, 3, 10, 6, 30, 0))
        );
        assert_eq!(c.as_str(), "30 6 * * *");
    }

    #[test]
    fn six_fields_seconds_first() {
        let c = CronExpr::parse("15 */10 * * * *").unwrap();
        // Seconds=15, minutes every 10: after 12:00:15Z → 12:10:15Z, 12:20:15Z.
        assert_eq!(
            c.next_n(utc(2026, 1, 1, 12, 0, 15), Tz::UTC, 2),
            vec![utc(2026, 1, 1, 12, 10, 15), utc(2026, 1, 1, 12, 20, 15)]
        );
        // From 12:00:00Z the 12:00:15Z fire is next.
        assert_eq!(
            c.next_after(utc(2026, 1, 1, 12, 0, 0), Tz::UTC),
            Some(utc(2026, 1, 1, 12, 0, 15))
        );
    }

    #[test]
    fn nicknames() {
        let daily = CronExpr::parse("@daily").unwrap();
        assert_eq!(daily.as_str(), "@daily");
        // @daily = 00:00 local. Sao Paulo 2026 is -03 all year (no DST since 2019):
        // 2026-05-10 00:00 -03 = 03:00Z, so from 2026-05-09 12:00Z the next is 05-10 03:00Z.
        assert_eq!(
            daily.next_after(utc(2026, 5, 9, 12, 0, 0), Sao_Paulo),
            Some(utc(2026, 5, 10, 3, 0, 0))
        );
        // @hourly from 10:20Z → 11:00Z.
        let hourly = CronExpr::parse("@HOURLY").unwrap();
        assert_eq!(
            hourly.next_after(utc(2026, 5, 9, 10, 20, 0), Tz::UTC),
            Some(utc(2026, 5, 9, 11, 0, 0))
        );
        // @weekly = Sunday 00:00; 2026-05-09 is a Saturday → Sunday 05-10 00:00Z.
        let weekly = CronExpr::parse("@weekly").unwrap();
        assert_eq!(
            weekly.next_after(utc(2026, 5, 9, 10, 20, 0), Tz::UTC),
            Some(utc(2026, 5, 10, 0, 0, 0))
        );
        // @monthly → 1st 00:00; @yearly → Jan 1st 00:00.
        assert_eq!(
            CronExpr::parse("@monthly")
                .unwrap()
                .next_after(utc(2026, 5, 9, 0, 0, 0), Tz::UTC),
            Some(utc(2026, 6, 1, 0, 0, 0))
        );
        assert_eq!(
            CronExpr::parse("@yearly")
                .unwrap()
                .next_after(utc(2026, 5, 9, 0, 0, 0), Tz::UTC),
            Some(utc(2027, 1, 1, 0, 0, 0))
        );
    }

    #[test]
    fn parse_errors_are_plain_words() {
        let e = CronExpr::parse("0 6 * *").unwrap_err();
        assert!(
            e.contains("expected 5 fields (minute hour day-of-month month day-of-week)"),
            "{e}"
        );
        assert!(e.contains("found 4"), "{e}");

        let e = CronExpr::parse("0 0 6 * * * 2026").unwrap_err();
        assert!(e.contains("found 7"), "{e}");

        let e = CronExpr::parse("").unwrap_err();
        assert!(e.contains("empty cron expression"), "{e}");

        let e = CronExpr::parse("0 25 * * *").unwrap_err();
        assert!(e.contains("invalid hour field \"25\""), "{e}");
        assert!(e.contains("0-23"), "{e}");

        let e = CronExpr::parse("61 6 * * *").unwrap_err();
        assert!(e.contains("invalid minute field \"61\""), "{e}");

        let e = CronExpr::parse("0 6 * 13 *").unwrap_err();
        assert!(e.contains("invalid month field \"13\""), "{e}");

        let e = CronExpr::parse("0 6 * * x").unwrap_err();
        assert!(e.contains("invalid day-of-week field \"x\""), "{e}");

        // In the 6-field form the first field is seconds.
        let e = CronExpr::parse("60 0 6 * * *").unwrap_err();
        assert!(e.contains("invalid seconds field \"60\""), "{e}");

        let e = CronExpr::parse("@fortnightly").unwrap_err();
        assert!(e.contains("unknown shortcut"), "{e}");
        let e = CronExpr::parse("@reboot").unwrap_err();
        assert!(e.contains("not supported"), "{e}");
    }

    #[test]
    fn never_firing_expression_gives_none() {
        // February 30th never exists.
        let c = CronExpr::parse("0 0 30 2 *").unwrap();
        assert_eq!(c.next_after(utc(2026, 1, 1, 0, 0, 0), Tz::UTC), None);
        assert!(c.next_n(utc(2026, 1, 1, 0, 0, 0), Tz::UTC, 3).is_empty());
    }

    #[test]
    fn next_n_in_local_zone_vs_utc() {
        let c = CronExpr::parse("0 6 * * *").unwrap();
        let from = utc(2026, 7, 1, 0, 0, 0);
        // UTC: 06:00Z on 07-01, 07-02, 07-03.
        assert_eq!(
            c.next_n(from, Tz::UTC, 3),
            vec![
                utc(2026, 7, 1, 6, 0, 0),
                utc(2026, 7, 2, 6, 0, 0),
                utc(2026, 7, 3, 6, 0, 0)
            ]
        );
        // Sao Paulo (-03): 06:00 local = 09:00Z.
        assert_eq!(
            c.next_n(from, Sao_Paulo, 3),
            vec![
                utc(2026, 7, 1, 9, 0, 0),
                utc(2026, 7, 2, 9, 0, 0),
                utc(2026, 7, 3, 9, 0, 0)
            ]
        );
        // Santiago in July is standard time -04: 06:00 local = 10:00Z.
        let local: Vec<String> = c
            .next_n(from, Santiago, 2)
            .iter()
            .map(|t| t.with_timezone(&Santiago).format("%F %T %:z").to_string())
            .collect();
        assert_eq!(
            local,
            vec!["2026-07-01 06:00:00 -04:00", "2026-07-02 06:00:00 -04:00"]
        );
    }

    #[test]
    fn santiago_spring_forward_fixed_time_in_gap_fires_once_at_shift() {
        // Chile 2024-09-08: at 00:00 -04 (= 04:00Z) clocks jump to 01:00 -03 (also 04:00Z).
        // Local 00:00..00:59 on 09-08 do not exist. A daily 00:30 job:
        //   09-07 00:30 -04 = 04:30Z (normal day)
        //   09-08: 00:30 is skipped → first valid instant after the gap = 01:00 -03 = 04:00Z
        //   09-09 00:30 -03 = 03:30Z (now on summer time)
        let c = CronExpr::parse("30 0 * * *").unwrap();
        let fires = c.next_n(utc(2024, 9, 6, 12, 0, 0), Santiago, 3);
        assert_eq!(
            fires,
            vec![
                utc(2024, 9, 7, 4, 30, 0),
                utc(2024, 9, 8, 4, 0, 0),
                utc(2024, 9, 9, 3, 30, 0)
            ]
        );
        assert_eq!(
            fires[1]
                .with_timezone(&Santiago)
                .format("%F %T %:z")
                .to_string(),
            "2024-09-08 01:00:00 -03:00"
        );
        // Exactly once that day: between 09-08 00:00Z and 09-09 00:00Z only the 04:00Z fire.
        assert_eq!(
            c.fires_between(
                utc(2024, 9, 8, 0, 0, 0),
                utc(2024, 9, 9, 0, 0, 0),
                Santiago,
                10
            ),
            vec![utc(2024, 9, 8, 4, 0, 0)]
        );
    }

    #[test]
    fn santiago_spring_forward_hourly_skips_missing_hour() {
        // Hourly across the gap: 23:00 -04 (03:00Z), then local 00:00 does not exist,
        // next is 01:00 -03 = 04:00Z, then 02:00 -03 = 05:00Z. Still one fire per real hour.
        let c = CronExpr::parse("0 * * * *").unwrap();
        assert_eq!(
            c.next_n(utc(2024, 9, 8, 2, 30, 0), Santiago, 3),
            vec![
                utc(2024, 9, 8, 3, 0, 0),
                utc(2024, 9, 8, 4, 0, 0),
                utc(2024, 9, 8, 5, 0, 0)
            ]
        );
    }

    #[test]
    fn santiago_fall_back_fixed_time_fires_once_first_pass() {
        // Chile 2024-04-07: at 00:00 -03 (= 03:00Z) clocks go back to 23:00 -04 on 04-06.
        // Local 23:00..23:59 of 04-06 happen twice: first pass -03 (02:00Z..03:00Z), second
        // pass -04 (03:00Z..04:00Z). A daily 23:30 job:
        //   04-05 23:30 -03 = 02:30Z on 04-06
        //   04-06 23:30 first pass -03 = 02:30Z on 04-07 (second pass 03:30Z must NOT fire)
        //   04-07 23:30 -04 = 03:30Z on 04-08
        let c = CronExpr::parse("30 23 * * *").unwrap();
        assert_eq!(
            c.next_n(utc(2024, 4, 5, 12, 0, 0), Santiago, 3),
            vec![
                utc(2024, 4, 6, 2, 30, 0),
                utc(2024, 4, 7, 2, 30, 0),
                utc(2024, 4, 8, 3, 30, 0)
            ]
        );
        // Even when the previous fire is not known (cursor inside the second pass, e.g. after
        // a restart), the second pass is not a fire time.
        assert_eq!(
            c.next_after(utc(2024, 4, 7, 3, 10, 0), Santiago),
            Some(utc(2024, 4, 8, 3, 30, 0))
        );
    }

    #[test]
    fn santiago_fall_back_hourly_fires_in_both_passes() {
        // Hourly on 04-06/07: 22:00 -03 (01:00Z), 23:00 -03 (02:00Z), 23:00 -04 (03:00Z),
        // 00:00 -04 (04:00Z): every real hour, the repeated 23:00 twice.
        let c = CronExpr::parse("0 * * * *").unwrap();
        let fires = c.fires_between(
            utc(2024, 4, 7, 0, 30, 0),
            utc(2024, 4, 7, 4, 0, 0),
            Santiago,
            10,
        );
        assert_eq!(
            fires,
            vec![
                utc(2024, 4, 7, 1, 0, 0),
                utc(2024, 4, 7, 2, 0, 0),
                utc(2024, 4, 7, 3, 0, 0),
                utc(2024, 4, 7, 4, 0, 0)
            ]
        );
        let local: Vec<String> = fires
            .iter()
            .map(|t| {
                t.with_timezone(&Santiago)
                    .format("%F %H:%M %:z")
                    .to_string()
            })
            .collect();
        assert_eq!(
            local,
            vec![
                "2024-04-06 22:00 -03:00",
                "2024-04-06 23:00 -03:00",
                "2024-04-06 23:00 -04:00",
                "2024-04-07 00:00 -04:00"
            ]
        );
        // A 15-minute job also covers both passes: 8 fires in (02:00Z, 04:00Z].
        let q = CronExpr::parse("*/15 * * * *").unwrap();
        assert_eq!(
            q.fires_between(
                utc(2024, 4, 7, 2, 0, 0),
                utc(2024, 4, 7, 4, 0, 0),
                Santiago,
                100
            )
            .len(),
            8
        );
    }

    #[test]
    fn fires_between_bounds_and_limit() {
        let c = CronExpr::parse("0 * * * *").unwrap();
        // after exclusive, until inclusive: (10:00Z, 13:00Z] → 11, 12, 13.
        assert_eq!(
            c.fires_between(
                utc(2026, 1, 1, 10, 0, 0),
                utc(2026, 1, 1, 13, 0, 0),
                Tz::UTC,
                10
            ),
            vec![
                utc(2026, 1, 1, 11, 0, 0),
                utc(2026, 1, 1, 12, 0, 0),
                utc(2026, 1, 1, 13, 0, 0)
            ]
        );
        // The limit keeps the oldest.
        assert_eq!(
            c.fires_between(
                utc(2026, 1, 1, 10, 0, 0),
                utc(2026, 1, 1, 13, 0, 0),
                Tz::UTC,
                2
            ),
            vec![utc(2026, 1, 1, 11, 0, 0), utc(2026, 1, 1, 12, 0, 0)]
        );
        assert!(
            c.fires_between(
                utc(2026, 1, 1, 10, 0, 0),
                utc(2026, 1, 1, 10, 59, 0),
                Tz::UTC,
                10
            )
            .is_empty()
        );
    }

    #[test]
    fn clock_time_classification() {
        for (expr, clock) in [
            ("0 6 * * *", true),
            ("0 0,12 * * *", true),
            ("30 8-17 * * 1-5", true),
            ("@daily", true),
            ("15 30 0 * * *", true),
            ("@hourly", false),
            ("*/15 * * * *", false),
            ("0 0-23/2 * * *", false),
            ("* 30 0 * * *", false),
        ] {
            assert_eq!(
                CronExpr::parse(expr).unwrap().is_clock_time(),
                clock,
                "{expr}"
            );
        }
    }

    #[test]
    fn santiago_spring_forward_list_job_keeps_the_skipped_midnight() {
        // `0 0,12 * * *` on 2024-09-08 (00:00 -04 → 01:00 -03 at 04:00Z):
        //   09-07 12:00 -04 = 16:00Z
        //   09-08 00:00 skipped → first instant after the gap, 01:00 -03 = 04:00Z
        //   09-08 12:00 -03 = 15:00Z
        //   09-09 00:00 -03 = 03:00Z
        let c = CronExpr::parse("0 0,12 * * *").unwrap();
        assert_eq!(
            c.next_n(utc(2024, 9, 7, 12, 0, 0), Santiago, 4),
            vec![
                utc(2024, 9, 7, 16, 0, 0),
                utc(2024, 9, 8, 4, 0, 0),
                utc(2024, 9, 8, 15, 0, 0),
                utc(2024, 9, 9, 3, 0, 0)
            ]
        );
        // Two wall times in the same gap (00:00 and 00:30) run once, at 04:00Z; the next
        // day both run: 00:00 -03 = 03:00Z, 00:30 -03 = 03:30Z.
        let two = CronExpr::parse("0,30 0 * * *").unwrap();
        assert_eq!(
            two.next_n(utc(2024, 9, 8, 0, 0, 0), Santiago, 3),
            vec![
                utc(2024, 9, 8, 4, 0, 0),
                utc(2024, 9, 9, 3, 0, 0),
                utc(2024, 9, 9, 3, 30, 0)
            ]
        );
    }

    #[test]
    fn santiago_fall_back_list_job_runs_repeated_time_once() {
        // `0 6,23 * * *` around 2024-04-07 (00:00 -03 → 04-06 23:00 -04 at 03:00Z), from
        // 04-06 00:00 -03 = 03:00Z:
        //   04-06 06:00 -03 = 09:00Z
        //   04-06 23:00 first pass -03 = 02:00Z on 04-07 (not again at 03:00Z, -04)
        //   04-07 06:00 -04 = 10:00Z
        //   04-07 23:00 -04 = 03:00Z on 04-08
        let c = CronExpr::parse("0 6,23 * * *").unwrap();
        assert_eq!(
            c.next_n(utc(2024, 4, 6, 3, 0, 0), Santiago, 4),
            vec![
                utc(2024, 4, 6, 9, 0, 0),
                utc(2024, 4, 7, 2, 0, 0),
                utc(2024, 4, 7, 10, 0, 0),
                utc(2024, 4, 8, 3, 0, 0)
            ]
        );
        // From inside the second pass (23:10 -04 = 03:10Z) the repeated 23:00 is not due.
        assert_eq!(
            c.next_after(utc(2024, 4, 7, 3, 10, 0), Santiago),
            Some(utc(2024, 4, 7, 10, 0, 0))
        );
    }

    #[test]
    fn croner_alone_treats_list_jobs_as_intervals() {
        // Why `next_clock_time` exists: croner 4.0.3's zoned search, for the same list jobs,
        // drops the skipped midnight (09-07 16:00Z → 09-08 15:00Z) and runs the repeated
        // 23:00 twice (02:00Z and 03:00Z). If croner changes this, the wrapper can go.
        let gap = CronExpr::parse("0 0,12 * * *").unwrap();
        assert_eq!(
            gap.next_zoned(utc(2024, 9, 7, 16, 0, 0), Santiago),
            Some(utc(2024, 9, 8, 15, 0, 0))
        );
        let fold = CronExpr::parse("0 6,23 * * *").unwrap();
        assert_eq!(
            fold.next_zoned(utc(2024, 4, 7, 2, 0, 0), Santiago),
            Some(utc(2024, 4, 7, 3, 0, 0))
        );
    }

    #[test]
    fn single_value_jobs_agree_with_croner_across_dst() {
        // For single-value clock-time jobs croner's zoned search already implements the
        // rules; the wall-clock walk must give the same fires. Ten fires from two days
        // before each transition.
        let patterns = [
            "30 0 * * *",
            "0 0 * * *",
            "30 23 * * *",
            "0 23 * * *",
            "15 30 0 * * *",
            "0 6 * * *",
            "0 0 * * 0",
        ];
        let starts = [
            (utc(2024, 9, 6, 0, 0, 0), Santiago),
            (utc(2024, 4, 5, 0, 0, 0), Santiago),
            (utc(2018, 11, 2, 0, 0, 0), Sao_Paulo),
            (utc(2019, 2, 15, 0, 0, 0), Sao_Paulo),
        ];
        let mut compared = 0;
        for p in patterns {
            let c = CronExpr::parse(p).unwrap();
            assert!(c.is_clock_time(), "{p}");
            for (from, tz) in starts {
                let mut a = from;
                let mut b = from;
                for _ in 0..10 {
                    let wall = c.next_clock_time(a, tz);
                    let zoned = c.next_zoned(b, tz);
                    assert_eq!(wall, zoned, "{p} in {tz} after {a}");
                    a = wall.unwrap();
                    b = zoned.unwrap();
                    compared += 1;
                }
            }
        }
        // 7 patterns × 4 starts × 10 fires.
        assert_eq!(compared, 280);
    }

    #[test]
    fn sao_paulo_2018_daily_midnight_runs_at_one() {
        // 2018-11-04 00:00 -03 → 01:00 -02 (03:00Z): `@daily` runs at 01:00 -02 = 03:00Z,
        // after 11-03 00:00 -03 = 03:00Z and before 11-05 00:00 -02 = 02:00Z.
        let c = CronExpr::parse("@daily").unwrap();
        assert_eq!(
            c.next_n(utc(2018, 11, 2, 12, 0, 0), Sao_Paulo, 3),
            vec![
                utc(2018, 11, 3, 3, 0, 0),
                utc(2018, 11, 4, 3, 0, 0),
                utc(2018, 11, 5, 2, 0, 0)
            ]
        );
    }
}
