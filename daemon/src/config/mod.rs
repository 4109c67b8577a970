//! Configuration: `reportd.toml` + `schedules.d/*.toml`.
//!
//! Two steps, as in vector and ripgrep: [`raw`] parses each file into a spanned TOML
//! document with readers that reject unknown keys and wrong types key by key, then
//! [`validate`] turns the documents into a [`Plan`] with no I/O beyond reading the files,
//! returning **every** problem at once as [`ConfigError`]s that name the file, line, column,
//! key path, bad value and the fix. Loading plugins, reading secrets and touching hosts
//! happens later, in `build` (the run module) and `reportd check --connect`.

mod dest_email;
mod dest_ftp;
mod dest_sftp;
mod destinations;
pub mod env;
pub mod error;
pub mod plan;
pub mod raw;
mod schedules;
mod secrets;
pub mod suggest;
pub mod validate;

use std::path::{Path, PathBuf};

pub use env::Env;
pub use error::{ConfigError, ConfigErrors};
pub use plan::*;
pub use validate::ConfigText;

use raw::{Diagnostics, SourceFile};

/// Name of the directory, next to the main file, holding one file of schedules per customer.
pub const SCHEDULES_DIR: &str = "schedules.d";

/// Loads `main_file` and `<its directory>/schedules.d/*.toml` with defaults from the
/// process environment ([`Env::from_process`]).
pub fn load(main_file: &Path) -> Result<Plan, ConfigErrors> {
    load_with(main_file, &Env::from_process())
}

/// Loads `main_file` and `<its directory>/schedules.d/*.toml` (name order; hidden files,
/// editor backups and other extensions skipped; a missing directory is fine) and validates
/// them with defaults from `env`.
/// Reads only the main file, ignoring `schedules.d/`: enough to find the state directory and
/// the store when a schedule file is broken (`reportd status` still works then).
pub fn load_main_only(main_file: &Path) -> Result<Plan, ConfigErrors> {
    let text = std::fs::read_to_string(main_file).map_err(|e| {
        let mut diags = Diagnostics::default();
        diags.push_unpositioned(
            main_file,
            0,
            format!("cannot read the configuration file: {e}"),
            "check the path given to --config and its permissions".to_owned(),
        );
        ConfigErrors(diags.into_sorted())
    })?;
    validate::validate(
        ConfigText {
            path: main_file.to_path_buf(),
            text,
        },
        Vec::new(),
        &Env::from_process(),
    )
}

/// Loads `main_file` and `schedules.d/*.toml` beside it with an explicit environment.
pub fn load_with(main_file: &Path, env: &Env) -> Result<Plan, ConfigErrors> {
    let mut diags = Diagnostics::default();
    let main_text = match std::fs::read_to_string(main_file) {
        Ok(text) => text,
        Err(e) => {
            // Without the main file, every schedule would fail its references: report
            // only this.
            diags.push_unpositioned(
                main_file,
                0,
                format!("cannot read the configuration file: {e}"),
                "check the path given to --config and its permissions".to_owned(),
            );
            return Err(ConfigErrors(diags.into_sorted()));
        }
    };
    let mut files = vec![SourceFile::new(main_file.to_path_buf(), 0, main_text)];
    let dir = main_file
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(SCHEDULES_DIR);
    for path in schedule_files(&dir, &mut diags) {
        let index = files.len();
        match std::fs::read_to_string(&path) {
            Ok(text) => files.push(SourceFile::new(path, index, text)),
            Err(e) => diags.push_unpositioned(
                &path,
                index,
                format!("cannot read the configuration file: {e}"),
                "check its permissions and that it is UTF-8 text".to_owned(),
            ),
        }
    }
    let plan = validate::check(&files, env, &mut diags);
    validate::finish(plan, diags)
}

/// The `*.toml` files of `dir`, sorted by name. Skipped: hidden files (`.x.toml`, also
/// emacs lock files `.#x.toml`), editor backups (`x.toml~`), other extensions, directories.
fn schedule_files(dir: &Path, diags: &mut Diagnostics) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            diags.push_unpositioned(
                dir,
                usize::MAX,
                format!("cannot list the directory: {e}"),
                "check its permissions".to_owned(),
            );
            return Vec::new();
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| is_schedule_file_name(name))
        .collect();
    names.sort();
    names.into_iter().map(|name| dir.join(name)).collect()
}

/// `acme.toml` yes; `.acme.toml`, `.#acme.toml`, `acme.toml~`, `acme.toml.bak` no.
fn is_schedule_file_name(name: &str) -> bool {
    !name.starts_with('.') && name.ends_with(".toml") && name.len() > ".toml".len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_file_names() {
        assert!(is_schedule_file_name("acme.toml"));
        assert!(!is_schedule_file_name(".acme.toml"));
        assert!(!is_schedule_file_name(".#acme.toml"));
        assert!(!is_schedule_file_name("acme.toml~"));
        assert!(!is_schedule_file_name("acme.toml.bak"));
        assert!(!is_schedule_file_name("acme.json"));
        assert!(!is_schedule_file_name(".toml"));
    }
}
