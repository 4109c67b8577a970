//! The Score-style customer-service reports (REPORTS.md §3.7–§3.12): inbound calls per queue
//! and per call, the daily summary with month to date, hour slots, daily management and the
//! yearly abandoned-by-hour table.
//!
//! Definitions shared by these reports (REPORTS.md §2, DATA-FORMATS.md §4): every queue
//! entry is one received call (an overflow counts in each queue it entered); `answered` =
//! CONNECT; `sl_calls` = answered with holdtime ≤ the queue's T; `abandoned` = received −
//! answered (the seeds define Total = Contestadas + Abandonadas, so timeouts and other exits
//! count as abandoned here); `pct_*` over received (`pct_sl` follows `sl_variant`); TMO =
//! Σ talk / answered calls with a known end; TME = Σ holdtime of answered / answered;
//! consumed = wait + talk; short abandons are left out.

use std::collections::BTreeMap;

use reportd_plugin_api::{Cancelled, Sink, Value};

use crate::catalog::ReportKind;
use crate::kpi::{Class, Counters, avg_ms, classify, dur, int, local_secs, pct};
use crate::scan::{Outcome, QueueEntry};
use crate::settings::Job;

/// Accumulates entries for one Score-style report.
pub struct ScoreReport<'j> {
    job: &'j Job,
    by_queue: BTreeMap<Box<str>, Counters>,
    entries: Vec<QueueEntry>,
    day: Counters,
    month: Counters,
    hours: [Counters; 24],
    days: BTreeMap<i64, Counters>,
    year: [[u64; 24]; 12],
}

/// Local day number (days since 1970-01-01) of local naive seconds.
fn day_of(local: i64) -> i64 {
    local.div_euclid(86_400)
}

impl<'j> ScoreReport<'j> {
    pub fn new(job: &'j Job) -> Self {
        Self {
            job,
            by_queue: BTreeMap::new(),
            entries: Vec::new(),
            day: Counters::default(),
            month: Counters::default(),
            hours: [Counters::default(); 24],
            days: BTreeMap::new(),
            year: [[0; 24]; 12],
        }
    }

    /// Adds one finished entry.
    pub fn add(&mut self, entry: QueueEntry) {
        let class = classify(&entry, &self.job.settings);
        if class == Class::Excluded {
            return;
        }
        let local = local_secs(self.job.tz, entry.entered_at);
        match self.job.report {
            ReportKind::InboundByQueue => self
                .by_queue
                .entry(entry.queue().into())
                .or_default()
                .add(class, &entry),
            ReportKind::InboundCallsDetail => self.entries.push(entry),
            ReportKind::DailySummary => {
                self.month.add(class, &entry);
                if entry.entered_at >= self.job.start_utc {
                    self.day.add(class, &entry);
                }
            }
            ReportKind::Hourly => {
                let h = usize::try_from(local.rem_euclid(86_400) / 3600).unwrap_or(0);
                self.hours[h.min(23)].add(class, &entry);
            }
            ReportKind::Daily => self
                .days
                .entry(day_of(local))
                .or_default()
                .add(class, &entry),
            _ => {
                if !matches!(class, Class::Answered { .. }) {
                    let dt = crate::limits::local_dt(self.job.tz, entry.entered_at);
                    let m = chrono::Datelike::month0(&dt) as usize;
                    let h = chrono::Timelike::hour(&dt) as usize;
                    self.year[m.min(11)][h.min(23)] += 1;
                }
            }
        }
    }

