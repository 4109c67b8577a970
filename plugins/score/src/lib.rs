//! # score plugin
//!
//! reportd source plugin reading the data of the Score contact-center platform as operators
//! export it — one CSV or JSONL file per table (companies, campaigns, users, contacts and their
//! template fields, tickets, typifications, agent state events, ACW logs, forms, Score AI
//! conclusions; see the README's table model) or the same tables from Score's PostgreSQL
//! database (or a SQLite copy) — and producing the 9 `score.*` reports of REPORTS.md §6.
//!
//! Layout, in data-flow order:
//! * [`settings`] — request → checked [`settings::Job`] (R-MONTH, one company/campaign, …).
//! * [`tables`] — one export table → flat records, streamed; malformed records counted.
//! * [`db`] — one database table → the same flat records, filtered in SQL.
//! * [`time`] — timestamp parsing, local/UTC conversions.
//! * [`states`] — the 13 agent events; state intervals clipped and split at midnight.
//! * [`reports`] — the rows of each report.
//! * [`catalog`] — ids, titles, params, columns.

pub mod catalog;
pub mod db;
pub mod reports;
pub mod settings;
pub mod states;
pub mod tables;
pub mod time;

use reportd_plugin_api::{Catalog, Plugin, PluginError, Problem, Request, Sink};

use crate::settings::Job;

/// The score plugin. Stateless: every call works from its request alone.
#[derive(Debug, Default, Clone, Copy)]
pub struct ScorePlugin;

impl ScorePlugin {
    pub fn new() -> Self {
        Self
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

impl Plugin for ScorePlugin {
    fn catalog(&self) -> Catalog {
        catalog::catalog()
    }

    fn validate(&self, request: &Request) -> Result<(), Vec<Problem>> {
        Job::from_request(request).map(|_| ())
    }

    fn generate(&self, request: &Request, sink: &mut dyn Sink) -> Result<(), PluginError> {
        let job = Job::from_request(request).map_err(invalid)?;
        reports::generate(&job, sink)
    }
}

reportd_plugin_api::export_plugin!(ScorePlugin::new());
