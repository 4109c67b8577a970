//! From queue entries to report rows: classification of each entry (answered / abandoned /
//! other unanswered / excluded short abandon), the per-(bucket, queue) counters of the KPI
//! reports, the abandoned-calls detail, and the metadata that states the definitions used.
//!
//! Definitions (DATA-FORMATS.md §4, REPORTS.md §2): an entry counts in the interval of its
//! ENTERQUEUE time. Answered = CONNECT; answered within the threshold T = CONNECT holdtime
//! ≤ T. Abandoned = ABANDON (plus the EXIT*/WITHDRAW exits when `timeouts_as_abandoned`);
//! abandoned within T = wait ≤ T. Abandons with wait < `short_abandon` are left out of both
//! offered and abandoned.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};
use chrono_tz::Tz;
use reportd_plugin_api::{Cancelled, PluginError, Sink, Value, Warning};

use crate::catalog::ReportKind;
use crate::scan::{Outcome, QueueEntry, ScanStats};
use crate::settings::{Bucket, Job, Settings, SlVariant};

/// Queue name of the all-queues total row (bucket = period only).
pub const ALL_QUEUES: &str = "*";

/// How one entry counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Answered {
        in_sl: bool,
    },
    Abandoned {
        in_sl: bool,
    },
    /// Left the queue unanswered, not counted as abandoned (`unanswered_other`).
    Other,
    /// Short abandon: counted nowhere.
    Excluded,
    /// Offered, outcome unknown (no terminal event in the input).
    Unfinished,
}

/// Classifies `entry` under `settings`.
pub fn classify(entry: &QueueEntry, settings: &Settings) -> Class {
    let t_ms = settings.threshold_ms(entry.queue());
    let ms = |s: i64| u64::try_from(s).unwrap_or(0).saturating_mul(1000);
    match &entry.outcome {
        Outcome::Answered { holdtime_s, .. } => Class::Answered {
            in_sl: ms(*holdtime_s) <= t_ms,
        },
        Outcome::Left { exit, wait_s, .. } => {
            if exit.is_some() && !settings.timeouts_as_abandoned {
                Class::Other
            } else if ms(*wait_s) < settings.short_abandon_ms {
                Class::Excluded
            } else {
                Class::Abandoned {
                    in_sl: ms(*wait_s) <= t_ms,
                }
            }
        }
        Outcome::Unfinished => Class::Unfinished,
    }
}

/// Counters of one (bucket, queue) cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub offered: u64,
    pub answered: u64,
    pub answered_in_sl: u64,
    pub abandoned: u64,
    pub abandoned_in_sl: u64,
    pub unanswered_other: u64,
    /// Σ CONNECT holdtime of answered entries, ms.
    pub answered_wait_ms: u64,
    /// Σ wait of abandoned entries, ms.
    pub abandon_wait_ms: u64,
    /// Σ wait of the `unanswered_other` entries, ms.
    pub other_wait_ms: u64,
    /// Σ talk time of answered entries with a known end, ms.
    pub talk_ms: u64,
    /// Answered entries with a known end (the talk-time denominator).
    pub talked: u64,
}

fn s_to_ms(s: i64) -> u64 {
    u64::try_from(s).unwrap_or(0).saturating_mul(1000)
}

/// `sum / n` rounded to whole ms, 0 when `n` is 0, as a duration cell.
pub fn avg_ms(sum: u64, n: u64) -> i64 {
    (sum + n / 2)
        .checked_div(n)
        .map_or(0, |v| i64::try_from(v).unwrap_or(i64::MAX))
}

/// A count as an integer cell.
pub fn int(n: u64) -> Value<'static> {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A ms total as a duration cell.
pub fn dur(ms: u64) -> Value<'static> {
    Value::Duration(i64::try_from(ms).unwrap_or(i64::MAX))
}

