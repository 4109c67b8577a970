//! # telephony plugin
//!
//! reportd source plugin reading Asterisk `queue_log` (files — current file plus logrotate
//! siblings, plain or gzip — or the realtime database table) and producing the queue KPI
//! reports of REPORTS.md §3: all 15 `telephony.*` reports, plus the Asterisk CDR (CSV files
//! or the `cdr` table) for the calls list.
//!
//! Layout, in data-flow order:
//! * [`settings`] — request → checked [`settings::Job`] (shared by validate and generate).
//! * [`files`] — which files to read, oldest first; gzip by magic bytes.
//! * [`db`] — the realtime `queue_log` and `cdr` tables (MariaDB/MySQL, PostgreSQL), read
//!   into the same lines and CDR rows as the files.
//! * [`queue_log`] — zero-copy line parser, tolerant of every Asterisk version's field count.
//! * [`scan`] — streaming scan into finished queue entries (bounded memory).
//! * [`kpi`] — classification, counters, KPI rows (§3.1–3.6) and the definition metadata.
//! * [`score`] — the Score customer-service reports (§3.7–3.12).
//! * [`agents`] — agent performance (§3.13).
//! * [`cdr`] — CDR CSV reader and the calls list (§3.14).
//! * [`survey`] — the IVR survey from SURVEY queue_log events (§3.15).
//! * [`limits`] — per-report period and parameter checks (R-MONTH, R-DAY, R-15D, ...).
//! * [`catalog`] — ids, titles, params, columns.
//! * [`generator`] — deterministic synthetic queue_log for demos and benchmarks (used by the
//!   `reportd-gen-queue-log` binary).

pub mod agents;
pub mod catalog;
pub mod cdr;
pub mod db;
pub mod files;
pub mod generator;
pub mod kpi;
pub mod limits;
pub mod queue_log;
pub mod scan;
pub mod score;
pub mod settings;
pub mod survey;

use reportd_plugin_api::{
    Catalog, DATA_NOT_READY, Plugin, PluginError, Problem, Request, Sink, Warning,
};

use crate::catalog::ReportKind;
use crate::scan::{Consumer, QueueEntry, ScanOptions};
use crate::settings::{InputAt, Job};

/// The telephony plugin. Stateless: every call works from its request alone (and the clock,
/// for the calls list's 15-day window).
#[derive(Debug, Default, Clone, Copy)]
pub struct TelephonyPlugin {
    now_utc: Option<i64>,
}

impl TelephonyPlugin {
    pub fn new() -> Self {
        Self { now_utc: None }
    }

    /// A plugin whose "today" is fixed at `now_utc` (tests, replays).
    pub fn with_now(now_utc: i64) -> Self {
        Self {
            now_utc: Some(now_utc),
        }
    }

    fn job(&self, request: &Request) -> Result<Job, Vec<Problem>> {
        match self.now_utc {
            Some(now) => Job::from_request_at(request, now),
            None => Job::from_request(request),
        }
    }
}

