//! The process environment that supplies configuration defaults (state directory, plugin
//! directory, system time zone). Kept apart from [`super::load_with`] so validation stays a
//! pure function of the files plus this value, and tests pass their own.

use std::path::{Path, PathBuf};

/// Defaults that come from the environment rather than from the files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    /// `$STATE_DIRECTORY` (set by systemd's `StateDirectory=`): default `daemon.state_dir`.
    pub state_directory: Option<PathBuf>,
    /// Directory of the running `reportd` executable: first default plugin directory.
    pub exe_dir: Option<PathBuf>,
    /// The system's IANA zone name: default `daemon.timezone`.
    pub system_tz: Option<String>,
}

impl Env {
    /// Reads `$STATE_DIRECTORY` (first entry when systemd lists several), the directory of
    /// the current executable, and the system zone from `$TZ`, else `/etc/timezone`, else
    /// the `/etc/localtime` symlink target.
    pub fn from_process() -> Self {
        let state_directory = std::env::var_os("STATE_DIRECTORY").and_then(|v| {
            // systemd joins several StateDirectory= entries with ':'.
            v.to_string_lossy()
                .split(':')
                .find(|s| !s.is_empty())
                .map(PathBuf::from)
        });
        let exe_dir = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf));
        let system_tz = std::env::var("TZ")
            .ok()
            .and_then(|tz| zone_from_tz_var(&tz))
            .or_else(|| {
                std::fs::read_to_string("/etc/timezone")
                    .ok()
                    .and_then(|s| s.lines().next().map(|l| l.trim().to_owned()))
                    .filter(|s| !s.is_empty())
            })
            .or_else(|| {
                std::fs::read_link("/etc/localtime")
                    .ok()
                    .and_then(|target| zone_from_zoneinfo_path(&target.to_string_lossy()))
            });
        Self {
            state_directory,
            exe_dir,
            system_tz,
        }
    }
}

/// The zone name in a `TZ` value: `America/Sao_Paulo`, `:America/Sao_Paulo`, or a path
/// into a zoneinfo directory. POSIX rule strings (`BRT3`) have no IANA name: `None`.
fn zone_from_tz_var(tz: &str) -> Option<String> {
    let tz = tz.strip_prefix(':').unwrap_or(tz).trim();
    if tz.is_empty() {
        None
    } else if tz.starts_with('/') {
        zone_from_zoneinfo_path(tz)
    } else {
        Some(tz.to_owned())
    }
}

/// `/usr/share/zoneinfo/America/Sao_Paulo` → `America/Sao_Paulo`.
fn zone_from_zoneinfo_path(path: &str) -> Option<String> {
    let (_, zone) = path.split_once("zoneinfo/")?;
    (!zone.is_empty()).then(|| zone.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tz_variable_forms() {
        assert_eq!(
            zone_from_tz_var("America/Sao_Paulo").as_deref(),
            Some("America/Sao_Paulo")
        );
        assert_eq!(
            zone_from_tz_var(":Europe/Madrid").as_deref(),
            Some("Europe/Madrid")
        );
        assert_eq!(
            zone_from_tz_var("/usr/share/zoneinfo/America/Santiago").as_deref(),
            Some("America/Santiago")
        );
        assert_eq!(zone_from_tz_var("/etc/localtime"), None);
        assert_eq!(zone_from_tz_var(""), None);
    }
}
