//! `telephony.ivr_survey` (REPORTS.md §3.15) from custom queue_log events.
//!
//! Input convention (documented in the README): the survey dialplan writes one line per
//! answer with Asterisk's `QueueLog()` application,
//! `QueueLog(${QUEUENAME},${UNIQUEID},${MEMBERINTERFACE},SURVEY,<ivr>|<question>|<answer>)`,
//! i.e. `time|callid|queue|agent|SURVEY|ivr_name|question_id|answer`, and optionally
//! `SURVEYSTART|ivr_name` when the caller enters the survey. One row per call and survey:
//! `collected_at` = time of the last answer; `ivr_total_s` = last answer − SURVEYSTART (or
//! the first answer); one column per question id (first-appearance order); `last_answer` =
//! the last keyed answer; `nps_survey` = the answer to the `nps_question` question and
//! `nps_question` its id. Agent and caller number come from the SURVEY line's agent column
//! or the call's CONNECT, and from its ENTERQUEUE.

use std::collections::HashMap;

use reportd_plugin_api::{Cancelled, Column, ColumnType, Sink, Value};

use crate::catalog::ReportKind;
use crate::kpi::local_secs;
use crate::queue_log::Line;
use crate::scan::QueueEntry;
use crate::settings::Job;

#[derive(Debug, Default)]
struct CallInfo {
    caller: Box<str>,
    agent: Box<str>,
}

#[derive(Debug)]
struct Answers {
    started: i64,
    first: i64,
    last: i64,
    agent: Box<str>,
    answers: Vec<(usize, Box<str>)>,
}

/// Accumulates one ivr_survey report.
pub struct SurveyReport<'j> {
    job: &'j Job,
    calls: HashMap<Box<str>, CallInfo>,
    surveys: HashMap<Box<str>, Answers>,
    starts: HashMap<Box<str>, i64>,
    questions: Vec<Box<str>>,
}

fn real(agent: &str) -> bool {
    !agent.is_empty() && agent != "NONE"
}

impl<'j> SurveyReport<'j> {
    pub fn new(job: &'j Job) -> Self {
        Self {
            job,
            calls: HashMap::new(),
            surveys: HashMap::new(),
            starts: HashMap::new(),
            questions: Vec::new(),
        }
    }

    /// Entries are not needed (the lines carry everything).
    pub fn entry(&mut self, _entry: QueueEntry) {}

    /// One line of the read window.
    pub fn line(&mut self, line: &Line<'_>) {
        let ivr = self.job.params.ivr_name.as_deref().unwrap_or("");
        match line.event {
            "ENTERQUEUE" => {
                self.calls.entry(line.callid.into()).or_default().caller = line.data(2).into();
            }
            "CONNECT" => {
                self.calls.entry(line.callid.into()).or_default().agent = line.agent.into();
            }
            "SURVEYSTART" if line.data(1) == ivr => {
                self.starts.insert(line.callid.into(), line.time);
            }
            "SURVEY" if line.data(1) == ivr => {
                let q = line.data(2);
                let qi = match self.questions.iter().position(|x| &**x == q) {
                    Some(i) => i,
                    None => {
                        self.questions.push(q.into());
                        self.questions.len() - 1
                    }
                };
                let started = self.starts.get(line.callid).copied();
                let s = self.surveys.entry(line.callid.into()).or_insert(Answers {
                    started: started.unwrap_or(line.time),
                    first: line.time,
                    last: line.time,
                    agent: "".into(),
                    answers: Vec::new(),
                });
                s.last = line.time;
                if real(line.agent) {
                    s.agent = line.agent.into();
                }
                s.answers.push((qi, line.data(3).into()));
            }
            _ => {}
        }
    }

    /// The columns: the catalog's, with one text column per question before `last_answer`.
    pub fn columns(&self) -> Vec<Column> {
        let mut cols = ReportKind::IvrSurvey.columns();
        let at = cols
            .iter()
            .position(|c| c.id == "last_answer")
            .unwrap_or(cols.len());
        for (i, q) in self.questions.iter().enumerate() {
            let id = format!("q_{q}");
            cols.insert(at + i, Column::new(&id, ColumnType::Text, q, q, q));
        }
        cols
    }

    /// Writes the rows (after `sink.begin(&self.columns())`), by first answer time.
    pub fn emit(self, sink: &mut dyn Sink) -> Result<(), Cancelled> {
        let mut rows: Vec<(&Box<str>, &Answers)> = self
            .surveys
            .iter()
            .filter(|(_, s)| s.first >= self.job.start_utc && s.first < self.job.end_utc)
            .collect();
        rows.sort_by(|a, b| (a.1.first, a.0).cmp(&(b.1.first, b.0)));
        let nps = self
            .questions
            .iter()
            .position(|q| **q == *self.job.settings.nps_question);
        let company = self.job.params.company.as_deref().unwrap_or("");
        let campaign = self.job.params.campaign.as_deref().unwrap_or("");
        for (callid, s) in rows {
            let info = self.calls.get(callid);
            let agent: &str = if real(&s.agent) {
                &s.agent
            } else {
                info.map_or("", |i| &i.agent)
            };
            let mut by_q: Vec<&str> = vec![""; self.questions.len()];
            for (qi, a) in &s.answers {
                by_q[*qi] = a;
            }
            let mut cells = vec![
                Value::Text(callid),
                Value::Text(""),
                Value::DateTime(local_secs(self.job.tz, s.last)),
                Value::Text(company),
                Value::Text(campaign),
                Value::Text("Entrante"),
                Value::Text(agent),
                Value::Text(agent),
                Value::Text(info.map_or("", |i| &i.caller)),
                Value::Duration((s.last - s.started.min(s.first)) * 1000),
            ];
            cells.extend(by_q.iter().map(|a| Value::Text(a)));
            cells.push(Value::Text(s.answers.last().map_or("", |a| &a.1)));
            match nps {
                Some(i) => {
                    cells.push(Value::Text(by_q[i]));
                    cells.push(Value::Text(&self.job.settings.nps_question));
                }
                None => {
                    cells.push(Value::Text(""));
                    cells.push(Value::Text(""));
                }
            }
            sink.row(&cells)?;
        }
        Ok(())
    }
}
