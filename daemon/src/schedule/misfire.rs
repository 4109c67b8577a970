//! Which fire times are due, and what to do with missed ones.
//!
//! Pure: given the schedule, the last fire already handled (`cursor`) and the wall clock
//! (`now`), [`decide`] lists every fire time `cursor < f <= now` with an [`Action`]:
//!
//! * **on time** — `now − f <= grace`: run it;
//! * **missed** — older than `grace` but `now − f <= window`: per `catch_up`,
//!   `latest` runs only the newest missed fire (and only when no fire is on time, since the
//!   on-time run already covers "the latest"), `all` runs each, `none` runs none; every
//!   missed fire not run is returned as a skip so the store records it;
//! * **older than the window** — not returned, only counted.
//!
//! The work is bounded ([`MAX_EXAMINED`] fire times per call) so a schedule firing every
//! second, or a cursor months old, cannot stall the scheduler.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::config::plan::CatchUp;
use crate::schedule::cron::CronExpr;

/// Most fire times one [`decide`] call computes (due ones first, then the count of those
/// older than the window).
pub const MAX_EXAMINED: usize = 10_000;

/// What to do with one fire time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Start a run. `catch_up` is true when the fire time was missed (older than the grace)
    /// and is run late under `catch_up = "latest" | "all"`.
    Run {
        /// Run late, as a catch-up.
        catch_up: bool,
    },
    /// Record the fire time as skipped.
    Skip {
        /// Why.
        reason: SkipReason,
    },
}

/// Why a fire time is not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Missed (older than the grace) and not caught up: `catch_up = "none"`, or superseded
    /// by a later fire under `catch_up = "latest"`.
    Missed,
}

impl SkipReason {
    /// Stable lowercase name, for status entries and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Missed => "missed",
        }
    }
}

/// One fire time and what to do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The scheduled fire instant (resolve the period from this, never from "now").
    pub fire: DateTime<Utc>,
    pub action: Action,
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// Fire times `cursor < f <= now` within the window, oldest first.
    pub due: Vec<Due>,
    /// Fire times after `cursor` but older than the window: neither run nor returned. Counted
    /// with what is left of the [`MAX_EXAMINED`] budget, so a very old cursor gives a lower
    /// bound.
    pub ignored_older_than_window: usize,
    /// More fire times lie between the last of `due` and `now` than one call examines. `due`
    /// then holds the oldest [`MAX_EXAMINED`]; missed ones under `latest` are all skips
    /// (a later fire supersedes them). Handle `due`, move the cursor to its last fire, and
    /// call again.
    pub truncated: bool,
}

/// Decides which fire times in `(cursor, now]` run, are skipped, or are ignored.
///
/// `cursor` is exclusive: the last fire time already handled (claimed or recorded).
pub fn decide(
    cron: &CronExpr,
    tz: Tz,
    cursor: DateTime<Utc>,
    now: DateTime<Utc>,
    grace: Duration,
    catch_up: CatchUp,
    window: Duration,
) -> Decision {
    let mut decision = Decision::default();
    if cursor >= now {
        return decision;
    }
    let grace = to_delta(grace);
    let window = to_delta(window);
    // An on-time fire is never "older than the window", even with a window shorter than the
    // grace.
    let reach = grace.max(window);
    let oldest_kept = now
        .checked_sub_signed(reach)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);

    // Fires f >= oldest_kept are in the window. `next_after` is strictly-after, and fires are
    // whole seconds, so starting one nanosecond before `oldest_kept` includes a fire exactly
    // on it.
    let walk_from = if cursor >= oldest_kept {
        cursor
    } else {
        oldest_kept
            .checked_sub_signed(TimeDelta::nanoseconds(1))
            .unwrap_or(oldest_kept)
    };
    let mut fires = Vec::new();
    let mut at = walk_from;
    while let Some(next) = cron.next_after(at, tz).filter(|f| *f <= now) {
        if fires.len() == MAX_EXAMINED {
            decision.truncated = true;
            break;
        }
        fires.push(next);
        at = next;
    }

    let on_time = |f: DateTime<Utc>| now - f <= grace;
    let any_on_time = fires.iter().any(|f| on_time(*f));
    let newest_missed = fires.iter().rev().find(|f| !on_time(**f)).copied();
    decision.due = fires
        .iter()
        .map(|&fire| {
            let action = if on_time(fire) {
                Action::Run { catch_up: false }
            } else {
                let run = match catch_up {
                    CatchUp::All => true,
                    CatchUp::None => false,
                    CatchUp::Latest => {
                        !any_on_time && !decision.truncated && newest_missed == Some(fire)
                    }
                };
                if run {
                    Action::Run { catch_up: true }
                } else {
                    Action::Skip {
                        reason: SkipReason::Missed,
                    }
                }
            };
            Due { fire, action }
        })
        .collect();

    if cursor < oldest_kept {
        let budget = MAX_EXAMINED - fires.len();
        let mut at = cursor;
        while decision.ignored_older_than_window < budget {
            match cron.next_after(at, tz) {
                Some(next) if next < oldest_kept => {
                    decision.ignored_older_than_window += 1;
                    at = next;
                }
                _ => break,
            }
        }
    }
    decision
}