impl Counters {
    /// Counts `entry`, classified as `class`.
    pub fn add(&mut self, class: Class, entry: &QueueEntry) {
        match class {
            Class::Answered { in_sl } => {
                self.offered += 1;
                self.answered += 1;
                self.answered_in_sl += u64::from(in_sl);
                if let Outcome::Answered {
                    holdtime_s,
                    completion,
                    ..
                } = &entry.outcome
                {
                    self.answered_wait_ms += s_to_ms(*holdtime_s);
                    if let Some(c) = completion {
                        self.talk_ms += s_to_ms(c.talk_s);
                        self.talked += 1;
                    }
                }
            }
            Class::Abandoned { in_sl } => {
                self.offered += 1;
                self.abandoned += 1;
                self.abandoned_in_sl += u64::from(in_sl);
                if let Outcome::Left { wait_s, .. } = &entry.outcome {
                    self.abandon_wait_ms += s_to_ms(*wait_s);
                }
            }
            Class::Other => {
                self.offered += 1;
                self.unanswered_other += 1;
                if let Outcome::Left { wait_s, .. } = &entry.outcome {
                    self.other_wait_ms += s_to_ms(*wait_s);
                }
            }
            Class::Unfinished => self.offered += 1,
            Class::Excluded => {}
        }
    }

    /// Score-style "abandoned": every offered call not answered (so that
    /// `received = answered + abandoned`, REPORTS.md §2).
    pub fn not_answered(&self) -> u64 {
        self.offered - self.answered
    }

    /// Σ wait of every offered entry with a known end, ms.
    pub fn wait_all_ms(&self) -> u64 {
        self.answered_wait_ms + self.abandon_wait_ms + self.other_wait_ms
    }

    /// Adds another cell's counters.
    pub fn merge(&mut self, o: &Counters) {
        self.answered_wait_ms += o.answered_wait_ms;
        self.abandon_wait_ms += o.abandon_wait_ms;
        self.other_wait_ms += o.other_wait_ms;
        self.talk_ms += o.talk_ms;
        self.talked += o.talked;
        self.offered += o.offered;
        self.answered += o.answered;
        self.answered_in_sl += o.answered_in_sl;
        self.abandoned += o.abandoned;
        self.abandoned_in_sl += o.abandoned_in_sl;
        self.unanswered_other += o.unanswered_other;
    }

    /// `pct_sl` under `variant`, rounded to 2 decimals; 0 when the denominator is 0.
    pub fn pct_sl(&self, variant: SlVariant) -> f64 {
        match variant {
            SlVariant::Offered => pct(self.answered_in_sl, self.offered),
            SlVariant::Answered => pct(self.answered_in_sl, self.answered),
            SlVariant::AbandonsIgnored => pct(
                self.answered_in_sl,
                self.offered.saturating_sub(self.abandoned_in_sl),
            ),
            SlVariant::AbandonsPositive => pct(
                self.answered_in_sl + self.abandoned_in_sl,
                self.answered + self.abandoned,
            ),
        }
    }

    /// `pct_abandon` = abandoned / offered × 100, rounded to 2 decimals.
    pub fn pct_abandon(&self) -> f64 {
        pct(self.abandoned, self.offered)
    }
}

/// `100·num/den` rounded to 2 decimals, 0 when `den` is 0.
pub fn pct(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        (num as f64 * 10_000.0 / den as f64).round() / 100.0
    }
}

/// Local wall-clock seconds (naive, since 1970-01-01T00:00) of a Unix time in `tz`.
pub fn local_secs(tz: Tz, utc: i64) -> i64 {
    DateTime::from_timestamp(utc, 0)
        .map(|d| d.with_timezone(&tz).naive_local())
        .map_or(utc, |n: NaiveDateTime| n.and_utc().timestamp())
}

/// One abandoned entry of the detail report.
#[derive(Debug, Clone)]
struct DetailRow {
    entry: QueueEntry,
}

/// Accumulates entries and writes the rows of one report.
pub struct Report<'j> {
    job: &'j Job,
    period_start_local: i64,
    queue_ids: HashMap<Box<str>, usize>,
    queue_names: Vec<Box<str>>,
    cells: HashMap<(i64, usize), Counters>,
    detail: Vec<DetailRow>,
}

