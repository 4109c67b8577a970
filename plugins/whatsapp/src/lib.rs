//! # whatsapp plugin
//!
//! reportd source plugin reading archived WhatsApp Business Cloud API webhooks (one POST
//! body per line, JSONL, plain or gzip, a file with logrotate siblings or a directory of
//! daily files — or one per row of a database table, see [`db`]) plus the business's own
//! send log and opt-out log, and producing the 11 `whatsapp.*` reports of REPORTS.md §4.
//!
//! Layout, in data-flow order:
//! * [`settings`] — request → checked [`settings::Job`].
//! * [`reportd_plugin_api::input`] — which files to read, oldest first; gzip by magic bytes.
//! * [`db`] — the database input: POST bodies one per row (PostgreSQL `jsonb`), send log
//!   and opt-outs as tables.
//! * [`webhook`] — serde model of the POST body (borrowed strings), flattened into events.
//! * [`sendlog`] — the send-log and opt-out JSONL formats.
//! * [`state`] — streaming scan: highest status per wamid, inbound messages, template and
//!   line events, malformed-line counts.
//! * [`reports`] — the rows of each report.
//! * [`catalog`] — ids, titles, params, columns.
//! * [`generator`] — deterministic synthetic webhook archive (benchmarks, demos).

pub mod catalog;
pub mod db;
pub mod generator;
pub mod reports;
pub mod sendlog;
pub mod settings;
pub mod state;
pub mod webhook;

use reportd_plugin_api::{Catalog, Plugin, PluginError, Problem, Request, Sink};

use crate::settings::Job;

/// The whatsapp plugin. Stateless: every call works from its request alone.
#[derive(Debug, Default, Clone, Copy)]
pub struct WhatsappPlugin;

impl WhatsappPlugin {
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

impl Plugin for WhatsappPlugin {
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

reportd_plugin_api::export_plugin!(WhatsappPlugin::new());