/// `std` duration as a chrono delta, saturating (a window of centuries means "everything").
fn to_delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::period::PeriodSpec;
    use chrono::TimeZone;
    use chrono_tz::America::{Santiago, Sao_Paulo};

    const RUN: Action = Action::Run { catch_up: false };
    const CATCH_UP: Action = Action::Run { catch_up: true };
    const SKIP: Action = Action::Skip {
        reason: SkipReason::Missed,
    };
    const MIN: u64 = 60;
    const HOUR: u64 = 3600;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn hourly() -> CronExpr {
        CronExpr::parse("0 * * * *").unwrap()
    }

    fn actions(d: &Decision) -> Vec<(u32, Action)> {
        use chrono::Timelike;
        d.due.iter().map(|x| (x.fire.hour(), x.action)).collect()
    }

    /// Hourly in UTC, grace 5 min, window 24 h, cursor 02:00 (handled).
    fn downtime(now: DateTime<Utc>, catch_up: CatchUp) -> Decision {
        decide(
            &hourly(),
            Tz::UTC,
            utc(2026, 3, 1, 2, 0, 0),
            now,
            secs(5 * MIN),
            catch_up,
            secs(24 * HOUR),
        )
    }

    #[test]
    fn on_time_fire_runs() {
        // Fires in (09:00, 10:03] = {10:00}; age 3 min <= 5 min grace → on time.
        let d = decide(
            &hourly(),
            Tz::UTC,
            utc(2026, 3, 1, 9, 0, 0),
            utc(2026, 3, 1, 10, 3, 0),
            secs(5 * MIN),
            CatchUp::Latest,
            secs(24 * HOUR),
        );
        assert_eq!(actions(&d), vec![(10, RUN)]);
        assert_eq!(d.ignored_older_than_window, 0);
        assert!(!d.truncated);
    }

    #[test]
    fn grace_boundary() {
        let at = |now| {
            decide(
                &hourly(),
                Tz::UTC,
                utc(2026, 3, 1, 9, 0, 0),
                now,
                secs(5 * MIN),
                CatchUp::Latest,
                secs(24 * HOUR),
            )
        };
        // now − f = 10:05:00 − 10:00:00 = 5 min = grace → still on time.
        assert_eq!(actions(&at(utc(2026, 3, 1, 10, 5, 0))), vec![(10, RUN)]);
        // One second later it is missed; latest catches it up.
        assert_eq!(
            actions(&at(utc(2026, 3, 1, 10, 5, 1))),
            vec![(10, CATCH_UP)]
        );
        // Exactly on the fire instant (age 0) it is due; one second before, nothing is.
        assert_eq!(actions(&at(utc(2026, 3, 1, 10, 0, 0))), vec![(10, RUN)]);
        assert!(at(utc(2026, 3, 1, 9, 59, 59)).due.is_empty());
    }

    #[test]
    fn latest_runs_only_newest_missed_and_only_without_on_time_fire() {
        // Fires (02:00, 06:30] = 03, 04, 05, 06; all older than 5 min → newest (06) catches
        // up, the rest are skips.
        let d = downtime(utc(2026, 3, 1, 6, 30, 0), CatchUp::Latest);
        assert_eq!(
            actions(&d),
            vec![(3, SKIP), (4, SKIP), (5, SKIP), (6, CATCH_UP)]
        );
        // now 06:02: 06:00 is on time (2 min) → it runs normally and no catch-up run.
        let d = downtime(utc(2026, 3, 1, 6, 2, 0), CatchUp::Latest);
        assert_eq!(actions(&d), vec![(3, SKIP), (4, SKIP), (5, SKIP), (6, RUN)]);
    }

    #[test]
    fn all_runs_every_missed_fire() {
        let d = downtime(utc(2026, 3, 1, 6, 30, 0), CatchUp::All);
        assert_eq!(
            actions(&d),
            vec![(3, CATCH_UP), (4, CATCH_UP), (5, CATCH_UP), (6, CATCH_UP)]
        );
        let d = downtime(utc(2026, 3, 1, 6, 2, 0), CatchUp::All);
        assert_eq!(
            actions(&d),
            vec![(3, CATCH_UP), (4, CATCH_UP), (5, CATCH_UP), (6, RUN)]
        );
    }

    #[test]
    fn none_skips_every_missed_fire() {
        let d = downtime(utc(2026, 3, 1, 6, 30, 0), CatchUp::None);
        assert_eq!(
            actions(&d),
            vec![(3, SKIP), (4, SKIP), (5, SKIP), (6, SKIP)]
        );
        let d = downtime(utc(2026, 3, 1, 6, 2, 0), CatchUp::None);
        assert_eq!(actions(&d), vec![(3, SKIP), (4, SKIP), (5, SKIP), (6, RUN)]);
    }

    #[test]
    fn window_cut_counts_older_fires() {
        // cursor 03-01 00:00, now 03-03 00:30, window 24 h → oldest kept 03-02 00:30.
        // Older: 03-01 01:00 .. 03-02 00:00 = 24 fires (counted, not returned).
        // Kept: 03-02 01:00 .. 03-03 00:00 = 24 fires; newest is 30 min old (missed) → it
        // catches up under latest, the other 23 are skips.
        let d = decide(
            &hourly(),
            Tz::UTC,
            utc(2026, 3, 1, 0, 0, 0),
            utc(2026, 3, 3, 0, 30, 0),
            secs(5 * MIN),
            CatchUp::Latest,
            secs(24 * HOUR),
        );
        assert_eq!(d.ignored_older_than_window, 24);
        assert_eq!(d.due.len(), 24);
        assert_eq!(d.due[0].fire, utc(2026, 3, 2, 1, 0, 0));
        assert_eq!(d.due[23].fire, utc(2026, 3, 3, 0, 0, 0));
        assert_eq!(d.due[23].action, CATCH_UP);
        assert_eq!(d.due.iter().filter(|x| x.action == SKIP).count(), 23);
    }

    #[test]
    fn window_boundary_is_inclusive() {
        // now − f == window exactly (03-02 01:00 − 03-01 01:00 = 24 h) → kept.
        // Fires (03-01 00:00, 03-02 01:00] = 03-01 01:00 .. 03-02 01:00 = 25, none ignored.
        let d = decide(
            &hourly(),
            Tz::UTC,
            utc(2026, 3, 1, 0, 0, 0),
            utc(2026, 3, 2, 1, 0, 0),
            secs(5 * MIN),
            CatchUp::All,
            secs(24 * HOUR),
        );
        assert_eq!(d.ignored_older_than_window, 0);
        assert_eq!(d.due.len(), 25);
        assert_eq!(d.due[0].fire, utc(2026, 3, 1, 1, 0, 0));
        // Newest is 0 s old → on time; the other 24 catch up.
        assert_eq!(d.due[24].action, RUN);
        assert_eq!(d.due.iter().filter(|x| x.action == CATCH_UP).count(), 24);
    }

    #[test]
    fn grace_longer_than_window_is_still_on_time() {
        // window 1 min, grace 5 min: the 10:00 fire at 10:03 is on time, not ignored.
        let d = decide(
            &hourly(),
            Tz::UTC,
            utc(2026, 3, 1, 9, 0, 0),
            utc(2026, 3, 1, 10, 3, 0),
            secs(5 * MIN),
            CatchUp::None,
            secs(MIN),
        );
        assert_eq!(actions(&d), vec![(10, RUN)]);
        assert_eq!(d.ignored_older_than_window, 0);
    }

    #[test]
    fn nothing_due_when_cursor_not_before_now() {
        let now = utc(2026, 3, 1, 10, 0, 0);
        let d = decide(
            &hourly(),
            Tz::UTC,
            now,
            now,
            secs(5 * MIN),
            CatchUp::All,
            secs(24 * HOUR),
        );
        assert_eq!(d, Decision::default());
    }

    #[test]
    fn work_is_bounded_for_dense_schedules() {
        // Every second, window 24 h, cursor 24 h back: 86 400 fires in the window; only the
        // oldest 10 000 are examined: cursor+1 s .. cursor+10 000 s.
        let every_second = CronExpr::parse("* * * * * *").unwrap();
        let now = utc(2026, 3, 2, 0, 0, 0);
        let cursor = utc(2026, 3, 1, 0, 0, 0);
        let d = decide(
            &every_second,
            Tz::UTC,
            cursor,
            now,
            secs(5 * MIN),
            CatchUp::Latest,
            secs(24 * HOUR),
        );
        assert!(d.truncated);
        assert_eq!(d.due.len(), MAX_EXAMINED);
        assert_eq!(d.due[0].fire, utc(2026, 3, 1, 0, 0, 1));
        // 10 000 s = 2 h 46 min 40 s.
        assert_eq!(d.due[MAX_EXAMINED - 1].fire, utc(2026, 3, 1, 2, 46, 40));
        // Later fires supersede every examined one under latest.
        assert!(d.due.iter().all(|x| x.action == SKIP));

        // Per-minute, cursor a year back, window 1 h, now 10:00:30: oldest kept 09:00:30, so
        // 60 fires (09:01 .. 10:00) are due and the remaining budget 10 000 − 60 = 9 940 is
        // spent counting older ones (a year has far more): the count saturates.
        let minutely = CronExpr::parse("* * * * *").unwrap();
        let d = decide(
            &minutely,
            Tz::UTC,
            utc(2025, 3, 1, 0, 0, 0),
            utc(2026, 3, 1, 10, 0, 30),
            secs(5 * MIN),
            CatchUp::Latest,
            secs(HOUR),
        );
        assert!(!d.truncated);
        assert_eq!(d.due.len(), 60);
        assert_eq!(d.ignored_older_than_window, MAX_EXAMINED - 60);
        assert_eq!(d.due[59].action, RUN);
    }

    #[test]
    fn santiago_fall_back_hourly_catch_up_sees_both_passes() {
        // Down from 04-07 01:30Z to 04:30Z; hourly in Santiago: 02:00Z (23:00 -03),
        // 03:00Z (23:00 -04, repeated hour), 04:00Z (00:00 -04). All > 5 min old.
        let d = decide(
            &hourly(),
            Santiago,
            utc(2024, 4, 7, 1, 30, 0),
            utc(2024, 4, 7, 4, 30, 0),
            secs(5 * MIN),
            CatchUp::All,
            secs(24 * HOUR),
        );
        let fires: Vec<_> = d.due.iter().map(|x| x.fire).collect();
        assert_eq!(
            fires,
            vec![
                utc(2024, 4, 7, 2, 0, 0),
                utc(2024, 4, 7, 3, 0, 0),
                utc(2024, 4, 7, 4, 0, 0)
            ]
        );
        assert!(d.due.iter().all(|x| x.action == CATCH_UP));
    }

    #[test]
    fn late_catch_up_runs_resolve_period_from_scheduled_fire() {
        // Daily 06:00 Sao Paulo (-03) = 09:00Z. Daemon down from 11-19 12:00Z until
        // 11-22 10:00Z; catch_up = all, window 7 days. Missed: 11-20, 11-21, 11-22 09:00Z
        // (the last is 1 h old > 5 min grace). Each run's `yesterday` is the day before its
        // own scheduled fire — 11-19, 11-20, 11-21 — not the day before "now" (11-21).
        let cron = CronExpr::parse("0 6 * * *").unwrap();
        let d = decide(
            &cron,
            Sao_Paulo,
            utc(2026, 11, 19, 12, 0, 0),
            utc(2026, 11, 22, 10, 0, 0),
            secs(5 * MIN),
            CatchUp::All,
            secs(7 * 24 * HOUR),
        );
        assert_eq!(d.due.len(), 3);
        assert!(d.due.iter().all(|x| x.action == CATCH_UP));
        let starts: Vec<String> = d
            .due
            .iter()
            .map(|x| {
                PeriodSpec::Yesterday
                    .resolve(x.fire, Sao_Paulo)
                    .to_api()
                    .start_local
            })
            .collect();
        assert_eq!(
            starts,
            vec![
                "2026-11-19T00:00:00",
                "2026-11-20T00:00:00",
                "2026-11-21T00:00:00"
            ]
        );
        // Under latest only the 11-22 fire runs; its period is still 11-21.
        let d = decide(
            &cron,
            Sao_Paulo,
            utc(2026, 11, 19, 12, 0, 0),
            utc(2026, 11, 22, 10, 0, 0),
            secs(5 * MIN),
            CatchUp::Latest,
            secs(7 * 24 * HOUR),
        );
        let run: Vec<_> = d
            .due
            .iter()
            .filter(|x| matches!(x.action, Action::Run { .. }))
            .collect();
        assert_eq!(run.len(), 1);
        assert_eq!(run[0].fire, utc(2026, 11, 22, 9, 0, 0));
        assert_eq!(
            PeriodSpec::Yesterday
                .resolve(run[0].fire, Sao_Paulo)
                .to_api()
                .start_local,
            "2026-11-21T00:00:00"
        );
    }

    #[test]
    fn skip_reason_name() {
        assert_eq!(SkipReason::Missed.as_str(), "missed");
    }
}
