//! `telephony.agent_performance` (REPORTS.md §3.13): per agent and local day, answered
//! calls, TMO and talk, missed calls (RINGNOANSWER), paused and logged-in time.
//!
//! Definitions: the agent is the queue_log agent column (member name or interface).
//! Answered/TMO/talk come from the queue entries the agent CONNECTed (day of ENTERQUEUE);
//! TMO = Σ talk / answered calls with a known end. Missed = RINGNOANSWER lines, their ring
//! time is data1 in **milliseconds**. Logged-in time runs from the first ADDMEMBER (or
//! AGENTLOGIN) to the REMOVEMEMBER (AGENTLOGOFF) that leaves the agent in no queue; paused
//! time from PAUSE/PAUSEALL (or ADDMEMBER `PAUSED`) to UNPAUSE/UNPAUSEALL, per agent (a
//! pause logged once per queue counts once). Intervals are clipped to the period and split at
//! local midnight; one still open at the period end runs to the end; an agent whose first
//! event is a logoff/unpause is taken as logged in/paused since the period start.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveTime;
use reportd_plugin_api::{Cancelled, Sink, Value};

use crate::kpi::{Class, avg_ms, classify, dur, int, local_secs};
use crate::queue_log::Line;
use crate::scan::{Outcome, QueueEntry};
use crate::settings::Job;

#[derive(Debug, Default, Clone, Copy)]
struct Day {
    answered: u64,
    talk_ms: u64,
    talked: u64,
    missed: u64,
    ring_ms: u64,
    paused_ms: u64,
    logged_ms: u64,
}

#[derive(Debug, Default)]
struct State {
    queues: BTreeSet<Box<str>>,
    logged_since: Option<i64>,
    paused_since: Option<i64>,
    seen_login: bool,
    seen_pause: bool,
}

/// Accumulates one agent_performance report.
pub struct AgentReport<'j> {
    job: &'j Job,
    days: BTreeMap<(i64, Box<str>), Day>,
    states: HashMap<Box<str>, State>,
}

impl<'j> AgentReport<'j> {
    pub fn new(job: &'j Job) -> Self {
        Self {
            job,
            days: BTreeMap::new(),
            states: HashMap::new(),
        }
    }

    fn day_key(&self, utc: i64, agent: &str) -> (i64, Box<str>) {
        (
            local_secs(self.job.tz, utc).div_euclid(86_400),
            agent.into(),
        )
    }

    /// Adds `[a, b)` (clipped to the period, split at local midnights) with `f`.
    fn add_interval(&mut self, agent: &str, a: i64, b: i64, f: fn(&mut Day, u64)) {
        let mut a = a.max(self.job.start_utc);
        let b = b.min(self.job.end_utc);
        while a < b {
            let next_day = crate::limits::local_dt(self.job.tz, a).date().succ_opt();
            let boundary = next_day.map_or(b, |d| {
                crate::limits::utc_of(self.job.tz, d.and_time(NaiveTime::MIN))
            });
            let stop = boundary.min(b).max(a + 1);
            let key = self.day_key(a, agent);
            f(
                self.days.entry(key).or_default(),
                u64::try_from(stop - a).unwrap_or(0) * 1000,
            );
            a = stop;
        }
    }

    /// One answered (or other) entry.
    pub fn entry(&mut self, entry: QueueEntry) {
        if !matches!(classify(&entry, &self.job.settings), Class::Answered { .. }) {
            return;
        }
        let Outcome::Answered {
            agent, completion, ..
        } = &entry.outcome
        else {
            return;
        };
        let key = self.day_key(entry.entered_at, agent);
        let d = self.days.entry(key).or_default();
        d.answered += 1;
        if let Some(c) = completion {
            d.talk_ms += u64::try_from(c.talk_s).unwrap_or(0) * 1000;
            d.talked += 1;
        }
    }

    /// One queue_log line in the read window (member events).
    pub fn line(&mut self, line: &Line<'_>) {
        let queues = self.job.params.queues.as_ref();
        if line.queue != "NONE" && queues.is_some_and(|q| !q.contains(line.queue)) {
            return;
        }
        let t = line.time;
        let agent = line.agent;
        let start = self.job.start_utc;
        match line.event {
            "RINGNOANSWER" if t >= start && t < self.job.end_utc => {
                let key = self.day_key(t, agent);
                let d = self.days.entry(key).or_default();
                d.missed += 1;
                d.ring_ms += u64::try_from(line.data_int(1).unwrap_or(0)).unwrap_or(0);
            }
            "ADDMEMBER" | "AGENTLOGIN" => {
                let st = self.states.entry(agent.into()).or_default();
                st.seen_login = true;
                if st.queues.is_empty() && st.logged_since.is_none() {
                    st.logged_since = Some(t);
                }
                let q = if line.event == "AGENTLOGIN" {
                    "@agent"
                } else {
                    line.queue
                };
                st.queues.insert(q.into());
                if line.data(1) == "PAUSED" && st.paused_since.is_none() {
                    st.seen_pause = true;
                    st.paused_since = Some(t);
                }
            }
            "REMOVEMEMBER" | "AGENTLOGOFF" => {
                let st = self.states.entry(agent.into()).or_default();
                let q = if line.event == "AGENTLOGOFF" {
                    "@agent"
                } else {
                    line.queue
                };
                let since = if !st.seen_login {
                    Some(start)
                } else {
                    st.queues.remove(q);
                    if st.queues.is_empty() {
                        st.logged_since.take()
                    } else {
                        None
                    }
                };
                st.seen_login = true;
                // A logoff also ends a pause.
                let paused = if st.queues.is_empty() {
                    st.paused_since.take()
                } else {
                    None
                };
                if let Some(a) = since {
                    self.add_interval(agent, a, t, |d, ms| d.logged_ms += ms);
                }
                if let Some(a) = paused {
                    self.add_interval(agent, a, t, |d, ms| d.paused_ms += ms);
                }
            }
            "PAUSE" | "PAUSEALL" => {
                let st = self.states.entry(agent.into()).or_default();
                st.seen_pause = true;
                if st.paused_since.is_none() {
                    st.paused_since = Some(t);
                }
            }
            "UNPAUSE" | "UNPAUSEALL" => {
                let st = self.states.entry(agent.into()).or_default();
                let since = if st.seen_pause {
                    st.paused_since.take()
                } else {
                    Some(start)
                };
                st.seen_pause = true;
                if let Some(a) = since {
                    self.add_interval(agent, a, t, |d, ms| d.paused_ms += ms);
                }
            }
            _ => {}
        }
    }

    /// Closes the open intervals at the period end and writes the rows, by day then agent.
    pub fn emit(mut self, sink: &mut dyn Sink) -> Result<(), Cancelled> {
        let end = self.job.end_utc;
        let states: Vec<(Box<str>, State)> = self.states.drain().collect();
        for (agent, st) in states {
            if let Some(a) = st.logged_since {
                self.add_interval(&agent, a, end, |d, ms| d.logged_ms += ms);
            }
            if let Some(a) = st.paused_since {
                self.add_interval(&agent, a, end, |d, ms| d.paused_ms += ms);
            }
        }
        for ((day, agent), d) in &self.days {
            sink.row(&[
                Value::Date(i32::try_from(*day).unwrap_or(0)),
                Value::Text(agent),
                Value::Text(agent),
                int(d.answered),
                Value::Duration(avg_ms(d.talk_ms, d.talked)),
                dur(d.talk_ms),
                int(d.missed),
                dur(d.ring_ms),
                dur(d.paused_ms),
                dur(d.logged_ms),
            ])?;
        }
        Ok(())
    }
}
