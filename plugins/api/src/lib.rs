//! # reportd plugin API
//!
//! The narrow C ABI between the `reportd` host and its source plugins (`telephony`,
//! `whatsapp`, `webchat`, `score`, ...), plus the safe Rust side plugin authors use.
//!
//! * [`ffi`] — the `#[repr(C)]` types that cross the boundary. The plugin exports one symbol,
//!   [`ENTRY_SYMBOL`] (`reportd_plugin_v1`), returning a pointer to a static
//!   [`ffi::RdPluginV1`] table whose **first field is the ABI version**. Only function
//!   pointers, integers, and `ptr+len` byte strings cross; every buffer is freed by the side
//!   that allocated it (`free_buf` for plugin buffers).
//! * [`model`] — the JSON documents exchanged through the ABI: the report [`model::Catalog`],
//!   the generation [`model::Request`], warnings and errors.
//! * [`Sink`] / [`Value`] — how a plugin streams typed rows to the host.
//! * `input` (feature `input`) — finding logrotate siblings or daily files and opening
//!   plain or gzip input, shared by the file-reading plugins.
//! * `sql` (feature `sql`) — reading input tables from PostgreSQL, MySQL/MariaDB or SQLite,
//!   with the password from a file, the environment or a systemd credential.
//! * `testing` (feature `testing`, for dev-dependencies) — a collecting [`Sink`] for tests.
//! * [`Plugin`] + [`export_plugin!`] — implement the trait, call the macro once, build as a
//!   `cdylib`. The macro wraps every call in `catch_unwind`, so a panic becomes a
//!   `PLUGIN_PANIC` error instead of aborting the process.
//!
//! The host never unloads a plugin and runs generation in a separate worker process, so a
//! plugin that aborts, segfaults or hangs only fails its own run.

pub mod export;
pub mod ffi;
#[cfg(feature = "input")]
pub mod input;
pub mod model;
mod sink;
#[cfg(feature = "sql")]
pub mod sql;
#[cfg(feature = "testing")]
pub mod testing;

pub use model::{
    CONFIG_DIR_KEY, Catalog, Column, ColumnType, DATA_NOT_READY, ParamKind, ParamSpec, Period,
    PluginError, Problem, ReportSpec, Request, Titles, Warning, source_path,
};
pub use sink::{Cancelled, Sink, Value};

/// Version of the C ABI described in [`ffi`]. Bumped on any incompatible change.
pub const ABI_VERSION: u32 = 1;

/// Name of the symbol every plugin exports (NUL-terminated for `dlsym`).
pub const ENTRY_SYMBOL: &[u8] = b"reportd_plugin_v1\0";

/// What a source plugin implements. One instance lives for the life of the process.
pub trait Plugin: Send + Sync + 'static {
    /// The report catalog: ids, titles, parameters and columns.
    fn catalog(&self) -> Catalog;

    /// Checks the source settings and report parameters of a request without reading data.
    /// Returns every problem found, not only the first.
    fn validate(&self, request: &Request) -> Result<(), Vec<Problem>>;

    /// Generates the report, streaming rows into `sink`. Called only after `validate`
    /// succeeded. Malformed input records are reported with [`Sink::warn`], never fatal.
    fn generate(&self, request: &Request, sink: &mut dyn Sink) -> Result<(), PluginError>;

    /// Opens the source's inputs without reading data, for `reportd check --connect`: the
    /// host sends a request for the reserved report id [`PROBE_REPORT`] through `validate`.
    /// The default connects and logs in to every database URL among the source settings
    /// (with feature `sql`); plugins may check more (files readable, tables present).
    fn probe(&self, request: &Request) -> Result<(), PluginError> {
        default_probe(request)
    }
}

/// The report id of a probe request (see [`Plugin::probe`]); never a real report.
pub const PROBE_REPORT: &str = "@probe";

/// [`Plugin::probe`]'s default: connects to each database URL setting of the source.
pub fn default_probe(request: &Request) -> Result<(), PluginError> {
    #[cfg(feature = "sql")]
    for (key, value) in &request.source {
        let is_db = value.as_str().is_some_and(|v| {
            ["postgres:", "postgresql:", "mysql:", "mariadb:", "sqlite:"]
                .iter()
                .any(|s| v.starts_with(s))
        });
        if !is_db {
            continue;
        }
        match sql::Database::from_source(&request.source, key) {
            Ok(Some(db)) => drop(db.connect()?),
            Ok(None) => {}
            Err(problems) => {
                let text: Vec<String> = problems
                    .iter()
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .collect();
                return Err(PluginError::new("SOURCE_INVALID", text.join("; "), ""));
            }
        }
    }
    #[cfg(not(feature = "sql"))]
    let _ = request;
    Ok(())
}
