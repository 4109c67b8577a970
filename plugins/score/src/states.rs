//! Agent state timeline (DATA-FORMATS.md §7): the 13 Score events, and turning a user's
//! state-change records into non-overlapping intervals clipped to the report period and
//! split at local midnights.
//!
//! A state lasts from its `started_at` until the earliest of its own `ended_at` (when the
//! export has one), the user's next state change, and — for an agent with no later record
//! (no logout) — the period end. So overlapping records are cut at the next start instead
//! of being counted twice, and a state open across the period bounds or midnight is split,
//! not lost.

use chrono::{Duration, NaiveTime};
use chrono_tz::Tz;

use crate::time::{local_dt, utc_of};

/// One of the 13 events, with its summary column `(id, en, pt-BR, es)` (none for
/// `Desconectado`) and whether it counts as available time (REPORTS.md §6.4 proposal (a)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventDef {
    /// Seed spelling, the wire value.
    pub name: &'static str,
    pub column: Option<(&'static str, &'static str, &'static str, &'static str)>,
    pub available: bool,
}

const fn ev(
    name: &'static str,
    column: (&'static str, &'static str, &'static str, &'static str),
    available: bool,
) -> EventDef {
    EventDef {
        name,
        column: Some(column),
        available,
    }
}

/// The 13 events in the summary's column order; `Desconectado` last (no column).
pub const EVENTS: [EventDef; 13] = [
    ev("Online", ("online_s", "Online", "Online", "En línea"), true),
    ev(
        "Esperando",
        ("waiting_s", "Waiting", "Esperando", "Esperando"),
        true,
    ),
    ev(
        "Timbrando",
        ("ringing_s", "Ringing", "Tocando", "Timbrando"),
        true,
    ),
    ev(
        "Hablando",
        ("talking_s", "Talking", "Falando", "Hablando"),
        true,
    ),
    ev("ACW", ("acw_s", "ACW", "ACW", "ACW"), true),
    ev(
        "Abriendo",
        ("opening_s", "Opening", "Abrindo", "Abriendo"),
        true,
    ),
    ev(
        "Escribiendo",
        ("writing_s", "Writing", "Escrevendo", "Escribiendo"),
        true,
    ),
    ev(
        "Almuerzo",
        ("lunch_s", "Lunch", "Almoço", "Almuerzo"),
        false,
    ),
    ev("Cena", ("dinner_s", "Dinner", "Jantar", "Cena"), false),
    ev(
        "En servicios",
        ("restroom_s", "Restroom", "Banheiro", "En servicios"),
        false,
    ),
    ev("Ocupado", ("busy_s", "Busy", "Ocupado", "Ocupado"), false),
    ev(
        "En capacitación",
        (
            "training_s",
            "Training",
            "Em treinamento",
            "En capacitación",
        ),
        false,
    ),
    EventDef {
        name: "Desconectado",
        column: None,
        available: false,
    },
];

/// Index of `Desconectado` in [`EVENTS`].
pub const DISCONNECTED: usize = 12;

/// Index in [`EVENTS`] of an event name (exact, then case-insensitive and accent-tolerant
/// for `En capacitacion`).
pub fn event_index(name: &str) -> Option<usize> {
    let n = name.trim();
    EVENTS.iter().position(|e| e.name == n).or_else(|| {
        let fold = |s: &str| s.to_lowercase().replace('ó', "o");
        let f = fold(n);
        EVENTS.iter().position(|e| fold(e.name) == f)
    })
}

/// One state-change record of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateRecord {
    pub event: usize,
    pub start: i64,
    pub end: Option<i64>,
}

/// A state interval `[start, end)`, Unix seconds, already clipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub event: usize,
    pub start: i64,
    pub end: i64,
}

/// Turns one user's records (any order) into intervals clipped to `[p0, p1)`; empty
/// intervals are dropped. Records with equal start keep their input order, so the later
/// one wins (the earlier lasts zero seconds).
pub fn intervals(records: &mut [StateRecord], p0: i64, p1: i64) -> Vec<Interval> {
    records.sort_by_key(|r| r.start);
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let next = records.get(i + 1).map(|n| n.start);
        let end = match (r.end, next) {
            (Some(e), Some(n)) => e.min(n),
            (Some(e), None) => e,
            (None, Some(n)) => n,
            // No later record: open until the period end (agent without logout).
            (None, None) => p1,
        };
        let (s, e) = (r.start.max(p0), end.min(p1));
        if e > s {
            out.push(Interval {
                event: r.event,
                start: s,
                end: e,
            });
        }
    }
    out
}

/// Splits `[start, end)` at local midnights of `tz`: `(local day, seconds)` pieces.
pub fn split_days(tz: Tz, start: i64, end: i64) -> Vec<(chrono::NaiveDate, i64)> {
    let mut out = Vec::new();
    let mut a = start;
    while a < end {
        let day = local_dt(tz, a).date();
        let next = utc_of(tz, (day + Duration::days(1)).and_time(NaiveTime::MIN));
        // A broken zone answer must not loop forever.
        let b = if next > a { end.min(next) } else { end };
        out.push((day, b - a));
        a = b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_and_open_end() {
        // Online 100..(ended 500, but Almuerzo starts 300) → 100..300; Almuerzo 300.. open
        // → clipped to period end 1000.
        let mut r = vec![
            StateRecord {
                event: 7,
                start: 300,
                end: None,
            },
            StateRecord {
                event: 0,
                start: 100,
                end: Some(500),
            },
        ];
        let v = intervals(&mut r, 0, 1000);
        assert_eq!(
            v,
            vec![
                Interval {
                    event: 0,
                    start: 100,
                    end: 300
                },
                Interval {
                    event: 7,
                    start: 300,
                    end: 1000
                }
            ]
        );
    }

    #[test]
    fn events_known() {
        assert_eq!(event_index("En capacitacion"), Some(11));
        assert_eq!(event_index("Desconectado"), Some(DISCONNECTED));
        assert_eq!(event_index("Pausa"), None);
    }
}