/// The accumulator of the report being generated.
enum Acc<'j> {
    Kpi(kpi::Report<'j>),
    Score(Box<score::ScoreReport<'j>>),
    Agents(agents::AgentReport<'j>),
    Survey(survey::SurveyReport<'j>),
}

impl Consumer for Acc<'_> {
    fn entry(&mut self, entry: QueueEntry) {
        match self {
            Acc::Kpi(r) => r.add(entry),
            Acc::Score(r) => r.add(entry),
            Acc::Agents(r) => r.entry(entry),
            Acc::Survey(r) => r.entry(entry),
        }
    }

    fn line(&mut self, line: &queue_log::Line<'_>) {
        match self {
            Acc::Agents(r) => r.line(line),
            Acc::Survey(r) => r.line(line),
            _ => {}
        }
    }
}

fn invalid(problems: Vec<Problem>) -> PluginError {
    let text: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect();
    PluginError::new(
        "INVALID_REQUEST",
        format!("invalid request: {}", text.join("; ")),
        "run `reportd check` on the configuration",
    )
}

/// Whether the input covers the period: the end is exclusive, so a record at end − 1 s or
/// later closes it.
fn period_closed(job: &Job, newest_utc: Option<i64>) -> bool {
    newest_utc.is_some_and(|n| n >= job.end_utc - 1)
}

fn local_text(job: &Job, utc: Option<i64>) -> String {
    utc.map_or("none".to_owned(), |n| {
        limits::local_dt(job.tz, n)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    })
}

/// With `wait_for_data` (the schedule's `wait_for_data`), refuses to make a report from an
/// input that does not cover the period yet: `DATA_NOT_READY`, before any row, and the host
/// runs the report again later. `input` names what was looked at.
fn wait_for_data(
    request: &Request,
    job: &Job,
    newest_utc: Option<i64>,
    input: &str,
) -> Result<(), PluginError> {
    if !request.wait_for_data || period_closed(job, newest_utc) {
        return Ok(());
    }
    Err(PluginError::new(
        DATA_NOT_READY,
        format!(
            "the newest record of {input} is from {} but the period ends at {}",
            local_text(job, newest_utc),
            local_text(job, Some(job.end_utc))
        ),
        "reportd runs the report again later (the schedule's wait_for_data); if this lasts, \
         check that Asterisk is still writing this input",
    ))
}

/// The data-readiness check: warns `PERIOD_NOT_CLOSED` when the period ends after the
/// newest record read (`newest_utc`), and records `newest_record` / `period_closed`.
fn readiness(job: &Job, newest_utc: Option<i64>, sink: &mut dyn Sink) {
    if !job.settings.readiness_warn {
        return;
    }
    let newest_text = local_text(job, newest_utc);
    sink.meta("newest_record", &newest_text);
    let closed = period_closed(job, newest_utc);
    sink.meta("period_closed", if closed { "true" } else { "false" });
    if !closed {
        sink.warn(Warning {
            code: "PERIOD_NOT_CLOSED".to_owned(),
            message: format!(
                "the period ends at {} but the newest input record is from {newest_text}: \
                 the figures may still change",
                local_text(job, Some(job.end_utc))
            ),
            count: 1,
            examples: Vec::new(),
        });
    }
}

/// The source's database; validation guarantees it for a table input.
fn database(job: &Job) -> Result<&reportd_plugin_api::sql::Database, PluginError> {
    job.settings
        .database
        .as_ref()
        .ok_or_else(|| invalid(vec![Problem::new("source.database", "missing", "")]))
}

/// The zone of the database's naive times.
fn database_zone(job: &Job) -> chrono_tz::Tz {
    job.settings.database_timezone.unwrap_or(job.tz)
}

fn generate_calls_list(
    request: &Request,
    job: &Job,
    sink: &mut dyn Sink,
) -> Result<(), PluginError> {
    let Some(input) = &job.settings.cdr else {
        return Err(invalid(vec![Problem::new("source.cdr", "missing", "")]));
    };
    let local_to_utc = |l: i64| {
        limits::utc_of(
            job.tz,
            chrono::DateTime::from_timestamp(l, 0)
                .unwrap_or_default()
                .naive_utc(),
        )
    };
    let (rows, stats, newest) = match input {
        InputAt::File(path) => {
            let (files, skipped) = files::discover(path, job.start_utc)?;
            if request.wait_for_data {
                let format = job.settings.cdr_format;
                let newest = files::newest_time(&files, &|l| {
                    cdr::parse_row(l, format).map(|r| local_to_utc(r.end))
                })?;
                wait_for_data(request, job, newest, "the CDR")?;
            }
            sink.begin(&job.report.columns()).map_err(kpi::cancelled)?;
            let from = kpi::local_secs(job.tz, job.start_utc);
            let to = kpi::local_secs(job.tz, job.end_utc);
            let (rows, stats) = cdr::read(&files, job.settings.cdr_format, from, to, sink)?;
            sink.meta("source_files", &files::names(&stats.files_read));
            if !skipped.is_empty() {
                let names = files::names(&skipped);
                sink.meta("source_files_skipped", &names);
            }
            let newest = stats.newest_local.map(local_to_utc);
            (rows, stats, newest)
        }
        InputAt::Table(table) => {
            let mut t = db::CdrTable::open(database(job)?, table, database_zone(job))?;
            wait_for_data(request, job, t.0.newest_utc, &t.0.label)?;
            sink.begin(&job.report.columns()).map_err(kpi::cancelled)?;
            let (rows, stats) = t.read(job.tz, job.start_utc, job.end_utc, sink)?;
            sink.meta("source_table", &t.0.label);
            (rows, stats, t.0.newest_utc)
        }
    };
    sink.meta("lines_read", &stats.lines_read.to_string());
    sink.meta("malformed_lines", &stats.malformed_lines.to_string());
    sink.meta("report_definition", report_definition(job.report));
    if stats.malformed_lines > 0 {
        sink.warn(Warning {
            code: "MALFORMED_LINES".to_owned(),
            message: format!(
                "{} CDR {} could not be parsed and were skipped",
                stats.malformed_lines,
                if input.file().is_some() {
                    "line(s)"
                } else {
                    "row(s)"
                }
            ),
            count: stats.malformed_lines,
            examples: stats.malformed_examples.clone(),
        });
    }
    readiness(job, newest, sink);
    cdr::emit_calls_list(job, &rows, sink).map_err(kpi::cancelled)
}

/// The definition each report states in its metadata (`report_definition`).
pub fn report_definition(kind: ReportKind) -> &'static str {
    use ReportKind::*;
    match kind {
        ServiceLevel | AbandonmentRate | AbandonedCallsDetail => {
            "see sl_definition and abandon_definition"
        }
        AvgTimeToAbandon => {
            "avg_time_to_abandon_s = Σ wait of abandoned entries / abandoned (wait = ABANDON waittime)"
        }
        AvgQueueWait => {
            "avg_wait_s = Σ CONNECT holdtime of answered entries / answered (holdtime includes ring time)"
        }
        AvgTalkTime => {
            "avg_talk_s = Σ calltime of answered entries with a known end (COMPLETECALLER, COMPLETEAGENT, TRANSFER, BLINDTRANSFER, ATTENDEDTRANSFER) / their number; talk includes agent hold"
        }
        InboundByQueue
        | InboundCallsDetail
        | DailySummary
        | Hourly
        | Daily
        | AbandonedByHourYearly => {
            "received = queue entries (an overflow counts in each queue); answered = CONNECT; sl_calls = answered with holdtime <= T; abandoned = received − answered (every unanswered exit); pct_answered and pct_abandon over received, pct_sl per sl_variant; TMO = Σ talk / answered calls with a known end (ACW excluded); TME = Σ holdtime of answered / answered, in seconds; consumed = wait + talk; status Contestada/Abandonada; service_level (per call) = wait + talk (seed definition); rows by the local time of ENTERQUEUE"
        }
        AgentPerformance => {
            "per agent (queue_log agent column) and local day: answered = CONNECTs (day of ENTERQUEUE); tmo_s = Σ talk / answered calls with a known end; missed = RINGNOANSWER, ring time from its data1 in ms; paused = PAUSE/PAUSEALL → UNPAUSE/UNPAUSEALL; logged in = ADDMEMBER/AGENTLOGIN → REMOVEMEMBER/AGENTLOGOFF leaving no queue; intervals clipped to the period and split at local midnight"
        }
        CallsList => {
            "one row per call = CDR rows grouped by linkedid (else uniqueid); started/ended = earliest start/latest end; total_s = ended − started; talk_s = longest billsec of an ANSWERED row; result Contestada when any row is ANSWERED; direction Entrante when the first row's dcontext is in inbound_contexts"
        }
        IvrSurvey => {
            "one row per call and survey from QueueLog() SURVEY events (ivr_name|question|answer); collected_at = last answer; ivr_total_s = last answer − SURVEYSTART (or first answer)"
        }
    }
}

impl Plugin for TelephonyPlugin {
    fn catalog(&self) -> Catalog {
        catalog::catalog()
    }

    fn validate(&self, request: &Request) -> Result<(), Vec<Problem>> {
        self.job(request).map(|_| ())
    }

    fn generate(&self, request: &Request, sink: &mut dyn Sink) -> Result<(), PluginError> {
        use ReportKind::*;
        let job = self.job(request).map_err(invalid)?;
        if job.report == CallsList {
            return generate_calls_list(request, &job, sink);
        }
        let Some(input) = &job.settings.queue_log else {
            return Err(invalid(vec![Problem::new(
                "source.queue_log",
                "missing",
                "",
            )]));
        };
        /// The opened queue_log input.
        enum Opened {
            Files(Vec<files::SourceFile>, Vec<std::path::PathBuf>),
            Table(db::QueueLogTable),
        }
        let mut opened = match input {
            InputAt::File(path) => {
                let (files, skipped) = files::discover(path, job.scan_start_utc)?;
                if request.wait_for_data {
                    let newest = files::newest_time(&files, &|l| {
                        queue_log::parse_line(l).ok().map(|l| l.time)
                    })?;
                    wait_for_data(request, &job, newest, "queue_log")?;
                }
                Opened::Files(files, skipped)
            }
            InputAt::Table(table) => {
                let t = db::QueueLogTable::open(database(&job)?, table, database_zone(&job))?;
                wait_for_data(request, &job, t.0.newest_utc, &t.0.label)?;
                Opened::Table(t)
            }
        };
        let opts = ScanOptions {
            start_utc: job.scan_start_utc,
            end_utc: job.end_utc,
            queues: job.params.queues.as_ref(),
            track_talk: matches!(
                job.report,
                AvgTalkTime
                    | InboundByQueue
                    | InboundCallsDetail
                    | DailySummary
                    | Hourly
                    | Daily
                    | AgentPerformance
            ),
            raw_lines: matches!(job.report, AgentPerformance | IvrSurvey),
        };
        let mut acc = match job.report {
            k if k.is_kpi() || k == AbandonedCallsDetail => Acc::Kpi(kpi::Report::new(&job)),
            AgentPerformance => Acc::Agents(agents::AgentReport::new(&job)),
            IvrSurvey => Acc::Survey(survey::SurveyReport::new(&job)),
            _ => Acc::Score(Box::new(score::ScoreReport::new(&job))),
        };
        // The survey's question columns are known only after the scan.
        if job.report != IvrSurvey {
            sink.begin(&job.report.columns()).map_err(kpi::cancelled)?;
        }
        let (stats, skipped, newest) = match &mut opened {
            Opened::Files(files, skipped) => {
                let stats = scan::scan(files, &opts, sink, &mut acc)?;
                let newest = stats.newest_time;
                (stats, std::mem::take(skipped), newest)
            }
            Opened::Table(t) => {
                let stats = t.scan(&opts, sink, &mut acc)?;
                (stats, Vec::new(), t.0.newest_utc)
            }
        };
        if let Acc::Survey(r) = &acc {
            sink.begin(&r.columns()).map_err(kpi::cancelled)?;
        }
        kpi::emit_meta(&job, &stats, &skipped, sink);
        sink.meta("report_definition", report_definition(job.report));
        kpi::emit_warnings(&stats, sink);
        readiness(&job, newest, sink);
        match acc {
            Acc::Kpi(r) => r.emit(sink),
            Acc::Score(r) => r.emit(sink),
            Acc::Agents(r) => r.emit(sink),
            Acc::Survey(r) => r.emit(sink),
        }
        .map_err(kpi::cancelled)
    }
}

reportd_plugin_api::export_plugin!(TelephonyPlugin::new());
