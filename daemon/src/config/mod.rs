//! Configuration: `reportd.toml` + `schedules.d/*.toml`.
//!
//! Two steps, as in vector and ripgrep: [`raw`] deserializes each file into serde structs
//! (`deny_unknown_fields`), then [`validate`] turns them into a [`Plan`] with no I/O beyond
//! reading the files, returning **every** problem at once as [`ConfigError`]s that name the
//! file, line, column, key path, bad value and the fix. Loading plugins, reading secrets and
//! touching hosts happens later, in `build` (the run module) and `reportd check --connect`.

pub mod error;
pub mod plan;
pub mod raw;

pub use error::{ConfigError, ConfigErrors};
pub use plan::*;
