//! # webchat plugin
//!
//! reportd source plugin for webchat / chatbot platforms. It reads a neutral, documented
//! session model (README "Input model"): sessions, messages and surveys as JSONL files
//! (plain or gzip, a file with logrotate siblings or a directory of daily files), as
//! SQLite/PostgreSQL tables of the same model, or Chatwoot's own PostgreSQL schema through
//! an adapter, and produces the 14 `webchat.*` reports of REPORTS.md §5.
//!
//! Layout, in data-flow order:
//! * [`settings`] — request → checked [`settings::Job`].
//! * [`reportd_plugin_api::input`] — which files to read, oldest first; gzip by magic bytes.
//! * [`model`] — the session model, its JSONL parsers and streaming readers, malformed-line
//!   counting.
//! * [`db`] — the same model from database tables (time condition in SQL, rows streamed);
//!   [`chatwoot`] — Chatwoot's schema mapped onto it.
//! * [`reports`] — the rows of each report.
//! * [`catalog`] — ids, titles, params, columns.

pub mod catalog;
pub mod chatwoot;
pub mod db;
pub mod model;
pub mod reports;
pub mod settings;

use reportd_plugin_api::{Catalog, Plugin, PluginError, Problem, Request, Sink};

use crate::settings::Job;

/// The webchat plugin. Stateless: every call works from its request alone.
#[derive(Debug, Default, Clone, Copy)]
pub struct WebchatPlugin;

impl WebchatPlugin {
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

impl Plugin for WebchatPlugin {
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

reportd_plugin_api::export_plugin!(WebchatPlugin::new());