    /// Writes the rows (after `sink.begin`).
    pub fn emit(mut self, sink: &mut dyn Sink) -> Result<(), Cancelled> {
        let variant = self.job.settings.sl_variant;
        let counts = |c: &Counters| {
            [
                int(c.offered),
                int(c.answered),
                int(c.answered_in_sl),
                int(c.not_answered()),
            ]
        };
        let pcts = |c: &Counters| {
            [
                Value::Float(pct(c.answered, c.offered)),
                Value::Float(c.pct_sl(variant)),
                Value::Float(pct(c.not_answered(), c.offered)),
            ]
        };
        let times = |c: &Counters| {
            [
                Value::Duration(avg_ms(c.talk_ms, c.talked)),
                Value::Duration(avg_ms(c.answered_wait_ms, c.answered)),
            ]
        };
        match self.job.report {
            ReportKind::InboundByQueue => {
                for (queue, c) in &self.by_queue {
                    let t = self.job.settings.threshold_ms(queue);
                    sink.row(&[
                        Value::Text(queue),
                        int(c.answered),
                        int(c.not_answered()),
                        int(c.offered),
                        dur(c.wait_all_ms() + c.talk_ms),
                        int(c.answered_in_sl),
                        Value::Float(c.pct_sl(variant)),
                        Value::Float(pct(c.not_answered(), c.offered)),
                        dur(c.wait_all_ms()),
                        dur(t),
                    ])?;
                }
            }
            ReportKind::InboundCallsDetail => {
                self.entries.sort_by_key(|e| e.entered_at);
                for e in &self.entries {
                    self.detail_row(sink, e)?;
                }
            }
            ReportKind::DailySummary => {
                for (section, c) in [("day", &self.day), ("month_to_date", &self.month)] {
                    let mut row = vec![Value::Text(section)];
                    row.extend(counts(c));
                    row.extend(pcts(c));
                    row.extend(times(c));
                    sink.row(&row)?;
                }
            }
            ReportKind::Hourly => {
                for (h, c) in self.hours.iter().enumerate() {
                    let mut row = vec![Value::Int(h as i64)];
                    row.extend(counts(c));
                    row.extend(times(c));
                    row.extend(pcts(c));
                    sink.row(&row)?;
                }
            }
            ReportKind::Daily => {
                let first = day_of(local_secs(self.job.tz, self.job.start_utc));
                let last = day_of(local_secs(self.job.tz, self.job.end_utc - 1));
                let zero = Counters::default();
                for d in first..=last {
                    let c = self.days.get(&d).unwrap_or(&zero);
                    let mut row = vec![Value::Date(i32::try_from(d).unwrap_or(0))];
                    row.extend(counts(c));
                    row.extend(pcts(c));
                    row.extend(times(c));
                    sink.row(&row)?;
                }
            }
            _ => {
                for (m, hours) in self.year.iter().enumerate() {
                    for (h, n) in hours.iter().enumerate() {
                        sink.row(&[Value::Int(m as i64 + 1), Value::Int(h as i64), int(*n)])?;
                    }
                }
            }
        }
        Ok(())
    }

    fn detail_row(&self, sink: &mut dyn Sink, e: &QueueEntry) -> Result<(), Cancelled> {
        let tz = self.job.tz;
        let local = local_secs(tz, e.entered_at);
        let campaign = self.job.params.campaign.as_deref().unwrap_or("");
        let (agent, status, contacted, wait_s, talk_s, dtmf) = match &e.outcome {
            Outcome::Answered {
                at,
                holdtime_s,
                agent,
                completion,
                ..
            } => (
                &**agent,
                "Contestada",
                Value::DateTime(local_secs(tz, *at)),
                Some(*holdtime_s),
                completion.as_ref().map(|c| c.talk_s),
                "",
            ),
            Outcome::Left { wait_s, key, .. } => (
                "",
                "Abandonada",
                Value::Null,
                Some(*wait_s),
                None,
                key.as_deref().unwrap_or(""),
            ),
            Outcome::Unfinished => ("", "Abandonada", Value::Null, None, None, ""),
        };
        let secs = |s: Option<i64>| s.map_or(Value::Null, |s| Value::Duration(s * 1000));
        let consumed = wait_s.map(|w| w + talk_s.unwrap_or(0));
        sink.row(&[
            Value::Text(agent),
            Value::Text(agent),
            Value::Text(extension_of(agent)),
            Value::Date(i32::try_from(day_of(local)).unwrap_or(0)),
            Value::Time(u32::try_from(local.rem_euclid(86_400)).unwrap_or(0)),
            Value::Text(campaign),
            Value::Text(e.queue()),
            Value::Text(&e.caller_number),
            Value::Text(status),
            contacted,
            // Seed definition of "Nivel de servicio": the time the call took (wait + talk).
            secs(consumed),
            secs(wait_s),
            Value::Null,
            secs(consumed),
            Value::Text(""),
            Value::Text(""),
            Value::Text(""),
            Value::Text(""),
            Value::Text(dtmf),
            Value::Text(""),
            Value::Text(e.call_id()),
        ])
    }
}

/// The extension of a member interface: `SIP/8007` → `8007`, `PJSIP/201-0000a` → `201`,
/// `Local/9990@ctx/n` → `9990`; a plain name is returned as is.
pub fn extension_of(agent: &str) -> &str {
    let rest = agent.split_once('/').map_or(agent, |(_, r)| r);
    let end = rest.find(['@', '/']).unwrap_or(rest.len());
    let rest = &rest[..end];
    // A channel name (not an interface) ends in -<hex sequence>.
    match rest.rsplit_once('-') {
        Some((ext, seq))
            if agent.contains('/')
                && !seq.is_empty()
                && seq.bytes().all(|b| b.is_ascii_hexdigit())
                && seq.len() >= 4 =>
        {
            ext
        }
        _ => rest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(extension_of("SIP/8007"), "8007");
        assert_eq!(extension_of("PJSIP/201-0000000a"), "201");
        assert_eq!(extension_of("Local/9990@agents/n"), "9990");
        assert_eq!(extension_of("Ana Souza"), "Ana Souza");
        assert_eq!(extension_of(""), "");
    }
}