impl<'j> Report<'j> {
    pub fn new(job: &'j Job) -> Self {
        Self {
            job,
            period_start_local: local_secs(job.tz, job.start_utc),
            queue_ids: HashMap::new(),
            queue_names: Vec::new(),
            cells: HashMap::new(),
            detail: Vec::new(),
        }
    }

    /// Start of the bucket (local naive seconds) an entry entering at `utc` counts in.
    fn bucket_of(&self, utc: i64) -> i64 {
        let local = local_secs(self.job.tz, utc);
        let floor = match self.job.params.bucket {
            Bucket::Period => return self.period_start_local,
            Bucket::Day => local - local.rem_euclid(86_400),
            Bucket::Hour => local - local.rem_euclid(3_600),
        };
        // A period that starts mid-day (or mid-hour) labels its first bucket with its start.
        floor.max(self.period_start_local)
    }

    /// Adds one finished entry.
    pub fn add(&mut self, entry: QueueEntry) {
        let class = classify(&entry, &self.job.settings);
        match self.job.report {
            ReportKind::AbandonedCallsDetail => {
                if matches!(class, Class::Abandoned { .. }) {
                    self.detail.push(DetailRow { entry });
                }
            }
            _ => {
                if class == Class::Excluded {
                    return;
                }
                let bucket = self.bucket_of(entry.entered_at);
                let qid = match self.queue_ids.get(entry.queue()) {
                    Some(&id) => id,
                    None => {
                        let id = self.queue_names.len();
                        self.queue_names.push(entry.queue().into());
                        self.queue_ids.insert(entry.queue().into(), id);
                        id
                    }
                };
                self.cells
                    .entry((bucket, qid))
                    .or_default()
                    .add(class, &entry);
            }
        }
    }

    /// Writes the rows (after `sink.begin`).
    pub fn emit(mut self, sink: &mut dyn Sink) -> Result<(), Cancelled> {
        match self.job.report {
            ReportKind::AbandonedCallsDetail => self.emit_detail(sink),
            _ => self.emit_kpi(sink),
        }
    }

    fn emit_kpi(&mut self, sink: &mut dyn Sink) -> Result<(), Cancelled> {
        let settings = &self.job.settings;
        let mut keys: Vec<(i64, usize)> = self.cells.keys().copied().collect();
        keys.sort_by(|a, b| (a.0, &self.queue_names[a.1]).cmp(&(b.0, &self.queue_names[b.1])));
        let mut total = Counters::default();
        let mut total_threshold: Option<u64> = None;
        let mut mixed_thresholds = false;
        for key in keys {
            let c = self.cells.get(&key).copied().unwrap_or_default();
            let queue: &str = &self.queue_names[key.1];
            let t_ms = settings.threshold_ms(queue);
            total.merge(&c);
            match total_threshold {
                None => total_threshold = Some(t_ms),
                Some(t) if t != t_ms => mixed_thresholds = true,
                Some(_) => {}
            }
            self.kpi_row(sink, queue, key.0, &c, Some(t_ms))?;
        }
        if self.job.params.bucket == Bucket::Period {
            let t = if mixed_thresholds {
                None
            } else {
                Some(total_threshold.unwrap_or(settings.sl_threshold_ms))
            };
            self.kpi_row(sink, ALL_QUEUES, self.period_start_local, &total, t)?;
        }
        Ok(())
    }

    fn kpi_row(
        &self,
        sink: &mut dyn Sink,
        queue: &str,
        bucket: i64,
        c: &Counters,
        threshold_ms: Option<u64>,
    ) -> Result<(), Cancelled> {
        let mut cells = vec![
            Value::Text(queue),
            Value::DateTime(bucket),
            int(c.offered),
            int(c.answered),
            int(c.abandoned),
            int(c.unanswered_other),
        ];
        match self.job.report {
            ReportKind::ServiceLevel => {
                cells.push(int(c.answered_in_sl));
                cells.push(threshold_ms.map_or(Value::Null, |t| {
                    Value::Duration(i64::try_from(t).unwrap_or(i64::MAX))
                }));
                cells.push(Value::Float(c.pct_sl(self.job.settings.sl_variant)));
            }
            ReportKind::AbandonmentRate => cells.push(Value::Float(c.pct_abandon())),
            ReportKind::AvgTimeToAbandon => {
                cells.push(dur(c.abandon_wait_ms));
                cells.push(Value::Duration(avg_ms(c.abandon_wait_ms, c.abandoned)));
            }
            ReportKind::AvgQueueWait => {
                cells.push(dur(c.answered_wait_ms));
                cells.push(Value::Duration(avg_ms(c.answered_wait_ms, c.answered)));
            }
            _ => {
                cells.push(dur(c.talk_ms));
                cells.push(Value::Duration(avg_ms(c.talk_ms, c.talked)));
            }
        }
        sink.row(&cells)
    }

