//! # telephony plugin
//!
//! reportd source plugin reading Asterisk `queue_log` files (current file plus logrotate
//! siblings, plain or gzip) and producing the queue KPI reports of REPORTS.md §3:
//! `telephony.service_level`, `telephony.abandonment_rate` and
//! `telephony.abandoned_calls_detail`.
//!
//! Layout, in data-flow order:
//! * [`settings`] — request → checked [`settings::Job`] (shared by validate and generate).
//! * [`files`] — which files to read, oldest first; gzip by magic bytes.
//! * [`queue_log`] — zero-copy line parser, tolerant of every Asterisk version's field count.
//! * [`scan`] — streaming scan into finished queue entries (bounded memory).
//! * [`kpi`] — classification, counters, rows and the definition metadata.
//! * [`catalog`] — ids, titles, params, columns.
//! * [`generator`] — deterministic synthetic queue_log for demos and benchmarks (used by the
//!   `reportd-gen-queue-log` binary).

pub mod catalog;
pub mod files;
pub mod generator;
pub mod kpi;
pub mod queue_log;
pub mod scan;
pub mod settings;

use reportd_plugin_api::{Catalog, Plugin, PluginError, Problem, Request, Sink};

use crate::scan::ScanOptions;
use crate::settings::Job;

/// The telephony plugin. Stateless: every call works from its request alone.
#[derive(Debug, Default, Clone, Copy)]
pub struct TelephonyPlugin;

impl TelephonyPlugin {
    pub fn new() -> Self {
        Self
    }
}

impl Plugin for TelephonyPlugin {
    fn catalog(&self) -> Catalog {
        catalog::catalog()
    }

    fn validate(&self, request: &Request) -> Result<(), Vec<Problem>> {
        Job::from_request(request).map(|_| ())
    }

    fn generate(&self, request: &Request, sink: &mut dyn Sink) -> Result<(), PluginError> {
        let job = Job::from_request(request).map_err(|problems| {
            let text: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect();
            PluginError::new(
                "INVALID_REQUEST",
                format!("invalid request: {}", text.join("; ")),
                "run `reportd check` on the configuration",
            )
        })?;
        let (files, skipped) = files::discover(&job.settings.queue_log, job.start_utc)?;
        sink.begin(&job.report.columns()).map_err(kpi::cancelled)?;
        let opts = ScanOptions {
            start_utc: job.start_utc,
            end_utc: job.end_utc,
            queues: job.params.queues.as_ref(),
        };
        let mut report = kpi::Report::new(&job);
        let stats = scan::scan(&files, &opts, sink, &mut |entry| report.add(entry))?;
        kpi::emit_meta(&job, &stats, &skipped, sink);
        kpi::emit_warnings(&stats, sink);
        report.emit(sink).map_err(kpi::cancelled)?;
        Ok(())
    }
}

reportd_plugin_api::export_plugin!(TelephonyPlugin::new());
