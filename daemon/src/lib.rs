//! # reportd
//!
//! A daemon that generates scheduled contact-center reports through source plugins and
//! delivers them to customers.
//!
//! ## Layout
//! * [`config`] — TOML files → raw serde structs → pure validation → [`config::Plan`].
//! * [`schedule`] — cron and time-zone math, reporting periods, missed-fire policy (pure),
//!   and the scheduler loop that claims fire times in the store.
//! * [`run`] — one run: claim → generate (worker) → render → deliver → record.
//! * [`plugin`] — host side of the plugin ABI; all `unsafe` lives in `plugin/ffi.rs`; the
//!   worker process that loads a plugin and writes the report file.
//! * [`render`] — streaming CSV writer and file-name templates.
//! * [`deliver`] — the [`deliver::Deliver`] trait, retry policy, and one module per
//!   destination type (`local`, later `sftp`, `ftp`, `email`).
//! * [`store`] — status entries ([`store::Store`] trait; SQLite today, PostgreSQL later).
//! * [`present`] — how status entries are shown (`reportd status`, `reportd show`).
//! * [`code`] — stable error codes with hints, shared by every layer.
//! * [`secret`] — secrets that never print.
//! * [`systemd`] — the `sd_notify` protocol (ready, status, reload, watchdog).
//! * [`logging`] — journald (structured fields) or text/JSON on stderr.

pub mod code;
pub mod config;
pub mod deliver;
pub mod logging;
pub mod plugin;
pub mod present;
pub mod render;
pub mod run;
pub mod schedule;
pub mod secret;
pub mod store;
pub mod systemd;