    fn emit_detail(&mut self, sink: &mut dyn Sink) -> Result<(), Cancelled> {
        // Stable: ties keep the order the calls left the queue in.
        self.detail.sort_by_key(|r| r.entry.entered_at);
        let portfolio = self.job.params.portfolio.as_deref().unwrap_or("");
        for row in &self.detail {
            let e = &row.entry;
            let Outcome::Left {
                at,
                exit,
                wait_s,
                key,
                position,
                orig_position,
            } = &e.outcome
            else {
                continue;
            };
            let t_ms = self.job.settings.threshold_ms(e.queue());
            let wait_ms = wait_s.saturating_mul(1000);
            let opt_int = |v: Option<i64>| v.map_or(Value::Null, Value::Int);
            let cells = [
                Value::Text(e.call_id()),
                Value::Text(e.queue()),
                Value::Text(&e.caller_number),
                Value::DateTime(local_secs(self.job.tz, e.entered_at)),
                Value::DateTime(local_secs(self.job.tz, *at)),
                Value::Duration(wait_ms),
                Value::Duration(i64::try_from(t_ms).unwrap_or(i64::MAX)),
                Value::Bool(wait_ms > i64::try_from(t_ms).unwrap_or(i64::MAX)),
                Value::Text(key.as_deref().unwrap_or("")),
                Value::Text(portfolio),
                opt_int(*position),
                opt_int(orig_position.or(e.orig_position)),
                Value::Text(exit.map_or("ABANDON", |x| x.event())),
            ];
            sink.row(&cells)?;
        }
        Ok(())
    }
}

/// Seconds as text: `20`, or `2.5` for a fractional threshold.
fn secs_text(ms: u64) -> String {
    match (ms / 1000, ms % 1000) {
        (s, 0) => s.to_string(),
        _ => format!("{}", ms as f64 / 1000.0),
    }
}

/// The definitions, settings and input facts every report carries.
pub fn emit_meta(
    job: &Job,
    stats: &ScanStats,
    skipped: &[std::path::PathBuf],
    sink: &mut dyn Sink,
) {
    let s = &job.settings;
    let t = secs_text(s.sl_threshold_ms);
    let per_queue: Vec<String> = s
        .sl_thresholds
        .iter()
        .map(|(q, ms)| format!("{q}={}", secs_text(*ms)))
        .collect();
    let threshold = if per_queue.is_empty() {
        t.clone()
    } else {
        format!("{t}; {}", per_queue.join(", "))
    };
    let t_words = if per_queue.is_empty() {
        format!("{t} s")
    } else {
        format!("T (default {t} s; per queue {})", per_queue.join(", "))
    };
    let sl = match s.sl_variant {
        SlVariant::Offered => format!(
            "SL = answered within {t_words} / offered × 100 (abandoned calls count against)"
        ),
        SlVariant::Answered => {
            format!("SL = answered within {t_words} / answered × 100 (abandoned calls ignored)")
        }
        SlVariant::AbandonsIgnored => {
            format!("SL = answered within {t_words} / (offered − abandoned within {t_words}) × 100")
        }
        SlVariant::AbandonsPositive => format!(
            "SL = (answered within {t_words} + abandoned within {t_words}) / (answered + abandoned) × 100"
        ),
    };
    sink.meta(
        "sl_definition",
        &format!(
            "{sl}; answered within T = CONNECT holdtime <= T; sl_calls = answered within T; \
             the all-queues row (*) uses each queue's own T"
        ),
    );
    sink.meta("sl_threshold_s", &threshold);
    sink.meta("sl_variant", s.sl_variant.name());

    let mut ab = if s.timeouts_as_abandoned {
        "abandoned = ABANDON, EXITWITHTIMEOUT, EXITEMPTY, EXITWITHKEY and WITHDRAW (caller left \
         the queue unanswered)"
            .to_owned()
    } else {
        "abandoned = ABANDON (caller hung up while waiting); EXITWITHTIMEOUT, EXITEMPTY, \
         EXITWITHKEY and WITHDRAW are offered but counted in unanswered_other"
            .to_owned()
    };
    if s.short_abandon_ms > 0 {
        ab.push_str(&format!(
            "; abandons with wait < {} s are short abandons, left out of offered and abandoned",
            secs_text(s.short_abandon_ms)
        ));
    }
    ab.push_str("; pct_abandon = abandoned / offered × 100; abandoned within T = wait <= T");
    sink.meta("abandon_definition", &ab);
    sink.meta(
        "interval_assignment",
        "calls count in the interval of their ENTERQUEUE time; each queue entry is one offered \
         call (an overflow to a second queue counts in both)",
    );
    sink.meta("bucket", job.params.bucket.name());
    match &stats.source_table {
        Some(table) => sink.meta("source_table", table),
        None => sink.meta("source_files", &crate::files::names(&stats.files_read)),
    }
    if !skipped.is_empty() {
        let names = crate::files::names(skipped);
        sink.meta("source_files_skipped", &names);
    }
    sink.meta("lines_read", &stats.lines_read.to_string());
    sink.meta("malformed_lines", &stats.malformed_lines.to_string());
    sink.meta("unfinished_calls", &stats.unfinished.to_string());
    if !job.params.ignored.is_empty() {
        let notes: Vec<String> = job
            .params
            .ignored
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        sink.meta(
            "ignored_params",
            &format!(
                "{} (queue_log has no such dimension; the parameters are accepted and ignored)",
                notes.join(", ")
            ),
        );
    }
}

/// Warnings for what the scan found.
pub fn emit_warnings(stats: &ScanStats, sink: &mut dyn Sink) {
    if stats.malformed_lines > 0 {
        sink.warn(Warning {
            code: "MALFORMED_LINES".to_owned(),
            message: match &stats.source_table {
                Some(table) => format!(
                    "{} row(s) of the {table} could not be read and were skipped",
                    stats.malformed_lines
                ),
                None => format!(
                    "{} queue_log line(s) could not be parsed and were skipped",
                    stats.malformed_lines
                ),
            },
            count: stats.malformed_lines,
            examples: stats.malformed_examples.clone(),
        });
    }
    if stats.unfinished > 0 {
        sink.warn(Warning {
            code: "UNFINISHED_CALLS".to_owned(),
            message: format!(
                "{} queue entr(y/ies) of the period had no CONNECT, ABANDON or EXIT event within \
                 4 h after the period end; they count as offered only",
                stats.unfinished
            ),
            count: stats.unfinished,
            examples: Vec::new(),
        });
    }
}

/// Maps a host cancellation to the plugin error.
pub fn cancelled(_: Cancelled) -> PluginError {
    PluginError::new("CANCELLED", "the host stopped the generation", "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn pct_rounding() {
        // 2/3 = 66.666… → 66.67; 1/8 = 12.5; 0/0 → 0
        assert_eq!(pct(2, 3), 66.67);
        assert_eq!(pct(1, 8), 12.5);
        assert_eq!(pct(0, 0), 0.0);
        assert_eq!(pct(5, 5), 100.0);
    }

    #[test]
    fn local_time_sao_paulo() {
        // 2026-11-20T03:00:00Z = 00:00 local (UTC−3, no DST since 2019).
        let tz: Tz = "America/Sao_Paulo".parse().unwrap();
        let local = local_secs(tz, 1_795_143_600);
        assert_eq!(local, 1_795_143_600 - 3 * 3600);
        let n = DateTime::from_timestamp(local, 0).unwrap().naive_utc();
        assert_eq!(n.hour(), 0);
    }
}
